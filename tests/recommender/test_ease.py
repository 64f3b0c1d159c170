"""EASE (assistant/recommender/ease.py): the closed-form item-item model, on MovieLens-100k."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from assistant.evaluation.recommender import _evaluate
from assistant.recommender import load, make
from assistant.recommender.ease import EASE


def test_ease_beats_popularity_on_held_out_interactions(movielens_split):
    X, valid = movielens_split
    users, items = valid.user.to_numpy(), valid.item.to_numpy()
    ease = _evaluate(make("ease", l2=200.0).fit(X), X, X, items, users)
    popular = _evaluate(make("popularity").fit(X), X, X, items, users)
    assert ease["ndcg"] > popular["ndcg"] > 0


def test_similar_leaves_the_item_out_and_is_sorted(movielens_split):
    model = make("ease", l2=100.0).fit(movielens_split[0])
    similar = model.similar(0, k=10)
    assert len(similar) == 10 and 0 not in [i for i, _ in similar]
    assert [s for _, s in similar] == sorted((s for _, s in similar), reverse=True)


def test_save_load_round_trip(tmp_path, movielens_split):
    X, _ = movielens_split
    model = make("ease", l2=50.0).fit(X[:200], [f"m{i}" for i in range(X.shape[1])])
    model.save(tmp_path / "ease")
    loaded = load(tmp_path / "ease")
    assert loaded.item_ids == model.item_ids and loaded.params == model.params
    np.testing.assert_allclose(loaded.score(X[:3]), model.score(X[:3]), rtol=1e-5)


def test_ease_refuses_catalogs_too_large_for_its_dense_matrix():
    X = sp.csr_matrix((1, EASE.MAX_ITEMS + 1), dtype=np.float32)
    with pytest.raises(ValueError, match="BPR-MF"):
        make("ease").fit(X)
