"""The renderer: a product in another colour, a product in the shopper's photo, words decoded.

Resolution: the diffusion model works at 64 x 80, which is enough to decide what colour each
part of the garment becomes but far too coarse to show. The shown render is the source photo at
its own resolution (up to `render_max_side` pixels tall) with the model's colour transferred onto
it inside the garment mask, the photo's fine luminance detail (stitches, fabric, highlights) kept
(colour.transfer_colour). The pixels outside the mask are the real photo's.

Every render is stored content-addressed under data/renders/ (<sha256>.png) with a JSON beside
it saying what it is: kind, product, colour, method, model, seed and caption.
"""
from __future__ import annotations

import io
import json
import logging
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageFilter
from scipy import ndimage

from assistant.catalog.product import Product
from assistant.models.photo_reader import colour_text
from assistant.rendering.colour import ColourTargets, lab_recolour, transfer_colour
from assistant.rendering.diffusion import ConditionalUNet, from_model, to_model
from assistant.rendering.variants import (BACKDROP, EVAL_SIZE, MODEL_SIZE, canvas_box, canvas_size, fit_canvas, load_canvas,
                                          same_photo, variant_mask)
from assistant.uploads import load_image, write_atomic, write_content_addressed

log = logging.getLogger(__name__)
RENDERER_WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "renderer.safetensors"
METHODS = ("diffusion", "lab")
MIN_MASK, MAX_MASK = 0.01, 0.9       # a usable garment covers 1% to 90% of its photo
MASK_SIZE = EVAL_SIZE                # where garment masks are found


class RenderError(ValueError):
    """A render we will not make; the message is a shopper-facing sentence saying why."""


@dataclass
class Render:
    """One image shown with a reply (the `reply.renders` contract in DESIGN.md)."""
    path: str
    sku: str | None          # the product shown; None for a render from words only
    color: str | None
    kind: str                # "catalog" (a real photo), "generated" (a render), "composite" (placed in a photo)
    caption: str
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


class Renderer:
    def __init__(self, settings, embedder, encoder, model: ConditionalUNet | None, targets: ColourTargets,
                 segmenter=None, method: str = "diffusion", meta: dict | None = None):
        """embedder: the text tower (colour words, descriptions); encoder: the image tower (a
        render's embedding, to retrieve real products with)."""
        if method not in METHODS:
            raise ValueError(f"renderer must be one of {', '.join(METHODS)}, not {method!r}")
        if method == "diffusion" and model is None:
            raise ValueError("the diffusion renderer needs its trained model")  # (the LAB one uses it for unseen colours)
        self.settings, self.embedder, self.encoder, self.model = settings, embedder, encoder, model
        self.targets, self.segmenter, self.method = targets, segmenter, method
        self.meta = meta or {}
        self.out_dir = Path(settings.renders_dir)
        self._masks: dict[str, np.ndarray | None] = {}   # parent sku -> variants' mask (None: none), sku -> predicted

    @classmethod
    def load(cls, settings, embedder) -> "Renderer":
        """The model `settings.renderer_weights` names, its colour targets and the segmenter;
        `settings.renderer` picks the method."""
        from assistant.models.image_encoder import get_image_encoder
        from assistant.rendering.segmenter import get_segmenter
        weights = RENDERER_WEIGHTS if settings.renderer_weights == "shipped" else Path(settings.renderer_weights)
        if not weights.is_file():
            raise FileNotFoundError(f"no renderer weights at {weights}; run `python -m assistant train renderer`")
        model = load_model(str(weights))
        meta = json.loads(weights.with_suffix(".json").read_text())
        try:
            segmenter = get_segmenter()
        except FileNotFoundError:  # products sold in two or more colours still have their variants' masks
            log.warning("no garment segmenter: single-colour products and shoppers' photos get no mask")
            segmenter = None
        return cls(settings, embedder, get_image_encoder(settings.image_encoder), model,
                   ColourTargets(**meta["colour_targets"]), segmenter, settings.renderer, meta)

    # ------------------------------------------------------------ masks

    def garment_mask(self, product: Product, variants: list[Product], size: tuple[int, int]) -> np.ndarray:
        """The product's garment on its canvas at `size`: from its colour variants when they are
        one photo recoloured (exact), else predicted by the segmenter. Found at MASK_SIZE (the
        morphology is cheap there) and enlarged: the edge is feathered when shown anyway."""
        if product.parent_sku not in self._masks:  # the variants' mask, or None when they give none
            canvases = [load_canvas(p.image_path, MASK_SIZE) for p in variants] if len(variants) >= 2 else []
            self._masks[product.parent_sku] = variant_mask(canvases) if canvases and same_photo(canvases) else None
        mask = self._masks[product.parent_sku]
        if mask is None:
            if product.sku not in self._masks:
                self._masks[product.sku] = self._predicted_mask(product)
            mask = self._masks[product.sku]
        if not MIN_MASK <= mask.mean() <= MAX_MASK:
            raise RenderError(f"I couldn't find a clear garment outline in the photo of {product.name}, "
                              "so I won't guess at a render.")
        return np.asarray(Image.fromarray(mask.astype(np.float32)).resize(size, Image.Resampling.BILINEAR)) >= 0.5

    def _predicted_mask(self, product: Product) -> np.ndarray:
        if self.segmenter is None:
            raise RenderError(f"I have no garment outline for {product.name}, so I can't recolour it.")
        photo = load_image(product.image_path)
        predicted = self.segmenter.predict(photo, size=MASK_SIZE)
        # The studio backdrop is never garment: a predicted edge that spills onto it would glow.
        backdrop = np.asarray(fit_canvas(photo, MASK_SIZE)).min(-1) >= BACKDROP
        return ndimage.binary_erosion(predicted & ~backdrop)

    # ------------------------------------------------------------ recolour

    def method_for(self, colour: str) -> str:
        """The configured method, except that the LAB baseline has statistics only for the colours
        of the training photos: for any other the diffusion model (conditioned on the colour's
        words) renders it."""
        if self.method == "lab" and colour not in self.targets:
            if self.model is None:
                raise RenderError(f"no training photo shows a {colour.lower()} garment, so I can't render one.")
            return "diffusion"
        return self.method

    def recolour_arrays(self, source: np.ndarray, mask: np.ndarray, colour: str, seed: int = 0,
                        method: str | None = None) -> np.ndarray:
        """`source` (uint8, any size, on the 4:5 canvas) with the garment in `colour`, same size."""
        if (method or self.method_for(colour)) == "lab":
            return lab_recolour(source, mask, colour, self.targets)
        small = self.model_recolour(source[None], mask[None], [colour], seed)[0]
        return transfer_colour(source, mask, small)

    @torch.no_grad()
    def model_recolour(self, sources: np.ndarray, masks: np.ndarray, colours: list[str], seed: int = 0) -> np.ndarray:
        """A batch through the diffusion model at its own size: (b, 80, 64, 3) uint8."""
        src = np.stack([np.asarray(Image.fromarray(s).resize(MODEL_SIZE, Image.Resampling.BOX)) for s in sources])
        small_masks = np.stack([np.asarray(Image.fromarray(m.astype(np.float32)).resize(
            MODEL_SIZE, Image.Resampling.BOX)) >= 0.5 for m in masks])
        cond = torch.from_numpy(self.embedder.encode([colour_text(c) for c in colours]))
        mask_t = torch.from_numpy(small_masks.astype(np.float32))[:, None]
        src_t = to_model(src)
        out = self.model.sample(src_t, mask_t, cond, seed=seed)
        out = torch.where(mask_t.bool(), out, src_t)   # outside the garment the model has nothing to say
        return from_model(out)

    def recolour(self, product: Product, variants: list[Product], colour: str, seed: int = 0) -> tuple[np.ndarray, str]:
        """The product's photo with its garment in `colour`, at the photo's resolution: (image, method)."""
        photo = load_image(product.image_path)
        size = canvas_size(photo, self.settings.render_max_side)
        source = np.asarray(fit_canvas(photo, size))
        method = self.method_for(colour)
        return self.recolour_arrays(source, self.garment_mask(product, variants, size), colour, seed, method), method

    # ------------------------------------------------------------ composite

    def composite(self, product: Product, variants: list[Product], photo_path) -> np.ndarray:
        """The product cut out by its mask, placed over the garment found in the shopper's photo (or
        centred when none is found) and harmonised to the photo's light: an approximate preview."""
        photo = load_image(photo_path)
        photo.thumbnail((self.settings.render_max_side,) * 2, Image.Resampling.LANCZOS)
        base = np.asarray(photo).copy()
        h, w = base.shape[:2]
        box = self._placement(photo)
        item_image = load_image(product.image_path)
        size = canvas_size(item_image, self.settings.render_max_side)
        canvas = np.asarray(fit_canvas(item_image, size))
        # The studio backdrop never comes along: the mask's enlarged edge would leave a white halo.
        cut, alpha = _cut_out(canvas, self.garment_mask(product, variants, size) & (canvas.min(-1) < BACKDROP))
        scale = min((box[2] - box[0]) / cut.shape[1], (box[3] - box[1]) / cut.shape[0])
        cw, ch = max(1, round(cut.shape[1] * scale)), max(1, round(cut.shape[0] * scale))
        cut = np.asarray(Image.fromarray(cut).resize((cw, ch), Image.Resampling.LANCZOS)).astype(np.float64)
        alpha = np.asarray(Image.fromarray((alpha * 255).astype(np.uint8)).resize((cw, ch), Image.Resampling.BILINEAR)
                           .filter(ImageFilter.GaussianBlur(max(0.8, cw / 300))), dtype=np.float64)[..., None] / 255
        left = int(np.clip((box[0] + box[2]) / 2 - cw / 2, 0, max(0, w - cw)))
        top = int(np.clip((box[1] + box[3]) / 2 - ch / 2, 0, max(0, h - ch)))
        cw, ch = min(cw, w - left), min(ch, h - top)
        region = base[top:top + ch, left:left + cw].astype(np.float64)
        placed = _harmonise(cut[:ch, :cw], alpha[:ch, :cw], base)
        base[top:top + ch, left:left + cw] = np.round(placed * alpha[:ch, :cw] + region * (1 - alpha[:ch, :cw])).astype(np.uint8)
        return base

    def _placement(self, photo: Image.Image) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) in the photo where the product goes: the bounding box of the
        garment the segmenter finds there, else the central 70% of the photo's height."""
        w, h = photo.size
        if self.segmenter is not None:
            cw, ch, left, top = canvas_box(w, h)
            mask = self.segmenter.predict(photo, size=(cw, ch))[top:top + h, left:left + w]
            if MIN_MASK * 3 <= mask.mean() <= MAX_MASK:
                ys, xs = np.nonzero(mask)
                return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
        bh = 0.7 * h
        return round(w / 2 - bh * 0.4), round(h * 0.15), round(w / 2 + bh * 0.4), round(h * 0.15 + bh)

    # ------------------------------------------------------------ words

    @torch.no_grad()
    def imagine(self, words: list[str] | str, seed: int = 0) -> np.ndarray:
        """Decode text embeddings (the aligned space) into images at the model's size: (b, 80, 64, 3)."""
        if self.model is None:
            raise RenderError("rendering from words needs the diffusion model, which is not loaded.")
        words = [words] if isinstance(words, str) else list(words)
        cond = torch.from_numpy(self.embedder.encode(words))
        n, (mw, mh) = len(words), MODEL_SIZE
        return from_model(self.model.sample(torch.zeros(n, 3, mh, mw), torch.zeros(n, 1, mh, mw), cond, seed=seed))

    def embed(self, image: np.ndarray) -> np.ndarray:
        """A render's embedding in the catalog image index's space."""
        return self.encoder.encode([Image.fromarray(image)])[0]

    # ------------------------------------------------------------ storage

    def store(self, image: np.ndarray, evidence: dict) -> Path:
        """data/renders/<sha256>.png with <sha256>.json beside it: what it is and how it was made."""
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, "PNG", compress_level=1)
        path, _ = write_content_addressed(self.out_dir, buf.getvalue(), ".png")
        write_atomic(path.with_suffix(".json"), json.dumps(evidence, indent=1).encode())
        return path


@lru_cache(maxsize=2)
def load_model(path: str) -> ConditionalUNet:
    return ConditionalUNet.load(Path(path))


def _cut_out(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The garment's bounding box and its alpha (the mask, float)."""
    ys, xs = np.nonzero(mask)
    t, b, l, r = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return image[t:b, l:r], mask[t:b, l:r].astype(np.float64)


def _harmonise(cut: np.ndarray, alpha: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """Move the studio shot half-way to the photo's light: its white balance (grey world) and its
    brightness, so the product does not glow on a dim bed."""
    weight = alpha[..., 0] > 0.5
    if not weight.any():
        return cut
    cast = photo.reshape(-1, 3).mean(0) / max(photo.mean(), 1e-6)
    out = cut * (0.5 + 0.5 * cast)
    brightness = photo.mean() - out[weight].mean()
    return np.clip(out + 0.5 * brightness, 0, 255)
