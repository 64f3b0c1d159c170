"""Colour variants as training pairs, the product split and garment masks (assistant/rendering/variants.py),
on the real Luma photos from the mirror."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from assistant.rendering.variants import (ASPECT, VariantImages, canvas_box, canvas_size, fit_canvas, iou,
                                          is_held_out, load_canvas, same_photo, split_groups, variant_groups,
                                          variant_mask)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def groups(luma_catalog):
    return variant_groups(luma_catalog.all())


def test_groups_pair_every_two_colours_of_one_product(groups):
    assert len(groups) > 100
    for g in groups:
        assert len(set(g.colors)) == len(g.variants) >= 2
        assert len({p.parent_sku for p in g.variants}) == 1
        assert len(g.pairs()) == len(g.variants) * (len(g.variants) - 1)
        assert all(a.color != b.color for a, b in g.pairs())


def test_split_is_by_product_fixed_and_about_one_in_five(groups):
    train, held = split_groups(groups)
    assert {g.parent_sku for g in train}.isdisjoint(g.parent_sku for g in held)
    assert 0.1 < len(held) / len(groups) < 0.3
    assert [g.parent_sku for g in held] == [g.parent_sku for g in groups if is_held_out(g.parent_sku)]


def test_canvas_pads_to_four_by_five_with_white():
    square = Image.new("RGB", (100, 100), (10, 20, 30))
    assert canvas_box(100, 100) == (100, 125, 0, 12)
    out = np.asarray(fit_canvas(square, (64, 80)))
    assert out.shape == (80, 64, 3)
    assert (out[0, 32] == 255).all() and (out[40, 32] == (10, 20, 30)).all()
    assert canvas_size(Image.new("RGB", (1274, 1580)), 1024) == (round(1024 * ASPECT), 1024)
    assert canvas_size(Image.new("RGB", (400, 500)), 1024) == (400, 500)  # never enlarged


def test_variant_mask_is_the_garment_and_agrees_across_variant_pairs(groups):
    g = next(g for g in groups if len(g.variants) >= 3 and g.variants[0].category == "Jackets")
    images = [load_canvas(p.image_path, (128, 160)) for p in g.variants]
    all_three = variant_mask(images)
    assert 0.1 < all_three.mean() < 0.7                      # a garment, not the photo or nothing
    background = (images[0].astype(int).sum(-1) > 740)         # the white studio background
    assert (all_three & background).sum() < 0.02 * all_three.sum()
    assert iou(variant_mask(images[:2]), all_three) > 0.9
    with pytest.raises(ValueError):
        variant_mask(images[:1])


def test_decoded_variants_are_cached(groups, tmp_path):
    few = groups[:2]
    first = VariantImages.build(few, (32, 40), tmp_path)
    assert len(list(tmp_path.glob("variants_32x40_*.npz"))) == 1
    again = VariantImages.build(few, (32, 40), tmp_path)
    sku = few[0].variants[0].sku
    assert first.images[sku].shape == (40, 32, 3) and np.array_equal(first.images[sku], again.images[sku])
    assert np.array_equal(first.masks[few[0].parent_sku], again.masks[few[0].parent_sku])


def test_variants_shot_separately_are_told_apart_from_one_photo_recoloured(luma_catalog):
    """Most products' variants are one photo recoloured; the Juno Jacket's were shot separately,
    so their differences are the whole model and must not be used as its garment mask."""
    def canvases(parent):
        return [load_canvas(p.image_path, (128, 160)) for p in luma_catalog.variants(parent)]
    assert same_photo(canvases("MH06")) and not same_photo(canvases("WJ06"))
