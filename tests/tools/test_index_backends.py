"""Every backend returns the same items, in the same order, as exact search over the ids the
catalog's SQL selects: on the real Luma catalog, unfiltered and under constraints pushed into the
engine's payload filter (FAISS masks, Qdrant's Filter in the client's local mode, Milvus Lite's
expressions). Vectors are seeded random ones here (no model in the unit tier); the full tier
repeats it with the shipped MiniLM text index."""
import numpy as np
import pytest

from assistant.catalog.constraints import Constraints
from assistant.catalog.vocabulary import Vocabulary
from tools.catalog_filter import to_sql
from tools.index import NumpyIndex, Where, build_index
from tools.index_payload import field_options, payload

CASES = [
    {},
    {"color": "Red"},
    {"color": ["Blue", "Green"]},
    {"category": ["Jackets"]},
    {"category": ["Tees", "Tanks"], "gender": "Women"},
    {"gender": "Men", "price_max": 40.0},
    {"price_min": 29.0, "price_max": 60.0},
    {"not_color": ["Black", "Gray"]},
    {"category": ["Hoodies & Sweatshirts"], "not_color": ["Black"], "price_max": 70.0},
    {"material": "Cotton"},
    {"not_material": ["Polyester"], "gender": "Women"},
    {"pattern": "Striped"},
    {"size": "M", "color": "Blue"},
    {"not_feature": ["hood"], "category": ["Jackets"]},
    {"not_category": ["Bags"], "eco": True},
    {"on_sale": True},
    {"activity": "Yoga"},
]
ENGINES = ["faiss", "faiss-hnsw", "qdrant", "qdrant-edge", "milvus"]
EXACT = ("faiss", "qdrant")  # the client's local mode searches exhaustively


@pytest.fixture(scope="module")
def luma_payloads(luma_catalog):
    products = luma_catalog.all()
    options = field_options(Vocabulary.from_catalog(luma_catalog))
    return products, [payload(p, options) for p in products], options


def sql_ids(catalog, constraints) -> list[int]:
    return catalog.select_ids(*to_sql(constraints)) if constraints.active() else [p.id for p in catalog.all()]


def engine(name, ids, vectors, payloads, tmp_path):
    collection = f"t{len(ids)}_{vectors.shape[1]}"
    options = {"qdrant": {"collection": collection},  # no url or path: the client's local mode in memory
               "milvus": {"path": tmp_path, "collection": collection},
               "qdrant-edge": {"path": tmp_path / "edge"},
               "faiss-hnsw": {"exact_below": 0.05}}.get(name, {})
    return build_index(ids, vectors, name, payloads, **options)


@pytest.mark.unit
@pytest.mark.parametrize("name", ENGINES)
def test_same_results_as_exact_search_over_the_sql_selection(name, luma_catalog, luma_payloads, tmp_path):
    products, payloads, options = luma_payloads
    rng = np.random.default_rng(0)
    ids, vectors = [p.id for p in products], rng.normal(size=(len(products), 64)).astype(np.float32)
    reference = build_index(ids, vectors, "numpy")
    index = engine(name, ids, vectors, payloads, tmp_path)
    exclude = tuple(ids[:3])
    for raw in CASES:
        constraints = Constraints(**raw)
        allowed = sql_ids(luma_catalog, constraints)
        assert allowed or not raw, raw
        where = Where.of(constraints, options, exclude=exclude)
        assert where.ids is None, f"{raw} should be pushed into the engine, not sent as ids"
        for query in rng.normal(size=(3, 64)):
            expected = reference.search(query, 10, [i for i in allowed if i not in exclude])
            got = index.search(query, 10, where)
            assert [i for i, _ in got] == [i for i, _ in expected], (name, raw)
            assert np.allclose([s for _, s in got], [s for _, s in expected], atol=1e-4)
        # Everything that passes, not only the top: the filter is the SQL's, item for item (a graph
        # search is not asked for all of them: it returns what its walk reaches, all within the filter).
        everything = {i for i, _ in index.search(rng.normal(size=64), len(ids), where)}
        if name in EXACT:
            assert everything == set(allowed) - set(exclude), (name, raw)
        assert everything <= set(allowed) - set(exclude), (name, raw)


@pytest.mark.unit
def test_a_free_word_the_payload_cannot_test_falls_back_to_the_sql_ids(luma_catalog, luma_payloads):
    products, payloads, options = luma_payloads
    constraints = Constraints(not_feature=["v neck"])
    allowed = sql_ids(luma_catalog, constraints)
    where = Where.of(constraints, options, fallback_ids=allowed)
    assert where.conditions == () and set(where.ids) == set(allowed)
    index = build_index([p.id for p in products], np.eye(len(products), 32, dtype=np.float32) + 0.01, "faiss", payloads)
    assert {i for i, _ in index.search(np.ones(32), len(products), where)} == set(allowed)


def test_the_shipped_text_index_agrees_across_backends(text_index, catalog, vocab, tmp_path):
    """The real MiniLM vectors of the Luma catalog: FAISS, Qdrant local and Milvus Lite return the
    same top 10 for a product's own vector as query, unfiltered and filtered."""
    options = field_options(vocab)
    products = [catalog.by_id(int(i)) for i in text_index.ids]
    payloads = [payload(p, options) for p in products]
    vectors = np.stack([text_index.vector(int(i)) for i in text_index.ids])
    indexes = [engine(name, text_index.ids, vectors, payloads, tmp_path) for name in ("faiss", "qdrant", "milvus")]
    reference = NumpyIndex(vectors.shape[1])
    reference.add(text_index.ids, vectors)
    for raw in CASES[:9]:
        constraints = Constraints(**raw)
        allowed = sql_ids(catalog, constraints)
        where = Where.of(constraints, options)
        for anchor in products[::97]:
            expected = [i for i, _ in reference.search(text_index.vector(anchor.id), 10, allowed)]
            for index in indexes:
                assert [i for i, _ in index.search(text_index.vector(anchor.id), 10, where)] == expected, (index.backend, raw)
