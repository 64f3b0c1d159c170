"""EASE (Steck 2019): a closed-form item-item model."""
from __future__ import annotations

import numpy as np

from assistant.recommender.base import Recommender


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
