"""The embedded backends: exact search with NumPy or FAISS, and FAISS HNSW.

Filters are evaluated in memory over the payload (posting lists and masks per stored value,
computed once at build); a filter keeping about a thousand items is scored directly, a larger one is
handed to FAISS as a bitmap selector, so the search itself skips what the shopper ruled out. HNSW
under a filter walks the graph with a wider beam (a filter drops candidates from the results, so
more must be visited); only below `exact_below` of the catalog, where the graph is almost all
ruled out, is the filtered subset searched exactly instead.

The settings were chosen on the seed-0 synthetic catalog of 1M items (`bench scale`; figures in
docs/RESULTS.md): under the bitmap, HNSW kept recall@10 >= 0.95 at 50%, 5% and 0.5% filters in
1.2-3.2 ms with efSearch 512, where the exact scan of the 0.5% subset took 4.1 ms and of the 5%
subset 11.8 ms; unfiltered, efSearch 256 reached 0.973 in 0.7 ms.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tools.index_payload import BOOL, FLOAT, SCHEMA, Where

SUBSET_EXACT = 1_024   # rows: a filter keeping at most this many is scored directly (gathering more
                       # costs more than FAISS's own scan under a bitmap, measured at 5,000 of 100k)


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class PayloadMasks:
    """The payload as columns: per keyword value a boolean row mask and its sorted rows (a posting
    list), arrays for numbers and flags. A filter starts from the shortest posting list among its
    "any" conditions and tests the rest only on those rows, so a selective filter costs what it
    keeps, not the size of the catalog."""

    def __init__(self, payloads: list[dict] | None, n: int, schema: dict[str, str] = SCHEMA):
        self.n, self.masks, self.postings, self.arrays = n, {}, {}, {}
        if payloads is None:
            return
        for key, kind in schema.items():
            if kind in (FLOAT, BOOL):
                self.arrays[key] = np.array([p.get(key, 0) for p in payloads], dtype=np.float64 if kind == FLOAT else bool)
                continue
            rows: dict[str, list[int]] = {}
            for row, p in enumerate(payloads):
                for v in ([p[key]] if isinstance(p.get(key), str) else p.get(key, [])):
                    rows.setdefault(v, []).append(row)
            self.postings[key] = {v: np.asarray(r, dtype=np.int64) for v, r in rows.items()}
            self.masks[key] = {v: self._mask(r) for v, r in self.postings[key].items()}

    def _mask(self, rows) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        mask[np.asarray(rows, dtype=np.int64)] = True
        return mask

    def _posting_size(self, c) -> int:
        return sum(len(self.postings.get(c.key, {}).get(v, ())) for v in c.values)

    def _holds(self, c, rows) -> np.ndarray:
        """Whether each of `rows` (an index array, or slice(None) for all) meets condition `c`."""
        if c.op in ("any", "none"):
            found = np.zeros(self.n if isinstance(rows, slice) else len(rows), dtype=bool)
            for v in c.values:
                if (m := self.masks.get(c.key, {}).get(v)) is not None:
                    found |= m[rows]
            return found if c.op == "any" else ~found
        if c.op == "range":
            column = self.arrays[c.key][rows]
            keep = np.ones(len(column), dtype=bool)
            if c.gte is not None:
                keep &= column >= c.gte
            if c.lte is not None:
                keep &= column <= c.lte
            return keep
        if c.op == "true":
            return self.arrays[c.key][rows]
        raise ValueError(f"unknown condition {c.op}")

    def select(self, where: Where, row_of: dict[int, int]) -> np.ndarray | None:
        """The sorted rows `where` allows, or None for all of them."""
        if not where:
            return None
        rest = list(where.conditions)
        anys = [c for c in rest if c.op == "any"]
        first = min(anys, key=self._posting_size) if anys else None
        if where.ids is not None:
            rows = np.unique(np.asarray([row_of[i] for i in where.ids if i in row_of], dtype=np.int64))
        elif first is not None and self._posting_size(first) <= self.n // 32:
            rest.remove(first)   # a short posting list: the rest is tested on its rows only
            lists = [r for v in first.values if (r := self.postings.get(first.key, {}).get(v)) is not None]
            rows = (lists[0] if len(lists) == 1 else np.unique(np.concatenate(lists))) if lists else np.zeros(0, np.int64)
        else:   # a broad filter: whole-catalog masks are cheaper than sorting long lists
            mask = np.ones(self.n, dtype=bool)
            for c in rest:
                mask &= self._holds(c, slice(None))
            rows, rest = np.flatnonzero(mask), []
        for c in rest:
            rows = rows[self._holds(c, rows)]
        if where.exclude:
            rows = np.setdiff1d(rows, [row_of[i] for i in where.exclude if i in row_of], assume_unique=True)
        return rows


class NumpyIndex:
    """Exact cosine search with NumPy; enough for catalogs of tens of thousands of items."""
    backend = "numpy"

    def __init__(self, dim: int, **options):
        self.dim = dim
        self.ids = np.zeros(0, dtype=np.int64)
        self.vectors = np.zeros((0, dim), dtype=np.float32)
        self.payloads: list[dict] | None = None
        self.options: dict = {}

    def add(self, ids, vectors, payloads: list[dict] | None = None) -> None:
        if len(self.ids):
            raise ValueError("an index is built once, from all its items")
        self.ids = np.asarray(ids, dtype=np.int64)
        self.vectors = normalise(vectors)
        self.payloads = payloads
        self._row = {int(i): r for r, i in enumerate(self.ids)}
        self.columns = PayloadMasks(payloads, len(self.ids))
        self._build()

    def _build(self) -> None:
        pass

    def vector(self, item_id: int) -> np.ndarray:
        return self.vectors[self._row[int(item_id)]]

    def rows(self, where) -> np.ndarray | None:
        """The rows a search may return (sorted), or None for all."""
        where = Where.coerce(where)
        if where.conditions and self.payloads is None:
            raise ValueError("this index was built without payloads; rebuild it (python -m assistant setup --force)")
        return self.columns.select(where, self._row)

    def search(self, query, k, where=None):
        rows = self.rows(where)
        return self._exact(normalise(query).reshape(-1), np.arange(len(self.ids)) if rows is None else rows, k)

    def _exact(self, q: np.ndarray, rows: np.ndarray, k: int):
        if len(rows) == 0 or k <= 0:
            return []
        scores = self.vectors[rows] @ q
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(self.ids[rows[t]]), float(scores[t])) for t in top]

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "vectors.npy", self.vectors)
        np.save(path / "ids.npy", self.ids)
        (path / "meta.json").write_text(json.dumps({"backend": self.backend, "dim": self.dim}))


class FaissIndex(NumpyIndex):
    """Exact inner product over normalised vectors (FAISS flat); a filter is a bitmap selector."""
    backend = "faiss"

    def _build(self) -> None:
        import faiss
        self._faiss = faiss
        self.index = self._make_index(faiss)
        self.index.add(self.vectors)
        # One copy of the vectors: `vectors` becomes a view of FAISS's own storage (1.5 GB at 1M).
        self.flat = faiss.downcast_index(getattr(self.index, "storage", self.index))
        n = len(self.ids)
        self.vectors = faiss.rev_swig_ptr(self.flat.get_xb(), n * self.dim).reshape(n, self.dim)

    def _make_index(self, faiss):
        return faiss.IndexFlatIP(self.dim)

    def _params(self, selector):
        return self._faiss.SearchParameters(sel=selector)

    def search(self, query, k, where=None):
        rows = self.rows(where)
        k = min(k, len(self.ids))
        if k == 0 or (rows is not None and len(rows) == 0):
            return []
        q = normalise(query).reshape(1, -1)
        if rows is not None and len(rows) <= SUBSET_EXACT:
            return self._exact(q.reshape(-1), rows, k)   # a few thousand rows: scoring them beats any scan
        index, params = self.index, None
        if rows is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            mask[rows] = True
            bits = np.packbits(mask, bitorder="little")  # held here: the selector only points at it
            selector = self._faiss.IDSelectorBitmap(len(mask), self._faiss.swig_ptr(bits))
            index = self._route(len(rows) / len(self.ids))
            params = self._params(selector) if index is self.index else self._faiss.SearchParameters(sel=selector)
        scores, found = index.search(q, k, params=params)
        return [(int(self.ids[r]), float(s)) for r, s in zip(found[0], scores[0]) if r != -1]

    def _route(self, share: float):
        return self.index


class FaissHnswIndex(FaissIndex):
    """Approximate search on an HNSW graph (FAISS); exact over the subset under a selective filter."""
    backend = "faiss-hnsw"

    FILTERED_BEAM = 2  # efSearch under a filter, as a multiple of the unfiltered one

    def __init__(self, dim: int, m: int = 32, ef_construction: int = 80, ef_search: int = 256,
                 exact_below: float = 0.002, **options):
        super().__init__(dim)
        self.m, self.ef_construction, self.ef_search, self.exact_below = m, ef_construction, ef_search, exact_below

    def _make_index(self, faiss):
        index = faiss.IndexHNSWFlat(self.dim, self.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.ef_construction
        return index

    def _params(self, selector):
        return self._faiss.SearchParametersHNSW(sel=selector, efSearch=self.FILTERED_BEAM * self.ef_search)

    def _route(self, share: float):
        # The graph's own flat storage, searched exactly: what a very selective filter leaves.
        return self.flat if share < self.exact_below else self.index

    def search(self, query, k, where=None):
        if Where.coerce(where):
            return super().search(query, k, where)
        k = min(k, len(self.ids))
        if k == 0:
            return []
        scores, rows = self.index.search(normalise(query).reshape(1, -1), k,
                                         params=self._faiss.SearchParametersHNSW(efSearch=self.ef_search))
        return [(int(self.ids[r]), float(s)) for r, s in zip(rows[0], scores[0]) if r != -1]
