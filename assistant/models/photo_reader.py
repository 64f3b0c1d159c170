"""What the image encoder sees in a shopper's photo, in the catalog's own words.

Zero-shot, CLIP-style: the photo's embedding is compared with MiniLM embeddings of short
captions for every catalog category, colour and gender (the same phrasings the encoder was
trained on), and a softmax over each set gives confidences. The chat model and the shopper are
told these readings; search uses the embedding itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The noun a caption uses for each catalog category (shared with the image tower's training).
CATEGORY_NOUNS = {"Pants": "pants", "Hoodies & Sweatshirts": "hoodie", "Tees": "tee", "Jackets": "jacket",
                  "Shorts": "shorts", "Bras & Tanks": "tank top", "Tanks": "tank top", "Bags": "bag",
                  "Watches": "watch", "Fitness Equipment": "piece of fitness equipment"}
TEMPERATURE = 0.05  # cosine -> logits, as the encoder's InfoNCE temperature scale
WHO = {"Men": "men's", "Women": "women's"}


def colour_text(colour: str) -> str:
    """The caption a colour is read against (as the image tower was trained)."""
    return f"a {colour.lower()} item"


@dataclass
class PhotoReading:
    category: list[tuple[str, float]]   # best first: (catalog category, probability)
    color: list[tuple[str, float]]
    gender: list[tuple[str, float]]

    def summary(self) -> str:
        best = lambda pairs: f"{pairs[0][0]} ({pairs[0][1]:.0%})"  # noqa: E731
        return f"looks like {best(self.category)}, colour {best(self.color)}, {best(self.gender)}"

    def category_guess(self, min_probability: float) -> str | None:
        """The category to search in when the shopper names none, if the reading is confident."""
        name, probability = self.category[0]
        return name if probability >= min_probability else None

    def to_dict(self) -> dict:
        return {"category": self.category[:3], "color": self.color[:3], "gender": self.gender[:2]}


def _softmax(scores: np.ndarray) -> np.ndarray:
    z = np.exp((scores - scores.max()) / TEMPERATURE)
    return z / z.sum()


class PhotoReader:
    """Embeds photos and reads category, colour and gender from them against the catalog."""

    def __init__(self, encoder, embedder, catalog):
        self.encoder = encoder
        leaves = sorted({p.category for p in catalog.all()})
        self.categories = leaves
        self.colors = catalog.values("color")
        self.genders = list(WHO)
        nouns = [CATEGORY_NOUNS.get(c, c.lower()) for c in leaves]
        self._category_vecs = embedder.encode([f"a photo of a {n}" for n in nouns])
        self._colour_vecs = embedder.encode([colour_text(c) for c in self.colors])
        # A gender is read against every category phrased for it, averaged.
        self._gender_vecs = np.stack([
            _unit(embedder.encode([f"{who} {c.lower()}" for c in leaves]).mean(0)) for who in WHO.values()])

    def embed(self, images: list) -> np.ndarray:
        return self.encoder.encode(images)

    def read(self, vector: np.ndarray) -> PhotoReading:
        def ranked(names, vectors):
            probs = _softmax(vectors @ vector)
            order = np.argsort(-probs)
            return [(names[i], round(float(probs[i]), 3)) for i in order]
        return PhotoReading(ranked(self.categories, self._category_vecs),
                            ranked(self.colors, self._colour_vecs),
                            ranked(self.genders, self._gender_vecs))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)
