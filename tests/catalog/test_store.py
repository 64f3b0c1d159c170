"""What every catalog backend shares (assistant/catalog/store.py): the rows written per product, and
the in-memory reads (variants, distinct values) over the small catalog."""
import json

import pytest

from assistant.catalog.product import FLAG_FIELDS, LIST_FIELDS
from assistant.catalog.store import KEYWORD_WEIGHTS, PRODUCT_COLUMNS, attribute_rows, keyword_fields, product_row

pytestmark = pytest.mark.unit


def test_a_products_rows_hold_its_fields(small_catalog):
    product = small_catalog.get("MH01-Black")
    row = dict(zip(PRODUCT_COLUMNS, product_row(product)))
    assert (row["sku"], row["price"], row["in_stock"]) == ("MH01-Black", product.price, int(product.in_stock))
    assert json.loads(row["record"])["sizes"] == product.sizes and "id" not in json.loads(row["record"])
    attrs = attribute_rows(product)
    assert {(f, v) for f in LIST_FIELDS for v in getattr(product, f)} <= set(attrs)
    assert {f for f, v in attrs if v == "yes"} == {f for f in FLAG_FIELDS if getattr(product, f)}
    text = keyword_fields(product)
    assert list(text) == list(KEYWORD_WEIGHTS) and text["name"] == product.name
    assert all(m in text["body"] for m in product.material) and product.gender in text["body"]


def test_variants_and_distinct_values(small_catalog):
    assert sorted(p.color for p in small_catalog.variants("MH01")) == ["Black", "Gray", "Orange"]
    colours = small_catalog.values("color")
    assert colours == sorted(set(colours)) and "Red" in colours and None not in colours
    assert "M" in small_catalog.values("sizes")  # a list field: each of its values
