"""The controller's image projector, LLaVA-style: the image encoder's embedding -> a few soft
tokens in the chat model's input-embedding space. Trained in two stages (assistant/training/
projector.py alone, then assistant/training/controller.py with the LoRA adapters)."""
from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn


class ImageProjector(nn.Module):
    """`linear` or `mlp2x_gelu` (LLaVA-1.5), image embedding -> n_tokens soft tokens."""

    def __init__(self, in_dim: int = 384, hidden: int = 576, n_tokens: int = 4, kind: str = "mlp2x_gelu"):
        super().__init__()
        self.config = {"in_dim": in_dim, "hidden": hidden, "n_tokens": n_tokens, "kind": kind}
        if kind == "linear":
            self.net = nn.Linear(in_dim, n_tokens * hidden)
        elif kind == "mlp2x_gelu":
            self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, n_tokens * hidden))
        else:
            raise ValueError(f"projector kind must be linear or mlp2x_gelu, not {kind!r}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).view(len(x), self.config["n_tokens"], self.config["hidden"])

    def save(self, path: Path) -> None:
        from safetensors.torch import save_file
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        save_file(self.state_dict(), str(path))
        Path(path).with_suffix(".json").write_text(json.dumps(self.config))

    @classmethod
    def load(cls, path: Path) -> "ImageProjector":
        from safetensors.torch import load_file
        projector = cls(**json.loads(Path(path).with_suffix(".json").read_text()))
        projector.load_state_dict(load_file(str(path)))
        return projector
