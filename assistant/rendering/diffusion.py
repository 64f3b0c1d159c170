"""The conditional diffusion model: a diffusers UNet2DModel and its own short sampling loop.

Input channels: the noisy target (3), the source photo (3) and the garment mask (1). Two tasks
share one network:
- recolour: source and mask given, condition = the target colour's text embedding ("a green item");
- decode (DALL-E 2's decoder): source and mask zeroed, condition = an embedding in the aligned
  space (an image's, from our image tower, or a caption's, from MiniLM), so words can be decoded.
The condition goes through a small MLP into the time embedding (`class_embed_type="identity"`).
The network predicts the clean image (x0): at this training budget that converges much faster
than predicting noise, and DDIM samples it in a dozen steps. Conditions are dropped at random
during training so sampling can use classifier-free guidance.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from assistant.models.weights_file import read_weights, save_weights
from assistant.rendering.variants import MODEL_SIZE


@dataclass
class DiffusionConfig:
    width: int = MODEL_SIZE[0]
    height: int = MODEL_SIZE[1]
    channels: tuple[int, ...] = (32, 64, 128, 128)
    cond_dim: int = 384                       # MiniLM / image tower dimension
    train_timesteps: int = 1000
    sample_steps: int = 12
    guidance: float = 2.0                     # classifier-free guidance scale at sampling

    @classmethod
    def from_dict(cls, d: dict) -> "DiffusionConfig":
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()
                      if k in cls.__dataclass_fields__})


class ConditionalUNet(nn.Module):
    def __init__(self, config: DiffusionConfig | None = None):
        super().__init__()
        from diffusers import UNet2DModel
        self.config = config = config or DiffusionConfig()
        n = len(config.channels)
        time_dim = config.channels[0] * 4
        self.unet = UNet2DModel(
            sample_size=(config.height, config.width), in_channels=7, out_channels=3,
            block_out_channels=config.channels, layers_per_block=1,
            down_block_types=("DownBlock2D",) * (n - 1) + ("AttnDownBlock2D",),
            up_block_types=("AttnUpBlock2D",) + ("UpBlock2D",) * (n - 1),
            class_embed_type="identity", norm_num_groups=8, attention_head_dim=min(32, config.channels[-1]))
        self.cond = nn.Sequential(nn.Linear(config.cond_dim, time_dim), nn.SiLU(), nn.Linear(time_dim, time_dim))

    def forward(self, noisy: torch.Tensor, t: torch.Tensor, source: torch.Tensor, mask: torch.Tensor,
                cond: torch.Tensor) -> torch.Tensor:
        """All images in [-1, 1], (b, c, h, w); mask in {0, 1}; cond (b, cond_dim), zeros = none."""
        x = torch.cat([noisy, source, mask], 1)
        return self.unet(x, t, class_labels=self.cond(cond)).sample

    def scheduler(self):
        from diffusers import DDIMScheduler
        return DDIMScheduler(num_train_timesteps=self.config.train_timesteps, beta_schedule="squaredcos_cap_v2",
                             prediction_type="sample", clip_sample=True)

    @torch.no_grad()
    def sample(self, source: torch.Tensor, mask: torch.Tensor, cond: torch.Tensor, steps: int | None = None,
               guidance: float | None = None, seed: int = 0) -> torch.Tensor:
        """DDIM with classifier-free guidance; a fixed seed makes a render reproducible."""
        steps, guidance = steps or self.config.sample_steps, self.config.guidance if guidance is None else guidance
        scheduler = self.scheduler()
        scheduler.set_timesteps(steps)
        generator = torch.Generator().manual_seed(seed)
        x = torch.randn((source.shape[0], 3, self.config.height, self.config.width), generator=generator)
        for t in scheduler.timesteps:
            ts = torch.full((x.shape[0],), int(t), dtype=torch.long)
            if guidance == 1.0:
                pred = self(x, ts, source, mask, cond)
            else:
                both = self(torch.cat([x, x]), torch.cat([ts, ts]), torch.cat([source, source]),
                            torch.cat([mask, mask]), torch.cat([cond, torch.zeros_like(cond)]))
                with_cond, without = both.chunk(2)
                pred = without + guidance * (with_cond - without)
            x = scheduler.step(pred, t, x, generator=generator).prev_sample
        return x.clamp(-1, 1)

    # ------------------------------------------------------------ persistence

    def save(self, path: Path, extra: dict | None = None) -> None:
        """fp16 safetensors (half the size; sampling runs in fp32) and a JSON of config + notes."""
        save_weights(path, self, {"config": asdict(self.config), **(extra or {})}, dtype=torch.float16)

    @classmethod
    def load(cls, path: Path) -> "ConditionalUNet":
        state, meta = read_weights(path)
        model = cls(DiffusionConfig.from_dict(meta["config"]))
        model.load_state_dict(state)
        return model.eval()


def to_model(images: np.ndarray) -> torch.Tensor:
    """uint8 (b, h, w, 3) -> float (b, 3, h, w) in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 127.5 - 1


def from_model(x: torch.Tensor) -> np.ndarray:
    return ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
