"""Popularity: the non-personal baseline."""
from __future__ import annotations

import numpy as np

from assistant.recommender.base import Recommender


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
