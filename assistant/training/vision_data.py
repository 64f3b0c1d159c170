"""Data for the image tower: Luma product images and shopper photos paired with texts, decoded
once into a uint8 cache, and batched augmentations that make catalog shots look like shopper photos.

Augmentations never change hue: colour words are part of the texts, so a hue shift would teach
the model that a red jacket may be called blue.
"""
from __future__ import annotations

import hashlib
import html
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from assistant.catalog.product import Product
from assistant.uploads import load_image
from assistant.models.photo_reader import CATEGORY_NOUNS
from assistant.models.image_encoder import get_image_encoder, square_crop

# Shopper-photo classes as noun phrases (with synonyms the catalog uses: tee, jacket), and templates.
SHOPPER_CLASSES = {
    "dress": ["a dress"], "hat": ["a hat", "a cap"],
    "longsleeve": ["a long-sleeve top", "a long-sleeve shirt"], "outwear": ["a jacket", "a coat"],
    "pants": ["a pair of pants", "trousers"], "shirt": ["a shirt", "a button-up shirt"],
    "shoes": ["a pair of shoes", "sneakers"], "shorts": ["a pair of shorts", "shorts"],
    "skirt": ["a skirt"], "t-shirt": ["a t-shirt", "a tee"],
}
SHOPPER_TEMPLATES = ["a photo of {}", "{} lying on the floor", "{} on a bed", "{}"]
# One garment word per catalog leaf category, for short captions ("a photo of a blue jacket").
_WHO = {"Men": "men's ", "Women": "women's "}


def _clean(text: str) -> str:
    text = html.unescape(text or "")
    text = re.sub(r"[™®©]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def product_text(p: Product) -> str:
    """Short, visual text of a product: 'Augusta Pullover Jacket, blue, women's jackets, polyester'."""
    parts = [_clean(p.name)]
    if p.color:
        parts.append(p.color.lower())
    parts.append(_WHO.get(p.gender, "") + p.category.lower())
    if p.material:
        parts.append(" and ".join(_clean(m).lower() for m in p.material[:2]))
    if p.pattern and p.pattern != "Solid":
        parts.append(p.pattern.lower())
    return ", ".join(parts)


def product_captions(p: Product) -> list[str]:
    """Caption variants of one product; [0] is product_text. Sampling among them keeps the image
    close to the phrasings shoppers use, not only to the catalog's own wording."""
    colour = f"{p.color.lower()} " if p.color else ""
    noun = CATEGORY_NOUNS.get(p.category, p.category.lower())
    return [product_text(p), f"{colour}{_WHO.get(p.gender, '')}{p.category.lower()}",
            f"a photo of a {colour}{noun}", f"{_clean(p.name)} in {p.color.lower()}" if p.color else _clean(p.name)]


def shopper_captions(label: str) -> list[str]:
    return [t.format(noun) for noun in SHOPPER_CLASSES[label] for t in SHOPPER_TEMPLATES]


# ---------------------------------------------------------------- records and the decoded cache

@dataclass
class Item:
    path: str
    captions: list[str]          # candidate texts; [0] is the canonical one
    group: str                   # items of one group are positives for each other (product sku / class)
    is_luma: bool
    label: str = ""              # shopper class, or product colour
    products: list[int] = field(default_factory=list)  # catalog rows this image shows (Luma)


def luma_items(products: list[Product]) -> tuple[list[Item], list[Item]]:
    """(train, held-out): every main and alternate view once; one alternate view per product that
    has one is held out, so retrieval is measured on views the model never saw."""
    owners: dict[str, list[int]] = {}
    for i, p in enumerate(products):
        for path in [p.image_path, *p.extra_images]:
            owners.setdefault(path, [])
            if i not in owners[path]:
                owners[path].append(i)
    mains = {p.image_path for p in products}
    held = {p.extra_images[-1] for p in products if p.extra_images and p.extra_images[-1] not in mains
            and len(owners[p.extra_images[-1]]) == 1}
    train, heldout = [], []
    for path, rows in owners.items():
        p = products[rows[0]]
        item = Item(path, product_captions(p), p.sku, True, (p.color or ""), rows)
        (heldout if path in held else train).append(item)
    return train, heldout


def shopper_items(root: Path | None, split: str) -> list[Item]:
    if root is None or not (root / split).is_dir():
        return []
    return [Item(str(path), shopper_captions(d.name), f"class:{d.name}", False, d.name)
            for d in sorted((root / split).iterdir()) if d.name in SHOPPER_CLASSES
            for path in sorted(d.iterdir()) if path.suffix.lower() in (".jpg", ".jpeg", ".png")]


def decode_square(path: str, size: int) -> np.ndarray:
    """(size, size, 3) uint8: shorter side to `size`, centre square (same framing as ImageEncoder.preprocess)."""
    with Image.open(path) as im:
        im.draft("RGB", (size, size))  # JPEG decodes at a reduced scale: much faster for 1000px photos
        return np.asarray(square_crop(load_image(im), size), dtype=np.uint8)


def foreground_mask(rgb: np.ndarray, white: int = 232) -> np.ndarray:
    """255 on the product, 0 on the near-white backdrop reachable from the border (white garments
    inside the outline stay foreground, unlike a plain threshold)."""
    near_white = rgb.min(axis=2) >= white
    reach = np.zeros_like(near_white)
    for edge in (np.s_[0, :], np.s_[-1, :], np.s_[:, 0], np.s_[:, -1]):
        reach[edge] = near_white[edge]
    while True:  # flood fill by repeated 4-neighbour dilation inside the near-white set
        grown = reach.copy()
        grown[1:] |= reach[:-1]
        grown[:-1] |= reach[1:]
        grown[:, 1:] |= reach[:, :-1]
        grown[:, :-1] |= reach[:, 1:]
        grown &= near_white
        if (grown == reach).all():
            break
        reach = grown
    return np.where(reach, 0, 255).astype(np.uint8)


def decode_all(items: list[Item], size: int, cache_dir: Path | None = None,
               progress: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 images (n, size, size, 3) and masks (n, size, size), from an .npz cache when it matches."""
    key = hashlib.sha1(json.dumps([size] + [it.path for it in items]).encode()).hexdigest()[:12]
    cache = cache_dir / f"vision_{size}_{key}.npz" if cache_dir else None
    if cache is not None and cache.is_file():
        with np.load(cache) as z:
            return torch.from_numpy(z["images"]), torch.from_numpy(z["masks"])
    images = np.zeros((len(items), size, size, 3), np.uint8)
    masks = np.full((len(items), size, size), 255, np.uint8)
    for i, it in enumerate(tqdm(items, desc=f"decoding images at {size}px", disable=not progress)):
        images[i] = decode_square(it.path, size)
        if it.is_luma:  # catalog shots sit on white; shopper photos keep their real background
            masks[i] = foreground_mask(images[i])
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npz")
        np.savez(tmp, images=images, masks=masks)
        tmp.replace(cache)
    return torch.from_numpy(images), torch.from_numpy(masks)


# ---------------------------------------------------------------- batched augmentation (torch only)

@dataclass
class AugmentConfig:
    background_p: float = 0.7            # Luma shots composited over a random backdrop
    min_area: float = 0.35               # random resized crop: kept share of the image
    max_rotation_deg: float = 15.0
    brightness: float = 0.25             # multiplicative, same on every channel: hue is unchanged
    contrast: float = 0.25               # about the image's grey mean: hue is unchanged
    noise_p: float = 0.3
    noise_std: float = 0.03


def random_backgrounds(n: int, size: int, g: torch.Generator) -> torch.Tensor:
    """Mostly muted colours with smooth shading and grain: floors, beds, tables, walls."""
    grey = torch.rand(n, 1, 1, 1, generator=g)
    saturation = torch.rand(n, 1, 1, 1, generator=g) ** 2  # skewed to muted, as real backdrops are
    base = grey + saturation * (torch.rand(n, 3, 1, 1, generator=g) - grey)
    smooth = F.interpolate(torch.rand(n, 1, 4, 4, generator=g), size=(size, size), mode="bilinear",
                           align_corners=False)
    grain = torch.randn(n, 1, size, size, generator=g)
    amp_smooth = torch.rand(n, 1, 1, 1, generator=g) * 0.4
    amp_grain = torch.rand(n, 1, 1, 1, generator=g) * 0.08
    return (base + amp_smooth * (smooth - 0.5) + amp_grain * grain).clamp(0, 1)


def augment(images: torch.Tensor, masks: torch.Tensor, replaceable: torch.Tensor, out_size: int,
            g: torch.Generator, cfg: AugmentConfig | None = None) -> torch.Tensor:
    """uint8 (n, S, S, 3) + masks -> float (n, 3, out, out) in [0, 1], each sample differently."""
    cfg = cfg or AugmentConfig()
    x = images.permute(0, 3, 1, 2).float() / 255.0
    n, _, size, _ = x.shape
    # 1. backdrop: soften the cut-out edge so the model cannot key on a hard outline
    alpha = F.avg_pool2d(masks.float().unsqueeze(1) / 255.0, 3, 1, 1)
    swap = (torch.rand(n, generator=g) < cfg.background_p) & replaceable
    if swap.any():
        idx = swap.nonzero().squeeze(1)
        bg = random_backgrounds(len(idx), size, g)
        x[idx] = alpha[idx] * x[idx] + (1 - alpha[idx]) * bg
    # 2. geometry: random resized crop, flip and rotation as one affine map per sample
    area = cfg.min_area + (1 - cfg.min_area) * torch.rand(n, generator=g)
    aspect = torch.exp((torch.rand(n, generator=g) * 2 - 1) * math.log(4 / 3))
    sw, sh = (area * aspect).sqrt().clamp(max=1), (area / aspect).sqrt().clamp(max=1)
    cx, cy = (torch.rand(n, generator=g) * 2 - 1) * (1 - sw), (torch.rand(n, generator=g) * 2 - 1) * (1 - sh)
    angle = (torch.rand(n, generator=g) * 2 - 1) * math.radians(cfg.max_rotation_deg)
    flip = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
    cos, sin = angle.cos(), angle.sin()
    theta = torch.stack([torch.stack([sw * cos * flip, -sh * sin, cx], 1),
                         torch.stack([sw * sin * flip, sh * cos, cy], 1)], 1)
    grid = F.affine_grid(theta, [n, 3, out_size, out_size], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    # 3. light: brightness and contrast only (never hue)
    b = 1 + (torch.rand(n, 1, 1, 1, generator=g) * 2 - 1) * cfg.brightness
    c = 1 + (torch.rand(n, 1, 1, 1, generator=g) * 2 - 1) * cfg.contrast
    x = x * b
    grey = x.mean(dim=(1, 2, 3), keepdim=True)
    x = grey + c * (x - grey)
    noisy = (torch.rand(n, 1, 1, 1, generator=g) < cfg.noise_p).float()
    x = x + noisy * cfg.noise_std * torch.randn(x.shape, generator=g)
    return x.clamp(0, 1)


def resize_batch(images: torch.Tensor, out_size: int) -> torch.Tensor:
    """uint8 (n, S, S, 3) -> float (n, 3, out, out) in [0, 1]: the un-augmented view for evaluation."""
    x = images.permute(0, 3, 1, 2).float() / 255.0
    if x.shape[-1] != out_size:
        x = F.interpolate(x, size=(out_size, out_size), mode="bicubic", antialias=True, align_corners=False)
    return x.clamp(0, 1)


def photo_embeddings(paths: list[str], cache: Path) -> dict[str, np.ndarray]:
    """path -> image-encoder embedding (the encoder is frozen while the projector and the controller
    train); cached in one .npz, only paths not in it yet are encoded."""
    known: dict[str, np.ndarray] = {}
    if cache.exists():
        with np.load(cache, allow_pickle=False) as saved:
            known = dict(zip(saved["paths"].tolist(), saved["vectors"]))
    missing = sorted(set(paths) - set(known))
    if missing:
        vectors = get_image_encoder().encode(missing, batch_size=32)
        known.update(zip(missing, vectors))
        cache.parent.mkdir(parents=True, exist_ok=True)
        names = sorted(known)
        np.savez(cache, paths=np.array(names), vectors=np.stack([known[n] for n in names]))
    return {p: known[p] for p in paths}
