"""Popularity (assistant/recommender/popularity.py): the non-personal baseline."""
from __future__ import annotations

import numpy as np

from assistant.recommender import load, make


def test_save_load_round_trip(tmp_path, movielens_split):
    X, _ = movielens_split
    model = make("popularity").fit(X[:200], [f"m{i}" for i in range(X.shape[1])])
    model.save(tmp_path / "popularity")
    loaded = load(tmp_path / "popularity")
    assert loaded.item_ids == model.item_ids and loaded.params == model.params
    np.testing.assert_allclose(loaded.score(X[:3]), model.score(X[:3]), rtol=1e-5)
