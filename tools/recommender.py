"""Collaborative-filtering recommenders behind one interface: fit, score, similar, save, load.

Every model factorises its scores as `user_side(history) @ item_vectors().T`:
  - Popularity: user side 1, item vector log(1 + count);
  - EASE (Steck 2019): user side the history row, item vector the item's column of B;
  - BPR-MF (tools/bpr.py): user side the user factor (or one folded in from a history),
    item vector the item factor.
That shared form is what cold start (tools/cold_start.py) plugs into: a new item gets an item
vector predicted from its content embedding, and every model scores it the same way.

Histories are sparse rows over the model's items (scipy CSR); `item_ids` maps index -> id.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp


class Recommender:
    name = "base"

    def __init__(self, **params):
        self.params = params
        self.item_ids: list[str] = []
        self.fit_s: float | None = None

    # -- the interface ------------------------------------------------------------------

    def fit(self, X: sp.csr_matrix, item_ids: list[str] | None = None) -> "Recommender":
        """X: users x items, positive weights for interactions (implicit feedback)."""
        start = time.perf_counter()
        self.item_ids = list(item_ids) if item_ids is not None else [str(i) for i in range(X.shape[1])]
        self._fit(sp.csr_matrix(X, dtype=np.float32))
        self.fit_s = time.perf_counter() - start
        return self

    def score(self, history: sp.csr_matrix, users: np.ndarray | None = None) -> np.ndarray:
        """Scores of every item for each history row (users: their training rows, if known)."""
        return self.user_side(history, users) @ self.item_vectors().T

    def similar(self, item: int, k: int = 10) -> list[tuple[int, float]]:
        """Items most affine to `item` (the item is left out)."""
        affinity = self.item_affinity(item)
        affinity[item] = -np.inf
        top = np.argpartition(-affinity, min(k, len(affinity) - 1))[:k]
        return [(int(i), float(affinity[i])) for i in top[np.argsort(-affinity[top])]]

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(directory / "arrays.npz", **self._arrays())
        meta = {"model": self.name, "params": self.params, "item_ids": self.item_ids, "fit_s": self.fit_s}
        (directory / "model.json").write_text(json.dumps(meta))

    @staticmethod
    def load(directory: Path) -> "Recommender":
        directory = Path(directory)
        meta = json.loads((directory / "model.json").read_text())
        model = MODELS[meta["model"]](**meta["params"])
        model.item_ids, model.fit_s = meta["item_ids"], meta["fit_s"]
        with np.load(directory / "arrays.npz") as arrays:
            model._set_arrays({k: arrays[k] for k in arrays.files})
        return model

    # -- what each model provides ---------------------------------------------------------

    def _fit(self, X: sp.csr_matrix) -> None:
        raise NotImplementedError

    def user_side(self, history: sp.csr_matrix, users: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def item_vectors(self) -> np.ndarray:
        raise NotImplementedError

    def item_affinity(self, item: int) -> np.ndarray:
        """How much having `item` in a history raises each item's score ("often bought with")."""
        vectors = self.item_vectors()
        return vectors @ vectors[item]

    def _arrays(self) -> dict:
        raise NotImplementedError

    def _set_arrays(self, arrays: dict) -> None:
        raise NotImplementedError


class Popularity(Recommender):
    """The non-personal baseline every recommender must beat."""
    name = "popularity"

    def _fit(self, X):
        self.counts = np.log1p(np.asarray((X > 0).sum(axis=0)).ravel()).astype(np.float32)

    def user_side(self, history, users=None):
        return np.ones((history.shape[0], 1), dtype=np.float32)

    def item_vectors(self):
        return self.counts[:, None]

    def item_affinity(self, item):
        return self.counts.copy()

    def _arrays(self):
        return {"counts": self.counts}

    def _set_arrays(self, arrays):
        self.counts = arrays["counts"]


class EASE(Recommender):
    """Embarrassingly Shallow Autoencoder: a closed-form item-item model,
    B = I - P / diag(P) with P = (X'X + l2 I)^-1. One matrix inverse: seconds for
    thousands of items, but O(items^2) memory, so it is for catalogs up to ~30k items."""
    name = "ease"
    MAX_ITEMS = 30_000

    def __init__(self, l2: float = 500.0):
        super().__init__(l2=l2)

    def _fit(self, X):
        n = X.shape[1]
        if n > self.MAX_ITEMS:
            raise ValueError(f"EASE needs a dense {n}x{n} matrix; use BPR-MF above {self.MAX_ITEMS} items")
        X = (X > 0).astype(np.float32)  # binary: EASE's closed form assumes 0/1 feedback
        gram = (X.T @ X).toarray().astype(np.float64)
        gram[np.diag_indices(n)] += self.params["l2"]
        P = np.linalg.inv(gram)
        B = P / (-np.diag(P))
        B[np.diag_indices(n)] = 0.0
        self.B = B.astype(np.float32)

    def user_side(self, history, users=None):
        return (history > 0).astype(np.float32).toarray()

    def score(self, history, users=None):
        return np.asarray((history > 0).astype(np.float32) @ self.B)  # sparse @ dense: no densifying

    def item_vectors(self):
        return self.B.T

    def item_affinity(self, item):
        return self.B[item].copy()

    def _arrays(self):
        return {"B": self.B}

    def _set_arrays(self, arrays):
        self.B = arrays["B"]


def _register() -> dict[str, type[Recommender]]:
    from .bpr import BPRMF
    return {cls.name: cls for cls in (Popularity, EASE, BPRMF)}


class _Models(dict):
    """name -> class, filled on first use (tools.bpr imports torch, which is slow to load)."""
    def __missing__(self, key):
        self.update(_register())
        if key not in self.keys():
            raise KeyError(f"unknown recommender {key!r}; known: {', '.join(self)}")
        return dict.__getitem__(self, key)


MODELS = _Models()


def make(name: str, **params) -> Recommender:
    return MODELS[name](**params)


def interaction_matrix(users: np.ndarray, items: np.ndarray, weights: np.ndarray | None,
                       n_users: int, n_items: int) -> sp.csr_matrix:
    """Users x items, duplicates summed."""
    weights = np.ones(len(users), dtype=np.float32) if weights is None else weights.astype(np.float32)
    return sp.csr_matrix((weights, (users, items)), shape=(n_users, n_items), dtype=np.float32)
