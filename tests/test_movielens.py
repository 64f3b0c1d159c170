"""MovieLens-100k data and the evaluation protocol: splits and ranking metrics."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.evaluation import movielens as ml
from assistant.evaluation.recommender import ranking_metrics


def test_movielens_is_the_real_data_set(movielens):
    assert (movielens.n_users, movielens.n_items, len(movielens.interactions)) == (943, 1682, 100_000)
    assert movielens.titles[0].startswith("Toy Story (1995). Genres: Animation")


def test_leave_one_out_by_time(movielens):
    train, valid, test = ml.leave_one_out(movielens.interactions)
    assert len(train) + len(valid) + len(test) == 100_000
    assert test.user.is_unique and valid.user.is_unique and len(test) == 943
    last_train = train.groupby("user").timestamp.max()
    assert (valid.set_index("user").timestamp >= last_train[valid.user].to_numpy()).all()
    assert (test.set_index("user").timestamp.to_numpy() >= valid.set_index("user").timestamp[test.user].to_numpy()).all()


def test_atomic_files_for_recbole(tmp_path, movielens):
    train, valid, test = ml.leave_one_out(movielens.interactions)
    ml.write_atomic({"train": train, "valid": valid, "test": test}, movielens, tmp_path)
    lines = (tmp_path / "ml-100k" / "ml-100k.test.inter").read_text().splitlines()
    assert lines[0] == ml.HEADER.strip() and len(lines) == 944


@pytest.mark.unit
def test_ranking_metrics_by_hand():
    scores = np.tile(np.arange(12, 0, -1, dtype=float), (2, 1))  # item i ranked i + 1
    m = ranking_metrics(scores, [np.array([1]), np.array([3, 11])], k=10)
    # user 0: its item at rank 2. user 1: one item at rank 4, the other at rank 12 (outside the top 10).
    assert np.isclose(m["recall"], (1 + 0.5) / 2)
    assert np.isclose(m["ndcg"], (1 / np.log2(3) + (1 / np.log2(5)) / (1 + 1 / np.log2(3))) / 2)
    assert np.isclose(m["mrr"], (1 / 2 + 1 / 4) / 2)
