"""The SQLite catalog store: one row per product, product_attrs for filters, FTS5 for keywords.

Multi-valued attributes are kept twice: as a JSON list on the row (for display) and as rows of
`product_attrs` (so filters are plain, parameterised SQL). `products_fts` is an FTS5 index over
the searchable text.
"""
from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from assistant.catalog.product import FLAG_FIELDS, LIST_FIELDS, Product

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY, sku TEXT UNIQUE NOT NULL, parent_sku TEXT NOT NULL, name TEXT NOT NULL,
    gender TEXT NOT NULL, category_path TEXT NOT NULL, category TEXT NOT NULL, color TEXT,
    price REAL NOT NULL, pattern TEXT, in_stock INTEGER NOT NULL, review_count INTEGER NOT NULL,
    rating REAL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS product_attrs (
    product_id INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS attrs_lookup ON product_attrs(field, value, product_id);
CREATE TABLE IF NOT EXISTS links (
    parent_sku TEXT NOT NULL, link_type TEXT NOT NULL, linked_parent_sku TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS products_fts USING fts5(
    name, color, category, body, tokenize = 'porter unicode61');
"""


class Catalog:
    """Read access to the SQLite catalog. Connections are per call so threads can share it."""

    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        if not self.db_path.exists():
            raise FileNotFoundError(f"no catalog at {self.db_path}: run `python -m assistant setup`")
        self._by_id: dict[int, Product] = {}
        self._by_sku: dict[str, Product] = {}
        with self.connect() as db:
            for row_id, record in db.execute("SELECT id, record FROM products ORDER BY id"):
                product = Product(**json.loads(record))
                product.id = row_id
                self._by_id[row_id] = product
                self._by_sku[product.sku] = product
            self._links: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for parent, link_type, linked in db.execute("SELECT * FROM links"):
                self._links[parent].append((link_type, linked))

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, check_same_thread=False)

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

    def select_ids(self, where: str, params: list) -> list[int]:
        with self.connect() as db:
            return [r[0] for r in db.execute(f"SELECT p.id FROM products p WHERE {where}", params)]

    def keyword_search(self, fts_query: str, allowed: list[int] | None, limit: int) -> list[tuple[int, float]]:
        """BM25 over products_fts, restricted to `allowed` ids inside the query (filtered search)."""
        sql = "SELECT rowid, bm25(products_fts, 4.0, 2.0, 2.0, 1.0) AS s FROM products_fts WHERE products_fts MATCH ?"
        params: list = [fts_query]
        if allowed is not None:
            sql += f" AND rowid IN ({','.join('?' * len(allowed))})"
            params += list(allowed)
        sql += " ORDER BY s LIMIT ?"
        with self.connect() as db:
            return [(row_id, -score) for row_id, score in db.execute(sql, params + [limit])]


def write_catalog(db_path: Path, products: list[Product], links: dict[str, list[tuple[str, str]]]) -> None:
    """(Re)build the SQLite catalog atomically: write a temp file, then rename."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(tmp) as db:
        db.executescript(SCHEMA)
        for product in tqdm(products, desc="catalog"):
            record = product.to_dict()
            record.pop("id")
            cur = db.execute(
                "INSERT INTO products (sku, parent_sku, name, gender, category_path, category, color,"
                " price, pattern, in_stock, review_count, rating, record) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (product.sku, product.parent_sku, product.name, product.gender, product.category_path,
                 product.category, product.color, product.price, product.pattern, int(product.in_stock),
                 product.review_count, product.rating, json.dumps(record)))
            row_id = cur.lastrowid
            for name in LIST_FIELDS:
                for value in getattr(product, name):
                    db.execute("INSERT INTO product_attrs VALUES (?,?,?)", (row_id, name, value))
            for name in FLAG_FIELDS:
                if getattr(product, name):
                    db.execute("INSERT INTO product_attrs VALUES (?,?,?)", (row_id, name, "yes"))
            body = " ".join([product.gender, product.category_path.replace("/", " "), " ".join(product.material),
                             product.pattern or "", " ".join(product.style), " ".join(product.activity),
                             " ".join(product.climate), " ".join(product.features), product.description])
            db.execute("INSERT INTO products_fts (rowid, name, color, category, body) VALUES (?,?,?,?,?)",
                       (row_id, product.name, product.color or "", product.category_path, body))
        for parent, targets in links.items():
            db.executemany("INSERT INTO links VALUES (?,?,?)", [(parent, t, s) for t, s in targets])
    tmp.replace(db_path)
