"""The PostgreSQL catalog (optional, settings.database_url): the same tables as SQLite's, and
PostgreSQL full-text search for keywords.

`product_text` holds the keyword fields (store.keyword_fields) and a generated, weighted tsvector
over them with a GIN index; a query is the OR of the shopper's words, each through
plainto_tsquery (so no tsquery syntax leaks in), ranked by ts_rank with KEYWORD_WEIGHTS and
normalised by document length. A catalog is written in one transaction: readers see the old one
until it commits (TRUNCATE makes them wait while it is written, rather than read half of it).
"""
from __future__ import annotations

import json
import time

from tqdm import tqdm

from assistant.catalog.product import Product
from assistant.catalog.store import (KEYWORD_WEIGHTS, PRODUCT_COLUMNS, Catalog, attribute_rows, keyword_fields,
                                     product_row)
from assistant.postgres import ThreadConnections, connect, placeholders, redacted

# Each keyword field's tsvector label; ts_rank takes the weights of labels D, C, B, A in that order.
LABELS = dict(zip(KEYWORD_WEIGHTS, "ABCD"))
RANK_WEIGHTS = "{" + ",".join(str(KEYWORD_WEIGHTS[f] / max(KEYWORD_WEIGHTS.values()))
                              for f in reversed(list(KEYWORD_WEIGHTS))) + "}"
TEXT_CONFIG = "english"   # stemming and stop words, as FTS5's porter tokenizer does for SQLite
SCHEMA_LOCK = 0x53485041  # advisory lock key: one process at a time creates or rewrites the schema

_search_vector = " || ".join(
    f"setweight(to_tsvector('{TEXT_CONFIG}'::regconfig, replace({field}, '/', ' ')), '{label}')"
    for field, label in LABELS.items())
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, sku TEXT UNIQUE NOT NULL,"
    " parent_sku TEXT NOT NULL, name TEXT NOT NULL, gender TEXT NOT NULL, category_path TEXT NOT NULL,"
    " category TEXT NOT NULL, color TEXT, price DOUBLE PRECISION NOT NULL, pattern TEXT,"
    " in_stock INTEGER NOT NULL, review_count INTEGER NOT NULL, rating DOUBLE PRECISION, record TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS product_attrs (product_id INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL)",
    # The filters compare lower(value) (SQLite's NOCASE column): the index is on that expression.
    "CREATE INDEX IF NOT EXISTS attrs_lookup ON product_attrs (field, lower(value), product_id)",
    "CREATE TABLE IF NOT EXISTS links (parent_sku TEXT NOT NULL, link_type TEXT NOT NULL,"
    " linked_parent_sku TEXT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS product_text (product_id INTEGER PRIMARY KEY, "
    f"{', '.join(f'{f} TEXT NOT NULL' for f in LABELS)}, search tsvector GENERATED ALWAYS AS ({_search_vector}) STORED)",
    "CREATE INDEX IF NOT EXISTS product_text_search ON product_text USING GIN (search)",
    # Where the catalog came from (setup's and ingest-catalog's record) and when it was written.
    "CREATE TABLE IF NOT EXISTS catalog_meta (id INTEGER PRIMARY KEY CHECK (id = 1), source TEXT NOT NULL,"
    " written DOUBLE PRECISION NOT NULL)",
]


def _has_catalog(conn) -> bool:
    row = conn.execute("SELECT to_regclass('catalog_meta') IS NOT NULL").fetchone()
    return bool(row[0]) and conn.execute("SELECT count(*) FROM catalog_meta").fetchone()[0] > 0


def catalog_meta(url: str) -> tuple[dict, float] | None:
    """(source record, time written) of the catalog in this database; None when it has none."""
    with connect(url) as conn:
        if not _has_catalog(conn):
            return None
        source, written = conn.execute("SELECT source, written FROM catalog_meta").fetchone()
        return json.loads(source), written


class PostgresCatalog(Catalog):
    backend = "postgres"

    def __init__(self, url: str):
        self.url = url
        with connect(url) as conn:
            if not _has_catalog(conn):
                raise FileNotFoundError(f"no catalog in PostgreSQL at {redacted(url)}: run `python -m assistant setup`")
            self._load(conn.execute("SELECT id, record FROM products ORDER BY id").fetchall(),
                       conn.execute("SELECT parent_sku, link_type, linked_parent_sku FROM links").fetchall())
        self._connections = ThreadConnections(url)

    def select_ids(self, where: str, params: list) -> list[int]:
        rows = self._connections.run(f"SELECT p.id FROM products p WHERE {placeholders(where)} ORDER BY p.id",
                                     list(params))
        return [r[0] for r in rows]

    def keyword_search(self, terms: list[str], allowed: list[int] | None, limit: int) -> list[tuple[int, float]]:
        words = list(dict.fromkeys(t for t in terms if t.strip()))
        if not words or (allowed is not None and not allowed):
            return []
        query = " || ".join(f"plainto_tsquery('{TEXT_CONFIG}'::regconfig, %s)" for _ in words)
        sql = (f"SELECT t.product_id, ts_rank('{RANK_WEIGHTS}', t.search, q, 1) AS s "
               f"FROM product_text t, ({'SELECT ' + query}) AS x(q) WHERE t.search @@ q")
        params: list = list(words)
        if allowed is not None:
            sql += " AND t.product_id = ANY(%s)"  # one array parameter, however many ids
            params.append(list(allowed))
        sql += " ORDER BY s DESC, t.product_id LIMIT %s"
        return [(row_id, float(score)) for row_id, score in self._connections.run(sql, params + [limit])]


def write_postgres_catalog(url: str, products: list[Product], links: dict[str, list[tuple[str, str]]],
                           source: dict) -> None:
    """Replace the catalog in this database (creating the schema when missing) in one transaction;
    ids are 1..n in order, as in SQLite, so the same catalog has the same ids on both."""
    with connect(url, autocommit=False) as conn:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            for statement in SCHEMA:
                conn.execute(statement)
            conn.execute("TRUNCATE products, product_attrs, product_text, links")
            with conn.cursor() as cur:
                with cur.copy(f"COPY products (id, {', '.join(PRODUCT_COLUMNS)}) FROM STDIN") as copy:
                    for row_id, product in enumerate(tqdm(products, desc="catalog (PostgreSQL)"), 1):
                        copy.write_row((row_id, *product_row(product)))
                with cur.copy("COPY product_attrs (product_id, field, value) FROM STDIN") as copy:
                    for row_id, product in enumerate(products, 1):
                        for name, value in attribute_rows(product):
                            copy.write_row((row_id, name, value))
                with cur.copy(f"COPY product_text (product_id, {', '.join(LABELS)}) FROM STDIN") as copy:
                    for row_id, product in enumerate(products, 1):
                        copy.write_row((row_id, *keyword_fields(product).values()))
                with cur.copy("COPY links (parent_sku, link_type, linked_parent_sku) FROM STDIN") as copy:
                    for parent, targets in links.items():
                        for link_type, linked in targets:
                            copy.write_row((parent, link_type, linked))
            conn.execute("INSERT INTO catalog_meta (id, source, written) VALUES (1, %s, %s) ON CONFLICT (id) "
                         "DO UPDATE SET source = excluded.source, written = excluded.written",
                         (json.dumps({**source, "products": len(products)}), time.time()))
        for table in ("products", "product_attrs", "product_text"):  # fresh statistics for the planner
            conn.execute(f"ANALYZE {table}")
