"""The render tool (tools/renderer.py) with the shipped renderer: real photos for colours that are
sold, labelled renders and real look-alikes for colours that are not, composites into a shopper's
photo, words rendered then searched with, and clear refusals."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from assistant.dialogue.state import DialogueState, Photo
from assistant.uploads import store_photo
from tools.index import load_index
from tools.renderer import render_for

JUNO = "WJ06-Blue"   # the Juno Jacket: sold in blue, green and purple


@pytest.fixture
def render_ctx(ctx, renderer, settings):
    ctx.renderer, ctx.image_index = renderer, load_index(settings.index_dir / "image")
    ctx.state = DialogueState("render-test")
    return ctx


def written(renderer) -> set[Path]:
    return set(Path(renderer.out_dir).glob("*.png"))


def test_a_colour_that_is_sold_shows_the_real_photo_and_renders_nothing(render_ctx, catalog, renderer):
    before = written(renderer)
    result = render_for(render_ctx, JUNO, "green", None, None, 5)
    (shown,) = result.data["renders"]
    assert shown.kind == "catalog" and shown.sku == "WJ06-Green" and shown.path == catalog.get("WJ06-Green").image_path
    assert [h.sku for h in result.hits] == ["WJ06-Green"] and result.hits[0].evidence[0].kind == "sold_in_colour"
    assert written(renderer) == before


def test_a_colour_not_sold_is_a_labelled_render_with_real_products_like_it(render_ctx, catalog, renderer):
    result = render_for(render_ctx, JUNO, "red", None, None, 5)
    (shown,) = result.data["renders"]
    assert shown.kind == "generated" and shown.sku == JUNO and shown.color == "Red"
    assert "Generated preview" in shown.caption and "not sold in red" in shown.caption
    path = Path(shown.path)
    assert path.parent == Path(renderer.out_dir) and path.stem == hashlib.sha256(path.read_bytes()).hexdigest()
    evidence = json.loads(path.with_suffix(".json").read_text())
    assert evidence["kind"] == "generated" and evidence["sku"] == JUNO and evidence["method"] == renderer.method
    assert len(result.hits) == 5 and all(catalog.get(h.sku) is not None for h in result.hits)
    assert all(h.evidence[0].kind == "looks_like_render" for h in result.hits)
    assert any("not sold in Red" in n for n in result.notes)


def test_colour_words_are_normalised_or_refused(render_ctx):
    navy = render_for(render_ctx, JUNO, "navy", None, None, 5)
    assert navy.data["renders"][0].kind == "catalog" and any("Blue" in n for n in navy.notes)
    unknown = render_for(render_ctx, JUNO, "zorblax", None, None, 5)
    assert not unknown.ok and "unknown colour 'zorblax'" in unknown.error and not unknown.data.get("renders")
    assert "which colour" in render_for(render_ctx, JUNO, None, None, None, 5).error
    assert "which item" in render_for(render_ctx, None, None, None, None, 5).error


def test_an_item_placed_into_the_shoppers_photo(render_ctx, settings, tmp_path):
    shopper = next((settings.data_mirror / "clothing-dataset-small" / "validation" / "outwear").glob("*.jpg"))
    stored = store_photo(shopper, tmp_path, 1)
    render_ctx.state.photos = [Photo(name=stored.name, path=stored.path, sha256=stored.sha256)]
    result = render_for(render_ctx, JUNO, None, "my photo", None, 5)
    (shown,) = result.data["renders"]
    assert shown.kind == "composite" and "Approximate preview" in shown.caption
    from PIL import Image
    assert Image.open(shown.path).size == (stored.width, stored.height)
    assert result.hits[0].sku == JUNO and result.hits[0].evidence[0].kind == "placed_in_photo"


def test_a_missing_or_broken_photo_is_refused_and_nothing_is_written(render_ctx, renderer, tmp_path):
    before = written(renderer)
    assert "no usable photo" in render_for(render_ctx, JUNO, None, "photo 3", None, 5).error
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image at all")
    render_ctx.state.photos = [Photo(name="photo 1", path=str(broken), sha256="x")]
    result = render_for(render_ctx, JUNO, None, "photo 1", None, 5)
    assert not result.ok and "isn't an image" in result.error
    assert written(renderer) == before


def test_words_are_rendered_then_searched_with(render_ctx, catalog):
    result = render_for(render_ctx, None, None, None, "a teal hooded running jacket", 5)
    (shown,) = result.data["renders"]
    assert shown.kind == "generated" and shown.sku is None and "Generated from your words" in shown.caption
    assert len(result.hits) == 5 and all(catalog.get(h.sku) for h in result.hits)


def test_no_renderer_is_a_clear_message(ctx):
    ctx.renderer = None
    assert "not available" in render_for(ctx, JUNO, "red", None, None, 5).error
