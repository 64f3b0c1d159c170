"""`python -m assistant bench scale`: the vector backends on synthetic catalogs of 100k and 1M items
(assistant/evaluation/synthetic_catalog.py): build time, memory, query p50/p95 and recall@10
against exact search, unfiltered and under filters keeping about 50%, 5% and 0.5% of the catalog,
for FAISS exact, FAISS HNSW, Milvus Lite and the Qdrant engine embedded by qdrant-edge-py.

The filters are shopper constraints (gender, category, colour, price, ...) taken through the same
path as in the assistant: Constraints -> payload conditions -> each engine's own filter. For each
level the bench picks the candidate filters whose measured selectivity is closest to the target
and reports the measured share. Exact search (FAISS flat under the same filter) is the truth
recall is measured against. The qdrant-client local mode is never timed: it is a test double.

Each filtered query is near an item its filter keeps (the shopper's words and constraints agree:
"red tanks" is near tanks). A filter at odds with the query (women's items for a query among men's
items) is much harder for a graph index: FAISS HNSW's recall@10 then fell to 0.54-0.70 at 10k items
in a trial, as its walk stays in the query's region, where the filter keeps nothing.
"""
from __future__ import annotations

import gc
import json
import math
import shutil
import statistics
import tempfile
import time
from itertools import product as combinations
from pathlib import Path

import numpy as np
import psutil
from tqdm.auto import tqdm

from assistant.catalog.constraints import Constraints
from assistant.evaluation.synthetic_catalog import CATEGORIES, COLORS, SyntheticCatalog, make_catalog
from tools.index import build_index
from tools.index_faiss import PayloadMasks
from tools.index_payload import Where, conditions

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
LEVELS = {"unfiltered": 1.0, "50%": 0.5, "5%": 0.05, "0.5%": 0.005}
BACKENDS = ("faiss", "faiss-hnsw", "qdrant-edge", "milvus")
FILTERS_PER_LEVEL = 4
K = 10
RECALL_GOAL, P50_GOAL_MS = 0.95, 10.0


def parse_size(text: str) -> int:
    return SIZES.get(text) or int(float(text.lower().replace("k", "e3").replace("m", "e6")))


def candidate_filters() -> list[dict]:
    """Shopper-like constraint sets over the synthetic catalog's fields, one to four at a time."""
    kinds = sorted({p.split("/")[-1] for p in CATEGORIES}) + ["Tops", "Bottoms", "Gear", "Shoes"]
    genders, prices = ["Men", "Women"], [25.0, 35.0, 45.0, 60.0, 80.0]
    out = [{"gender": g} for g in genders] + [{"price_max": p} for p in prices] + [{"not_color": ["Black"]}]
    out += [{"category": [k]} for k in kinds] + [{"color": c} for c in COLORS] + [{"on_sale": True}]
    out += [{"gender": g, "category": [k]} for g, k in combinations(genders, kinds)]
    out += [{"category": [k], "color": c} for k, c in combinations(kinds, COLORS[:8])]
    out += [{"gender": g, "color": c, "price_max": p} for g, c, p in combinations(genders, COLORS[:6], prices)]
    out += [{"gender": g, "category": [k], "price_max": p} for g, k, p in combinations(genders, kinds, prices)]
    out += [{"category": [k], "color": c, "on_sale": True} for k, c in combinations(kinds, COLORS[:4])]
    out += [{"gender": g, "not_color": ["Black"], "price_min": p} for g, p in combinations(genders, prices)]
    return out


def choose_filters(catalog: SyntheticCatalog) -> dict[str, list[tuple[dict, Where, float, np.ndarray]]]:
    """Per level, the candidate filters whose share of the catalog is closest to the target, with
    the rows each keeps."""
    masks = PayloadMasks(catalog.payloads, len(catalog.ids))
    scored = []
    for raw in candidate_filters():
        where = Where(tuple(conditions(Constraints(**raw), {})))
        rows = masks.select(where, {})
        if len(rows):
            scored.append((raw, where, len(rows) / len(catalog.ids), rows))
    chosen = {"unfiltered": [({}, Where(), 1.0, None)]}
    for level, target in LEVELS.items():
        if target < 1:
            chosen[level] = sorted(scored, key=lambda s: abs(math.log(s[2] / target)))[:FILTERS_PER_LEVEL]
    return chosen


def _rss_mb() -> float:
    """Resident memory after handing freed heap back to the system, so that what an earlier backend
    freed does not hide what this one holds."""
    gc.collect()
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
    return psutil.Process().memory_info().rss / 2**20


def _options(name: str, folder: Path) -> dict:
    return {"qdrant-edge": {"path": folder / "qdrant-edge"}, "milvus": {"path": folder, "collection": "items", "index_type": "HNSW"}}.get(name, {})


def _close(index) -> None:
    if hasattr(index, "close"):
        index.close()
    if hasattr(index, "client") and hasattr(index.client, "drop_collection"):
        index.client.drop_collection(index.collection)


def level_queries(catalog: SyntheticCatalog, filters: dict, count: int, seed: int) -> dict[str, np.ndarray]:
    """Per level, `count` queries; query i goes with filter i mod the level's filters, near an item it keeps."""
    out = {}
    for level, chosen in filters.items():
        parts = [catalog.queries(count, seed + j, among=rows) for j, (_, _, _, rows) in enumerate(chosen)]
        out[level] = np.stack([parts[i % len(chosen)][i] for i in range(count)])
    return out


def time_backend(name: str, catalog: SyntheticCatalog, queries: dict[str, np.ndarray], filters: dict, truth: dict | None,
                 budget_s: float, min_queries: int) -> tuple[dict, dict]:
    """Figures of one backend at one size, and its results (the truth, when it is exact FAISS)."""
    folder = Path(tempfile.mkdtemp(prefix=f"scale-{name}-"))
    gc.collect()
    before, start = _rss_mb(), time.perf_counter()
    index = build_index(catalog.ids, catalog.vectors, name, catalog.payloads, **_options(name, folder))
    build_s = time.perf_counter() - start
    figures = {"build_s": build_s, "memory_mb": _rss_mb() - before}   # RSS growth: the index as held in this process
    results: dict = {}
    for level, chosen in filters.items():
        latencies, recalls, results[level] = [], [], []
        began = time.perf_counter()
        for qi, query in enumerate(tqdm(queries[level], desc=f"{name} {level}", leave=False)):
            where = chosen[qi % len(chosen)][1]
            t = time.perf_counter()
            found = [i for i, _ in index.search(query, K, where)]
            latencies.append((time.perf_counter() - t) * 1000)
            results[level].append(found)
            if truth is not None:
                expected = truth[level][qi]
                recalls.append(len(set(found) & set(expected)) / max(1, len(expected)))
            if qi + 1 >= min_queries and time.perf_counter() - began > budget_s:
                break
        figures[f"{level}_p50_ms"] = statistics.median(latencies)
        figures[f"{level}_p95_ms"] = float(np.percentile(latencies, 95))
        figures[f"{level}_recall_at_10"] = statistics.mean(recalls) if recalls else 1.0
        figures[f"{level}_queries"] = len(latencies)
    _close(index)
    del index
    shutil.rmtree(folder, ignore_errors=True)
    return figures, results


def run_scale_bench(sizes: list[str] | None = None, backends: list[str] | None = None, queries: int = 200,
                    budget_s: float = 30.0, min_queries: int = 30, out_dir: Path | None = None, seed: int = 0,
                    settings=None, turns: int = 0) -> dict:
    """The index backends on synthetic catalogs; with `settings` and `turns`, also the real
    assistant's text and photo turn latency (`text_turn_p50_s`, `photo_turn_p50_s`) in the same run."""
    sizes = sizes or ["100k", "1M"]
    backends = [b for b in (backends or BACKENDS)]
    if "faiss" not in backends:
        backends = ["faiss", *backends]  # the exact truth every recall is measured against
    figures: dict = {}
    table: dict[int, dict[str, dict]] = {}
    for size in sizes:
        n = parse_size(size)
        catalog = make_catalog(n, seed=seed)
        filters = choose_filters(catalog)
        for level, chosen in filters.items():
            figures[f"{n}_{level}_selectivity"] = statistics.mean(s for _, _, s, _ in chosen)
            figures[f"{n}_{level}_filters"] = "; ".join(str(raw) for raw, _, _, _ in chosen)
        qs = level_queries(catalog, filters, queries, seed + 1)
        truth, table[n] = None, {}
        for name in tqdm(backends, desc=f"{size} items"):
            measured, results = time_backend(name, catalog, qs, filters, truth, budget_s,
                                             min_queries if name != "faiss" else queries)
            if name == "faiss":
                truth = results
            table[n][name] = measured
            figures.update({f"{n}_{name}_{k}": v for k, v in measured.items()})
            if out_dir is not None:  # what is measured so far survives a run stopped before its end
                Path(out_dir).mkdir(parents=True, exist_ok=True)
                (Path(out_dir) / "scale_partial.json").write_text(json.dumps(figures, indent=1))
        del catalog
        gc.collect()
    largest = max(table)
    best = _best(table[largest])
    figures = {"scale_items": largest, "best_backend": best,
               "filtered_p50_ms_1m": _filtered_p50(table[largest][best]) if largest >= 1_000_000 and best else None,
               "recall_at_10_1m": _recall(table[largest][best]) if largest >= 1_000_000 and best else None,
               f"goal_met_at_{largest}": bool(best and _filtered_p50(table[largest][best]) <= P50_GOAL_MS
                                              and _recall(table[largest][best]) >= RECALL_GOAL),
               **figures}
    if settings is not None and turns:
        from assistant.evaluation.latency import run_latency_bench, run_vision_bench
        figures["text_turn_p50_s"] = run_latency_bench(settings, turns)["turn_p50_s"]
        figures["photo_turn_p50_s"] = run_vision_bench(settings, max(1, turns // 2))["photo_turn_p50_s"]
    if out_dir is not None:
        plot(table, figures, Path(out_dir))
    return figures


def _filtered_p50(m: dict) -> float:
    """The slowest of the filtered levels' p50: a backend is as fast as its worst filter."""
    return max(m[f"{level}_p50_ms"] for level in LEVELS if level != "unfiltered")


def _recall(m: dict) -> float:
    return min(m[f"{level}_recall_at_10"] for level in LEVELS)


def _best(by_backend: dict[str, dict]) -> str | None:
    """The backend with the lowest filtered p50 among those at recall@10 >= the goal everywhere."""
    good = {name: m for name, m in by_backend.items() if _recall(m) >= RECALL_GOAL}
    return min(good, key=lambda name: _filtered_p50(good[name])) if good else None


def plot(table: dict[int, dict[str, dict]], figures: dict, out_dir: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, len(table), figsize=(5.5 * len(table), 7), squeeze=False)
    for col, (n, by_backend) in enumerate(sorted(table.items())):
        shares = [figures[f"{n}_{level}_selectivity"] for level in LEVELS]
        for name, m in by_backend.items():
            axes[0][col].plot(shares, [m[f"{level}_p50_ms"] for level in LEVELS], marker="o", label=name)
            axes[1][col].plot(shares, [m[f"{level}_recall_at_10"] for level in LEVELS], marker="o", label=name)
        axes[0][col].axhline(P50_GOAL_MS, color="gray", ls="--", lw=0.8)
        axes[1][col].axhline(RECALL_GOAL, color="gray", ls="--", lw=0.8)
        for ax, label in ((axes[0][col], "query p50 (ms)"), (axes[1][col], "recall@10 vs exact")):
            ax.set_xscale("log")
            ax.set_xlabel("share of the catalog the filter keeps (1 = unfiltered)")
            ax.set_ylabel(label)
            ax.set_title(f"{n:,} items")
        axes[0][col].set_yscale("log")
        axes[0][col].legend(fontsize=8)
    fig.tight_layout()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "scale_bench.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
