"""The vector-index interface and its backends, chosen by name (`SHOPASSIST_INDEX_BACKEND`).

  faiss       exact search, embedded (the default: what `make run` uses)
  faiss-hnsw  FAISS HNSW graph, embedded; exact over the subset under a very selective filter
  numpy       exact search without FAISS
  qdrant      Qdrant through qdrant-client: a server or cluster by URL (`SHOPASSIST_INDEX_URL`),
              else the client's local mode in a folder (its Python test implementation: fine for a
              catalog of hundreds, not a benchmark)
  qdrant-edge the Qdrant engine embedded in-process (qdrant-edge-py)
  milvus      Milvus through pymilvus: a cluster by URI, else Milvus Lite in a file

Search takes a `Where` (tools/index_payload.py): the shopper's constraints as conditions that the
engine applies itself against the payload stored with each vector, so nothing proportional to the
catalog travels with a query. A plain list of ids is still accepted (a short candidate list).
"""
from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path
from typing import Protocol

import numpy as np

from tools.index_faiss import FaissHnswIndex, FaissIndex, NumpyIndex, normalise  # noqa: F401  (re-exported)
from tools.index_payload import Where  # noqa: F401


class VectorIndex(Protocol):
    dim: int
    backend: str

    def add(self, ids: np.ndarray, vectors: np.ndarray, payloads: list[dict] | None = None) -> None: ...
    def search(self, query: np.ndarray, k: int, where: "Where | list[int] | None" = None) -> list[tuple[int, float]]: ...
    def vector(self, item_id: int) -> np.ndarray: ...
    def save(self, path: Path) -> None: ...


# name -> "module:class"; imported on first use, so an engine's client is needed only when chosen.
BACKENDS = {
    "numpy": "tools.index_faiss:NumpyIndex",
    "faiss": "tools.index_faiss:FaissIndex",
    "faiss-hnsw": "tools.index_faiss:FaissHnswIndex",
    "qdrant": "tools.index_qdrant:QdrantIndex",
    "qdrant-edge": "tools.index_qdrant:QdrantEdgeIndex",
    "milvus": "tools.index_milvus:MilvusIndex",
}


def backend_class(name: str):
    if name not in BACKENDS:
        raise ValueError(f"unknown index backend {name!r}; choose one of {', '.join(BACKENDS)}")
    module, cls = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def build_index(ids, vectors, backend: str = "faiss", payloads: list[dict] | None = None, **options) -> VectorIndex:
    """An index of `vectors` under `ids`, with each item's payload; `options` go to the backend
    (an engine's `url` and `collection`, HNSW parameters). Without FAISS installed, "faiss" is NumPy."""
    vectors = np.asarray(vectors, dtype=np.float32)
    try:
        index = backend_class(backend)(vectors.shape[1], **options)
    except ImportError:
        if not backend.startswith("faiss"):
            raise
        index = NumpyIndex(vectors.shape[1])
    index.add(ids, vectors, payloads)
    return index


def load_index(path: Path) -> VectorIndex:
    """The index setup saved at `path`, served by the backend it was saved with (no payloads:
    the assistant opens it with `open_index`, which computes them from the catalog)."""
    meta = json.loads((path / "meta.json").read_text())
    return build_index(np.load(path / "ids.npy"), np.load(path / "vectors.npy"), meta["backend"])


def engine_options(backend: str, url: str, folder: Path, name: str) -> dict:
    """Where an engine backend keeps index `name`: a server at `url`, else a folder under `folder`."""
    if backend == "qdrant":
        return {"collection": name, **({"url": url} if url else {"path": folder / "qdrant"})}
    if backend == "milvus":
        return {"collection": name, **({"uri": url} if url else {"path": folder / "milvus"})}
    if backend == "qdrant-edge":
        return {"path": folder / "qdrant-edge" / name}
    return {}


def fingerprint(ids, vectors, payloads) -> str:
    """A short digest of what an engine is filled with: a collection named with it is reused only
    while the catalog, its vectors and the payload rules (the constraint table) are unchanged."""
    digest = hashlib.sha256(np.ascontiguousarray(ids, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    digest.update(json.dumps(payloads, sort_keys=True).encode())
    return digest.hexdigest()[:12]


def open_index(path: Path, catalog, backend: str = "faiss", url: str = "") -> VectorIndex:
    """The index setup saved at `path`, served by `backend`, each item with its payload computed
    from the catalog now (so a change to the constraint table needs no rebuild)."""
    from tools.index_payload import catalog_payloads
    ids, vectors = np.load(path / "ids.npy"), np.load(path / "vectors.npy")
    payloads = catalog_payloads(catalog, ids)
    name = path.name if backend in ("faiss", "faiss-hnsw", "numpy") else f"{path.name}_{fingerprint(ids, vectors, payloads)}"
    return build_index(ids, vectors, backend, payloads, **engine_options(backend, url, path.parent, name))
