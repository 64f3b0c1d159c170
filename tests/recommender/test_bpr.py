"""BPR-MF (assistant/recommender/bpr.py): it learns on MovieLens-100k and folds in a new session."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommender import load, make


def test_bpr_learns_and_folds_in_a_session(movielens_split):
    X, _ = movielens_split
    model = make("bpr", epochs=5, progress=False).fit(X)
    assert model.epoch_losses[-1] < model.epoch_losses[0]
    # A session that liked a user's first items scores that user's other items above average.
    row = X[0]
    history = sp.csr_matrix((np.ones(5, np.float32), ([0] * 5, row.indices[:5])), shape=(1, X.shape[1]))
    scores = model.score(history).ravel()
    assert scores[row.indices[5:]].mean() > scores.mean()


def test_save_load_round_trip(tmp_path, movielens_split):
    X, _ = movielens_split
    model = make("bpr", epochs=2, progress=False).fit(X[:200], [f"m{i}" for i in range(X.shape[1])])
    model.save(tmp_path / "bpr")
    loaded = load(tmp_path / "bpr")
    assert loaded.item_ids == model.item_ids and loaded.params == model.params
    np.testing.assert_allclose(loaded.score(X[:3]), model.score(X[:3]), rtol=1e-5)
