"""A small vector-index interface, with FAISS as the default backend and NumPy as the fallback.

Search takes an optional set of allowed ids so that constraints are applied inside the search
(filtered search) rather than by cutting a short list afterwards.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    dim: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def search(self, query: np.ndarray, k: int, allowed: list[int] | None = None) -> list[tuple[int, float]]: ...
    def vector(self, item_id: int) -> np.ndarray: ...
    def save(self, path: Path) -> None: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NumpyIndex:
    """Exact cosine search with NumPy; enough for catalogs of tens of thousands of items."""
    backend = "numpy"

    def __init__(self, dim: int):
        self.dim = dim
        self.ids = np.zeros(0, dtype=np.int64)
        self.vectors = np.zeros((0, dim), dtype=np.float32)

    def add(self, ids, vectors) -> None:
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.vectors = np.concatenate([self.vectors, _normalise(vectors)])
        self._row = {int(i): r for r, i in enumerate(self.ids)}

    def vector(self, item_id: int) -> np.ndarray:
        return self.vectors[self._row[int(item_id)]]

    def search(self, query, k, allowed=None):
        rows = np.arange(len(self.ids)) if allowed is None else np.array(
            [self._row[i] for i in allowed if i in self._row], dtype=np.int64)
        if len(rows) == 0:
            return []
        scores = self.vectors[rows] @ _normalise(query).reshape(-1)
        top = np.argsort(-scores)[:k]
        return [(int(self.ids[rows[t]]), float(scores[t])) for t in top]

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "vectors.npy", self.vectors)
        np.save(path / "ids.npy", self.ids)
        (path / "meta.json").write_text(json.dumps({"backend": self.backend, "dim": self.dim}))


class FaissIndex(NumpyIndex):
    """Inner-product FAISS index over normalised vectors; allowed ids via an IDSelector."""
    backend = "faiss"

    def __init__(self, dim: int):
        import faiss
        super().__init__(dim)
        self._faiss = faiss
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def add(self, ids, vectors) -> None:
        super().add(ids, vectors)
        self.index.add_with_ids(_normalise(vectors), np.asarray(ids, dtype=np.int64))

    def search(self, query, k, allowed=None):
        faiss = self._faiss
        params = None
        if allowed is not None:
            if not allowed:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        k = min(k, self.index.ntotal)
        if k == 0:
            return []
        scores, ids = self.index.search(_normalise(query).reshape(1, -1), k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]


BACKENDS = {"faiss": FaissIndex, "numpy": NumpyIndex}


def build_index(ids, vectors, backend: str = "faiss") -> VectorIndex:
    vectors = np.asarray(vectors, dtype=np.float32)
    try:
        index = BACKENDS[backend](vectors.shape[1])
    except ImportError:
        index = NumpyIndex(vectors.shape[1])
    index.add(ids, vectors)
    return index


def load_index(path: Path) -> VectorIndex:
    meta = json.loads((path / "meta.json").read_text())
    return build_index(np.load(path / "ids.npy"), np.load(path / "vectors.npy"), meta["backend"])
