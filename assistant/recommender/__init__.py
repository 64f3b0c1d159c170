"""Recommender models behind one interface (`base.Recommender`), one algorithm per module.

`make(name)` builds one by name and `load(directory)` restores a saved one; the models are
imported on first use (BPR-MF and Mult-VAE import torch, which is slow to load).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.recommender.base import Recommender


def _register() -> dict[str, type[Recommender]]:
    from assistant.recommender.bpr import BPRMF
    from assistant.recommender.ease import EASE
    from assistant.recommender.mult_vae import MultVAE
    from assistant.recommender.popularity import Popularity
    return {cls.name: cls for cls in (Popularity, EASE, BPRMF, MultVAE)}


class _Models(dict):
    """name -> class, filled on first use."""
    def __missing__(self, key):
        self.update(_register())
        if key not in self.keys():
            raise KeyError(f"unknown recommender {key!r}; known: {', '.join(self)}")
        return dict.__getitem__(self, key)


MODELS = _Models()


def make(name: str, **params) -> Recommender:
    return MODELS[name](**params)


def load(directory: Path) -> Recommender:
    """A model saved by `Recommender.save`."""
    directory = Path(directory)
    meta = json.loads((directory / "model.json").read_text())
    model = MODELS[meta["model"]](**meta["params"])
    model.item_ids, model.fit_s = meta["item_ids"], meta["fit_s"]
    with np.load(directory / "arrays.npz") as arrays:
        model._set_arrays({k: arrays[k] for k in arrays.files})
    return model
