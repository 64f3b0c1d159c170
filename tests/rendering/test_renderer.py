"""The renderer (assistant/rendering/renderer.py) with the shipped weights: recolours keep the
photo outside the garment and move the garment to the colour asked for, composites keep the
shopper's photo size, words decode at the model's size, and storage is content-addressed."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from assistant.rendering.colour import ciede2000, rgb_to_lab
from assistant.rendering.renderer import RenderError
from assistant.rendering.variants import EVAL_SIZE, load_canvas, split_groups, variant_groups, variant_mask


@pytest.fixture(scope="module")
def held_out_pair(catalog):
    """A held-out product (never trained on) and a colour it is sold in, with its real photo."""
    _, held = split_groups(variant_groups(catalog.all()))
    group = next(g for g in held if {"Black", "Blue"} & set(g.colors) and "Red" in g.colors)
    source = next(p for p in group.variants if p.color != "Red")
    return group, source, next(p for p in group.variants if p.color == "Red")


@pytest.mark.parametrize("method", ["diffusion", "lab"])
def test_a_recolour_changes_only_the_garment_and_towards_the_colour(renderer, held_out_pair, method):
    group, source, target = held_out_pair
    src = load_canvas(source.image_path, EVAL_SIZE)
    mask = variant_mask([load_canvas(p.image_path, EVAL_SIZE) for p in group.variants])
    out = renderer.recolour_arrays(src, mask, "Red", method=method)
    far = ~ndimage.binary_dilation(mask, iterations=3)   # beyond the feathered edge
    assert out.shape == src.shape and np.array_equal(out[far], src[far])
    real = rgb_to_lab(load_canvas(target.image_path, EVAL_SIZE)[mask]).mean(0)
    before = ciede2000(rgb_to_lab(src[mask]).mean(0), real)
    after = ciede2000(rgb_to_lab(out[mask]).mean(0), real)
    assert after < 0.75 * before, (method, before, after)


def test_the_shown_render_is_at_the_photos_resolution(renderer, held_out_pair, settings):
    group, source, _ = held_out_pair
    image, method = renderer.recolour(source, list(group.variants), "Yellow")
    assert method == settings.renderer and image.shape[0] == settings.render_max_side
    assert image.shape[1] == round(settings.render_max_side * 4 / 5)


def test_an_unusable_mask_is_refused(renderer, held_out_pair, monkeypatch):
    group, source, _ = held_out_pair
    monkeypatch.setitem(renderer._masks, group.parent_sku, np.zeros((320, 256), bool))
    with pytest.raises(RenderError, match="garment outline"):
        renderer.recolour(source, list(group.variants), "Yellow")


def test_words_decode_at_the_model_size_reproducibly(renderer):
    a = renderer.imagine(["a red jacket", "a blue tee"], seed=1)
    assert a.shape == (2, 80, 64, 3) and np.array_equal(a, renderer.imagine(["a red jacket", "a blue tee"], seed=1))


def test_storage_is_content_addressed_with_evidence(renderer):
    image = np.full((20, 16, 3), 200, np.uint8)
    path = renderer.store(image, {"kind": "generated", "caption": "test"})
    assert path == renderer.store(image, {"kind": "generated", "caption": "test"})
    assert json.loads(path.with_suffix(".json").read_text())["kind"] == "generated"
    assert np.array_equal(np.asarray(Image.open(path)), image)


def test_variants_shot_separately_get_the_segmenters_mask_without_the_backdrop(renderer, catalog):
    juno = catalog.get("WJ06-Blue")             # its colour variants are different photos
    mask = renderer.garment_mask(juno, catalog.variants("WJ06"), EVAL_SIZE)
    assert "WJ06-Blue" in renderer._masks and renderer._masks["WJ06"] is None   # no variant mask
    photo = load_canvas(juno.image_path, EVAL_SIZE)
    assert 0.15 < mask.mean() < 0.45 and (photo[mask].min(-1) >= 250).mean() < 0.02
