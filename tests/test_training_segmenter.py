"""Training the garment segmenter (assistant/training/segmenter.py): augmentation keeps what the
mask means, the loss and the per-product IoU, and a short run writes weights, figures and the plot."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from assistant.rendering.segmenter import GarmentSegmenter, SegmenterConfig, get_segmenter
from assistant.training.segmenter import (SegmenterTrainConfig, augment, floor_patches, product_ious, seg_loss,
                                          train_segmenter)


def _studio_shots(n: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """White backdrop, a skin-coloured 'person' and a blue 'garment' on it (the mask), off-centre."""
    images = torch.full((n, 80, 64, 3), 250, dtype=torch.uint8)
    images[:, 10:75, 12:40] = torch.tensor([224, 172, 140], dtype=torch.uint8)
    images[:, 20:50, 8:44] = torch.tensor([30, 60, 200], dtype=torch.uint8)
    masks = torch.zeros(n, 80, 64, dtype=torch.bool)
    masks[:, 20:50, 8:44] = True
    return images, masks


@pytest.mark.unit
def test_augment_moves_image_and_mask_together_and_keeps_skin_natural():
    images, masks = _studio_shots()
    still = SegmenterTrainConfig(scale=(1.0, 1.0), shift=0.0, rotate_deg=0.0, recolour_p=1.0, background_p=1.0,
                                 flat_lay_p=0.0)
    x, y = augment(images, masks, torch.Generator().manual_seed(0), still, floor_patches(None, (64, 80)))
    assert x.shape == (8, 3, 80, 64) and y.shape == (8, 1, 80, 64)
    assert x.min() >= -0.5 and x.max() <= 0.5 and set(y.unique().tolist()) <= {0.0, 1.0}
    for target in y[:, 0].bool():                                           # the mask, maybe mirrored
        assert torch.equal(target, masks[0]) or torch.equal(target, masks[0].flip(-1))
    garment, skin = x[:, :, 25:45, 24:40].mean((2, 3)), x[:, :, 56:70, 26:38].mean((2, 3))  # inside, mirrored or not
    assert (garment.argmax(1) != 2).sum() >= 2                              # the blue garment recoloured
    assert (skin[:, 0] > skin[:, 2]).all()                                  # skin stays skin-coloured
    moved = SegmenterTrainConfig()
    x, y = augment(images, masks, torch.Generator().manual_seed(1), moved)
    area = y.flatten(1).mean(1)
    assert (area > 0.05).all() and (area < 0.5).all() and not torch.equal(y[0], y[1])


@pytest.mark.unit
def test_loss_is_near_zero_when_right_and_large_when_wrong():
    target = torch.zeros(2, 1, 8, 8)
    target[:, :, 2:6, 2:6] = 1
    assert seg_loss((target * 2 - 1) * 20, target) < 0.01
    assert seg_loss((1 - target * 2) * 20, target) > 2


@pytest.mark.unit
def test_product_iou_averages_each_products_variants():
    square = np.zeros((4, 4), bool)
    square[:2, :2] = True
    data = SimpleNamespace(groups=[SimpleNamespace(parent_sku="P", variants=[SimpleNamespace(sku="a"),
                                                                             SimpleNamespace(sku="b")])],
                           images={"a": np.zeros((4, 4, 3)), "b": np.ones((4, 4, 3))}, masks={"P": square})
    assert product_ious(data, lambda im: square if im.max() == 0 else ~square) == [0.5]


def test_short_training_run_writes_weights_figures_and_plot(settings, tmp_path):
    weights = tmp_path / "segmenter.safetensors"
    config = SegmenterTrainConfig(model=SegmenterConfig(channels=(4, 8, 8)))
    figures = train_segmenter(settings, epochs=1, out_dir=tmp_path, weights_path=weights, config=config)
    report = json.loads((tmp_path / "segmenter_training.json").read_text())
    assert report["epochs"] == 1 and len(report["history"]) == 1 and report["training_images"] > 300
    assert 0.3 < report["baseline_iou_mean"] < 0.8 and len(report["held_out_iou_by_product"]) == 20
    assert (tmp_path / "segmenter_training.png").stat().st_size > 10_000
    meta = json.loads(weights.with_suffix(".json").read_text())
    assert meta["command"] == "python -m assistant train segmenter" and meta["config"]["channels"] == [4, 8, 8]
    assert {"held_out_iou_mean", "held_out_iou_median", "baseline_iou_mean", "train_minutes"} <= set(meta)
    assert figures["weights_kb"] < 100
    loaded = get_segmenter(weights)
    assert isinstance(loaded, GarmentSegmenter) and loaded.predict(np.zeros((30, 20, 3), np.uint8)).shape == (30, 24)

