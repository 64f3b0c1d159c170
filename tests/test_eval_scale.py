"""`bench scale` (assistant/evaluation/scale_bench.py) end to end on a catalog of a few thousand
items: every backend is built and timed, exact FAISS is the truth, the filters keep about the
shares asked for, the JSON keys are there and the plot is written. (The 100k and 1M figures are in
docs/RESULTS.md.)"""
from __future__ import annotations

import numpy as np
import pytest

from assistant.evaluation.scale_bench import LEVELS, choose_filters, parse_size, run_scale_bench
from assistant.evaluation.synthetic_catalog import make_catalog

pytestmark = pytest.mark.unit


def test_the_synthetic_catalog_is_clustered_and_its_filters_keep_the_shares_asked_for():
    catalog = make_catalog(20_000)
    assert catalog.vectors.shape == (20_000, 384) and np.allclose(np.linalg.norm(catalog.vectors[:5], axis=1), 1)
    q = catalog.queries(20)
    top = np.sort(catalog.vectors @ q.T, axis=0)[-10:]
    assert top.min() > 0.4   # neighbours worth finding, not noise (random 384-d vectors: about 0.1)
    filters = choose_filters(catalog)
    for level, target in LEVELS.items():
        share = np.mean([s for _, _, s, _ in filters[level]])
        assert target / 2 <= share <= target * 2, (level, share)
    assert parse_size("1M") == 1_000_000 and parse_size("2k") == 2_000


def test_bench_scale_times_every_backend(tmp_path):
    figures = run_scale_bench(sizes=["3k"], queries=20, budget_s=5, min_queries=5, out_dir=tmp_path)
    assert figures["scale_items"] == 3000 and figures["filtered_p50_ms_1m"] is None
    for name in ("faiss", "faiss-hnsw", "qdrant-edge", "milvus"):
        for level in LEVELS:
            assert figures[f"3000_{name}_{level}_p50_ms"] > 0
            assert 0 <= figures[f"3000_{name}_{level}_recall_at_10"] <= 1
    assert all(figures[f"3000_faiss_{level}_recall_at_10"] == 1 for level in LEVELS)
    assert figures["best_backend"] in ("faiss", "faiss-hnsw", "qdrant-edge", "milvus")
    assert (tmp_path / "scale_bench.png").is_file()
