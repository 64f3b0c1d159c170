"""The project's own weights on disk: safetensors, with a JSON of config and notes beside it."""
from __future__ import annotations

import json
from pathlib import Path

import torch


def save_weights(path: Path | str, module: torch.nn.Module, meta: dict, dtype: torch.dtype | None = None) -> None:
    """`module`'s state at `path` (optionally cast, e.g. to fp16 to halve a shipped file) and `meta`
    as path.json. Readable by every user: the files ship with the package."""
    from safetensors.torch import save_file
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: (v.detach().to(dtype) if dtype is not None and v.is_floating_point() else v.detach()).contiguous()
             for k, v in module.state_dict().items()}
    save_file(state, str(path))
    path.chmod(0o644)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2))


def read_weights(path: Path | str) -> tuple[dict[str, torch.Tensor], dict]:
    """(state dict in fp32, meta) as save_weights wrote them."""
    from safetensors.torch import load_file
    path = Path(path)
    meta = json.loads(path.with_suffix(".json").read_text())
    state = {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(path)).items()}
    return state, meta
