"""Training of the diffusion renderer (`python -m assistant train renderer`).

Data: every ordered (source colour -> target colour) pair of the training products' variants,
with the product's garment mask (recolour task), and every training-split catalog photo with its
image or caption embedding (decode task). Held-out products (variants.is_held_out) are never
seen. Seeded, resumable from `data/rendering/checkpoint.pt`, an EMA copy is what ships.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from assistant.storage import open_catalog
from assistant.models.image_encoder import get_image_encoder
from assistant.models.photo_reader import colour_text
from assistant.models.text_embedder import get_text_embedder
from assistant.rendering.colour import ColourTargets
from assistant.rendering.diffusion import ConditionalUNet, DiffusionConfig, to_model
from assistant.rendering.renderer import RENDERER_WEIGHTS
from assistant.rendering.variants import (EVAL_SIZE, MODEL_SIZE, VariantImages, is_held_out, load_canvas,
                                          split_groups, variant_groups)
from assistant.settings import Settings
from assistant.training.vision_data import product_captions

COMMAND = "python -m assistant train renderer"


@dataclass
class RendererTrainConfig:
    steps: int = 1600                  # about 45 minutes on the 2-core CPU
    batch_size: int = 16
    lr: float = 4e-4
    warmup_steps: int = 50
    decode_share: float = 0.25         # batch share of the decode task (source dropped)
    cond_dropout: float = 0.1          # condition zeroed: the unconditional branch of guidance
    image_cond_share: float = 0.5      # decode task: image embedding, else a caption's
    outside_weight: float = 0.05       # recolour loss weight outside the garment (the source is there)
    ema_decay: float = 0.998
    checkpoint_every: int = 100
    threads: int | None = None         # None: torch's default (OMP_NUM_THREADS); 1 when sharing the CPU
    seed: int = 0
    model: DiffusionConfig = field(default_factory=DiffusionConfig)


@dataclass
class TrainingData:
    pairs: list[tuple[str, str, str]]          # (source sku, target sku, parent sku)
    images: dict[str, np.ndarray]              # sku -> uint8 (H, W, 3) at the model size
    masks: dict[str, np.ndarray]               # parent sku -> bool (H, W)
    colour_vec: dict[str, np.ndarray]          # sku -> the text embedding of its colour
    decode_skus: list[str]                     # catalog photos for the decode task
    image_vec: dict[str, np.ndarray]           # sku -> image tower embedding
    caption_vecs: dict[str, np.ndarray]        # sku -> (n captions, d) MiniLM embeddings


def build_data(settings: Settings, held_out: bool = False) -> TrainingData:
    """The training split (or, with held_out=True, the held-out one, for denoising error)."""
    catalog = open_catalog(settings)
    products = catalog.all()
    train, held = split_groups(variant_groups(products))
    groups = held if held_out else train
    decoded = VariantImages.build(groups, MODEL_SIZE, settings.data_dir / "rendering")
    pairs = [(a.sku, b.sku, g.parent_sku) for g in groups for a, b in g.pairs()]
    embedder = get_text_embedder(settings.text_model)
    colours = sorted({p.color for g in groups for p in g.variants})
    by_colour = dict(zip(colours, embedder.encode([colour_text(c) for c in colours])))
    colour_vec = {p.sku: by_colour[p.color] for g in groups for p in g.variants}
    decode = [p for p in products if is_held_out(p.parent_sku) == held_out]
    images = dict(decoded.images)
    for p in tqdm(decode, desc="decoding catalog photos", unit="photo"):
        images.setdefault(p.sku, load_canvas(p.image_path, MODEL_SIZE))
    encoder = get_image_encoder(settings.image_encoder)
    image_vec = dict(zip([p.sku for p in decode], encoder.encode([p.image_path for p in decode])))
    caption_vecs = {p.sku: embedder.encode(product_captions(p)) for p in decode}
    return TrainingData(pairs, images, decoded.masks, colour_vec, [p.sku for p in decode], image_vec, caption_vecs)


def make_batch(data: TrainingData, cfg: RendererTrainConfig, rng: random.Random):
    """(target, source, mask, cond, weight) tensors for one step; ~decode_share of it is decode."""
    n_decode = sum(rng.random() < cfg.decode_share for _ in range(cfg.batch_size))
    h, w = cfg.model.height, cfg.model.width
    target, source, mask, cond, weight = [], [], [], [], []
    for i in range(cfg.batch_size):
        if i < n_decode:
            sku = rng.choice(data.decode_skus)
            target.append(data.images[sku])
            source.append(np.full((h, w, 3), 127.5))          # zero in model units: no source
            mask.append(np.zeros((h, w), bool))
            vecs = data.caption_vecs[sku]
            cond.append(data.image_vec[sku] if rng.random() < cfg.image_cond_share else vecs[rng.randrange(len(vecs))])
            weight.append(np.ones((h, w), np.float32))
        else:
            src, tgt, parent = rng.choice(data.pairs)
            m = data.masks[parent]
            target.append(data.images[tgt])
            source.append(data.images[src])
            mask.append(m)
            cond.append(data.colour_vec[tgt])
            weight.append(np.where(m, 1.0, cfg.outside_weight).astype(np.float32))
    flip = [rng.random() < 0.5 for _ in range(cfg.batch_size)]
    fl = lambda arrs: np.stack([a[:, ::-1] if f else a for a, f in zip(arrs, flip)])  # noqa: E731
    target_t = to_model(fl(target).astype(np.uint8))
    source_t = torch.from_numpy(fl(source).astype(np.float32)).permute(0, 3, 1, 2) / 127.5 - 1
    mask_t = torch.from_numpy(fl(mask).astype(np.float32))[:, None]
    weight_t = torch.from_numpy(fl(weight))[:, None]
    cond_t = torch.from_numpy(np.stack(cond).astype(np.float32))
    drop = torch.tensor([rng.random() < cfg.cond_dropout for _ in range(cfg.batch_size)])
    cond_t[drop] = 0
    return target_t, source_t, mask_t, cond_t, weight_t


def loss_on(model: ConditionalUNet, scheduler, batch, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Per-example weighted x0 error (b,)."""
    target, source, mask, cond, weight = batch
    noisy = scheduler.add_noise(target, noise, t)
    pred = model(noisy, t, source, mask, cond)
    return ((pred - target) ** 2 * weight).mean((1, 2, 3)) / weight.mean((1, 2, 3))


def train_renderer(settings: Settings, steps: int | None = None, out_dir: Path | str = "data/reports",
                   weights_path: Path | None = None, config: RendererTrainConfig | None = None,
                   resume: bool = True) -> dict:
    """Train (or resume), write the EMA weights + a JSON of config, steps, time and metrics, the
    loss curve and the per-noise-level denoising error plot; return the figures."""
    cfg = config or RendererTrainConfig()
    if steps is not None:
        cfg.steps = steps
    weights_path = Path(weights_path or RENDERER_WEIGHTS)
    out_dir = Path(out_dir)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    data = build_data(settings)
    model = ConditionalUNet(cfg.model)
    ema = copy.deepcopy(model).requires_grad_(False)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.0)
    scheduler = model.scheduler()
    history: list[dict] = []
    start, elapsed = 0, 0.0
    ckpt = settings.data_dir / "rendering" / f"checkpoint_{_config_key(cfg)}.pt"
    if resume and ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"]), ema.load_state_dict(state["ema"])
        optimizer.load_state_dict(state["optimizer"])
        start, elapsed, history = state["step"], state["elapsed"], state["history"]
        rng.setstate(state["rng"]), torch.set_rng_state(state["torch_rng"])
        print(f"resuming from step {start} ({ckpt})")
    t0 = time.time() - elapsed
    bar = tqdm(range(start, cfg.steps), desc="training renderer", unit="step", initial=start, total=cfg.steps)
    for step in bar:
        lr = cfg.lr * min(1.0, (step + 1) / cfg.warmup_steps) * 0.5 * (1 + math.cos(math.pi * step / cfg.steps))
        for group in optimizer.param_groups:
            group["lr"] = lr
        batch = make_batch(data, cfg, rng)
        t = torch.randint(0, cfg.model.train_timesteps, (cfg.batch_size,))
        loss = loss_on(model, scheduler, batch, t, torch.randn_like(batch[0])).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        decay = min(cfg.ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for e, p in zip(ema.parameters(), model.parameters()):
                e.lerp_(p, 1 - decay)
        history.append({"step": step + 1, "loss": round(loss.item(), 5)})
        bar.set_postfix(loss=f"{loss.item():.4f}")
        if (step + 1) % cfg.checkpoint_every == 0 and step + 1 < cfg.steps:
            ckpt.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "optimizer": optimizer.state_dict(),
                        "step": step + 1, "elapsed": time.time() - t0, "history": history,
                        "rng": rng.getstate(), "torch_rng": torch.get_rng_state()}, ckpt)
    train_s = time.time() - t0
    per_level = denoising_error(ema, build_data(settings, held_out=True), cfg)
    targets = fit_colour_targets(settings)
    figures = {"steps": cfg.steps, "train_minutes": round(train_s / 60, 2),
               "final_loss": float(np.mean([h["loss"] for h in history[-50:]])) if history else None,
               "parameters": sum(p.numel() for p in ema.parameters()),
               "held_out_x0_error": round(float(np.mean(list(per_level.values()))), 5)}
    ema.save(weights_path, {"command": COMMAND, "train": {k: v for k, v in asdict(cfg).items() if k != "model"},
                            **figures, "held_out_x0_error_by_noise": per_level,
                            "colour_targets": dataclasses.asdict(targets)})
    _plot(out_dir, history, per_level)
    if ckpt.exists():
        ckpt.unlink()
    (out_dir / "renderer_training.json").write_text(json.dumps({**figures, "history": history[::10]}, indent=1))
    return figures


def _config_key(cfg: RendererTrainConfig) -> str:
    """What a checkpoint must share with the run that resumes it (not how it is run)."""
    import hashlib
    what = {k: v for k, v in asdict(cfg).items() if k not in ("threads", "checkpoint_every")}
    return hashlib.sha1(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:10]


@torch.no_grad()
def denoising_error(model: ConditionalUNet, data: TrainingData, cfg: RendererTrainConfig, bins: int = 10) -> dict:
    """Held-out recolour pairs: mean weighted x0 error at ten noise levels (what the model can
    still recover from how much noise)."""
    model.eval()
    rng = random.Random(1)
    eval_cfg = dataclasses.replace(cfg, decode_share=0.0, cond_dropout=0.0, batch_size=min(32, len(data.pairs)))
    batch = make_batch(data, eval_cfg, rng)
    scheduler = model.scheduler()
    out = {}
    for b in range(bins):
        t = torch.full((eval_cfg.batch_size,), int((b + 0.5) * cfg.model.train_timesteps / bins))
        noise = torch.randn(batch[0].shape, generator=torch.Generator().manual_seed(b))
        out[str(int(t[0]))] = round(float(loss_on(model, scheduler, batch, t, noise).mean()), 5)
    return out


def fit_colour_targets(settings: Settings) -> ColourTargets:
    """The baseline's colour word -> LAB statistics, from training products' photos only."""
    train, _ = split_groups(variant_groups(open_catalog(settings).all()))
    decoded = VariantImages.build(train, EVAL_SIZE, settings.data_dir / "rendering")
    return ColourTargets.fit([(p.color, decoded.images[p.sku], decoded.masks[g.parent_sku])
                              for g in train for p in g.variants])


def _plot(out_dir: Path, history: list[dict], per_level: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    steps, losses = [h["step"] for h in history], [h["loss"] for h in history]
    a.plot(steps, losses, alpha=0.3, label="per step")
    k = max(1, len(losses) // 40)
    a.plot(steps[k - 1:], np.convolve(losses, np.ones(k) / k, mode="valid"), label=f"mean of {k}")
    a.set(xlabel="step", ylabel="weighted x0 MSE", title="renderer training loss", yscale="log")
    a.legend()
    b.plot([int(t) for t in per_level], list(per_level.values()), marker="o")
    b.set(xlabel="diffusion timestep (noise level)", ylabel="x0 MSE on held-out pairs",
          title="denoising error by noise level (EMA)")
    fig.tight_layout()
    fig.savefig(out_dir / "renderer_training.png", dpi=110)
    plt.close(fig)
