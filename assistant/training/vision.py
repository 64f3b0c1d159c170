"""Locked-text training of the image tower (LiT, Zhai et al. 2022): the MiniLM text tower stays
frozen and a small CNN learns to put each image next to the embedding of its text, with a
CLIP-style symmetric InfoNCE loss and a learnable temperature.

`python -m assistant train vision` reproduces the shipped weights (assistant/weights/).
"""
from __future__ import annotations

import json
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from assistant.storage import open_catalog
from assistant.catalog.download import shopper_photos_root
from assistant.models.text_embedder import get_text_embedder
from assistant.settings import Settings
from assistant.models.image_encoder import SHIPPED_WEIGHTS, ImageEncoder, ImageEncoderConfig, normalise
from assistant.models.photo_reader import colour_text
from assistant.training.vision_data import (SHOPPER_CLASSES, AugmentConfig, Item, augment, decode_all,
                          luma_items, product_text, resize_batch, shopper_captions, shopper_items)

COMMAND = "python -m assistant train vision"


@dataclass
class VisionTrainConfig:
    epochs: int = 40                   # about 20 minutes on a 2-core CPU
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 0.05
    warmup_steps: int = 40
    init_temperature: float = 0.07
    max_logit_scale: float = 100.0     # CLIP's clamp: temperature never below 0.01
    cache_size: int = 144              # decoded once at a little more than the input, for crops
    luma_repeats: int = 2              # catalog shots per epoch vs. shopper photos: the catalog is the target
    product_caption_p: float = 0.5     # else one of the shorter caption variants
    threads: int = 2
    encoder: ImageEncoderConfig = field(default_factory=ImageEncoderConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)


# ---------------------------------------------------------------- loss and one optimisation step

def _multi_positive_nce(logits: torch.Tensor, positive: torch.Tensor) -> torch.Tensor:
    """-log(probability mass on the positives): with one positive per row this is cross-entropy."""
    return (torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~positive, -torch.inf), 1)).mean()


def contrastive_loss(image_emb: torch.Tensor, caption_ids: torch.Tensor, groups: torch.Tensor,
                     text_table: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE over the batch's distinct captions. A caption is a positive for every image
    of the same group (product or shopper class) or with the same text, so duplicate and synonymous
    captions ("a tee", "a photo of a t-shirt") never act as negatives for each other."""
    unique, inverse = torch.unique(caption_ids, return_inverse=True)
    logits = logit_scale * image_emb @ text_table[unique].T                   # (B, U)
    related = (groups[:, None] == groups[None, :]) | (caption_ids[:, None] == caption_ids[None, :])
    positive = (related.float() @ F.one_hot(inverse, len(unique)).float()) > 0  # (B, U)
    return (_multi_positive_nce(logits, positive) + _multi_positive_nce(logits.T, positive.T)) / 2


def make_optimizer(model: ImageEncoder, logit_scale: torch.nn.Parameter, lr: float, weight_decay: float):
    # No decay on norms, biases and the temperature: decaying them only fights the loss.
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    keep = [p for n, p in model.named_parameters() if p.ndim <= 1] + [logit_scale]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": keep, "weight_decay": 0.0}], lr=lr, fused=True)


def train_step(model, optimizer, logit_scale, x, caption_ids, groups, text_table,
               max_logit_scale: float = 100.0) -> float:
    model.train()
    loss = contrastive_loss(model(x), caption_ids, groups, text_table, logit_scale.exp())
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        logit_scale.clamp_(0.0, math.log(max_logit_scale))
    return loss.item()


def cosine_with_warmup(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))


# ---------------------------------------------------------------- evaluation

@dataclass
class EvalSet:
    luma: list[Item]                 # held-out alternate views
    shopper: list[Item]              # clothing-dataset-small validation photos
    product_texts: list[str]         # the catalog's distinct product texts
    truth: list[set[int]]            # per held-out view: indices of its product texts
    colours: list[str]               # catalog colours, for "a <colour> item"
    text_emb: np.ndarray             # product texts
    colour_emb: np.ndarray
    class_emb: np.ndarray            # per shopper class: mean over its caption variants (prompt ensemble)


def build_evalset(products, heldout: list[Item], shopper_val: list[Item], embedder) -> EvalSet:
    texts = sorted({product_text(p) for p in products})
    where = {t: i for i, t in enumerate(texts)}
    truth = [{where[product_text(products[r])] for r in it.products} for it in heldout]
    colours = sorted({p.color for p in products if p.color})
    class_emb = np.stack([embedder.encode(shopper_captions(c)).mean(0) for c in SHOPPER_CLASSES])
    class_emb /= np.linalg.norm(class_emb, axis=1, keepdims=True)
    return EvalSet(heldout, shopper_val, texts, truth, colours, embedder.encode(texts),
                   embedder.encode([colour_text(c) for c in colours]), class_emb)


def metrics(ev: EvalSet, luma_emb: np.ndarray, shopper_emb: np.ndarray) -> dict:
    """Image->text recall on held-out catalog views, shopper-photo class accuracy, colour accuracy."""
    out = {}
    if len(ev.luma):
        sims = luma_emb @ ev.text_emb.T
        best_true = np.array([sims[i, list(t)].max() for i, t in enumerate(ev.truth)])
        rank = (sims > best_true[:, None]).sum(1)  # texts strictly closer than the nearest right one
        out["luma_r1"], out["luma_r5"] = float((rank < 1).mean()), float((rank < 5).mean())
        known = [i for i, it in enumerate(ev.luma) if it.label in ev.colours]
        guess = (luma_emb[known] @ ev.colour_emb.T).argmax(1)
        out["colour_acc"] = float(np.mean([ev.colours[g] == ev.luma[i].label for g, i in zip(guess, known)]))
    if len(ev.shopper):
        classes = list(SHOPPER_CLASSES)
        guess = (shopper_emb @ ev.class_emb.T).argmax(1)
        out["shopper_acc"] = float(np.mean([classes[g] == it.label for g, it in zip(guess, ev.shopper)]))
    return out


@torch.no_grad()
def _embed(model: ImageEncoder, x: torch.Tensor, batch: int = 256) -> np.ndarray:
    model.eval()
    if not len(x):
        return np.zeros((0, model.config.embed_dim), np.float32)
    return torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)]).numpy()


# ---------------------------------------------------------------- the run

def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def train_vision(settings: Settings, epochs: int | None = None, out_dir: Path | str = "data/reports",
                 weights_path: Path | str = SHIPPED_WEIGHTS, config: VisionTrainConfig | None = None,
                 progress: bool = True) -> dict:
    """Train from scratch, log per-epoch validation, save the weights, the metrics JSON and a plot."""
    cfg = config or VisionTrainConfig()
    if epochs is not None:
        cfg.epochs = epochs
    out_dir, weights_path = Path(out_dir), Path(weights_path)
    torch.set_num_threads(cfg.threads)
    torch.set_flush_denormal(True)  # denormal floats make CPU kernels crawl late in training
    g = seed_everything(settings.seed)
    started = time.time()

    products = open_catalog(settings).all()
    luma_train, luma_held = luma_items(products)
    root = shopper_photos_root(settings)
    shop_train, shop_val = shopper_items(root, "train"), shopper_items(root, "validation")
    train = luma_train + shop_train
    cache_dir = settings.data_dir / "cache"
    images, masks = decode_all(train, cfg.cache_size, cache_dir, progress)
    held_u8, _ = decode_all(luma_held, cfg.cache_size, cache_dir, progress)
    shop_u8, _ = decode_all(shop_val, cfg.cache_size, cache_dir, progress)
    size = cfg.encoder.image_size
    held_x = normalise(resize_batch(held_u8, size), cfg.encoder)
    shop_x = normalise(resize_batch(shop_u8, size), cfg.encoder)

    # The frozen text tower: every caption embedded once, looked up by id during training.
    embedder = get_text_embedder(settings.text_model)
    captions = sorted({c for it in train for c in it.captions})
    caption_id = {c: i for i, c in enumerate(captions)}
    text_table = torch.from_numpy(embedder.encode(captions, batch_size=128))
    ev = build_evalset(products, luma_held, shop_val, embedder)
    group_id = {grp: i for i, grp in enumerate(sorted({it.group for it in train}))}
    groups_all = torch.tensor([group_id[it.group] for it in train])
    is_luma = torch.tensor([it.is_luma for it in train])
    luma_idx, shop_idx = is_luma.nonzero().squeeze(1), (~is_luma).nonzero().squeeze(1)

    model = ImageEncoder(cfg.encoder)
    logit_scale = torch.nn.Parameter(torch.tensor(math.log(1 / cfg.init_temperature)))
    opt = make_optimizer(model, logit_scale, cfg.lr, cfg.weight_decay)
    per_epoch = len(luma_idx) * cfg.luma_repeats + len(shop_idx)
    steps_per_epoch = max(1, per_epoch // cfg.batch_size)  # the ragged tail is dropped: BatchNorm dislikes tiny batches
    total = steps_per_epoch * cfg.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: cosine_with_warmup(s, total, cfg.warmup_steps))
    print(f"image encoder: {model.num_parameters() / 1e6:.2f}M parameters, input {size}px; "
          f"train images {len(train)} (catalog {len(luma_idx)} x{cfg.luma_repeats}, shopper {len(shop_idx)}), "
          f"held-out catalog views {len(luma_held)}, shopper validation {len(shop_val)}; "
          f"{cfg.epochs} epochs x {steps_per_epoch} steps of {cfg.batch_size}", flush=True)

    history = []
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.time()
        order = torch.cat([luma_idx.repeat(cfg.luma_repeats), shop_idx])
        order = order[torch.randperm(len(order), generator=g)]
        losses = []
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}/{cfg.epochs}", disable=not progress,
                   mininterval=10)
        for step in bar:
            idx = order[step * cfg.batch_size:(step + 1) * cfg.batch_size]
            cap = torch.tensor([caption_id[_pick_caption(train[i], cfg.product_caption_p, g)] for i in idx.tolist()])
            x = normalise(augment(images[idx], masks[idx], is_luma[idx], size, g, cfg.augment), cfg.encoder)
            losses.append(train_step(model, opt, logit_scale, x, cap, groups_all[idx], text_table,
                                     cfg.max_logit_scale))
            sched.step()
            bar.set_postfix(loss=f"{np.mean(losses[-10:]):.3f}", refresh=False)
        row = {"epoch": epoch, "train_loss": float(np.mean(losses)), "lr": sched.get_last_lr()[0],
               "temperature": float(1 / logit_scale.exp()), "seconds": round(time.time() - t0, 1),
               **metrics(ev, _embed(model, held_x), _embed(model, shop_x))}
        history.append(row)
        print(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
        _write_report(out_dir, cfg, history, None)

    # Final figures through the real inference path (files -> ImageEncoder.encode), not the cache.
    model.eval()
    final = metrics(ev, model.encode([it.path for it in luma_held]), model.encode([it.path for it in shop_val]))
    wall = round(time.time() - started, 1)
    command = COMMAND if cfg.epochs == VisionTrainConfig.epochs else f"{COMMAND} --epochs {cfg.epochs}"
    summary = {"command": command, "epochs": cfg.epochs, "seed": settings.seed, "wall_clock_s": wall,
               "parameters": model.num_parameters(), **{f"final_{k}": v for k, v in final.items()}}
    model.save(weights_path, extra={"training": summary})
    _write_report(out_dir, cfg, history, summary)
    return summary


def _pick_caption(item: Item, product_p: float, g: torch.Generator) -> str:
    if item.is_luma and float(torch.rand(1, generator=g)) < product_p:
        return item.captions[0]
    pool = item.captions[1:] if item.is_luma else item.captions
    return pool[int(torch.randint(len(pool), (1,), generator=g))]


def _write_report(out_dir: Path, cfg: VisionTrainConfig, history: list[dict], summary: dict | None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "vision_training.json").write_text(json.dumps(
        {"config": asdict(cfg), "epochs": history, "summary": summary}, indent=2))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    epochs = [h["epoch"] for h in history]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    a.plot(epochs, [h["train_loss"] for h in history], marker="o")
    a.set(title="train loss (symmetric InfoNCE)", xlabel="epoch", ylabel="loss")
    for key, label in [("luma_r1", "catalog image->text R@1 (held-out views)"),
                       ("luma_r5", "catalog image->text R@5 (held-out views)"),
                       ("shopper_acc", "shopper photos: class accuracy (validation)"),
                       ("colour_acc", "colour accuracy (held-out views)")]:
        if key in history[0]:
            b.plot(epochs, [h[key] for h in history], marker="o", label=label)
    b.set(title="validation", xlabel="epoch", ylim=(0, 1))
    b.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_dir / "vision_training.png", dpi=110)
    plt.close(fig)
