"""The render tool: a catalog item in a colour, a catalog item in the shopper's photo, or words.

- Item + colour: if the product is sold in that colour, the real photo (a render is never shown
  for what exists); otherwise a render, labelled as a generated preview of a colour that is not
  sold, and the real products nearest to the render's embedding (generate-then-retrieve).
- Item + the shopper's photo: the product cut out by its garment mask and placed into the photo,
  labelled as an approximate preview.
- Words only: decoded from the aligned space at the model's low resolution, labelled, and used as
  an image query for real products.
The images (assistant/rendering/) come back in `result.data["renders"]`; the hits are always real
catalog products.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from assistant.catalog.vocabulary import VocabularyError
from assistant.rendering.renderer import Render, RenderError
from assistant.uploads import ImageRejected
from tools.base import Hit, ToolContext, ToolResult
from tools.evidence import LooksLikeRender, PlacedInPhoto, SoldInColour

DECODED_SHOWN = (256, 320)   # a 64 x 80 decoding is shown enlarged, and says so


def render_for(ctx: ToolContext, sku: str | None, colour: str | None, photo: str | None,
               description: str | None, limit: int) -> ToolResult:
    if ctx.renderer is None:
        return ToolResult("render", error="rendering is not available here (the renderer's weights are missing)")
    notes = []
    if colour:
        try:
            normalised = ctx.vocab.color(colour)
        except VocabularyError as exc:
            return ToolResult("render", error=str(exc))
        colour = normalised.value
        notes += [normalised.note] if normalised.note else []
    try:
        if sku is not None and photo:
            result = _in_photo(ctx, sku, colour, photo)
        elif sku is not None:
            if not colour:
                return ToolResult("render", error="which colour should I show it in?")
            result = _in_colour(ctx, sku, colour, limit)
        elif description:
            result = _from_words(ctx, description, limit)
        else:
            return ToolResult("render", error="tell me which item to show (e.g. 'the second one'), or describe one")
    except (RenderError, ImageRejected) as exc:
        return ToolResult("render", error=str(exc))
    result.notes = notes + result.notes
    return result


def _product_and_variants(ctx: ToolContext, sku: str, colour: str | None):
    """(product, its colour variants, the variant sold in `colour` or None)."""
    product = ctx.catalog.get(sku)
    variants = ctx.catalog.variants(product.parent_sku)
    return product, variants, next((v for v in variants if colour and v.color == colour), None)


def _in_colour(ctx: ToolContext, sku: str, colour: str, limit: int) -> ToolResult:
    product, variants, sold = _product_and_variants(ctx, sku, colour)
    if sold is not None:
        shown = Render(sold.image_path, sold.sku, colour, "catalog",
                       f"{sold.name} in {colour.lower()}: the real product photo (sold in this colour)")
        return ToolResult("render", hits=[Hit(sold.sku, 1.0, [SoldInColour(colour)])], data={"renders": [shown]})
    image, method = ctx.renderer.recolour(product, variants, colour)
    what = f"the {product.name} in {colour.lower()}"
    sold_in = ", ".join(v.color.lower() for v in variants if v.color) or "one colour only"
    caption = (f"Generated preview: {what}. {product.name} is not sold in {colour.lower()} "
               f"(sold in {sold_in}); this is a render, not a product photo.")
    shown = _store(ctx, image, Render("", product.sku, colour, "generated", caption),
                   method=method, source_photo=product.image_path)
    return ToolResult("render", hits=_nearest(ctx, image, what, limit), data={"renders": [shown]},
                      notes=[f"{product.name} is not sold in {colour}: showing a generated preview and the real "
                             "products that look closest to it"])


def _in_photo(ctx: ToolContext, sku: str, colour: str | None, photo: str) -> ToolResult:
    name = ctx.state.resolve_photo(photo) if ctx.state is not None else None
    path = next((p.path for p in ctx.state.photos if p.name == name), None) if name else None
    if path is None:
        return ToolResult("render", error=f"there is no usable photo '{photo}' in this conversation")
    product, variants, sold = _product_and_variants(ctx, sku, colour)
    notes = []
    if colour and sold is None:
        notes.append(f"{product.name} is not sold in {colour}; placing it in {product.color or 'its own colour'}")
    product = sold or product
    image = ctx.renderer.composite(product, variants, path)
    caption = (f"Approximate preview: the {product.name} ({(product.color or '').lower() or 'its colour'}) placed into "
               f"your {name}. A composite for a rough idea of the look, not a photo of it worn.")
    shown = _store(ctx, image, Render("", product.sku, product.color, "composite", caption), photo=path)
    return ToolResult("render", hits=[Hit(product.sku, 1.0, [PlacedInPhoto(name)])], data={"renders": [shown]},
                      notes=notes)


def _from_words(ctx: ToolContext, description: str, limit: int) -> ToolResult:
    small = ctx.renderer.imagine(description)[0]
    shown_image = Image.fromarray(small).resize(DECODED_SHOWN, Image.Resampling.BICUBIC)
    caption = (f"Generated from your words: a rough {small.shape[1]} x {small.shape[0]}-pixel sketch of "
               f"\"{description}\", decoded by our small model; not a product. The products below are "
               "real ones that look closest to it.")
    shown = _store(ctx, np.asarray(shown_image), Render("", None, None, "generated", caption), words=description)
    return ToolResult("render", hits=_nearest(ctx, small, f"\"{description}\"", limit), data={"renders": [shown]})


def _nearest(ctx: ToolContext, image, what: str, limit: int) -> list[Hit]:
    """Real products nearest to a render in the catalog image index."""
    if ctx.image_index is None:
        return []
    found = ctx.image_index.search(ctx.renderer.embed(image), limit)
    hits = []
    for rank, (item_id, score) in enumerate(found, 1):
        product = ctx.catalog.by_id(item_id)
        hits.append(Hit(product.sku, float(score), [LooksLikeRender(what, rank, round(float(score), 3))]))
    return hits


def _store(ctx: ToolContext, image, shown: Render, **facts) -> Render:
    """Write the image content-addressed with its evidence; the Render then points at it."""
    evidence = {"kind": shown.kind, "sku": shown.sku, "color": shown.color, "caption": shown.caption,
                "renderer": ctx.renderer.meta.get("command", ""), "steps": ctx.renderer.meta.get("steps"), **facts}
    path = ctx.renderer.store(image, evidence)
    shown.path, shown.evidence = str(path), evidence
    return shown
