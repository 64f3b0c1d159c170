"""Training the diffusion renderer (assistant/training/renderer.py): the data never includes a
held-out product, batches are well formed, and a tiny run writes weights, figures and plots and
resumes from its checkpoint."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from assistant.rendering.diffusion import ConditionalUNet, DiffusionConfig
from assistant.rendering.variants import is_held_out
from assistant.training.renderer import RendererTrainConfig, _config_key, build_data, make_batch, train_renderer


@pytest.fixture(scope="module")
def data(settings):
    return build_data(settings)


def test_training_data_has_no_held_out_product(data, catalog):
    assert len(data.pairs) > 500 and data.decode_skus
    parents = {parent for _, _, parent in data.pairs} | {catalog.get(s).parent_sku for s in data.decode_skus}
    assert not any(is_held_out(p) for p in parents)
    src, tgt, parent = data.pairs[0]
    assert catalog.get(src).color != catalog.get(tgt).color and data.masks[parent].any()


def test_batches_mix_both_tasks_and_drop_conditions(data):
    cfg = RendererTrainConfig(batch_size=64, decode_share=0.25, cond_dropout=0.1)
    target, source, mask, cond, weight = make_batch(data, cfg, random.Random(0))
    assert target.shape == source.shape == (64, 3, 80, 64) and mask.shape == weight.shape == (64, 1, 80, 64)
    assert target.min() >= -1 and target.max() <= 1
    decode = mask.flatten(1).sum(1) == 0
    assert 5 < int(decode.sum()) < 30 and torch.all(source[decode] == 0)      # decode: no source, no mask
    assert torch.all(weight[~decode][mask[~decode] == 0] == cfg.outside_weight)
    assert 0 < int((cond.abs().sum(1) == 0).sum()) < 20                         # some conditions dropped


def test_a_tiny_run_writes_weights_figures_plots_and_resumes(settings, tmp_path, monkeypatch):
    config = RendererTrainConfig(steps=3, batch_size=2, checkpoint_every=2,
                                 model=DiffusionConfig(channels=(8, 16), sample_steps=2))
    checkpoint = settings.data_dir / "rendering" / f"checkpoint_{_config_key(config)}.pt"
    original_save = torch.save

    def save_then_interrupt(*args, **kwargs):   # the machine goes away right after a checkpoint
        original_save(*args, **kwargs)
        raise KeyboardInterrupt
    monkeypatch.setattr(torch, "save", save_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        train_renderer(settings, out_dir=tmp_path, weights_path=tmp_path / "r.safetensors", config=config)
    assert checkpoint.exists() and torch.load(checkpoint, weights_only=False)["step"] == 2
    monkeypatch.setattr(torch, "save", original_save)
    figures = train_renderer(settings, out_dir=tmp_path, weights_path=tmp_path / "r.safetensors", config=config)
    assert figures["steps"] == 3 and np.isfinite(figures["final_loss"]) and figures["held_out_x0_error"] > 0
    meta = json.loads((tmp_path / "r.json").read_text())
    assert meta["steps"] == 3 and "Black" in meta["colour_targets"]["mean"] and len(meta["held_out_x0_error_by_noise"]) == 10
    history = json.loads((tmp_path / "renderer_training.json").read_text())["history"]
    assert history[0]["step"] == 1                  # the resumed run kept the steps before the interruption
    assert (tmp_path / "renderer_training.png").stat().st_size > 10_000
    assert ConditionalUNet.load(tmp_path / "r.safetensors").config.channels == (8, 16)
    assert not checkpoint.exists()
