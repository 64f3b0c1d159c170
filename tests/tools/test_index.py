"""The vector-index interface: FAISS and NumPy backends agree, filtered search, persistence."""
import numpy as np
import pytest

from tools.index import FaissIndex, NumpyIndex, build_index, load_index


@pytest.mark.unit
def test_backends_agree_with_and_without_allowed_ids(tmp_path):
    rng = np.random.default_rng(0)
    ids, vectors = np.arange(100, 300), rng.normal(size=(200, 16)).astype(np.float32)
    faiss_index, numpy_index = build_index(ids, vectors, "faiss"), build_index(ids, vectors, "numpy")
    assert isinstance(faiss_index, FaissIndex) and isinstance(numpy_index, NumpyIndex)
    query = rng.normal(size=16)
    for allowed in (None, [105, 150, 151, 299], []):
        a, b = faiss_index.search(query, 10, allowed), numpy_index.search(query, 10, allowed)
        assert [i for i, _ in a] == [i for i, _ in b]
        assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-5)
        if allowed is not None:
            assert {i for i, _ in a} <= set(allowed)
    faiss_index.save(tmp_path / "idx")
    again = load_index(tmp_path / "idx")
    reloaded, original = again.search(query, 5), faiss_index.search(query, 5)
    assert [i for i, _ in reloaded] == [i for i, _ in original]
    assert np.allclose([s for _, s in reloaded], [s for _, s in original], atol=1e-5)
    assert np.allclose(again.vector(150), vectors[50] / np.linalg.norm(vectors[50]))


def test_the_shipped_text_index_covers_the_catalog(text_index, catalog, embedder):
    assert len(text_index.ids) == len(catalog)
    hoodie = catalog.get("MH01-Black")
    best = text_index.search(embedder.encode_one(hoodie.search_text()), 1)[0]
    assert best[0] == hoodie.id and best[1] > 0.99


@pytest.mark.parametrize("backend", ["faiss", "qdrant", "qdrant-edge", "milvus"])
def test_open_index_serves_the_saved_text_index_with_constraints(backend, settings, catalog, vocab, tmp_path):
    """What the assistant opens: setup's files, served by the chosen backend, payloads from the
    catalog; an engine reuses its collection on the next start."""
    import shutil
    from assistant.catalog.constraints import Constraints
    from tools.index import Where, open_index
    from tools.index_payload import field_options
    shutil.copytree(settings.index_dir / "text", tmp_path / "text")
    index = open_index(tmp_path / "text", catalog, backend)
    where = Where.of(Constraints(category=["Jackets"], not_color=["Black"], price_max=70.0), field_options(vocab))
    query = index.vector(catalog.get("MH01-Black").id)
    found = index.search(query, 10, where)
    assert found and all(catalog.by_id(i).category == "Jackets" and catalog.by_id(i).color != "Black"
                         and catalog.by_id(i).price <= 70 for i, _ in found)
    assert open_index(tmp_path / "text", catalog, backend).search(query, 10, where) == found
