"""Qdrant backends: a server or cluster through qdrant-client (its local mode without a URL), and
the engine embedded in-process through qdrant-edge-py. The constraints become Qdrant's own payload
filter (`Filter` of `FieldCondition`s), evaluated inside the engine with its payload indexes.

The two Python packages spell the same filter with slightly different classes, so the translation
table is written once against a small adapter (`_Spelling`) of each.
"""
from __future__ import annotations

import atexit
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from tools.index_faiss import normalise
from tools.index_payload import BOOL, FLOAT, KEYWORD, KEYWORDS, SCHEMA, Condition, Where

BATCH = 2048


@dataclass(frozen=True)
class _Spelling:
    """How one package names the pieces of a filter."""
    Filter: type
    FieldCondition: type
    MatchAny: type
    MatchValue: type
    range: Callable         # (gte, lte) -> a range object
    has_id: Callable        # ids -> a HasIdCondition
    flag: Callable          # a flag's stored value: qdrant-edge-py 0.9 turns MatchValue(True) into 1,
                            # which no stored true matches, so the embedded engine stores flags as 0/1


def _spelling(models, edge: bool) -> _Spelling:
    return _Spelling(models.Filter, models.FieldCondition, models.MatchAny, models.MatchValue,
                     (lambda gte, lte: models.RangeFloat(gte=gte, lte=lte)) if edge
                     else (lambda gte, lte: models.Range(gte=gte, lte=lte)),
                     (lambda ids: models.HasIdCondition(point_ids=set(ids))) if edge
                     else (lambda ids: models.HasIdCondition(has_id=list(ids))),
                     int if edge else bool)


# condition kind -> (clause list it joins: must or must_not, the FieldCondition it becomes)
TRANSLATION = {
    "any": ("must", lambda s, c: s.FieldCondition(key=c.key, match=s.MatchAny(any=list(c.values)))),
    "none": ("must_not", lambda s, c: s.FieldCondition(key=c.key, match=s.MatchAny(any=list(c.values)))),
    "range": ("must", lambda s, c: s.FieldCondition(key=c.key, range=s.range(c.gte, c.lte))),
    "true": ("must", lambda s, c: s.FieldCondition(key=c.key, match=s.MatchValue(value=s.flag(True)))),
}


def to_filter(where: Where, s: _Spelling):
    """A Qdrant Filter for `where`, or None for everything."""
    clauses = {"must": [], "must_not": []}
    for c in where.conditions:
        joins, make = TRANSLATION[c.op]
        if c.op in ("any", "none") and not c.values:
            if c.op == "any":
                return s.Filter(must=[s.has_id([])])  # "any of nothing": no item
            continue
        clauses[joins].append(make(s, c))
    if where.ids is not None:
        clauses["must"].append(s.has_id([int(i) for i in where.ids]))
    if where.exclude:
        clauses["must_not"].append(s.has_id([int(i) for i in where.exclude]))
    if not clauses["must"] and not clauses["must_not"]:
        return None
    return s.Filter(must=clauses["must"] or None, must_not=clauses["must_not"] or None)


def _clean(payload: dict, s: _Spelling) -> dict:
    """"" is no value (a bag has no colour): left out, so an exclusion lets it through."""
    return {k: s.flag(v) if isinstance(v, bool) else v for k, v in payload.items() if v != ""}


_CLIENTS: dict[str, object] = {}
_SHARDS: dict[Path, object] = {}   # embedded shards open in this process, by folder


def _client(url: str | None, path: Path | None):
    """One client per server or folder: the local mode locks its folder, and the text, image and
    fused indexes share it."""
    from qdrant_client import QdrantClient
    key = url or str(path or ":memory:")
    if key not in _CLIENTS:
        _CLIENTS[key] = QdrantClient(url=url) if url else QdrantClient(path=str(path)) if path else QdrantClient(":memory:")
        atexit.register(_CLIENTS[key].close)  # closed before the interpreter tears down what close() needs
    return _CLIENTS[key]


class QdrantIndex:
    """Qdrant through qdrant-client. `url`: a server or cluster; else `path` (local mode in a
    folder) or, with neither, in memory."""
    backend = "qdrant"

    def __init__(self, dim: int, url: str | None = None, path: Path | None = None, collection: str = "items",
                 ef_search: int = 128, **options):
        from qdrant_client import models
        self.dim, self.collection, self.ef_search = dim, collection, ef_search
        self.models, self.spelling = models, _spelling(models, edge=False)
        self.client = _client(url, path)

    def add(self, ids, vectors, payloads: list[dict] | None = None) -> None:
        m, self.ids = self.models, np.asarray(ids, dtype=np.int64)
        if self.client.collection_exists(self.collection):
            vectors_config = self.client.get_collection(self.collection).config.params.vectors
            if vectors_config.size == self.dim and self.client.count(self.collection, exact=True).count == len(self.ids):
                return  # already filled from these files
            self.client.delete_collection(self.collection)
        self.client.create_collection(self.collection, vectors_config=m.VectorParams(size=self.dim, distance=m.Distance.DOT))
        kinds = {KEYWORD: m.PayloadSchemaType.KEYWORD, KEYWORDS: m.PayloadSchemaType.KEYWORD,
                 FLOAT: m.PayloadSchemaType.FLOAT, BOOL: m.PayloadSchemaType.BOOL}
        with warnings.catch_warnings():  # the local mode has none and says so; a server needs them
            warnings.simplefilter("ignore", UserWarning)
            for key, kind in SCHEMA.items():  # payload indexes: what lets a server filter without a scan
                self.client.create_payload_index(self.collection, key, kinds[kind])
        vectors = normalise(vectors)
        for start in range(0, len(self.ids), BATCH):
            rows = range(start, min(start + BATCH, len(self.ids)))
            self.client.upsert(self.collection, [
                m.PointStruct(id=int(self.ids[r]), vector=vectors[r].tolist(),
                              payload=_clean(payloads[r], self.spelling) if payloads else {}) for r in rows])

    def search(self, query, k, where=None):
        where = Where.coerce(where)
        if where.empty() or k <= 0:
            return []
        with warnings.catch_warnings():  # the local mode searches exhaustively and says so
            warnings.simplefilter("ignore", UserWarning)
            found = self.client.query_points(
                self.collection, query=normalise(query).reshape(-1).tolist(), limit=k,
                query_filter=to_filter(where, self.spelling), with_payload=False,
                search_params=self.models.SearchParams(hnsw_ef=self.ef_search)).points
        return [(int(p.id), float(p.score)) for p in found]

    def vector(self, item_id: int) -> np.ndarray:
        return np.asarray(self.client.retrieve(self.collection, [int(item_id)], with_vectors=True)[0].vector, dtype=np.float32)

    def save(self, path: Path) -> None:
        raise NotImplementedError("an engine keeps its own data; setup saves the FAISS files it is filled from")


class QdrantEdgeIndex:
    """The Qdrant engine embedded in-process (qdrant-edge-py): a shard in a folder, HNSW built by
    its optimizer, payload indexes on every filterable key. Qdrant's planner searches a filter that
    keeps fewer than `full_scan_threshold` KB of vectors exactly, through the payload index."""
    backend = "qdrant-edge"

    def __init__(self, dim: int, path: Path | None = None, m: int = 16, ef_construct: int = 100,
                 ef_search: int = 128, full_scan_threshold: int = 10_000, **options):
        import qdrant_edge
        import tempfile
        self.q, self.dim, self.ef_search = qdrant_edge, dim, ef_search
        self.spelling = _spelling(qdrant_edge, edge=True)
        self.path = Path(path) if path else Path(tempfile.mkdtemp(prefix="qdrant-edge-"))
        self.hnsw = qdrant_edge.HnswIndexConfig(m=m, ef_construct=ef_construct, full_scan_threshold=full_scan_threshold)

    def add(self, ids, vectors, payloads: list[dict] | None = None) -> None:
        q, self.ids = self.q, np.asarray(ids, dtype=np.int64)
        if (self.path / "edge_config.json").exists():  # a shard already built in this folder
            # Opened once per process: the shard locks its write-ahead log.
            self.shard = _SHARDS.get(self.path) or _SHARDS.setdefault(self.path, q.EdgeShard.load(str(self.path)))
            if self.shard.count(q.CountRequest(exact=True)) == len(self.ids):
                return
            raise ValueError(f"{self.path} holds another shard; remove it or choose another folder")
        config = q.EdgeConfig(vectors=q.EdgeVectorParams(size=self.dim, distance=q.Distance.Dot), hnsw_config=self.hnsw)
        self.shard = _SHARDS[self.path] = q.EdgeShard.create(str(self.path), config)
        kinds = {KEYWORD: q.PayloadSchemaType.Keyword, KEYWORDS: q.PayloadSchemaType.Keyword,
                 FLOAT: q.PayloadSchemaType.Float, BOOL: q.PayloadSchemaType.Integer}  # flags as 0/1
        keys = SCHEMA if payloads is None else {k: v for k, v in SCHEMA.items() if k in payloads[0]}
        for key, kind in keys.items():
            self.shard.update(q.UpdateOperation.create_field_index(key, kinds[kind]))
        vectors = normalise(vectors)
        for start in range(0, len(self.ids), BATCH):
            rows = range(start, min(start + BATCH, len(self.ids)))
            self.shard.update(q.UpdateOperation.upsert_points([
                q.Point(int(self.ids[r]), vectors[r].tolist(), _clean(payloads[r], self.spelling) if payloads else None) for r in rows]))
        self.shard.optimize()  # builds the HNSW graph and payload indexes now, not on the first queries

    def search(self, query, k, where=None):
        where = Where.coerce(where)
        if where.empty() or k <= 0:
            return []
        q = self.q
        found = self.shard.query(q.QueryRequest(
            limit=k, query=q.Query.Nearest(normalise(query).reshape(-1).tolist()),
            filter=to_filter(where, self.spelling), params=q.SearchParams(hnsw_ef=self.ef_search), with_payload=False))
        return [(int(p.id), float(p.score)) for p in found]

    def vector(self, item_id: int) -> np.ndarray:
        return np.asarray(self.shard.retrieve([int(item_id)], with_payload=False, with_vector=True)[0].vector, dtype=np.float32)

    def close(self) -> None:
        _SHARDS.pop(self.path, None)
        self.shard.close()

    def save(self, path: Path) -> None:
        raise NotImplementedError("the shard lives in its folder; setup saves the FAISS files it is filled from")
