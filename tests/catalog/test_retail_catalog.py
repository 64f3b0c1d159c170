"""A retailer's catalog file (assistant/catalog/retail_catalog.py): the same products and counts from
CSV, Parquet and JSON Lines built from the clothing photo data set (tests/clothing_catalog.py), bad
rows skipped by reason, bad optional values ignored, unusable files refused."""
import json

import pandas as pd
import pytest

from assistant.catalog.retail_catalog import CatalogFileError, read_catalog_file
from tests.clothing_catalog import BAD_ROWS, GOOD_ROWS, catalog_rows, photo_root, write_catalog_file

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_every_format_gives_the_same_products_and_counts(fmt, tmp_path):
    products, links, report = read_catalog_file(write_catalog_file(tmp_path, fmt))
    broken_json = 1 if fmt == "jsonl" else 0  # one line of the JSON Lines file is not an object
    assert report.rows == GOOD_ROWS + sum(BAD_ROWS.values()) + broken_json
    assert report.ingested == len(products) == GOOD_ROWS == 40
    assert dict(report.skipped) == {**BAD_ROWS, **({"not a JSON object": 1} if broken_json else {})}
    figures = report.figures()
    assert figures["skipped"] == 6 + broken_json and figures["skipped_missing_price"] == 1
    assert figures["skipped_duplicate_sku"] == 1 and figures["skipped_image_file_is_not_an_image"] == 1
    assert (figures["products"], figures["categories"], figures["images"]) == (40, 10, 40)
    assert all(isinstance(v, int) for v in figures.values())
    reference, _, _ = read_catalog_file(write_catalog_file(tmp_path / "csv", "csv"))
    assert [p.to_dict() for p in products] == [p.to_dict() for p in reference]
    assert links == {"CD-DRESS-01": [("related", "CD-HAT-01")]}


def test_a_products_fields_from_its_row(tmp_path):
    products, _, report = read_catalog_file(write_catalog_file(tmp_path, "csv"))
    by_sku = {p.sku: p for p in products}
    dress, shirt, shoes = by_sku["CD-DRESS-01"], by_sku["CD-SHIRT-02"], by_sku["CD-SHOES-01"]
    assert (dress.name, dress.price, dress.category, dress.category_path, dress.gender) == (
        "Everyday Dress", 45.0, "Dresses", "Women/Dresses", "Women")
    assert dress.parent_sku == "CD-DRESS-01" and dress.color is None and dress.in_stock
    assert dress.description == "Everyday dress from the spring range. Machine wash."  # HTML made text
    assert shirt.gender == "Women" and shirt.category_path == "Women/Tops/Shirts"  # "women" said in the row
    assert shoes.gender == "Unisex" and shoes.sizes == [] and shoes.category == "Shoes"
    assert dress.sizes == ["S", "M", "L"] and shirt.material == ["Polyester", "Cotton"]
    assert (shirt.rating, shirt.review_count) == (4.0, 2)
    # Every image reference form (relative to the file, file:// URL, absolute) is the real photo.
    assert all(p.image_path.startswith(str(photo_root().resolve())) for p in products)
    assert by_sku["CD-DRESS-04"].rating is None and report.ignored["rating outside 0-5"] == 10
    assert report.ignored["related link to a sku not in the file"] == 1


def test_the_report_names_each_reason_with_examples(tmp_path):
    _, _, report = read_catalog_file(write_catalog_file(tmp_path, "csv"))
    lines = report.lines()
    assert lines[0] == ("46 rows read from clothing.csv, 40 ingested (40 products, 10 categories, 40 images, "
                        "1 links)")
    assert "  skipped 1: missing price (e.g. row 42 (BAD-NO-PRICE))" in lines
    assert "  skipped 1: duplicate sku (the first row kept) (e.g. row 47 (CD-DRESS-01))" in lines
    assert any(line.startswith("  value ignored in 10: rating outside 0-5 (e.g. row 5 (CD-DRESS-04)") for line in lines)


def test_a_shopping_feeds_column_names_are_read(tmp_path):
    """Aliases: a feed in the style of a merchant-centre export (id, title, product_type, image_link,
    availability, item_group_id) reads without renaming its columns."""
    photo = sorted((photo_root() / "shoes").glob("*.jpg"))[0]
    pd.DataFrame([{"id": "F1", "title": "Trail Runner", "price": "$1,049.50", "product_type": "Footwear > Trail",
                   "image_link": photo.as_uri(), "availability": "out of stock", "item_group_id": "F",
                   "Colour": "Green", "gender": "male"}]).to_csv(tmp_path / "feed.tsv", sep="\t", index=False)
    (product,), _, report = read_catalog_file(tmp_path / "feed.tsv")
    assert (product.sku, product.name, product.price, product.category_path, product.category) == (
        "F1", "Trail Runner", 1049.5, "Footwear/Trail", "Trail")
    assert (product.parent_sku, product.color, product.gender, product.in_stock) == ("F", "Green", "Men", False)
    assert report.ingested == 1 and not report.skipped and not report.ignored


def test_files_that_cannot_be_used_are_refused_with_the_reason(tmp_path):
    with pytest.raises(CatalogFileError, match="no such file"):
        read_catalog_file(tmp_path / "absent.csv")
    (tmp_path / "catalog.xlsx").write_text("x")
    with pytest.raises(CatalogFileError, match="use a .csv, .tsv, .parquet or .jsonl file"):
        read_catalog_file(tmp_path / "catalog.xlsx")
    pd.DataFrame([{"sku": "A", "name": "A", "price": 1}]).to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(CatalogFileError, match="missing column.s. category_path, image"):
        read_catalog_file(tmp_path / "short.csv")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(CatalogFileError, match="missing column"):
        read_catalog_file(tmp_path / "empty.jsonl")
    bad = [r for r in catalog_rows(tmp_path) if r["sku"].startswith("BAD")]
    (tmp_path / "bad.jsonl").write_text("\n".join(json.dumps(r) for r in bad))
    with pytest.raises(CatalogFileError, match="no usable rows:\n5 rows read from bad.jsonl, 0 ingested"):
        read_catalog_file(tmp_path / "bad.jsonl")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    with pytest.raises(CatalogFileError, match="could not read broken.parquet as Parquet"):
        read_catalog_file(tmp_path / "broken.parquet")
