"""What the page shows as HTML (assistant/page_cards.py): product cards, renders and the shopper's photos.
The same HTML in a real browser: tests/browser/test_page_in_browser.py."""
from __future__ import annotations

import base64
import dataclasses
import io
from html import escape

import pytest
from PIL import Image

from assistant.page_cards import INLINE_SIDE, card_html, file_url, inline_image, render_html, sent_photo_html
from assistant.rendering.renderer import Render

pytestmark = pytest.mark.unit


def test_a_product_card_shows_photo_position_price_colour_reason_and_evidence(small_bot, session_id):
    bot, _ = small_bot([{"name": "catalog_filter", "args": {}}])
    item = bot.respond(session_id, "women's jackets").items[1]
    html = card_html(item, photo=True)
    assert f'<span class="card-pos">2</span> <span class="card-name">{escape(item.name)}</span>' in html and f"${item.price:.2f} · {item.color}" in html
    assert f'alt="{escape(item.name)}, {item.color}"' in html and file_url(item.image_path) in html
    assert escape(item.explanation) in html
    phrases = [f.phrase() for f in item.evidence if f.phrase()]
    assert phrases and html.count("<li>") == len(phrases)  # every fact, in its own words, under the toggle
    assert f"<details><summary>Why this item ({len(phrases)} fact" in html
    assert "explained" not in html and 'class="card explained"' in card_html(item, photo=True, explained=True)
    no_photo = card_html(dataclasses.replace(item, name="<b>Odd & Co</b>", color=None), photo=False)
    assert "<img" not in no_photo and "No photo" in no_photo and "&lt;b&gt;Odd &amp; Co&lt;/b&gt;" in no_photo
    assert " · " not in no_photo  # no colour, no separator


def test_renders_and_sent_photos_are_labelled(tmp_path):
    render = Render(str(tmp_path / "r.png"), "WJ12-Blue", "Green", "generated", "the Juno Jacket in green")
    html = render_html(render, "data:image/jpeg;base64,AAAA")
    assert "Generated preview, not a product photo" in html.split("<figcaption>")[1]  # said in the caption
    assert 'alt="Generated preview, not a product photo: the Juno Jacket in green"' in html
    assert 'src="data:image/jpeg;base64,AAAA"' in html
    assert "Approximate preview" in render_html(dataclasses.replace(render, kind="composite"), "x")
    assert "Real product photo" in render_html(dataclasses.replace(render, kind="catalog"), "x")
    photo = sent_photo_html("photo 2", "data:image/jpeg;base64,AAAA")
    assert "<figcaption>photo 2</figcaption>" in photo and 'alt="photo 2, your photo"' in photo
    assert "<img" not in sent_photo_html("photo 3", None) and "photo 3" in sent_photo_html("photo 3", None)
    assert file_url(tmp_path / "p.jpg") == "gradio_api/file=" + str((tmp_path / "p.jpg").resolve())


def test_private_images_go_inline_downscaled_and_bad_files_give_none(tmp_path):
    big = tmp_path / "big.png"
    Image.new("RGB", (2000, 1000), (200, 30, 30)).save(big)
    src = inline_image(big, max_pixels=40_000_000)
    assert src.startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) as shown:
        assert shown.size == (INLINE_SIDE, INLINE_SIDE // 2)
        assert shown.getpixel((10, 10))[0] > 150  # the picture itself, not a placeholder
    assert inline_image(big, max_pixels=1_000_000) is None  # too many pixels to decode for a preview
    (tmp_path / "note.txt").write_text("not an image")
    assert inline_image(tmp_path / "note.txt", 40_000_000) is None
    assert inline_image(tmp_path / "missing.jpg", 40_000_000) is None
    assert inline_image({"path": str(big)}, 40_000_000) is None and inline_image(None, 40_000_000) is None
