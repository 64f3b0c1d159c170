"""Ingestion of the real Luma sample data (assistant/catalog/luma.py): one row per colour variant,
reviews and links, clean text, and bad rows skipped and counted."""
import csv
import shutil

import pytest

from assistant.catalog.download import luma_root
from assistant.catalog.luma import clean_text, read_luma
from assistant.catalog.sqlite_store import SQLiteCatalog, write_sqlite_catalog

pytestmark = pytest.mark.unit


def test_real_catalog_counts(luma_data):
    products, _, report = luma_data
    assert len(products) == report.products == 461
    assert len({p.parent_sku for p in products if not p.sku.startswith("24-")}) == 147
    assert sum(p.category_path.startswith("Gear") for p in products) == 44
    assert all(p.price > 0 and p.image_path for p in products)


def test_one_row_per_colour_variant_with_sizes_folded(luma_data):
    hoodie = [p for p in luma_data[0] if p.parent_sku == "MH01"]
    assert sorted(p.color for p in hoodie) == ["Black", "Gray", "Orange"]
    black = next(p for p in hoodie if p.sku == "MH01-Black")
    assert black.sizes == ["XS", "S", "M", "L", "XL"]
    assert black.gender == "Men" and black.category == "Hoodies & Sweatshirts"
    assert black.material == ["Wool"] and black.eco_collection
    assert "<" not in black.description and "&bull;" not in black.description


def test_reviews_and_links(luma_data):
    products, links, _ = luma_data
    rated = [p for p in products if p.review_count]
    assert rated and all(1 <= p.rating <= 5 for p in rated)
    assert {t for targets in links.values() for t, _ in targets} == {"related", "upsell", "crosssell"}


def test_clean_text_strips_html():
    assert clean_text("<p>Warm &amp; dry.</p><ul><li>Zip.</li></ul>") == "Warm & dry. Zip."


def test_bad_rows_are_skipped_and_counted(tmp_settings, tmp_path):
    """A price that does not parse and a missing image skip that row, not the ingestion."""
    root = luma_root(tmp_settings)
    copy = tmp_path / "luma"
    shutil.copytree(root / "app", copy / "app")
    (copy / "pub/media/catalog").mkdir(parents=True)
    (copy / "pub/media/catalog/product").symlink_to(root / "pub/media/catalog/product")
    bags = copy / "app/code/Magento/CatalogSampleData/fixtures/SimpleProduct/products_gear_bags.csv"
    rows = list(csv.DictReader(open(bags, newline="")))
    rows[0]["price"] = "not a price"
    with open(bags, "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    images = copy / "app/code/Magento/CatalogSampleData/fixtures/SimpleProduct/images_gear_watches.csv"
    text = images.read_text().replace("/m/g/mg01-bk-0.jpg", "/m/g/missing.jpg")
    images.write_text(text)

    products, links, report = read_luma(copy)
    assert report.skipped["unparseable price"] == 1
    assert report.skipped["missing image"] == 1
    assert len(products) == 459
    db = tmp_path / "catalog.sqlite"
    write_sqlite_catalog(db, products, links)
    assert len(SQLiteCatalog(db)) == 459
