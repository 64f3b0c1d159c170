"""Training the image tower (assistant/training/vision.py, vision_data.py): the contrastive loss,
augmentation, foreground masks and a short run whose loss falls."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from assistant.models.image_encoder import ImageEncoder, ImageEncoderConfig, normalise
from assistant.training.vision import contrastive_loss, make_optimizer, train_step
from assistant.training.vision_data import AugmentConfig, augment, decode_all, foreground_mask, luma_items


def _spread(records, n):
    """n products (or image items) spread over the catalog, every category, in a fixed order."""
    ordered = sorted(records, key=lambda r: getattr(r, "sku", None) or r.path)
    return ordered[:: max(1, len(ordered) // n)][:n]


@pytest.mark.unit
def test_contrastive_loss_treats_duplicate_captions_as_positives():
    texts = torch.nn.functional.normalize(torch.randn(3, 384, generator=torch.Generator().manual_seed(0)), dim=-1)
    captions = torch.tensor([0, 0, 1, 2])  # two images share caption 0: neither is the other's negative
    groups = torch.tensor([10, 11, 12, 13])
    perfect = texts[captions]
    assert contrastive_loss(perfect, captions, groups, texts, torch.tensor(100.0)) < 1e-3
    wrong = texts[torch.tensor([1, 2, 0, 0])]
    assert contrastive_loss(wrong, captions, groups, texts, torch.tensor(100.0)) > 10


@pytest.mark.unit
def test_augment_never_changes_hue():
    red = torch.zeros(8, 40, 40, 3, dtype=torch.uint8)
    red[..., 0], red[..., 1:] = 200, 60
    masks = torch.full((8, 40, 40), 255, dtype=torch.uint8)
    out = augment(red, masks, torch.zeros(8, dtype=torch.bool), 32, torch.Generator().manual_seed(0),
                  AugmentConfig(noise_p=0.0))
    assert out.shape == (8, 3, 32, 32)
    assert torch.allclose(out[:, 1], out[:, 2]) and (out[:, 0] > out[:, 1]).all()  # still pure red hue


@pytest.mark.unit
def test_foreground_mask_keeps_the_product_and_drops_the_white_backdrop():
    img = np.full((30, 30, 3), 255, np.uint8)
    img[5:25, 5:25] = (20, 40, 200)
    img[12:18, 12:18] = 255  # a white patch inside the product is part of it
    mask = foreground_mask(img)
    assert mask[0, 0] == 0 and mask[10, 10] == 255 and mask[15, 15] == 255


def test_training_smoke_loss_decreases(catalog, embedder):
    torch.manual_seed(0)
    items = luma_items(_spread(catalog.all(), 40))[0][:32]
    images, masks = decode_all(items, 72, cache_dir=None, progress=False)
    captions = sorted({it.captions[0] for it in items})
    caption_ids = torch.tensor([captions.index(it.captions[0]) for it in items])
    groups = torch.tensor([sorted({it.group for it in items}).index(it.group) for it in items])
    text_table = torch.from_numpy(embedder.encode(captions))
    cfg = ImageEncoderConfig(image_size=64, widths=(16, 32, 64), depths=(0, 1))
    model = ImageEncoder(cfg)
    logit_scale = torch.nn.Parameter(torch.tensor(np.log(1 / 0.07), dtype=torch.float32))
    opt = make_optimizer(model, logit_scale, lr=3e-3, weight_decay=0.0)
    g = torch.Generator().manual_seed(0)
    replace = torch.ones(len(items), dtype=torch.bool)
    losses = [train_step(model, opt, logit_scale, normalise(augment(images, masks, replace, 64, g), cfg),
                         caption_ids, groups, text_table) for _ in range(30)]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.5, losses
