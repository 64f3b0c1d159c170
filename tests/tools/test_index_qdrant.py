"""The Qdrant translation table, written once for qdrant-client and the embedded engine."""
import numpy as np
import pytest
from qdrant_client import models

from tools.index_payload import Condition, Where
from tools.index_qdrant import QdrantIndex, _spelling, to_filter

pytestmark = pytest.mark.unit


def test_conditions_become_a_qdrant_filter():
    s = _spelling(models, edge=False)
    f = to_filter(Where((Condition("color", "any", ("red", "blue")), Condition("color", "none", ("black",)),
                         Condition("price", "range", lte=60.0), Condition("sale", "true")), exclude=(7,)), s)
    assert f.must[0] == models.FieldCondition(key="color", match=models.MatchAny(any=["red", "blue"]))
    assert f.must[1] == models.FieldCondition(key="price", range=models.Range(lte=60.0))
    assert f.must[2] == models.FieldCondition(key="sale", match=models.MatchValue(value=True))
    assert f.must_not == [models.FieldCondition(key="color", match=models.MatchAny(any=["black"])),
                          models.HasIdCondition(has_id=[7])]
    assert to_filter(Where(), s) is None


def test_the_embedded_engine_stores_flags_as_integers():
    import qdrant_edge
    assert _spelling(qdrant_edge, edge=True).flag(True) == 1 and _spelling(models, edge=False).flag(True) is True


def test_a_collection_is_reused_when_it_holds_the_items(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(20, 8)).astype(np.float32)
    first = QdrantIndex(8, path=tmp_path / "q", collection="reuse")
    first.add(np.arange(20), vectors, [{"color": "red"}] * 20)
    again = QdrantIndex(8, path=tmp_path / "q", collection="reuse")
    again.add(np.arange(20), vectors * 0, None)   # not re-uploaded: the stored vectors answer
    assert again.search(vectors[3], 1)[0][0] == 3
    assert np.allclose(again.vector(3), vectors[3] / np.linalg.norm(vectors[3]), atol=1e-6)
