"""Training of the garment segmenter (`python -m assistant train segmenter`) on the training
products' colour variants and their variant masks. Augmentation makes studio shots look like
shoppers' photos without changing what the mask means: the garment recoloured (its colour is
irrelevant to its outline; skin and hair keep theirs, the mask must leave them out), one warp for
image and mask, the white backdrop (or all but the garment: a flat lay) replaced by a flat colour
or a real floor or bed, then exposure, white balance, blur and noise. Scored each epoch
on the held-out products against a baseline: every pixel darker than the white backdrop.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps
from tqdm import tqdm

from assistant.catalog.download import shopper_photos_root
from assistant.storage import open_catalog
from assistant.rendering.segmenter import COMMAND, SEGMENTER_WEIGHTS, GarmentSegmenter, SegmenterConfig
from assistant.rendering.variants import VariantImages, clean_mask, iou, load_canvas, split_groups, variant_groups
from assistant.settings import Settings
from assistant.uploads import load_image


@dataclass
class SegmenterTrainConfig:
    epochs: int = 40                   # about 3 minutes on one CPU thread
    batch_size: int = 16
    lr: float = 3e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 20
    recolour_p: float = 0.7            # the garment's hue rotated and its channels permuted
    background_p: float = 0.5          # the white backdrop replaced (else kept)
    flat_lay_p: float = 0.25           # ... together with everything else outside the garment
    real_floor_share: float = 0.6      # of new backdrops: real floors and beds (else a flat colour with grain)
    scale: tuple[float, float] = (0.65, 1.15)
    shift: float = 0.15                # of the canvas, each way
    rotate_deg: float = 15.0
    threads: int = 1
    seed: int = 0
    model: SegmenterConfig = field(default_factory=SegmenterConfig)


def floor_patches(root: Path | None, size: tuple[int, int], photos: int = 240) -> torch.Tensor:
    """Real floors, beds and walls: the corners of shoppers' TRAINING photos (never the validation
    ones), mirror-tiled over the canvas at the scale they have on it; uint8 (k, H, W, 3)."""
    paths, (w, h), out = sorted(root.joinpath("train").glob("*/*.jpg")) if root else [], size, []
    for path in paths[:: max(1, len(paths) // photos)][:photos]:
        a, c = np.asarray(ImageOps.contain(load_image(path), (w, 10 * h), Image.Resampling.BOX)), w // 4  # w wide
        for p in (a[:c, :c], a[:c, -c:], a[-c:, :c], a[-c:, -c:]):
            tile = np.concatenate([np.concatenate([p, p[:, ::-1]], 1), np.concatenate([p, p[:, ::-1]], 1)[::-1]], 0)
            out.append(np.tile(tile, (h // (2 * c) + 1, w // (2 * c) + 1, 1))[:h, :w])
    return torch.from_numpy(np.stack(out)) if out else torch.zeros(0, h, w, 3, dtype=torch.uint8)


def augment(images: torch.Tensor, masks: torch.Tensor, g: torch.Generator, cfg: SegmenterTrainConfig,
            floors: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 (n, H, W, 3), bool (n, H, W) -> model input (n, 3, H, W) in [-0.5, 0.5], target (n, 1, H, W)."""
    n, h, w = masks.shape
    x, m = images.permute(0, 3, 1, 2).float() / 255, masks[:, None].float()
    u = lambda lo, hi, *shape: lo + (hi - lo) * torch.rand(n, *shape, generator=g)  # noqa: E731
    soft, coin = F.avg_pool2d(m, 3, 1, 1), lambda p: (torch.rand(n, 1, 1, 1, generator=g) < p).float()  # noqa: E731
    # the garment recoloured: channels permuted, then rotated about the grey axis (Rodrigues)
    perm = torch.stack([xi[torch.randperm(3, generator=g)] for xi in x])
    a, k = u(-math.pi, math.pi, 1, 1), torch.tensor([[0.0, -1, 1], [1, 0, -1], [-1, 1, 0]]) / math.sqrt(3)
    rot, where = torch.eye(3) + torch.sin(a) * k + (1 - torch.cos(a)) * (k @ k), soft * coin(cfg.recolour_p)
    x = torch.einsum("nij,njhw->nihw", rot, perm).clamp(0, 1) * where + x * (1 - where)
    # the backdrop: near-white outside the garment, or (a flat lay) everything outside it
    backdrop = (1 - soft) * torch.maximum(coin(cfg.flat_lay_p), ((x.min(1, keepdim=True).values - 0.82) / 0.12).clamp(0, 1))
    # one warp for all three: flip, scale, rotation, shift (output -> input, aspect-corrected)
    s, r = 1 / u(*cfg.scale), u(-cfg.rotate_deg, cfg.rotate_deg) * math.pi / 180
    flip = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
    theta = torch.stack([torch.stack([s * r.cos() * flip, -s * r.sin() * h / w, u(-2, 2) * cfg.shift], 1),
                         torch.stack([s * r.sin() * flip * w / h, s * r.cos(), u(-2, 2) * cfg.shift], 1)], 1)
    grid = F.affine_grid(theta, [n, 1, h, w], align_corners=False)
    warp = lambda t, pad: F.grid_sample(t - pad, grid, align_corners=False) + pad  # noqa: E731
    x, m, backdrop = warp(x, 1.0), warp(m, 0.0), warp(backdrop, 1.0)
    bg = torch.rand(n, 3, 1, 1, generator=g) + torch.randn(n, 1, h, w, generator=g) * u(0, 0.06, 1, 1, 1)
    if floors is not None and len(floors):
        real = floors[torch.randint(0, len(floors), (n,), generator=g)].permute(0, 3, 1, 2).float() / 255
        bg = torch.where(coin(cfg.real_floor_share) > 0, real, bg)
    x = x * (1 - backdrop) + torch.where(coin(cfg.background_p) > 0, bg, 1.0) * backdrop
    # the camera: contrast, brightness, white balance, blur, noise
    x = ((x - 0.5) * u(0.6, 1.3, 1, 1, 1) + 0.5 + u(-0.2, 0.15, 1, 1, 1)) * u(0.85, 1.15, 3, 1, 1)
    x = x + (F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1) - x) * u(0, 1, 1, 1, 1)  # some blur
    return (x + torch.randn(n, 3, h, w, generator=g) * u(0, 0.04, 1, 1, 1)).clamp(0, 1) - 0.5, (m > 0.5).float()


def seg_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """BCE + soft Dice (per image, averaged)."""
    p, dims = torch.sigmoid(logits), (1, 2, 3)
    dice = 1 - (2 * (p * target).sum(dims) + 1) / (p.sum(dims) + target.sum(dims) + 1)
    return F.binary_cross_entropy_with_logits(logits, target) + dice.mean()


def product_ious(data: VariantImages, predict) -> list[float]:
    """Per product: the mean IoU of the masks predicted on its variants with its variant mask."""
    return [float(np.mean([iou(predict(data.images[p.sku]), data.masks[grp.parent_sku]) for p in grp.variants]))
            for grp in data.groups]


def train_segmenter(settings: Settings, epochs: int | None = None, out_dir: Path | str = "data/reports",
                    weights_path: Path | None = None, config: SegmenterTrainConfig | None = None) -> dict:
    """Train; write the weights + JSON, `segmenter_training.json` and `.png`; return the figures."""
    cfg = config or SegmenterTrainConfig()
    cfg.epochs = epochs or cfg.epochs
    weights_path, out_dir = Path(weights_path or SEGMENTER_WEIGHTS), Path(out_dir)
    torch.set_num_threads(cfg.threads), torch.manual_seed(cfg.seed)
    g = torch.Generator().manual_seed(cfg.seed)
    train, held = split_groups(variant_groups(open_catalog(settings).all()))
    tr, ho = (VariantImages.build(gs, cfg.model.size, settings.data_dir / "rendering") for gs in (train, held))
    skus = [(p.sku, grp.parent_sku) for grp in train for p in grp.variants]
    images = torch.from_numpy(np.stack([tr.images[s] for s, _ in skus]))
    masks = torch.from_numpy(np.stack([tr.masks[parent] for _, parent in skus]))
    # the baseline: every pixel with a channel darker than the white backdrop (the threshold best on training products)
    backdrop = lambda t: lambda im: clean_mask(im.min(-1) < t)  # noqa: E731
    threshold = max(range(180, 256, 5), key=lambda t: np.mean(product_ious(tr, backdrop(t))))
    baseline = product_ious(ho, backdrop(threshold))
    floors = floor_patches(shopper_photos_root(settings), cfg.model.size)
    model = GarmentSegmenter(cfg.model).to(memory_format=torch.channels_last)  # ~30% faster on CPU
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    total, history = cfg.epochs * math.ceil(len(skus) / cfg.batch_size), []
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / cfg.warmup_steps)
                                                  * 0.5 * (1 + math.cos(math.pi * step / total)))  # warmup, cosine
    net_mask = lambda im: clean_mask(model.probabilities(im[None])[0] >= 0.5)  # noqa: E731
    t0, cpu0 = time.time(), time.process_time()
    for epoch in (bar := tqdm(range(cfg.epochs), desc="training segmenter", unit="epoch")):
        model.train()
        order, losses = torch.randperm(len(skus), generator=g), []
        for i in range(0, len(skus), cfg.batch_size):
            x, y = augment(images[order[i:i + cfg.batch_size]], masks[order[i:i + cfg.batch_size]], g, cfg, floors)
            loss = seg_loss(model(x.contiguous(memory_format=torch.channels_last)), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step(), scheduler.step()
            losses.append(loss.item())
        per, r4 = product_ious(ho, net_mask), lambda v: round(float(v), 4)
        history.append({"epoch": epoch + 1, "loss": r4(np.mean(losses)), "held_out_iou_mean": r4(np.mean(per)),
                        "held_out_iou_median": r4(np.median(per))})
        bar.set_postfix(loss=f"{np.mean(losses):.3f}", iou=f"{np.mean(per):.3f}")
    figures = {"epochs": cfg.epochs, "train_minutes": round((time.time() - t0) / 60, 2),
               "train_cpu_minutes": round((time.process_time() - cpu0) / 60, 2), "parameters": model.num_parameters(),
               "training_images": len(skus), "held_out_products": len(held), **{k: history[-1][k] for k in
               ("held_out_iou_mean", "held_out_iou_median")}, "baseline_iou_mean": round(float(np.mean(baseline)), 4),
               "baseline_iou_median": round(float(np.median(baseline)), 4), "baseline_threshold": threshold}
    model.save(weights_path, {"command": COMMAND, "train": {k: v for k, v in asdict(cfg).items() if k != "model"}, **figures})
    figures["weights_kb"] = round(weights_path.stat().st_size / 1024, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_product = {grp.parent_sku: {"net": round(a, 4), "baseline": round(b, 4)} for grp, a, b in zip(held, per, baseline)}
    (out_dir / "segmenter_training.json").write_text(json.dumps(
        {"config": asdict(cfg), **figures, "history": history, "held_out_iou_by_product": by_product}, indent=1))
    _plot(out_dir, history, figures, ho, net_mask, model, shopper_photos_root(settings))
    return figures


def _plot(out_dir: Path, history: list[dict], figures: dict, ho: VariantImages, net_mask, model, shopper_root) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def cutout(ax, image: np.ndarray, pred: np.ndarray | None, truth: np.ndarray | None, title: str) -> None:
        shown = image.astype(np.float32) / 255
        for mask, colour in ((mk, c) for mk, c in ((pred, "red"), (truth, "lime")) if mk is not None):
            ax.contour(mask.astype(float), levels=[0.5], colors=colour, linewidths=0.8)
        if pred is not None:
            shown[~pred] = shown[~pred] * 0.25 + 0.15
        ax.imshow(shown), ax.set_title(title, fontsize=8), ax.axis("off")
    fig = plt.figure(figsize=(14, 8.8))
    grid = fig.add_gridspec(3, 8, height_ratios=[1.3, 1, 1])
    a, b, ep = fig.add_subplot(grid[0, :4]), fig.add_subplot(grid[0, 4:]), [h["epoch"] for h in history]
    a.plot(ep, [h["loss"] for h in history], marker=".")
    a.set(xlabel="epoch", ylabel="BCE + soft Dice (augmented batches)", title="segmenter training loss")
    for key in ("mean", "median"):
        b.plot(ep, [h[f"held_out_iou_{key}"] for h in history], marker=".", label=f"net, {key} over products")
    b.axhline(figures["baseline_iou_mean"], color="grey", ls="--",
              label=f"baseline: darker than the backdrop (a channel < {figures['baseline_threshold']}), mean")
    b.set(xlabel="epoch", ylabel="IoU with the variant mask", ylim=(0, 1),
          title=f"held-out products ({figures['held_out_products']}), never trained on")
    b.legend(loc="lower right", fontsize=8)
    for i, grp in enumerate(ho.groups[:: max(1, len(ho.groups) // 8)][:8]):
        im, truth = ho.images[grp.variants[-1].sku], ho.masks[grp.parent_sku]
        cutout(fig.add_subplot(grid[1, i]), im, pred := net_mask(im), truth, f"{grp.parent_sku}: IoU {iou(pred, truth):.2f}")
    photos = sorted(shopper_root.joinpath("validation").glob("*/*.jpg")) if shopper_root else []
    shown = [next((p for p in photos if p.parent.name == kind), None) for kind in ("t-shirt", "longsleeve", "pants", "shorts")]
    for i, path in enumerate(p for p in shown if p):
        im = load_canvas(path, (128, 160))
        cutout(fig.add_subplot(grid[2, 2 * i]), im, None, None, f"shopper photo ({path.parent.name})")
        cutout(fig.add_subplot(grid[2, 2 * i + 1]), im, model.predict(path, size=(128, 160)), None, "predicted mask")
    fig.suptitle("middle: held-out catalog photos, outside the predicted mask dimmed, red line = predicted, green = "
                 "variant mask; bottom: shoppers' photos (validation split)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out_dir / "segmenter_training.png", dpi=100)
    plt.close(fig)
