"""`python -m assistant bench storage`: the catalog and session stores, SQLite against PostgreSQL, on
the Luma catalog and on larger catalogs made of it.

For each size and backend: writing the catalog, opening it (every product read into memory),
keyword search (unfiltered, and within the ids of one gender, as a filtered search asks), the
constraint filters' SQL, and one session turn (hold, load, save). A catalog of N items repeats
Luma's products with new SKUs (the same words, so the keyword index grows but its vocabulary does
not: a real catalog of that size has more distinct words). PostgreSQL is the server at
--database-url, else a throwaway local one (assistant/local_postgres.py) on this machine: both
backends then share its CPU, and the figures include the client's round trips over TCP.
"""
from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from assistant.catalog.download import luma_root
from assistant.catalog.luma import read_luma
from assistant.dialogue.state import DialogueState, HistoryEntry
from assistant.settings import Settings

QUERIES = ["jacket", "yoga pants", "water bottle", "hoodie with zipper", "running shorts", "waterproof rain jacket",
           "duffle bag", "cotton tee", "sweatshirt", "watch", "leggings", "fitness equipment", "black hoodie",
           "tank top for the gym", "warm winter jacket", "breathable shirt"]
FILTERS = [{"gender": "Women", "category": ["Jackets"]}, {"color": "Blue", "price_max": 50.0},
           {"material": "Cotton", "size": "M"}, {"gender": "Men", "not_color": ["Black"], "eco_collection": True}]


def scaled(products: list, links: dict, size: int) -> tuple[list, dict]:
    """Luma's products repeated (new SKUs and parents, the same text) up to `size` items."""
    if size <= len(products):
        return products[:size], links
    out = []
    for copy in range(-(-size // len(products))):
        for p in products:
            tag = f"-x{copy}" if copy else ""
            out.append(dataclasses.replace(p, sku=p.sku + tag, parent_sku=p.parent_sku + tag))
    return out[:size], links


def _timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _p(times: list[float], q: float) -> float:
    return float(sorted(times)[min(len(times) - 1, int(q * len(times)))])


def bench_backend(name: str, catalog, sessions, repeats: int) -> dict:
    from tools.catalog_filter import normalise, to_sql
    from assistant.catalog.vocabulary import Vocabulary
    from tools.retriever import query_terms
    women = catalog.select_ids("p.gender = ?", ["Women"])
    keyword = [t for q in QUERIES for t in _timed(lambda q=q: catalog.keyword_search(query_terms(q), None, 50), repeats)]
    within = [t for q in QUERIES for t in _timed(lambda q=q: catalog.keyword_search(query_terms(q), women, 50), repeats)]
    vocab = Vocabulary.from_catalog(catalog)
    clauses = [to_sql(normalise(f, vocab)[0]) for f in FILTERS]
    filters = [t for where, params in clauses for t in _timed(lambda w=where, p=params: catalog.select_ids(w, p), repeats)]
    state = DialogueState("bench")
    state.history = [HistoryEntry("user", q) for q in QUERIES[:10]]
    sessions.save(state)

    def turn():
        with sessions.hold("bench"):
            s = sessions.load("bench")
            s.turn += 1
            sessions.save(s)
    turns = _timed(turn, repeats * 4)
    return {f"{name}_keyword_p50_ms": statistics.median(keyword), f"{name}_keyword_p95_ms": _p(keyword, 0.95),
            f"{name}_keyword_filtered_p50_ms": statistics.median(within),
            f"{name}_keyword_filtered_p95_ms": _p(within, 0.95),
            f"{name}_filter_sql_p50_ms": statistics.median(filters), f"{name}_session_turn_p50_ms": statistics.median(turns),
            f"{name}_session_turn_p95_ms": _p(turns, 0.95)}


def run_storage_bench(settings: Settings, sizes: list[int], database_url: str = "", repeats: int = 10,
                      out_dir: Path | None = None) -> dict:
    from assistant.catalog.postgres_store import PostgresCatalog, write_postgres_catalog
    from assistant.catalog.sqlite_store import SQLiteCatalog, write_sqlite_catalog
    from assistant.dialogue.postgres_sessions import PostgresSessionStore
    from assistant.dialogue.sessions import SQLiteSessionStore
    from assistant.local_postgres import PostgresServer
    server = None if database_url else PostgresServer().start()
    figures: dict = {"postgres_server": "given URL" if database_url else "local throwaway (same machine)"}
    try:
        products, links, _ = read_luma(luma_root(settings))
        with tempfile.TemporaryDirectory() as tmp:
            for size in tqdm([len(products)] + sorted(sizes), desc="catalog sizes"):
                items, item_links = scaled(products, links, size)
                url = database_url or server.new_database()
                path = Path(tmp) / f"catalog-{size}.sqlite"
                tag = "luma" if size == len(products) else f"{size // 1000}k"
                start = time.perf_counter()
                write_sqlite_catalog(path, items, item_links)
                written_sqlite = time.perf_counter() - start
                start = time.perf_counter()
                write_postgres_catalog(url, items, item_links, {"source": f"bench {size}"})
                written_pg = time.perf_counter() - start
                start = time.perf_counter()
                sqlite = SQLiteCatalog(path)
                opened_sqlite = time.perf_counter() - start
                start = time.perf_counter()
                postgres = PostgresCatalog(url)
                opened_pg = time.perf_counter() - start
                row = {"items": len(items), "sqlite_write_s": written_sqlite, "postgres_write_s": written_pg,
                       "sqlite_open_s": opened_sqlite, "postgres_open_s": opened_pg}
                row |= bench_backend("sqlite", sqlite, SQLiteSessionStore(Path(tmp) / f"sessions-{size}.sqlite"), repeats)
                row |= bench_backend("postgres", postgres, PostgresSessionStore(url), repeats)
                figures |= {f"{tag}_{k}": v for k, v in row.items()}
    finally:
        if server is not None:
            server.stop()
    if out_dir is not None:
        plot(figures, Path(out_dir) / "storage_bench.png")
    return figures


def plot(figures: dict, path: Path) -> None:
    """Median latencies per operation, SQLite beside PostgreSQL, one panel per catalog size."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    tags = sorted({k.split("_")[0] for k in figures if k.endswith("_items")}, key=lambda t: figures[f"{t}_items"])
    ops = ["keyword_p50_ms", "keyword_filtered_p50_ms", "filter_sql_p50_ms", "session_turn_p50_ms"]
    fig, axes = plt.subplots(1, len(tags), figsize=(5 * len(tags), 3.6), squeeze=False)
    for ax, tag in zip(axes[0], tags):
        for offset, backend in ((-0.2, "sqlite"), (0.2, "postgres")):
            ax.bar([i + offset for i in range(len(ops))], [figures[f"{tag}_{backend}_{op}"] for op in ops], 0.4,
                   label=backend)
        ax.set_xticks(range(len(ops)), [op.replace("_p50_ms", "").replace("_", "\n") for op in ops], fontsize=8)
        ax.set_title(f"{figures[f'{tag}_items']:,} items")
        ax.set_ylabel("median ms")
        ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
