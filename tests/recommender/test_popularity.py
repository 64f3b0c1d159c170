"""Popularity (assistant/recommender/popularity.py): the non-personal baseline."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.recommender import make
from tests.recommender import history, planted_matrix

pytestmark = pytest.mark.unit


def test_every_shopper_gets_the_items_most_shoppers_had():
    X, _ = planted_matrix()
    model = make("popularity").fit(X)
    shoppers = np.asarray((X > 0).sum(axis=0)).ravel()
    for items in ([0], [7, 8], []):
        np.testing.assert_allclose(model.score(history(items, X.shape[1])).ravel(), np.log1p(shoppers), rtol=1e-6)
    (top, _), = model.similar(0, k=1)  # "often had with item 0": the most popular other item
    assert top != 0 and shoppers[top] == np.delete(shoppers, 0).max()
