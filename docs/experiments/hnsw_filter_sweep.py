"""Filtered FAISS HNSW on a synthetic catalog: the exact scan under a bitmap, gathering the subset's
rows, and HNSW at several efSearch, per filter level: p50 latency and recall@10 against exact
search. This is how tools/index_faiss.py chose its settings, on seed 0 (docs/RESULTS.md, Scale bench).

    PYTHONPATH=. .venv/bin/python docs/experiments/hnsw_filter_sweep.py 1000000 0 60

Arguments: catalog size, seed, queries per level. The built graph is cached in data/experiments/.
"""
import statistics
import sys
import time
from pathlib import Path

import faiss
import numpy as np

from assistant.evaluation.scale_bench import choose_filters, level_queries
from assistant.evaluation.synthetic_catalog import make_catalog
from tools.index_faiss import normalise

K = 10
n, seed, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 60
catalog = make_catalog(n, seed=seed)
filters = choose_filters(catalog)
queries = level_queries(catalog, filters, count, seed + 1)
vectors = normalise(catalog.vectors)
del catalog.vectors
path = Path(f"data/experiments/hnsw_{n}_{seed}.index")
if path.exists():
    index = faiss.read_index(str(path))
else:
    start = time.perf_counter()
    index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)  # the index's M and
    index.hnsw.efConstruction = 80                                                 # efConstruction
    index.add(vectors)
    print(f"built in {time.perf_counter() - start:.1f} s", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(path))
flat = faiss.downcast_index(index.storage)
stored = faiss.rev_swig_ptr(flat.get_xb(), n * vectors.shape[1]).reshape(n, vectors.shape[1])
del vectors


def selector(rows):
    mask = np.zeros(n, bool)
    mask[rows] = True
    bits = np.packbits(mask, bitorder="little")
    return faiss.IDSelectorBitmap(n, faiss.swig_ptr(bits)), bits  # bits must outlive the selector


def gather(q, rows):
    scores = stored[rows] @ q
    return rows[np.argpartition(-scores, K)[:K]].tolist()


def bitmap_flat(q, rows):
    sel, _bits = selector(rows)
    return flat.search(q.reshape(1, -1), K, params=faiss.SearchParameters(sel=sel))[1][0].tolist()


def hnsw(ef):
    def search(q, rows):
        if rows is None:
            return index.search(q.reshape(1, -1), K, params=faiss.SearchParametersHNSW(efSearch=ef))[1][0].tolist()
        sel, _bits = selector(rows)
        return index.search(q.reshape(1, -1), K, params=faiss.SearchParametersHNSW(sel=sel, efSearch=ef))[1][0].tolist()
    return search


for level, chosen in filters.items():
    rows_of = [None if r is None else np.sort(r) for (_, _, _, r) in chosen]
    rows = [rows_of[i % len(rows_of)] for i in range(count)]
    truth = [set(gather(q, r if r is not None else np.arange(n))) for q, r in zip(queries[level], rows)]
    methods = ([("gather", gather), ("bitmap flat", bitmap_flat)] if rows[0] is not None else [])
    methods += [(f"hnsw ef {ef}", hnsw(ef)) for ef in (64, 128, 256, 512, 1024)]
    for name, search in methods:
        latencies, recalls = [], []
        for q, r, t in zip(queries[level], rows, truth):
            start = time.perf_counter()
            found = search(q, r)
            latencies.append((time.perf_counter() - start) * 1000)
            recalls.append(len(set(found) & t) / K)
        print(f"{level:10} {name:12} p50 {statistics.median(latencies):7.2f} ms  recall@10 {statistics.mean(recalls):.3f}",
              flush=True)
