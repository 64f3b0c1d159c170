"""The conditional diffusion UNet and its sampling loop (assistant/rendering/diffusion.py), tiny configs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from assistant.rendering.diffusion import ConditionalUNet, DiffusionConfig, from_model, to_model

pytestmark = pytest.mark.unit
TINY = DiffusionConfig(width=16, height=24, channels=(8, 16), cond_dim=12, sample_steps=3)


def test_forward_shapes_and_condition_changes_the_output():
    torch.manual_seed(0)
    model = ConditionalUNet(TINY).eval()
    x, src = torch.randn(2, 3, 24, 16), torch.randn(2, 3, 24, 16)
    mask, t = torch.ones(2, 1, 24, 16), torch.tensor([10, 500])
    cond = torch.randn(2, 12)
    out = model(x, t, src, mask, cond)
    assert out.shape == (2, 3, 24, 16)
    with torch.no_grad():
        for p in model.cond.parameters():
            p.add_(0.5)   # the MLP starts near zero; make the condition matter
        assert not torch.allclose(model(x, t, src, mask, cond), model(x, t, src, mask, torch.zeros_like(cond)))


def test_sampling_is_seeded_bounded_and_guidance_one_skips_the_second_pass():
    model = ConditionalUNet(TINY).eval()
    src, mask, cond = torch.zeros(1, 3, 24, 16), torch.zeros(1, 1, 24, 16), torch.randn(1, 12)
    a, b = model.sample(src, mask, cond, seed=3), model.sample(src, mask, cond, seed=3)
    assert a.shape == (1, 3, 24, 16) and torch.equal(a, b) and a.abs().max() <= 1
    assert not torch.equal(a, model.sample(src, mask, cond, seed=4))
    assert model.sample(src, mask, cond, guidance=1.0).shape == a.shape


def test_save_load_round_trip_in_half_precision(tmp_path):
    model = ConditionalUNet(TINY).eval()
    path = tmp_path / "r.safetensors"
    model.save(path, {"steps": 3})
    loaded = ConditionalUNet.load(path)
    assert loaded.config == TINY
    x, t = torch.randn(1, 3, 24, 16), torch.tensor([100])
    args = (torch.zeros(1, 3, 24, 16), torch.zeros(1, 1, 24, 16), torch.zeros(1, 12))
    assert torch.allclose(model(x, t, *args), loaded(x, t, *args), atol=2e-2)


def test_pixel_conversions_round_trip():
    img = np.random.default_rng(0).integers(0, 256, (2, 24, 16, 3)).astype(np.uint8)
    x = to_model(img)
    assert x.shape == (2, 3, 24, 16) and x.min() >= -1 and x.max() <= 1
    assert np.array_equal(from_model(x), img)
