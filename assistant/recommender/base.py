"""Collaborative-filtering recommenders behind one interface: fit, score, similar, save, load.

Every model factorises its scores as `user_side(history) @ item_vectors().T`:
  - Popularity: user side 1, item vector log(1 + count);
  - EASE (Steck 2019): user side the history row, item vector the item's column of B;
  - BPR-MF (bpr.py): user side the user factor (or one folded in from a history),
    item vector the item factor.
That shared form is what cold start (cold_start.py) plugs into: a new item gets an item
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


def interaction_matrix(users: np.ndarray, items: np.ndarray, weights: np.ndarray | None,
                       n_users: int, n_items: int) -> sp.csr_matrix:
    """Users x items, duplicates summed."""
    weights = np.ones(len(users), dtype=np.float32) if weights is None else weights.astype(np.float32)
    return sp.csr_matrix((weights, (users, items)), shape=(n_users, n_items), dtype=np.float32)
