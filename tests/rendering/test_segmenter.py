"""The garment segmenter (assistant/rendering/segmenter.py): the shipped weights find held-out
products' garments, and a mask comes back at the asked size, aligned with `fit_canvas`, for a
photo (PIL image, path or array) of any size."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from assistant.rendering.segmenter import COMMAND, SEGMENTER_WEIGHTS, GarmentSegmenter, SegmenterConfig, get_segmenter
from assistant.rendering.variants import (MODEL_SIZE, VariantImages, canvas_box, fit_canvas, iou, split_groups,
                                          variant_groups)


@pytest.fixture
def tiny() -> GarmentSegmenter:
    torch.manual_seed(0)
    return GarmentSegmenter(SegmenterConfig(channels=(4, 8, 8))).eval()


class DarkIsGarment(GarmentSegmenter):
    """A stand-in whose 'garment' is every dark pixel of the model-size canvas: what it predicts is
    known, so where `predict` puts the mask can be checked."""

    def probabilities(self, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
        return (images.min(-1) < 128).astype(np.float32)


def _photo(w: int, h: int, box: tuple[int, int, int, int]) -> Image.Image:
    photo = Image.new("RGB", (w, h), (250, 250, 250))
    photo.paste((20, 30, 120), box)
    return photo


@pytest.mark.unit
def test_predict_takes_any_photo_and_returns_the_asked_size(tiny, tmp_path):
    wide, tall = _photo(300, 120, (100, 20, 200, 100)), _photo(90, 400, (20, 100, 70, 300))
    for image in (wide, tall, np.asarray(wide), np.zeros((5, 5, 3), np.uint8), Image.new("L", (7, 3))):
        for size in ((64, 80), (8, 10), (3, 4), (257, 321)):
            mask = tiny.predict(image, size=size)
            assert mask.shape == (size[1], size[0]) and mask.dtype == bool
    path = tmp_path / "wide.png"
    wide.save(path)
    assert tiny.predict(path).shape == (375, 300)                       # its own-resolution 4:5 canvas
    assert tiny.predict(np.zeros((5, 5, 3), np.uint8)).shape == (6, 5)
    assert tiny.predict(tall).shape == (400, 320)


@pytest.mark.unit
def test_the_mask_is_aligned_with_fit_canvas_and_with_the_photo_inside_it():
    seg = DarkIsGarment(SegmenterConfig(channels=(4, 8, 8)))
    wide = _photo(300, 120, (60, 20, 180, 100))
    for size in ((64, 80), (200, 250)):
        truth = np.asarray(fit_canvas(wide, size)).min(-1) < 128
        assert iou(seg.predict(wide, size=size), truth) > 0.85
    cw, ch, left, top = canvas_box(*wide.size)
    mask = seg.predict(wide)
    assert mask.shape == (ch, cw)
    inside = mask[top:top + wide.height, left:left + wide.width]          # the photo's own pixels
    assert iou(inside, np.asarray(wide).min(-1) < 128) > 0.85
    assert not mask[:top].any() and not mask[top + wide.height:].any()    # the white padding


@pytest.mark.unit
def test_save_and_load_round_trip(tiny, tmp_path):
    path = tmp_path / "seg.safetensors"
    tiny.save(path, {"note": "x"})
    assert (path.stat().st_mode & 0o777) == 0o644
    assert json.loads(path.with_suffix(".json").read_text())["config"]["channels"] == [4, 8, 8]
    loaded = get_segmenter(path)
    assert loaded.config == tiny.config and get_segmenter(path) is loaded
    images = np.random.default_rng(0).integers(0, 256, (2, 80, 64, 3), dtype=np.uint8)
    assert np.allclose(loaded.probabilities(images), tiny.probabilities(images), atol=1e-6)


@pytest.mark.unit
def test_missing_weights_name_the_training_command(tmp_path):
    with pytest.raises(FileNotFoundError, match=COMMAND):
        get_segmenter(tmp_path / "none.safetensors")
    (tmp_path / "bare.safetensors").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="config"):
        get_segmenter(tmp_path / "bare.safetensors")


@pytest.mark.unit
def test_shipped_weights_are_small_and_record_how_they_were_made():
    assert SEGMENTER_WEIGHTS.stat().st_size < 1_000_000
    meta = json.loads(SEGMENTER_WEIGHTS.with_suffix(".json").read_text())
    assert meta["command"] == COMMAND and meta["epochs"] > 0 and meta["train_minutes"] > 0
    assert meta["held_out_iou_mean"] > meta["baseline_iou_mean"] + 0.2
    assert meta["held_out_iou_median"] >= 0.85


def test_shipped_weights_find_held_out_garments(catalog):
    _, held = split_groups(variant_groups(catalog.all()))
    truth = VariantImages.build(held, MODEL_SIZE)                          # never trained on
    seg = get_segmenter()
    per = {g.parent_sku: np.mean([iou(seg.predict(p.image_path, size=MODEL_SIZE), truth.masks[g.parent_sku])
                                  for p in g.variants]) for g in held}
    pants = next(g for g in held if g.variants[0].category == "Pants")
    assert per[pants.parent_sku] >= 0.8, per
    assert np.median(list(per.values())) >= 0.85, per
    assert sum(v >= 0.8 for v in per.values()) >= 0.7 * len(per), per
    photo = Image.open(pants.variants[0].image_path)
    big = seg.predict(photo)                                               # at the photo's own resolution
    assert big.shape == canvas_box(*photo.size)[1::-1] and 0.05 < big.mean() < 0.6
    assert iou(np.asarray(Image.fromarray(big).resize(MODEL_SIZE)), truth.masks[pants.parent_sku]) >= 0.8
