"""What the page shows, as HTML: product cards, generated previews and the shopper's photos.

Pure functions of the reply's items and renders, so they are tested without a browser. Product
photos are public: Gradio's file route serves them (the page's allowed paths). The shopper's own
photos and the renders made for them are private: they go to that shopper's page inline, in the
HTML (a downscaled JPEG as a data: URI), and are never served by URL, so nobody else can fetch
them. No emoji and no icon font anywhere: plain words and CSS, so nothing needs a special font.
"""
from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path
from urllib.parse import quote

from PIL import Image, ImageOps

INLINE_SIDE = 640  # px: the longest side of a private image as sent inline (the stored file stays whole)

# What each kind of render is, said before its caption so it is never taken for a product photo.
RENDER_LABELS = {
    "generated": "Generated preview, not a product photo",
    "composite": "Approximate preview (a composite), not a product photo",
    "catalog": "Real product photo",
}

CSS = """
.card-grid { display: grid !important; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px;
             align-items: stretch !important; }
.card-grid > .card-slot { min-width: 0 !important; width: auto !important; display: flex; flex-direction: column; }
.card-slot .card-buttons { margin-top: auto !important; }  /* the buttons of a row of cards line up */
.card-slot.hidden, .card-slot[style*="display: none"] { display: none !important; }
.card { display: flex; flex-direction: column; gap: 4px; }
.card-photo { aspect-ratio: 4 / 5; background: #f4f4f5; border-radius: 6px; overflow: hidden;
              display: flex; align-items: center; justify-content: center; }
.card-photo img { width: 100%; height: 100%; object-fit: contain; }
.card-photo .no-photo { color: #71717a; font-size: 0.85em; }
.card-title { font-weight: 600; margin: 0; line-height: 1.25; overflow-wrap: anywhere; }
.card-pos { display: inline-block; min-width: 1.6em; padding: 0 4px; margin-right: 4px; border-radius: 4px;
            background: #ea580c; color: #fff; text-align: center; font-weight: 700; }
.card-meta { margin: 0; color: #3f3f46; }
.card-why { margin: 0; font-size: 0.9em; overflow-wrap: anywhere; display: -webkit-box; -webkit-box-orient: vertical;
            -webkit-line-clamp: 4; line-clamp: 4; overflow: hidden; }  /* all of it is under the details toggle */
.card details { font-size: 0.85em; }
.card details summary { cursor: pointer; color: #c2410c; }
.card details ul { margin: 4px 0 0 0; padding-left: 1.1em; }
.card.explained { outline: 3px solid #ea580c; outline-offset: 2px; border-radius: 6px; }
.example-row { flex-wrap: wrap !important; align-items: center; gap: 6px !important; }
.example-row > * { flex: 0 1 auto !important; width: auto !important; min-width: 0 !important; }
.example-row button { white-space: normal; }
.card-buttons { flex-wrap: wrap !important; gap: 6px !important; }
.card-buttons button { min-width: 0 !important; flex: 1 1 auto; }
figure.render, figure.sent-photo { margin: 0; }
figure.render { border: 2px dashed #ea580c; border-radius: 8px; padding: 6px; max-width: 320px; }
figure.render img, figure.sent-photo img { display: block; max-width: 100%; max-height: 320px; object-fit: contain; }
figure.sent-photo img { max-height: 160px; border-radius: 6px; }
figure.render figcaption { font-size: 0.9em; margin-top: 4px; }
.render-label { display: inline-block; background: #ea580c; color: #fff; font-weight: 700; padding: 0 6px;
                border-radius: 4px; margin-bottom: 2px; }
figure.render-catalog { border: 1px solid #a1a1aa; }  /* a real photo: not framed like a preview */
figure.render-catalog .render-label { background: #3f3f46; }
figure.sent-photo figcaption { font-weight: 600; font-size: 0.9em; }
/* Phone width: nothing may be wider than the screen. */
html, body, gradio-app, .gradio-container { max-width: 100% !important; overflow-x: hidden; }
.gradio-container img { max-width: 100%; }
@media (max-width: 480px) {
  .card-grid { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  .gradio-container { padding-left: 6px !important; padding-right: 6px !important; }
}
"""


def file_url(path: str | Path) -> str:
    """The page's URL of a local file (Gradio's file route; relative, so it works under a proxy prefix)."""
    return "gradio_api/file=" + quote(str(Path(path).resolve()))


def inline_image(path: str | Path, max_pixels: int) -> str | None:
    """A private image as a data: URI (JPEG, longest side INLINE_SIDE); None when the file is not
    an image PIL can read or has more than `max_pixels` (nothing that big is decoded for a preview)."""
    if not isinstance(path, (str, Path)):
        return None
    try:
        with Image.open(path) as image:
            if image.width * image.height > max_pixels:
                return None
            image.draft("RGB", (INLINE_SIDE, INLINE_SIDE))  # JPEG: decode at a reduced scale
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((INLINE_SIDE, INLINE_SIDE))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=85)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def alt_text(item) -> str:
    return f"{item.name}, {item.color}" if item.color else item.name


def evidence_phrases(item) -> list[str]:
    """The facts behind the item, each in its own words (tools/evidence.py `phrase()`)."""
    return [p for p in (fact.phrase() for fact in getattr(item, "evidence", None) or []) if p]


def card_html(item, photo: bool, explained: bool = False) -> str:
    """One product card: photo, position, name, price, colour, the short reason, and the evidence
    behind a details toggle. `photo`: whether the page may serve item.image_path."""
    if photo:
        image = f'<img src="{escape(file_url(item.image_path))}" alt="{escape(alt_text(item))}" loading="lazy">'
    else:
        image = '<span class="no-photo">No photo</span>'
    colour = f" · {escape(item.color)}" if item.color else ""
    phrases = evidence_phrases(item)
    facts = "".join(f"<li>{escape(p)}</li>" for p in phrases)
    count = f"{len(phrases)} fact{'s' * (len(phrases) != 1)}"
    details = f"<details><summary>Why this item ({count})</summary><ul>{facts}</ul></details>" if phrases else ""
    return (f'<article class="card{" explained" if explained else ""}" data-position="{item.position}" '
            f'aria-label="Item {item.position}: {escape(item.name)}">'
            f'<div class="card-photo">{image}</div>'
            f'<p class="card-title"><span class="card-pos">{item.position}</span> <span class="card-name">{escape(item.name)}</span></p>'
            f'<p class="card-meta">${item.price:.2f}{colour}</p>'
            f'<p class="card-why">{escape(item.explanation)}</p>{details}</article>')


def render_html(render, src: str) -> str:
    """A render (reply.renders) as a figure whose caption says first what kind of image it is.
    `src`: the image inline (inline_image)."""
    label = RENDER_LABELS.get(render.kind, "Preview, not a product photo")
    return (f'<figure class="render render-{escape(render.kind)}">'
            f'<img src="{escape(src)}" alt="{escape(label)}: {escape(render.caption)}">'
            f'<figcaption><span class="render-label">{escape(label)}</span><br>{escape(render.caption)}</figcaption>'
            "</figure>")


def sent_photo_html(name: str, src: str | None) -> str:
    """A photo the shopper sent, labelled with the name the assistant calls it by ("photo 1").
    `src`: the photo inline (inline_image); None shows the name alone."""
    image = f'<img src="{escape(src)}" alt="{escape(name)}, your photo">' if src else ""
    return f'<figure class="sent-photo">{image}<figcaption>{escape(name)}</figcaption></figure>'
