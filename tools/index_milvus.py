"""Milvus backend through pymilvus: a cluster by URI (`http://host:19530`), or Milvus Lite in a
local file (`something.db`) with the same MilvusClient API. The constraints become one boolean
filter expression that Milvus evaluates against scalar fields stored with each vector.

Payload keys become typed columns: a keyword is a VARCHAR (`color in [...]`), a list of keywords an
ARRAY of VARCHAR (`ARRAY_CONTAINS_ANY(category, [...])`), a price a DOUBLE (a FLOAT would round
$29.99 below a "$29.99 or more" bound), a flag a BOOL.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tools.index_faiss import normalise
from tools.index_payload import BOOL, FLOAT, KEYWORD, KEYWORDS, SCHEMA, Condition, Where

BATCH = 2048
MAX_LIST, MAX_TEXT = 64, 256   # an ARRAY field's capacity and a VARCHAR's length


def _list(values) -> str:
    return json.dumps([v for v in values], ensure_ascii=False)


def _any(c: Condition, kind: str) -> str:
    if not c.values:
        return "false"
    return f"ARRAY_CONTAINS_ANY({c.key}, {_list(c.values)})" if kind == KEYWORDS else f"{c.key} in {_list(c.values)}"


def _range(c: Condition) -> str:
    parts = ([f"{c.key} >= {float(c.gte)!r}"] if c.gte is not None else []) + \
            ([f"{c.key} <= {float(c.lte)!r}"] if c.lte is not None else [])
    return " and ".join(parts) or "true"


# condition kind -> its expression, given the key's kind in the schema
TRANSLATION = {
    "any": _any,
    "none": lambda c, kind: f"not ({_any(c, kind)})" if c.values else "true",
    "range": lambda c, kind: _range(c),
    "true": lambda c, kind: f"{c.key} == true",
}


def to_expression(where: Where, schema: dict[str, str] = SCHEMA) -> str:
    """A Milvus boolean expression for `where` ("" for everything)."""
    parts = [f"({TRANSLATION[c.op](c, schema[c.key])})" for c in where.conditions]
    if where.ids is not None:
        parts.append(f"id in {_list(int(i) for i in where.ids)}")
    if where.exclude:
        parts.append(f"id not in {_list(int(i) for i in where.exclude)}")
    return " and ".join(parts)


_CLIENTS: dict[str, object] = {}


def _client(uri: str):
    """One client per database: Milvus Lite holds its file, and the text, image and fused indexes share it."""
    from pymilvus import MilvusClient
    if uri not in _CLIENTS:
        _CLIENTS[uri] = MilvusClient(uri)
    return _CLIENTS[uri]


EXACT_BELOW = 50_000   # items: below this a FLAT (exact) index; Milvus Lite's filtered HNSW missed
                      # 2 of the top 10 of a 64-item filter on the Luma text vectors, and a scan is cheap


class MilvusIndex:
    """`uri`: a Milvus server (http://...) or a Milvus Lite file (default: a file in `path`).
    `index_type`: "HNSW", "FLAT" (exact), or "auto": FLAT below EXACT_BELOW items, else HNSW."""
    backend = "milvus"

    def __init__(self, dim: int, uri: str | None = None, url: str | None = None, path: Path | None = None,
                 collection: str = "items", index_type: str = "auto", m: int = 16, ef_construction: int = 100,
                 ef_search: int = 128, **options):
        import tempfile
        if not (uri or url):
            folder = Path(path or tempfile.mkdtemp(prefix="milvus-"))
            folder.mkdir(parents=True, exist_ok=True)
            uri = str(folder / "milvus.db")
        uri = uri or url
        self.dim, self.collection, self.index_type, self.ef_search = dim, collection, index_type, ef_search
        self.build_params = {"M": m, "efConstruction": ef_construction}
        self.client = _client(uri)

    def _schema(self, keys: dict[str, str]):
        from pymilvus import DataType
        schema = self.client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dim)
        for key, kind in keys.items():
            if kind == KEYWORD:
                schema.add_field(key, DataType.VARCHAR, max_length=MAX_TEXT)
            elif kind == KEYWORDS:
                schema.add_field(key, DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=MAX_LIST,
                                 max_length=MAX_TEXT)
            elif kind == FLOAT:
                schema.add_field(key, DataType.DOUBLE)
            elif kind == BOOL:
                schema.add_field(key, DataType.BOOL)
        return schema

    def add(self, ids, vectors, payloads: list[dict] | None = None) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.schema = {k: v for k, v in SCHEMA.items() if payloads and k in payloads[0]}
        c = self.client
        if c.has_collection(self.collection):
            dims = [f.get("params", {}).get("dim") for f in c.describe_collection(self.collection)["fields"] if f["name"] == "vector"]
            if dims == [self.dim] and c.get_collection_stats(self.collection).get("row_count") == len(self.ids):
                c.load_collection(self.collection)
                self.index_type = c.describe_index(self.collection, "vector").get("index_type", self.index_type)
                return  # already filled from these files
            c.drop_collection(self.collection)
        if self.index_type == "auto":
            self.index_type = "FLAT" if len(self.ids) < EXACT_BELOW else "HNSW"
        index = c.prepare_index_params()
        index.add_index(field_name="vector", index_type=self.index_type, metric_type="IP",
                        params=self.build_params if self.index_type == "HNSW" else {})
        c.create_collection(self.collection, schema=self._schema(self.schema), index_params=index)
        vectors = normalise(vectors)
        for start in range(0, len(self.ids), BATCH):
            c.insert(self.collection, [{"id": int(self.ids[r]), "vector": vectors[r],
                                        **({k: payloads[r][k] for k in self.schema} if payloads else {})}
                                       for r in range(start, min(start + BATCH, len(self.ids)))])
        c.flush(self.collection)
        c.load_collection(self.collection)

    def search(self, query, k, where=None):
        where = Where.coerce(where)
        if where.empty() or k <= 0:
            return []
        params = {"metric_type": "IP", "params": {"ef": max(self.ef_search, k)} if self.index_type == "HNSW" else {}}
        found = self.client.search(self.collection, [normalise(query).reshape(-1)], limit=k,
                                   filter=to_expression(where, self.schema), output_fields=[], search_params=params)[0]
        return [(int(hit["id"]), float(hit["distance"])) for hit in found]

    def vector(self, item_id: int) -> np.ndarray:
        row = self.client.get(self.collection, ids=[int(item_id)], output_fields=["vector"])[0]
        return np.asarray(row["vector"], dtype=np.float32)

    def save(self, path: Path) -> None:
        raise NotImplementedError("an engine keeps its own data; setup saves the FAISS files it is filled from")
