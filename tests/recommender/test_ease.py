"""The collaborative models behind one interface, on MovieLens-100k, and content cold start."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from assistant.evaluation import movielens as ml
from assistant.evaluation.recommender import _evaluate
from assistant.recommender.cold_start import ContentMapper, with_cold_items
from assistant.recommender.ease import EASE
from assistant.recommender.base import interaction_matrix
from assistant.recommender import load, make


@pytest.fixture(scope="module")
def split(movielens):
    train, valid, test = ml.leave_one_out(movielens.interactions)
    X = interaction_matrix(train.user.to_numpy(), train.item.to_numpy(), None, movielens.n_users, movielens.n_items)
    X.data[:] = 1.0
    return X, valid


def test_ease_beats_popularity_on_held_out_interactions(split):
    X, valid = split
    users, items = valid.user.to_numpy(), valid.item.to_numpy()
    ease = _evaluate(make("ease", l2=200.0).fit(X), X, X, items, users)
    popular = _evaluate(make("popularity").fit(X), X, X, items, users)
    assert ease["ndcg"] > popular["ndcg"] > 0


def test_bpr_learns_and_folds_in_a_session(split):
    X, _ = split
    model = make("bpr", epochs=5, progress=False).fit(X)
    assert model.epoch_losses[-1] < model.epoch_losses[0]
    # A session that liked a user's first items scores that user's other items above average.
    row = X[0]
    history = sp.csr_matrix((np.ones(5, np.float32), ([0] * 5, row.indices[:5])), shape=(1, X.shape[1]))
    scores = model.score(history).ravel()
    assert scores[row.indices[5:]].mean() > scores.mean()


@pytest.mark.parametrize("name,params", [("ease", {"l2": 50.0}), ("bpr", {"epochs": 2, "progress": False}),
                                         ("popularity", {})])
def test_save_load_round_trip(tmp_path, split, name, params):
    X, _ = split
    model = make(name, **params).fit(X[:200], [f"m{i}" for i in range(X.shape[1])])
    model.save(tmp_path / name)
    loaded = load(tmp_path / name)
    assert loaded.item_ids == model.item_ids and loaded.params == model.params
    np.testing.assert_allclose(loaded.score(X[:3]), model.score(X[:3]), rtol=1e-5)


def test_similar_leaves_the_item_out_and_is_sorted(split):
    model = make("ease", l2=100.0).fit(split[0])
    similar = model.similar(0, k=10)
    assert len(similar) == 10 and 0 not in [i for i, _ in similar]
    assert [s for _, s in similar] == sorted((s for _, s in similar), reverse=True)


def test_ease_refuses_catalogs_too_large_for_its_dense_matrix():
    X = sp.csr_matrix((1, EASE.MAX_ITEMS + 1), dtype=np.float32)
    with pytest.raises(ValueError, match="BPR-MF"):
        make("ease").fit(X)


def test_unknown_model_name():
    with pytest.raises(KeyError, match="ease"):
        make("deep-magic")


def test_content_mapper_recovers_a_linear_map():
    rng = np.random.default_rng(0)
    content, W = rng.normal(size=(300, 8)), rng.normal(size=(8, 3))
    mapper = ContentMapper(l2=1e-6).fit(content, content @ W + 0.5)
    np.testing.assert_allclose(mapper.predict(content[:5]), content[:5] @ W + 0.5, atol=1e-3)


def test_cold_items_get_content_vectors_and_warm_ones_keep_theirs(split, movielens, embedder):
    X, _ = split
    content = embedder.encode(movielens.titles).astype(np.float32)
    cold = ml.hold_out_items(movielens.interactions, movielens.n_items, 0.1, seed=0)
    X_warm = X.multiply(~cold[None, :]).tocsr()
    model = make("ease", l2=100.0).fit(X_warm)
    vectors = with_cold_items(model, content, ~cold)
    np.testing.assert_array_equal(vectors[~cold], model.item_vectors()[~cold])
    assert np.abs(vectors[cold]).sum() > 0 and np.abs(model.item_vectors()[cold]).sum() == 0
    assert abs(cold.mean() - 0.1) < 0.01
