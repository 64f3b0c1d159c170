"""Cold start from content: a ridge map from an item's content embedding (MiniLM text, or the
fused image+text vector) to the item vector a collaborative model learned for warm items.

This is the chapter's aligned-latent-space idea applied to recommendation: content and
behaviour live in different spaces, and a linear map fitted on items that have both lets an
item with no interactions be placed in the behaviour space and scored like any other.
"""
from __future__ import annotations

import numpy as np

from assistant.recommender.base import Recommender


class ContentMapper:
    def __init__(self, l2: float = 10.0):
        self.l2 = l2

    def fit(self, content: np.ndarray, targets: np.ndarray) -> "ContentMapper":
        """content: warm items x d; targets: their item vectors (warm items x k)."""
        C = np.hstack([content, np.ones((len(content), 1), dtype=content.dtype)]).astype(np.float64)
        gram = C.T @ C + self.l2 * np.eye(C.shape[1])
        gram[-1, -1] -= self.l2  # the intercept is not shrunk
        self.W = np.linalg.solve(gram, C.T @ targets.astype(np.float64)).astype(np.float32)
        return self

    def predict(self, content: np.ndarray) -> np.ndarray:
        return np.hstack([content, np.ones((len(content), 1), dtype=content.dtype)]).astype(np.float32) @ self.W


def with_cold_items(model: Recommender, content: np.ndarray, warm: np.ndarray, l2: float = 10.0) -> np.ndarray:
    """The model's item vectors, with every item outside `warm` (a boolean mask) replaced by
    the vector its content predicts. Scores are then user_side @ result.T, as for warm items."""
    vectors = model.item_vectors().copy()
    mapper = ContentMapper(l2).fit(content[warm], vectors[warm])
    cold = ~warm
    if cold.any():
        vectors[cold] = mapper.predict(content[cold])
    return vectors
