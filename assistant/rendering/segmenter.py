"""The garment segmenter: a tiny U-Net from a photo to the mask of the garment in it.

Products sold in two or more colours get their garment mask from their variants
(rendering/variants.py); products sold in one colour and shoppers' own photos have none, and this
net predicts it. It is trained on the variant masks of the training products with augmentation
that makes studio shots look like shoppers' photos (`python -m assistant train segmenter`).

Alignment: every mask is on the 4:5 canvas of `variants.fit_canvas` (the photo centred and padded
with white to 4:5). `predict(image, size=(w, h))` returns a (h, w) bool mask aligned pixel for
pixel with `fit_canvas(image, (w, h))`. Without `size` it is the canvas at the photo's own
resolution, `variants.canvas_box(*image.size)` = (w, h, left, top), so the photo's own pixels are
`mask[top:top + image.height, left:left + image.width]`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

from assistant.models.weights_file import read_weights, save_weights
from assistant.rendering.variants import MODEL_SIZE, canvas_box, clean_mask, fit_canvas
from assistant.uploads import load_image

SEGMENTER_WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "segmenter.safetensors"
COMMAND = "python -m assistant train segmenter"


@dataclass
class SegmenterConfig:
    width: int = MODEL_SIZE[0]
    height: int = MODEL_SIZE[1]
    channels: tuple[int, ...] = (16, 32, 64)   # per resolution level; the bottleneck (3 poolings down) keeps the last

    @classmethod
    def from_dict(cls, d: dict) -> "SegmenterConfig":
        known = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


def _conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def to_input(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, 3) -> float (N, 3, H, W) in [-0.5, 0.5]."""
    return torch.from_numpy(np.array(images, dtype=np.uint8)).permute(0, 3, 1, 2).float() / 255.0 - 0.5


class GarmentSegmenter(nn.Module):
    """Conv-BN-ReLU U-Net: two convs per level on the way down, three 2x poolings, one conv at the
    bottleneck, bilinear upsampling with skip connections and one conv per level on the way up,
    a 1x1 conv to one logit per pixel. The default has 160k parameters (630 KB as fp32)."""

    def __init__(self, config: SegmenterConfig | None = None):
        super().__init__()
        self.config = config = config or SegmenterConfig()
        c = list(config.channels)
        self.down = nn.ModuleList()
        cin = 3
        for ch in c:
            self.down.append(nn.Sequential(_conv(cin, ch), _conv(ch, ch)))
            cin = ch
        self.bottom = _conv(c[-1], c[-1])
        outs = [c[0]] + c[:-1]            # decoder width at each level: the width of the level above
        self.up = nn.ModuleList(_conv(c[i] + (c[-1] if i == len(c) - 1 else outs[i + 1]), outs[i])
                                for i in range(len(c)))
        self.head = nn.Conv2d(outs[0], 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) in [-0.5, 0.5] -> logits (N, 1, H, W); trained at the config's size."""
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottom(x)
        for i in reversed(range(len(self.up))):
            x = F.interpolate(x, size=skips[i].shape[-2:], mode="bilinear", align_corners=False)
            x = self.up[i](torch.cat([skips[i], x], 1))
        return self.head(x)

    @torch.no_grad()
    def probabilities(self, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
        """uint8 canvases (N, height, width, 3) at the model size -> garment probabilities (N, H, W),
        the mean of the photo's and its mirror image's (a garment's outline is left-right symmetric)."""
        self.eval()
        out = []
        for i in range(0, len(images), batch_size):
            x = to_input(images[i:i + batch_size])
            out.append(((torch.sigmoid(self(x)) + torch.sigmoid(self(x.flip(-1))).flip(-1)) / 2)[:, 0].numpy())
        return np.concatenate(out) if out else np.zeros((0, self.config.height, self.config.width), np.float32)

    def predict(self, image, threshold: float = 0.5, size: tuple[int, int] | None = None) -> np.ndarray:
        """The garment mask of a photo (PIL image, path, bytes or uint8 (H, W, 3) array; any size):
        bool (h, w), aligned with `fit_canvas(image, size)`; `size` (w, h) defaults to the photo's
        own-resolution canvas, `canvas_box(*image.size)[:2]`. Cleaned with `variants.clean_mask`."""
        if isinstance(image, np.ndarray):
            image = Image.fromarray(np.asarray(image, dtype=np.uint8)).convert("RGB")
        image = load_image(image)
        w, h = size or canvas_box(*image.size)[:2]
        canvas = np.asarray(fit_canvas(image, self.config.size), dtype=np.uint8)
        prob = torch.from_numpy(self.probabilities(canvas[None]))[:, None]
        prob = F.interpolate(prob, size=(h, w), mode="bilinear", align_corners=False)[0, 0].numpy()
        return clean_mask(prob >= threshold)

    def save(self, path: Path | str, extra: dict | None = None) -> None:
        """Weights as safetensors at `path`, config (+ optional notes) as JSON beside it."""
        save_weights(path, self, {"config": asdict(self.config), **(extra or {})})

    @classmethod
    def load(cls, path: Path | str) -> "GarmentSegmenter":
        state, meta = read_weights(path)
        model = cls(SegmenterConfig.from_dict(meta["config"]))
        model.load_state_dict(state)
        return model.eval()

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


@lru_cache(maxsize=2)
def get_segmenter(path: Path | str = SEGMENTER_WEIGHTS) -> GarmentSegmenter:
    """The segmenter, loaded once per process (weights + the .json config beside them)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no garment segmenter weights at {path}; run `{COMMAND}` to train them")
    if not path.with_suffix(".json").is_file():
        raise FileNotFoundError(f"the segmenter {path} has no config {path.with_suffix('.json').name} beside it "
                                f"(GarmentSegmenter.save writes both; `{COMMAND}` does)")
    return GarmentSegmenter.load(path)
