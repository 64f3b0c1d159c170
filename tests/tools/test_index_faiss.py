"""The embedded backends: payload masks, the bitmap filter, HNSW's exact route under a selective filter."""
import numpy as np
import pytest

from tools.index_faiss import SUBSET_EXACT, FaissHnswIndex, FaissIndex, PayloadMasks
from tools.index_payload import Condition, Where

pytestmark = pytest.mark.unit
PAYLOADS = [{"color": c, "category": ["men", k], "price": p, "sale": s}
            for c, k, p, s in [("red", "tees", 10.0, True), ("blue", "tees", 20.0, False), ("", "bags", 30.0, False),
                               ("red", "jackets", 40.0, False)]]


def test_masks_apply_each_kind_of_condition():
    masks = PayloadMasks(PAYLOADS, 4, {"color": "keyword", "category": "keywords", "price": "float", "sale": "bool"})
    rows = {10: 0, 11: 1, 12: 2, 13: 3}
    select = lambda *c, **kw: list(masks.select(Where(c, **kw), rows))
    assert select(Condition("color", "any", ("red",))) == [0, 3]
    assert select(Condition("color", "none", ("red",))) == [1, 2]        # no colour is not red
    assert select(Condition("category", "any", ("tees", "bags"))) == [0, 1, 2]
    assert select(Condition("price", "range", gte=20.0, lte=30.0)) == [1, 2]
    assert select(Condition("sale", "true")) == [0]
    assert select(Condition("color", "any", ("red",)), exclude=(13,)) == [0]
    assert select(ids=(11, 12, 99)) == [1, 2]
    assert masks.select(Where(), rows) is None


def test_the_vectors_are_faiss_own_storage_and_filters_are_exact():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(4, 8)).astype(np.float32)
    index = FaissIndex(8)
    index.add([10, 11, 12, 13], vectors, PAYLOADS)
    assert np.allclose(index.vector(12), vectors[2] / np.linalg.norm(vectors[2]))
    assert [i for i, _ in index.search(vectors[0], 4, Where((Condition("color", "none", ("red",)),)))] in ([11, 12], [12, 11])


def test_hnsw_searches_a_selective_filter_exactly():
    rng = np.random.default_rng(1)
    n = 20_000
    vectors = rng.normal(size=(n, 16)).astype(np.float32)
    payloads = [{"color": "red" if i % 2 == 0 else "blue"} for i in range(n)]
    index = FaissHnswIndex(16, m=8, ef_search=16, exact_below=0.6)
    index.add(np.arange(n), vectors, payloads)
    where = Where((Condition("color", "any", ("red",)),))
    assert len(index.rows(where)) > SUBSET_EXACT and index._route(0.5) is index.flat   # under exact_below: exact
    q = rng.normal(size=16)
    reds = np.arange(0, n, 2)
    expected = reds[np.argsort(-(vectors[reds] / np.linalg.norm(vectors[reds], axis=1, keepdims=True)) @ q)][:5]
    assert [i for i, _ in index.search(q, 5, where)] == list(expected)
