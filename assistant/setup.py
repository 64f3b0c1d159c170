"""`python -m assistant setup`: get the data, ingest the catalog, embed it, build the indexes.

Idempotent: each step is skipped when its output exists and was built from the same inputs.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from tqdm import tqdm

from assistant import storage
from assistant.catalog.luma import read_luma
from assistant.catalog.download import luma_root
from assistant.settings import Settings

log = logging.getLogger(__name__)
INDEX_VERSION = 2  # bump when Product.search_text changes


def store_catalog(settings: Settings, products: list, links: dict, source: dict) -> None:
    """Replace the configured catalog store's contents (SQLite or PostgreSQL, assistant/storage.py)
    and record where they came from: the one place a catalog is written, for the Luma data and a
    retailer's file."""
    storage.write_catalog(settings, products, links, source)


def catalog_written(settings: Settings) -> float:
    """When the stored catalog was written: what the indexes built from it are stamped with."""
    record = storage.catalog_record(settings)
    if record is None:
        raise FileNotFoundError(f"no catalog in {storage.describe(settings)}: run `python -m assistant setup`")
    return record[1]


def build_catalog(settings: Settings, force: bool = False) -> list[str]:
    record = storage.catalog_record(settings)
    meta = record[0] if record else {}
    if not force and record and meta.get("retailer_file"):
        # A retailer's catalog (ingest-catalog) is never replaced by the Luma data behind its back.
        return [f"catalog: ingested from {meta['retailer_file']} ({meta['products']} products); "
                "`setup --force` puts the Luma catalog back"]
    root = luma_root(settings)
    if not force and record and meta.get("source") == str(root):
        return [f"catalog: up to date ({meta['products']} products)"]
    products, links, report = read_luma(root)
    store_catalog(settings, products, links, {"source": str(root)})
    return ["catalog: built"] + ["  " + line for line in report.lines()]


def build_text_index(settings: Settings, force: bool = False) -> list[str]:
    from tools.index import build_index
    from assistant.models.text_embedder import get_text_embedder

    path = settings.index_dir / "text"
    stamp = {"version": INDEX_VERSION, "model": settings.text_model,
             "catalog_mtime": catalog_written(settings)}
    if not force and (path / "stamp.json").exists() and json.loads((path / "stamp.json").read_text()) == stamp:
        return ["text index: up to date"]
    catalog = storage.open_catalog(settings)
    products = catalog.all()
    start = time.perf_counter()
    vectors = get_text_embedder(settings.text_model).encode([p.search_text() for p in products], progress=True)
    index = build_index([p.id for p in products], vectors)
    index.save(path)
    (path / "stamp.json").write_text(json.dumps(stamp))
    return [f"text index: {len(products)} vectors ({vectors.shape[1]}-d, {index.backend}) "
            f"in {time.perf_counter() - start:.1f}s"]


def image_index_stamp(settings: Settings) -> dict | None:
    """What the image index is built from (the chosen encoder's weights, the catalog); None when
    there is nothing to build it with (no shipped encoder, and no other chosen)."""
    import hashlib

    from assistant.models.image_encoder import SHIPPED, get_image_encoder, image_encoder_weights

    weights = image_encoder_weights(settings.image_encoder)
    if not weights.is_file():
        if settings.image_encoder == SHIPPED:
            return None
        get_image_encoder(settings.image_encoder)  # raises, saying what is missing
    return {"version": INDEX_VERSION, "weights": hashlib.sha256(weights.read_bytes()).hexdigest()[:16],
            "catalog_mtime": catalog_written(settings)}


def _built_from(index_path: Path) -> dict | None:
    stamp = index_path / "stamp.json"
    return json.loads(stamp.read_text()) if stamp.exists() else None


def image_index_stale(settings: Settings) -> bool:
    """Whether the image index must be (re)built, e.g. after choosing another image encoder."""
    stamp = image_index_stamp(settings)
    return stamp is not None and (stamp != _built_from(settings.index_dir / "image")
                                  or not (settings.index_dir / "photos" / "meta.json").exists())


def build_image_index(settings: Settings, force: bool = False) -> list[str]:
    """Image embeddings of every product (main + alternate views, averaged) with the chosen
    encoder, and the fused image+text vector, each as its own index; and every catalog photo's own
    embedding, by which the photo reader recognises a copy of one (CatalogPhotos)."""
    import numpy as np
    from PIL import Image

    from tools.index import build_index, load_index
    from assistant.models.image_encoder import get_image_encoder
    from assistant.models.photo_reader import CatalogPhotos

    stamp = image_index_stamp(settings)
    if stamp is None:
        return ["image index: skipped (no trained image encoder; run `python -m assistant train vision`)"]
    path = settings.index_dir / "image"
    if not force and not image_index_stale(settings):
        return ["image index: up to date"]
    catalog = storage.open_catalog(settings)
    encoder = get_image_encoder(settings.image_encoder)
    start = time.perf_counter()
    products = catalog.all()
    vectors, photos, owners, main = [], [], [], []
    for product in tqdm(products, desc="image embeddings"):
        views = encoder.encode([Image.open(f).convert("RGB") for f in [product.image_path] + product.extra_images])
        mean = views[:3].mean(axis=0)  # the main photo and up to two alternate views
        vectors.append(mean / np.linalg.norm(mean))
        photos.append(views)
        owners += [product.id] * len(views)
        main += [True] + [False] * (len(views) - 1)
    vectors = np.stack(vectors)
    CatalogPhotos(np.concatenate(photos), np.array(owners), np.array(main)).save(settings.index_dir / "photos")
    ids = [p.id for p in products]
    build_index(ids, vectors).save(path)
    text = load_index(settings.index_dir / "text")
    fused = vectors + np.stack([text.vector(i) for i in ids])
    build_index(ids, fused).save(settings.index_dir / "fused")
    (path / "stamp.json").write_text(json.dumps(stamp))
    return [f"image index: {len(ids)} products, image and fused image+text vectors, {len(owners)} catalog photos, "
            f"in {time.perf_counter() - start:.1f}s"]


def prepare_chat_model(settings: Settings) -> list[str]:
    from assistant.models.chat_model import load_causal_lm
    start = time.perf_counter()
    load_causal_lm(settings.chat_model, settings.models_dir)
    return [f"chat model: ready ({settings.chat_model}, {time.perf_counter() - start:.1f}s)"]


def run_setup(settings: Settings, force: bool = False, with_model: bool = True) -> list[str]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lines = build_catalog(settings, force) + build_text_index(settings, force) + build_image_index(settings, force)
    if with_model:
        lines += prepare_chat_model(settings)
    return lines
