"""What the assistant reads of a catalog, the same on every backend (SQLite, PostgreSQL).

A backend loads every product and link once (the catalog is read far more than written, and the
tools look products up by id in tight loops), and answers the two queries that need its engine:
`select_ids` (the constraint filters: parameterised SQL over `products p` and `product_attrs`, the
same tables on every backend, written with `?` placeholders) and `keyword_search` (its full-text
index). What a backend stores per product is declared here once: the columns, the attribute rows
the filters test, and the keyword fields with their weights.
"""
from __future__ import annotations

import json
from collections import defaultdict

from assistant.catalog.product import FLAG_FIELDS, LIST_FIELDS, Product

# Columns of `products` besides the id, in insertion order; `record` is the whole Product as JSON.
PRODUCT_COLUMNS = ("sku", "parent_sku", "name", "gender", "category_path", "category", "color", "price",
                   "pattern", "in_stock", "review_count", "rating", "record")
# The keyword index's fields, each with its weight in the ranking (a word in the name counts most).
KEYWORD_WEIGHTS = {"name": 4.0, "color": 2.0, "category": 2.0, "body": 1.0}


def product_row(product: Product) -> tuple:
    """The values of PRODUCT_COLUMNS for a product."""
    record = product.to_dict()
    record.pop("id")
    return (product.sku, product.parent_sku, product.name, product.gender, product.category_path,
            product.category, product.color, product.price, product.pattern, int(product.in_stock),
            product.review_count, product.rating, json.dumps(record))


def attribute_rows(product: Product) -> list[tuple[str, str]]:
    """(field, value) rows of product_attrs: each value of a list field, and "yes" for each flag set."""
    rows = [(name, value) for name in LIST_FIELDS for value in getattr(product, name)]
    return rows + [(name, "yes") for name in FLAG_FIELDS if getattr(product, name)]


def keyword_fields(product: Product) -> dict[str, str]:
    """The text of each field of KEYWORD_WEIGHTS."""
    body = " ".join([product.gender, product.category_path.replace("/", " "), " ".join(product.material),
                     product.pattern or "", " ".join(product.style), " ".join(product.activity),
                     " ".join(product.climate), " ".join(product.features), product.description])
    return {"name": product.name, "color": product.color or "", "category": product.category_path, "body": body}


class Catalog:
    """Read access to a catalog: products and links in memory, filters and keywords in the engine.
    A backend's constructor reads its rows and calls `_load`."""

    backend = ""   # "sqlite", "postgres": what a message or a benchmark names it by

    def _load(self, records: list[tuple[int, str]], links: list[tuple[str, str, str]]) -> None:
        """records: (row id, Product JSON) in id order; links: (parent, link type, linked parent)."""
        self._by_id: dict[int, Product] = {}
        self._by_sku: dict[str, Product] = {}
        for row_id, record in records:
            product = Product(**(json.loads(record) if isinstance(record, str) else record))
            product.id = row_id
            self._by_id[row_id] = product
            self._by_sku[product.sku] = product
        self._links: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for parent, link_type, linked in links:
            self._links[parent].append((link_type, linked))

    def __len__(self) -> int:
        return len(self._by_id)

    def all(self) -> list[Product]:
        return list(self._by_id.values())

    def by_id(self, row_id: int) -> Product:
        return self._by_id[row_id]

    def get(self, sku: str) -> Product | None:
        return self._by_sku.get(sku)

    def variants(self, parent_sku: str) -> list[Product]:
        return [p for p in self._by_id.values() if p.parent_sku == parent_sku]

    def links(self, parent_sku: str) -> list[tuple[str, str]]:
        return list(self._links.get(parent_sku, []))

    def values(self, field_name: str) -> list[str]:
        """Distinct known values of a field, for vocabularies and 'valid values are ...' messages."""
        found: set[str] = set()
        for product in self._by_id.values():
            value = getattr(product, field_name)
            for v in (value if isinstance(value, list) else [value]):
                if v not in (None, ""):
                    found.add(str(v))
        return sorted(found)

    # -- the engine's queries --------------------------------------------------------------

    def select_ids(self, where: str, params: list) -> list[int]:
        """Ids of the products p for which `where` (SQL with `?` placeholders, values in params) holds."""
        raise NotImplementedError

    def keyword_search(self, terms: list[str], allowed: list[int] | None, limit: int) -> list[tuple[int, float]]:
        """(id, score), best first, of products matching any of the words, ranked by the engine's
        full-text score with KEYWORD_WEIGHTS; `allowed`: only these ids (the filter, inside the query)."""
        raise NotImplementedError
