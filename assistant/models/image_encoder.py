"""The image tower: a compact CNN whose embeddings live in the frozen MiniLM text space (384-d).

No pretrained vision weights can be installed here, so the project trains this small encoder
from scratch against the locked text tower (`python -m assistant train vision`) and ships the
weights in `assistant/weights/`. An image embedding is compared with text embeddings by cosine
similarity, exactly like CLIP. Users who do have a pretrained CLIP/SigLIP can use
`load_hf_clip(name_or_dir)` instead (its embeddings live in its own text space).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

from assistant.models.weights_file import read_weights, save_weights
from assistant.uploads import load_image

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"  # assistant/weights
SHIPPED_WEIGHTS = WEIGHTS_DIR / "image_encoder.safetensors"
SHIPPED = "shipped"


@dataclass
class ImageEncoderConfig:
    image_size: int = 112                                 # square input side, pixels
    widths: tuple[int, ...] = (24, 48, 96, 192, 256)      # stem, then one stride-2 stage per width
    depths: tuple[int, ...] = (0, 1, 1, 1)                # residual blocks after each stage's downsampling
    embed_dim: int = 384                                  # = MiniLM's dimension
    # ImageNet statistics: any fixed values work for a model trained from scratch; these are familiar.
    mean: tuple[float, ...] = (0.485, 0.456, 0.406)
    std: tuple[float, ...] = (0.229, 0.224, 0.225)

    @classmethod
    def from_dict(cls, d: dict) -> "ImageEncoderConfig":
        known = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()
                 if k in cls.__dataclass_fields__}
        return cls(**known)


def _conv_bn(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.GELU())


class _Residual(nn.Module):
    """Two 3x3 convolutions with a skip: depth without making a from-scratch net hard to train."""

    def __init__(self, c: int):
        super().__init__()
        self.body = nn.Sequential(_conv_bn(c, c, 1), nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        nn.init.zeros_(self.body[-1].weight)  # each block starts as the identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(x + self.body(x))


class ImageEncoder(nn.Module):
    """RGB batch (n, 3, S, S), normalised -> L2-normalised embeddings (n, embed_dim)."""

    def __init__(self, config: ImageEncoderConfig | None = None):
        super().__init__()
        self.config = config = config or ImageEncoderConfig()
        if len(config.depths) != len(config.widths) - 1:
            raise ValueError("depths needs one entry per stage after the stem")
        layers: list[nn.Module] = [_conv_bn(3, config.widths[0], 2)]
        for cin, cout, depth in zip(config.widths, config.widths[1:], config.depths):
            layers.append(_conv_bn(cin, cout, 2))  # strided conv downsamples and widens at once
            layers.extend(_Residual(cout) for _ in range(depth))
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(config.widths[-1], config.embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = self.features(x).mean(dim=(2, 3))
        return F.normalize(self.head(pooled), dim=-1)

    # ------------------------------------------------------------ preprocessing and inference

    def preprocess(self, image: Image.Image) -> torch.Tensor:
        """Resize the shorter side, centre-crop, scale to [0, 1] and normalise: (3, S, S)."""
        return normalise(to_tensor(square_crop(image, self.config.image_size)), self.config)

    @torch.no_grad()
    def encode(self, images: list, batch_size: int = 64) -> np.ndarray:
        """PIL images or paths -> (n, embed_dim) float32, L2-normalised; deterministic."""
        was_training = self.training
        self.eval()
        out = []
        try:
            for start in range(0, len(images), batch_size):
                chunk = [self.preprocess(load_image(im)) for im in images[start:start + batch_size]]
                out.append(self(torch.stack(chunk)).numpy())
        finally:
            self.train(was_training)
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, self.config.embed_dim), np.float32)

    # ------------------------------------------------------------ persistence

    def save(self, path: Path | str, extra: dict | None = None) -> None:
        """Weights as safetensors at `path`, config (+ optional notes) as JSON beside it."""
        save_weights(path, self, {"config": asdict(self.config), **(extra or {})})

    @classmethod
    def load(cls, path: Path | str) -> "ImageEncoder":
        state, meta = read_weights(path)
        model = cls(ImageEncoderConfig.from_dict(meta["config"]))
        model.load_state_dict(state)
        return model.eval()

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


# ---------------------------------------------------------------- pixel helpers (shared with training)

def square_crop(image: Image.Image, size: int) -> Image.Image:
    """Shorter side to `size` (antialiased), then the centre square."""
    w, h = image.size
    scale = size / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    image = image.resize((nw, nh), Image.Resampling.BICUBIC, reducing_gap=3.0)
    left, top = (nw - size) // 2, (nh - size) // 2
    return image.crop((left, top, left + size, top + size))


def to_tensor(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.uint8).copy()).permute(2, 0, 1).float() / 255.0


def normalise(x: torch.Tensor, config: ImageEncoderConfig) -> torch.Tensor:
    """(…, 3, H, W) in [0, 1] -> model input."""
    mean = torch.tensor(config.mean).view(3, 1, 1)
    std = torch.tensor(config.std).view(3, 1, 1)
    return (x - mean) / std


def image_encoder_weights(name: str = SHIPPED) -> Path:
    """The weights file the `image_encoder` setting names: 'shipped' or a .safetensors path."""
    return SHIPPED_WEIGHTS if name == SHIPPED else Path(name).expanduser()


@lru_cache(maxsize=2)
def get_image_encoder(name: str = SHIPPED) -> ImageEncoder:
    """The encoder, loaded once per process: 'shipped' (the trained weights) or a .safetensors path
    with its .json config beside it (as `ImageEncoder.save` writes them)."""
    path = image_encoder_weights(name)
    if not path.is_file():
        fix = ("run `python -m assistant train vision`" if name == SHIPPED else
               "SHOPASSIST_IMAGE_ENCODER must name a .safetensors file written by ImageEncoder.save")
        raise FileNotFoundError(f"no image encoder weights at {path}; {fix}")
    if not path.with_suffix(".json").is_file():
        raise FileNotFoundError(f"the image encoder {path} has no config {path.with_suffix('.json').name} "
                                "beside it (ImageEncoder.save writes both)")
    return ImageEncoder.load(path)


# ---------------------------------------------------------------- pretrained CLIP / SigLIP, for users with a hub

@dataclass
class CLIPImageText:
    """A pretrained image-text model from transformers (CLIP, SigLIP, ...); both towers, one space."""
    model: object
    processor: object
    name: str = ""
    device: str = "cpu"
    meta: dict = field(default_factory=dict)

    @staticmethod
    def _features(out) -> torch.Tensor:
        # transformers >= 5 returns a model output whose pooler_output is the projected feature.
        return out if isinstance(out, torch.Tensor) else out.pooler_output

    @torch.no_grad()
    def encode_images(self, images: list, batch_size: int = 32) -> np.ndarray:
        out = []
        for start in range(0, len(images), batch_size):
            chunk = [load_image(im) for im in images[start:start + batch_size]]
            inputs = self.processor(images=chunk, return_tensors="pt").to(self.device)
            feats = self._features(self.model.get_image_features(pixel_values=inputs["pixel_values"]))
            out.append(F.normalize(feats.float(), dim=-1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 0), np.float32)

    @torch.no_grad()
    def encode_texts(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        out = []
        for start in range(0, len(texts), batch_size):
            # SigLIP was trained on max-length padding and needs it; CLIP masks padding, so pad to the longest.
            padding = "max_length" if "siglip" in getattr(self.model.config, "model_type", "") else True
            inputs = self.processor(text=list(texts[start:start + batch_size]), return_tensors="pt",
                                    padding=padding, truncation=True).to(self.device)
            feats = self._features(self.model.get_text_features(
                **{k: v for k, v in inputs.items() if k in ("input_ids", "attention_mask")}))
            out.append(F.normalize(feats.float(), dim=-1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def load_hf_clip(name_or_dir: str, device: str = "cpu") -> CLIPImageText:
    """Any transformers image-text dual encoder by hub id or local directory (needs the hub, or a copy)."""
    from transformers import AutoModel, AutoProcessor
    model = AutoModel.from_pretrained(name_or_dir).to(device).eval()
    processor = AutoProcessor.from_pretrained(name_or_dir)
    return CLIPImageText(model=model, processor=processor, name=str(name_or_dir), device=device)
