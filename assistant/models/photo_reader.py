"""What the image encoder sees in a shopper's photo, in the catalog's own words.

Three readings, the surest first:
* a copy of a catalog photo (the shopper forwarding a product page's picture, even resized or
  re-encoded) is recognised by a near-identical catalog view (CatalogPhotos), and read as that
  product: its category, colour and gender, with full confidence;
* otherwise the category comes from the trained classifier (assistant/models/photo_classifier.py):
  calibrated probabilities over the catalog categories and "other" (nothing the catalog sells),
  averaged over the photo and its mirror image;
* without classifier weights, zero-shot, CLIP-style: the photo's embedding against MiniLM
  embeddings of short captions, softmax; not calibrated, so never used as a filter.
Colour and gender are zero-shot against captions for every catalog colour and gender. The chat
model and the shopper are told these readings; search uses the embedding itself, and the category
only as PhotoReading.category_guess (filter) and likely_categories (ranking) allow.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.models.photo_classifier import OTHER

log = logging.getLogger(__name__)
# The noun a caption uses for each catalog category (shared with the image tower's training).
CATEGORY_NOUNS = {"Pants": "pants", "Hoodies & Sweatshirts": "hoodie", "Tees": "tee", "Jackets": "jacket",
                  "Shorts": "shorts", "Bras & Tanks": "tank top", "Tanks": "tank top", "Bags": "bag",
                  "Watches": "watch", "Fitness Equipment": "piece of fitness equipment"}
TEMPERATURE = 0.05  # cosine -> logits, as the encoder's InfoNCE temperature scale
WHO = {"Men": "men's", "Women": "women's"}
# Two catalog photos closer than this are the same picture (a float-level tie): the product whose
# main photo it is wins over one that has it as an alternate view.
SAME_PICTURE = 1e-4


def colour_text(colour: str) -> str:
    """The caption a colour is read against (as the image tower was trained)."""
    return f"a {colour.lower()} item"


@dataclass
class PhotoReading:
    category: list[tuple[str, float]]   # best first: (catalog category, probability)
    color: list[tuple[str, float]]
    gender: list[tuple[str, float]]
    other: float = 0.0                  # probability it shows nothing the catalog sells (the classifier's)
    calibrated: bool = False            # the category probabilities are calibrated (the classifier's)
    match_sku: str | None = None        # the catalog product whose photo this is a copy of
    match_name: str | None = None

    def summary(self) -> str:
        best = lambda pairs: f"{pairs[0][0]} ({pairs[0][1]:.0%})"  # noqa: E731
        colour = f", colour {best(self.color)}" if self.color else ""  # a catalog without colours
        said = f"looks like {best(self.category)}{colour}, {best(self.gender)}"
        if self.match_sku:
            return f"{said}: the catalog photo of the {self.match_name} ({self.match_sku})"
        if self.other > self.category[0][1]:
            return f"{said}; more likely nothing the catalog sells ({self.other:.0%})"
        return said

    def category_guess(self, min_probability: float, within: set[str] | None = None) -> str | None:
        """The category to search within when the shopper names none: the matched product's, or the
        top one when its calibrated probability is at least `min_probability`; else None. `within`:
        the categories that can meet what the shopper said ("in black, waist 29": Pants, Shorts);
        the probabilities are then conditioned on the category being one of them."""
        if self.match_sku:
            return self.category[0][0]
        pairs = [(c, p) for c, p in self.category if within is None or c in within]
        if not (self.calibrated and pairs):
            return None
        total = sum(p for _, p in pairs) if within is not None else 1.0
        name, probability = pairs[0]
        return name if probability >= min_probability * total else None

    def likely_categories(self, min_probability: float) -> dict[str, float]:
        """The catalog categories the photo may show, with their probabilities: what search ranks
        higher (never filters) when the reading is not sure enough for category_guess."""
        return {name: p for name, p in self.category if p >= min_probability}

    def to_dict(self) -> dict:
        return {"category": self.category[:3], "color": self.color[:3], "gender": self.gender[:2],
                "other": self.other, "calibrated": self.calibrated, "match": self.match_sku}


def _softmax(scores: np.ndarray) -> np.ndarray:
    z = np.exp((scores - scores.max()) / TEMPERATURE)
    return z / z.sum()


class CatalogPhotos:
    """Every catalog photo's own embedding (main and alternate views), not the per-product mean the
    image index keeps: a copy of a catalog photo is recognised by its near-identical view. Built by
    setup beside the image index (assistant/setup.py)."""

    def __init__(self, vectors: np.ndarray, product_ids: np.ndarray, main: np.ndarray):
        self.vectors = np.asarray(vectors, np.float32)
        self.product_ids, self.main = np.asarray(product_ids, np.int64), np.asarray(main, bool)

    def nearest(self, vector: np.ndarray) -> tuple[int, float]:
        """(product id, cosine) of the closest catalog photo."""
        scores = self.vectors @ (vector / max(float(np.linalg.norm(vector)), 1e-12))
        tied = np.flatnonzero(scores >= scores.max() - SAME_PICTURE)
        best = next((i for i in tied if self.main[i]), tied[0])
        return int(self.product_ids[best]), float(scores[best])

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        np.savez(path / "photos.npz", vectors=self.vectors, product_ids=self.product_ids, main=self.main)
        (path / "meta.json").write_text(json.dumps({"photos": len(self.vectors)}))

    @classmethod
    def load(cls, path: Path) -> "CatalogPhotos | None":
        if not (path / "meta.json").exists():
            return None
        with np.load(path / "photos.npz") as z:
            return cls(z["vectors"], z["product_ids"], z["main"])


class PhotoReader:
    """Embeds photos and reads category, colour and gender from them against the catalog."""

    def __init__(self, encoder, embedder, catalog, classifier=None, catalog_photos: CatalogPhotos | None = None,
                 match_min: float = 1.0):
        """classifier: a PhotoClassifier, or None to read categories zero-shot; catalog_photos and
        match_min: copies of catalog photos are recognised at a cosine of at least match_min."""
        self.encoder, self.catalog = encoder, catalog
        self.classifier, self.catalog_photos, self.match_min = classifier, catalog_photos, match_min
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
        if classifier is not None and [c for c in classifier.classes if c != OTHER] != leaves:
            log.warning("the photo classifier was trained for other catalog categories (run `python -m assistant "
                        "train photo-reader`): photos are read zero-shot")
            self.classifier = None

    @classmethod
    def from_settings(cls, settings, encoder, embedder, catalog) -> "PhotoReader":
        """The reader the assistant uses: the shipped classifier when it fits the chosen image
        encoder, and the catalog photos setup embedded beside the image index."""
        from assistant.models.photo_classifier import SHIPPED_CLASSIFIER, load_photo_classifier
        from assistant.setup import image_index_stamp
        stamp = image_index_stamp(settings)
        return cls(encoder, embedder, catalog, load_photo_classifier(SHIPPED_CLASSIFIER, stamp and stamp["weights"]),
                   CatalogPhotos.load(settings.index_dir / "photos"), settings.photo_catalog_match_min)

    @property
    def kind(self) -> str:
        return "classifier" if self.classifier is not None else "zero-shot"

    def embed(self, images: list) -> np.ndarray:
        return self.encoder.encode(images)

    def read_photo(self, image, vector: np.ndarray | None = None) -> PhotoReading:
        """Read a photo (a path or PIL image; `vector`: its embedding, if already computed). The
        classifier also reads its mirror image (test-time augmentation); a copy of a catalog photo
        is read as its product without it."""
        from PIL import ImageOps

        from assistant.uploads import load_image
        vector = self.embed([image])[0] if vector is None else vector
        if self.classifier is None or self.match(vector) is not None:
            return self.read(vector)
        return self.read(vector, self.embed([ImageOps.mirror(load_image(image))])[0])

    def match(self, vector: np.ndarray):
        """The catalog product this photo is a copy of, or None."""
        if self.catalog_photos is None:
            return None
        product_id, cosine = self.catalog_photos.nearest(vector)
        return self.catalog.by_id(product_id) if cosine >= self.match_min else None

    def read(self, vector: np.ndarray, flipped: np.ndarray | None = None) -> PhotoReading:
        """Read an embedding (`flipped`: its mirror image's, averaged in by the classifier)."""
        def ranked(names, probs):
            order = np.argsort(-probs, kind="stable")
            return [(names[i], round(float(probs[i]), 3)) for i in order]

        def certain(names, name, fallback):  # the matched product's own value, when it has one
            return [(n, 1.0 if n == name else 0.0) for n in [name] + [n for n in names if n != name]] \
                if name in names else fallback

        # A catalog may list no colours (a retailer's file without them): then none is read.
        colour = ranked(self.colors, _softmax(self._colour_vecs @ vector)) if self.colors else []
        gender = ranked(self.genders, _softmax(self._gender_vecs @ vector))
        product = self.match(vector)
        if product is not None:
            return PhotoReading(certain(self.categories, product.category, []),
                                certain(self.colors, product.color, colour),
                                certain(self.genders, product.gender, gender),
                                calibrated=True, match_sku=product.sku, match_name=product.name)
        if self.classifier is None:
            return PhotoReading(ranked(self.categories, _softmax(self._category_vecs @ vector)), colour, gender)
        probs = self.classifier.probabilities(vector[None], None if flipped is None else flipped[None])[0]
        by_class = dict(zip(self.classifier.classes, probs))
        return PhotoReading(ranked(self.categories, np.array([by_class[c] for c in self.categories])), colour, gender,
                            other=round(float(by_class[OTHER]), 3), calibrated=True)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)
