"""The SQLite catalog store (assistant/catalog/sqlite_store.py): products and links round-trip, parameterised
filters, the FTS5 keyword index restricted to allowed ids. tests/catalog/test_postgres_store.py runs
the same behaviour on both backends."""
import dataclasses

import pytest

from assistant.catalog.sqlite_store import SQLiteCatalog, fts_query, write_sqlite_catalog
from tools.retriever import query_terms

pytestmark = pytest.mark.unit


def test_products_and_links_round_trip(luma_data, tmp_path):
    products, links, _ = luma_data
    some = products[:40]
    parents = {p.parent_sku for p in some}
    some_links = {parent: targets for parent, targets in links.items() if parent in parents}
    assert some_links
    path = tmp_path / "catalog.sqlite"
    write_sqlite_catalog(path, some, some_links)
    write_sqlite_catalog(path, some, some_links)  # a rebuild replaces the file, leaving no temporary one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.sqlite"]
    catalog = SQLiteCatalog(path)
    assert len(catalog) == 40
    for product in some:
        stored = catalog.get(product.sku)
        assert dataclasses.replace(stored, id=None) == product and catalog.by_id(stored.id) is stored
    for parent, targets in some_links.items():
        assert catalog.links(parent) == targets
    assert catalog.links("no-such-parent") == [] and catalog.get("no-such-sku") is None


def test_filters_bind_their_values(small_catalog):
    red = small_catalog.select_ids("p.color = ?", ["Red"])
    assert red and {small_catalog.by_id(i).color for i in red} == {"Red"}
    assert small_catalog.select_ids("p.color = ?", ["Red' OR 1=1 --"]) == []


def test_fts_keyword_search_is_restricted_to_allowed_ids(small_catalog):
    jackets = small_catalog.select_ids("p.category = ?", ["Jackets"])
    hits = small_catalog.keyword_search(["jacket"], jackets[:5], 50)
    assert hits and {i for i, _ in hits} <= set(jackets[:5])
    everywhere = small_catalog.keyword_search(["jacket"], None, 50)
    scores = [s for _, s in everywhere]
    assert len(everywhere) > len(hits) and scores == sorted(scores, reverse=True)


def test_a_missing_catalog_says_how_to_build_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="assistant setup"):
        SQLiteCatalog(tmp_path / "nowhere.sqlite")


def test_fts_query_is_sanitised():
    assert fts_query(query_terms('"; DROP TABLE products; -- NEAR(')) == '"drop" OR "table" OR "products" OR "near"'
    assert fts_query(['ja"cket', "jacket"]) == '"jacket"'  # a quote cannot close the phrase
    assert fts_query(query_terms("the a of")) is None
