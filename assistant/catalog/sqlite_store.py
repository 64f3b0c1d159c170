"""The SQLite catalog (the default, embedded): one file, FTS5 for keywords.

Multi-valued attributes are kept twice: as a JSON list in the row's record (for display) and as rows
of `product_attrs` (so filters are plain, parameterised SQL). `products_fts` is an FTS5 index over
the keyword fields (store.keyword_fields), ranked by BM25 with their weights.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tqdm import tqdm

from assistant.catalog.product import Product
from assistant.catalog.store import (KEYWORD_WEIGHTS, PRODUCT_COLUMNS, Catalog, attribute_rows, keyword_fields,
                                     product_row)

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


def fts_query(terms: list[str]) -> str | None:
    """Words to a safe FTS5 query: each quoted (no FTS syntax leaks in), joined by OR. A word with
    no letter or digit is dropped: FTS5 reads a phrase without tokens as matching every row."""
    words = dict.fromkeys(t.replace('"', "") for t in terms)
    return " OR ".join(f'"{w}"' for w in words if any(ch.isalnum() for ch in w)) or None


class SQLiteCatalog(Catalog):
    """Connections are per call (read-only), so threads can share it."""

    backend = "sqlite"

    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        if not self.db_path.exists():
            raise FileNotFoundError(f"no catalog at {self.db_path}: run `python -m assistant setup`")
        with self.connect() as db:
            self._load(list(db.execute("SELECT id, record FROM products ORDER BY id")),
                       list(db.execute("SELECT parent_sku, link_type, linked_parent_sku FROM links")))

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, check_same_thread=False)

    def select_ids(self, where: str, params: list) -> list[int]:
        with self.connect() as db:
            return [r[0] for r in db.execute(f"SELECT p.id FROM products p WHERE {where} ORDER BY p.id", params)]

    def keyword_search(self, terms: list[str], allowed: list[int] | None, limit: int) -> list[tuple[int, float]]:
        query = fts_query(terms)
        if query is None:
            return []
        weights = ", ".join(str(w) for w in KEYWORD_WEIGHTS.values())
        sql = f"SELECT rowid, bm25(products_fts, {weights}) AS s FROM products_fts WHERE products_fts MATCH ?"
        params: list = [query]
        if allowed is not None:
            # The matches first, then the allowed ids among them: FTS5 given the ids inside its own
            # query looks each one up (seconds at 10k ids). One JSON parameter, however many ids
            # (SQLite caps a query's parameters).
            sql = f"WITH hits AS MATERIALIZED ({sql}) SELECT rowid, s FROM hits WHERE rowid IN (SELECT value FROM json_each(?))"
            params.append(json.dumps([int(i) for i in allowed]))
        sql += " ORDER BY s LIMIT ?"
        with self.connect() as db:
            return [(row_id, -score) for row_id, score in db.execute(sql, params + [limit])]


def write_sqlite_catalog(db_path: Path, products: list[Product], links: dict[str, list[tuple[str, str]]]) -> None:
    """(Re)build the SQLite catalog atomically: write a temp file, then rename. Ids are 1..n in order."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(tmp) as db:
        db.executescript(SCHEMA)
        insert = (f"INSERT INTO products (id, {', '.join(PRODUCT_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * (len(PRODUCT_COLUMNS) + 1))})")
        fields = ", ".join(KEYWORD_WEIGHTS)
        for row_id, product in enumerate(tqdm(products, desc="catalog"), 1):
            db.execute(insert, (row_id, *product_row(product)))
            db.executemany("INSERT INTO product_attrs VALUES (?,?,?)",
                           [(row_id, name, value) for name, value in attribute_rows(product)])
            db.execute(f"INSERT INTO products_fts (rowid, {fields}) VALUES (?,?,?,?,?)",
                       (row_id, *keyword_fields(product).values()))
        for parent, targets in links.items():
            db.executemany("INSERT INTO links VALUES (?,?,?)", [(parent, t, s) for t, s in targets])
    tmp.replace(db_path)
