"""EASE (assistant/recommender/ease.py): the closed-form item-item model, on a planted matrix and on
MovieLens-100k."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from assistant.evaluation.recommender import _evaluate
from assistant.recommender import make
from assistant.recommender.ease import EASE
from tests.recommender import history, planted_matrix


@pytest.mark.unit
def test_the_closed_form_has_no_self_weight_and_finds_the_planted_blocks():
    X, _ = planted_matrix(blocks=5, block_size=6)
    model = make("ease", l2=10.0).fit(X)
    assert model.B.shape == (30, 30) and np.all(np.diag(model.B) == 0)
    scores = model.score(history([6, 7], 30)).ravel()  # two items of block 1
    others = np.delete(np.arange(30), [6, 7])
    top = others[np.argsort(-scores[others])][:4]
    assert set(top) <= set(range(6, 12))  # the rest of block 1 first


@pytest.mark.unit
def test_ease_refuses_catalogs_too_large_for_its_dense_matrix():
    X = sp.csr_matrix((1, EASE.MAX_ITEMS + 1), dtype=np.float32)
    with pytest.raises(ValueError, match="BPR-MF"):
        make("ease").fit(X)


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
