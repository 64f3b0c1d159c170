"""Cold start from content (assistant/recommender/cold_start.py): a ridge map from content to item vectors."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.evaluation import movielens as ml
from assistant.recommender import make
from assistant.recommender.cold_start import ContentMapper, with_cold_items
from tests.recommender import history, planted_matrix


@pytest.mark.unit
def test_content_mapper_recovers_a_linear_map():
    rng = np.random.default_rng(0)
    content, W = rng.normal(size=(300, 8)), rng.normal(size=(8, 3))
    mapper = ContentMapper(l2=1e-6).fit(content, content @ W + 0.5)
    np.testing.assert_allclose(mapper.predict(content[:5]), content[:5] @ W + 0.5, atol=1e-3)


@pytest.mark.unit
def test_an_item_nobody_touched_is_placed_by_its_content():
    X, _ = planted_matrix(blocks=5, block_size=6)
    rng = np.random.default_rng(0)
    content = np.repeat(rng.normal(size=(5, 16)), 6, axis=0) + 0.05 * rng.normal(size=(30, 16))  # like its block
    warm = np.ones(30, dtype=bool)
    warm[[3, 20]] = False
    model = make("ease", l2=10.0).fit(X.multiply(warm[None, :]).tocsr())
    vectors = with_cold_items(model, content.astype(np.float32), warm)
    np.testing.assert_array_equal(vectors[warm], model.item_vectors()[warm])
    scores = (model.user_side(history([0, 1, 2], 30)) @ vectors.T).ravel()  # a shopper of block 0
    assert scores[3] > scores[20] and scores[3] > 0  # the cold item of block 0 is scored like block 0


def test_cold_items_get_content_vectors_and_warm_ones_keep_theirs(movielens_split, movielens, embedder):
    X, _ = movielens_split
    content = embedder.encode(movielens.titles).astype(np.float32)
    cold = ml.hold_out_items(movielens.interactions, movielens.n_items, 0.1, seed=0)
    X_warm = X.multiply(~cold[None, :]).tocsr()
    model = make("ease", l2=100.0).fit(X_warm)
    vectors = with_cold_items(model, content, ~cold)
    np.testing.assert_array_equal(vectors[~cold], model.item_vectors()[~cold])
    assert np.abs(vectors[cold]).sum() > 0 and np.abs(model.item_vectors()[cold]).sum() == 0
    assert abs(cold.mean() - 0.1) < 0.01
