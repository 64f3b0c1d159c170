"""BPR-MF (assistant/recommender/bpr.py): it learns, and folds in a new session, on a planted matrix
and on MovieLens-100k."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from assistant.recommender import make
from tests.recommender import history, planted_matrix


@pytest.mark.unit
def test_bpr_learns_the_planted_blocks_and_folds_in_a_session():
    X, _ = planted_matrix(users=120, blocks=4, block_size=8)
    model = make("bpr", dim=8, epochs=20, lr=0.05, batch_size=128, progress=False).fit(X)
    assert len(model.epoch_losses) == 20 and model.epoch_losses[-1] < 0.5 * model.epoch_losses[0]
    scores = model.score(history([8, 9, 10], 32)).ravel()  # a new shopper with three items of block 1
    assert scores[11:16].mean() > np.delete(scores, range(8, 16)).mean() + 0.5  # the rest of block 1 above the others
    unseen = np.delete(np.arange(32), [8, 9, 10])
    top = unseen[np.argsort(-scores[unseen])][:5]
    assert sum(11 <= i < 16 for i in top) >= 3


def test_bpr_learns_and_folds_in_a_session(movielens_split):
    X, _ = movielens_split
    model = make("bpr", epochs=5, progress=False).fit(X)
    assert model.epoch_losses[-1] < model.epoch_losses[0]
    # A session that liked a user's first items scores that user's other items above average.
    row = X[0]
    history_row = sp.csr_matrix((np.ones(5, np.float32), ([0] * 5, row.indices[:5])), shape=(1, X.shape[1]))
    scores = model.score(history_row).ravel()
    assert scores[row.indices[5:]].mean() > scores.mean()
