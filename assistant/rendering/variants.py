"""Catalog colour variants as (source colour -> target colour) pairs, and garment masks.

The Luma colour variants of one product are the same studio photo recoloured, so the pixels that
differ between the variants are exactly the garment (not the skin, hair or the rest of the
outfit): a mask for free wherever a product is sold in two or more colours. Products are split
by parent SKU; held-out products are never trained on and are what the renderer is scored on.
"""
from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage
from tqdm import tqdm

from assistant.catalog.product import Product
from assistant.uploads import load_image

ASPECT = 4 / 5                 # width / height of every canvas (Luma shots are 1274 x 1580)
MODEL_SIZE = (64, 80)          # (width, height) the diffusion model and the segmenter work at
EVAL_SIZE = (256, 320)         # where renders are scored against the real target photo
DIFF_THRESHOLD = 40            # summed |RGB| difference (0..765) that marks a pixel as recoloured
HELD_OUT_EVERY = 5             # one product in five (by a hash of its parent SKU) is held out
BACKDROP = 250                 # a pixel with every channel at or above this is the white studio backdrop
SAME_PHOTO_IOU = 0.9           # variants whose silhouettes overlap less are different photos


@dataclass(frozen=True)
class VariantGroup:
    """One product sold in several colours: its variants, in catalog order."""
    parent_sku: str
    variants: tuple[Product, ...]

    @property
    def colors(self) -> list[str]:
        return [p.color for p in self.variants]

    def pairs(self) -> list[tuple[Product, Product]]:
        """Every ordered (source, target) pair of two different colours."""
        return [(a, b) for a, b in itertools.permutations(self.variants, 2)]


def is_held_out(parent_sku: str) -> bool:
    """A fixed, seed-free split: the same products are held out on every machine and every run."""
    return int(hashlib.sha1(parent_sku.encode()).hexdigest(), 16) % HELD_OUT_EVERY == 0


def variant_groups(products: list[Product], min_colors: int = 2) -> list[VariantGroup]:
    """Products sold in at least `min_colors` distinct colours, one variant per colour."""
    by_parent: dict[str, dict[str, Product]] = {}
    for p in products:
        if p.color:
            by_parent.setdefault(p.parent_sku, {}).setdefault(p.color, p)
    return [VariantGroup(parent, tuple(colours.values())) for parent, colours in sorted(by_parent.items())
            if len(colours) >= min_colors]


def split_groups(groups: list[VariantGroup]) -> tuple[list[VariantGroup], list[VariantGroup]]:
    """(training products, held-out products)."""
    train = [g for g in groups if not is_held_out(g.parent_sku)]
    held = [g for g in groups if is_held_out(g.parent_sku)]
    return train, held


# ---------------------------------------------------------------- canvases

def canvas_box(w: int, h: int) -> tuple[int, int, int, int]:
    """(canvas width, canvas height, left, top): where a w x h image sits on its padded 4:5 canvas."""
    if abs(w / h - ASPECT) <= 0.01:
        return w, h, 0, 0
    cw, ch = (w, round(w / ASPECT)) if w / h > ASPECT else (round(h * ASPECT), h)
    return cw, ch, (cw - w) // 2, (ch - h) // 2


def fit_canvas(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Pad to the 4:5 canvas with white (the studio background), then resize to `size`."""
    image = image.convert("RGB")
    cw, ch, left, top = canvas_box(*image.size)
    if (cw, ch) != image.size:
        canvas = Image.new("RGB", (cw, ch), (255, 255, 255))
        canvas.paste(image, (left, top))
        image = canvas
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)


def canvas_size(image: Image.Image, max_height: int) -> tuple[int, int]:
    """The 4:5 canvas at the image's own resolution, no taller than max_height: (width, height)."""
    _, ch, _, _ = canvas_box(*image.size)
    height = min(ch, max_height)
    return round(height * ASPECT), height


def load_canvas(path, size: tuple[int, int]) -> np.ndarray:
    """An image file (or PIL image) on the canvas: uint8 (H, W, 3)."""
    return np.asarray(fit_canvas(load_image(path), size), dtype=np.uint8)


# ---------------------------------------------------------------- garment masks

def clean_mask(mask: np.ndarray, min_fraction: float = 0.002) -> np.ndarray:
    """Close small gaps, fill holes and drop specks: a garment is a few solid regions."""
    radius = max(1, round(mask.shape[1] / 128))
    structure = ndimage.generate_binary_structure(2, 1)
    mask = ndimage.binary_closing(mask, structure, iterations=radius)
    mask = ndimage.binary_fill_holes(mask)
    mask = ndimage.binary_opening(mask, structure, iterations=radius)
    labels, n = ndimage.label(mask)
    if n == 0:
        return mask
    sizes = ndimage.sum(mask, labels, range(1, n + 1))
    keep = np.flatnonzero(sizes >= min_fraction * mask.size) + 1
    return np.isin(labels, keep)


def variant_mask(images: list[np.ndarray]) -> np.ndarray:
    """The garment region of a product from two or more of its colour variants (same size, uint8):
    every pixel where any two variants differ."""
    if len(images) < 2:
        raise ValueError("a variant mask needs at least two colour variants")
    stack = np.stack([im.astype(np.int16) for im in images])
    spread = (stack.max(0) - stack.min(0)).sum(-1)
    return clean_mask(spread > DIFF_THRESHOLD)


def same_photo(images: list[np.ndarray]) -> bool:
    """Whether colour variants are one photo recoloured (most Luma products; a few were shot
    separately, and their differences are the whole model, not the garment): every two silhouettes
    against the backdrop overlap at IoU >= SAME_PHOTO_IOU."""
    silhouettes = [im.min(-1) < BACKDROP for im in images]
    return all(iou(a, b) >= SAME_PHOTO_IOU for a, b in itertools.combinations(silhouettes, 2))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


# ---------------------------------------------------------------- the decoded cache

@dataclass
class VariantImages:
    """Every variant group decoded at one size, with its garment mask: what training and
    evaluation read (decoding ~400 studio photos takes a while; this is done once)."""
    groups: list[VariantGroup]
    images: dict[str, np.ndarray]    # sku -> uint8 (H, W, 3)
    masks: dict[str, np.ndarray]     # parent_sku -> bool (H, W)

    @classmethod
    def build(cls, groups: list[VariantGroup], size: tuple[int, int], cache: Path | None = None) -> "VariantImages":
        skus = [p.sku for g in groups for p in g.variants]
        key = hashlib.sha1(("|".join(skus) + f"|{size}|{DIFF_THRESHOLD}").encode()).hexdigest()[:12]
        path = cache / f"variants_{size[0]}x{size[1]}_{key}.npz" if cache else None
        if path and path.exists():
            data = np.load(path)
            images = {s: data[f"img/{s}"] for s in skus}
            masks = {g.parent_sku: data[f"mask/{g.parent_sku}"] for g in groups}
            return cls(groups, images, masks)
        images, masks = {}, {}
        for g in tqdm(groups, desc=f"decoding variants at {size[0]}x{size[1]}", unit="product"):
            # Masks come from the variants at twice the size (finer edges), then shrink.
            big = [load_canvas(p.image_path, (size[0] * 2, size[1] * 2)) for p in g.variants]
            for p, im in zip(g.variants, big):
                images[p.sku] = np.asarray(Image.fromarray(im).resize(size, Image.Resampling.BOX))
            mask = variant_mask(big).astype(np.float32)
            masks[g.parent_sku] = np.asarray(Image.fromarray(mask).resize(size, Image.Resampling.BOX)) >= 0.5
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(path, **{f"img/{s}": im for s, im in images.items()},
                                **{f"mask/{k}": m for k, m in masks.items()})
        return cls(groups, images, masks)
