"""The photo reader's category head: a linear softmax over the frozen image tower's embedding,
predicting a catalog category or OTHER (a kind of item the catalog does not sell).

Trained on shopper photos and catalog photos (assistant/training/photo_reader.py); its logits are
the mean over the photo and its mirror image (test-time augmentation) divided by a temperature
fitted on held-out photos, so its probabilities are calibrated: 80% means right about 80% of the
time on photos like the tune half's. The hard-filter threshold was chosen with them and is kept in
its JSON beside the temperature.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from assistant.models.weights_file import read_weights, save_weights

log = logging.getLogger(__name__)
OTHER = "other"   # the class for what the catalog does not sell (dresses, hats, shoes, ...)
SHIPPED_CLASSIFIER = Path(__file__).resolve().parents[1] / "weights" / "photo_classifier.safetensors"
COMMAND = "python -m assistant train photo-reader"


class PhotoClassifier:
    """Embeddings (n, d) -> calibrated probabilities over `classes` (catalog categories, then OTHER)."""

    def __init__(self, classes: list[str], temperature: float, state: dict | None = None,
                 hard_filter_min: float = 1.0, image_encoder: str | None = None, dim: int = 384):
        self.classes, self.temperature, self.hard_filter_min = list(classes), float(temperature), hard_filter_min
        self.image_encoder = image_encoder  # the fingerprint of the tower whose embeddings it was fitted on
        self.head = torch.nn.Linear(state["weight"].shape[1] if state else dim, len(classes))
        if state is not None:
            self.head.load_state_dict(state)
        self.head.eval()

    @torch.no_grad()
    def logits(self, vectors: np.ndarray, flipped: np.ndarray | None = None) -> np.ndarray:
        """(n, classes) before the temperature; with the mirror images' embeddings, the mean of both."""
        logits = self.head(torch.as_tensor(np.asarray(vectors, np.float32)))
        if flipped is not None:
            logits = (logits + self.head(torch.as_tensor(np.asarray(flipped, np.float32)))) / 2
        return logits.numpy()

    def probabilities(self, vectors: np.ndarray, flipped: np.ndarray | None = None) -> np.ndarray:
        """(n, classes), calibrated."""
        return torch.softmax(torch.from_numpy(self.logits(vectors, flipped) / self.temperature), -1).numpy()

    def save(self, path: Path | str, meta: dict) -> None:
        save_weights(path, self.head, {**meta, "classes": self.classes, "temperature": self.temperature,
                                       "hard_filter_min": self.hard_filter_min, "image_encoder": self.image_encoder})

    @classmethod
    def load(cls, path: Path | str) -> "PhotoClassifier":
        state, meta = read_weights(path)
        return cls(meta["classes"], meta["temperature"], state, meta["hard_filter_min"], meta.get("image_encoder"))


def load_photo_classifier(path: Path | str, image_encoder: str | None) -> PhotoClassifier | None:
    """The classifier at `path` if it was trained on the embeddings of this image encoder (its
    weights' fingerprint, as the image index's stamp has it); else None, and the reader falls back
    to zero-shot: a head fitted to another tower's embedding space would read noise."""
    path = Path(path)
    if not path.is_file():
        log.warning("no photo classifier at %s (run `%s`): photos are read zero-shot", path, COMMAND)
        return None
    classifier = PhotoClassifier.load(path)
    if image_encoder is not None and classifier.image_encoder != image_encoder:
        log.warning("the photo classifier was trained for image encoder %s, not %s (run `%s`): photos are "
                    "read zero-shot", classifier.image_encoder, image_encoder, COMMAND)
        return None
    return classifier


def reliability(confidence: np.ndarray, right: np.ndarray, bins: int = 10) -> dict:
    """Reliability-diagram points (mean confidence and accuracy per non-empty bin, with counts) and
    the expected calibration error: the count-weighted mean gap between the two."""
    confidence, right = np.asarray(confidence, float), np.asarray(right, float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    points = {"confidence": [], "accuracy": [], "count": []}
    ece = 0.0
    for b in range(bins):
        chosen = which == b
        if chosen.any():
            points["confidence"].append(float(confidence[chosen].mean()))
            points["accuracy"].append(float(right[chosen].mean()))
            points["count"].append(int(chosen.sum()))
            ece += chosen.mean() * abs(confidence[chosen].mean() - right[chosen].mean())
    return {**points, "ece": float(ece)}
