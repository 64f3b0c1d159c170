"""`python -m assistant ingest-catalog FILE`: a retailer's catalog file (schema in
assistant/catalog/retail_catalog.py) replaces the configured catalog, and what is built from the
catalog is rebuilt from it, with setup's own steps.

Built from the catalog: the vocabulary (read from it when the assistant starts), the text index,
and, when the trained image encoder exists, the image and fused indexes and the catalog photos
the photo reader recognises. The old indexes are removed as soon as the new catalog is written,
so a run that fails half-way leaves no index of another catalog behind: the next start (or a
second run) rebuilds them.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from assistant import storage
from assistant.catalog.retail_catalog import CatalogFileReport, read_catalog_file
from assistant.settings import Settings
from assistant.setup import build_image_index, build_text_index, store_catalog

CATALOG_INDEXES = ("text", "image", "fused", "photos")  # folders of settings.index_dir built from the catalog


def ingest_catalog(path: Path, settings: Settings, build_indexes: bool = True) -> tuple[CatalogFileReport, list[str]]:
    """Validate the file, write it to the catalog store, rebuild the indexes: (report, lines for
    the console). Raises CatalogFileError, writing nothing, when the file cannot be used."""
    path = Path(path).resolve()
    products, links, report = read_catalog_file(path)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store_catalog(settings, products, links, {"source": str(path), "retailer_file": str(path)})
    for name in CATALOG_INDEXES:
        shutil.rmtree(settings.index_dir / name, ignore_errors=True)
    lines = [f"catalog: {len(products)} products written to {storage.describe(settings)}"]
    if build_indexes:
        lines += build_text_index(settings, force=True) + build_image_index(settings, force=True)
    if (settings.recommender_dir / "catalog.json").exists():
        lines.append(f"note: the interaction model in {settings.recommender_dir} was fitted on the previous "
                     "catalog; run `python -m assistant ingest-interactions FILE` with this catalog's SKUs")
    return report, lines
