"""Figures by history length and the sparse-shopper split (assistant/evaluation/history_buckets.py),
and per-user figures from RecBole's top-10 lists (assistant/evaluation/recommender.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.evaluation import history_buckets as hb
from assistant.evaluation import movielens as ml
from assistant.evaluation.recommender import per_user_metrics, recbole_buckets


@pytest.mark.unit
def test_users_fall_in_the_buckets_by_training_interactions():
    assert list(hb.bucket_labels(np.array([1, 2, 4, 5, 19, 20, 300]))) == ["1", "2-4", "2-4", "5-19", "5-19", "20+", "20+"]
    figures = hb.by_bucket({"ndcg": np.array([1.0, 0.0, 0.5, 0.25])}, np.array([1, 3, 30, 40]))
    assert figures["1"] == {"users": 1, "ndcg": 1.0} and figures["2-4"] == {"users": 1, "ndcg": 0.0}
    assert figures["5-19"] == {"users": 0} and figures["20+"] == {"users": 2, "ndcg": 0.375}
    assert figures["<5"] == {"users": 2, "ndcg": 0.5}


def _frame(lengths: list[int]) -> pd.DataFrame:
    rows = [(u, i, float(t), len(lengths) * u + i) for u, n in enumerate(lengths) for i, t in zip(range(n), range(n, 0, -1))]
    return pd.DataFrame(rows, columns=["user", "item", "timestamp", "order"])


@pytest.mark.unit
def test_the_sparse_split_keeps_each_chosen_users_most_recent_items():
    train = _frame([30] * 60)  # item 0 is each user's latest (its timestamp is the largest)
    short = hb.sparse_shoppers(train, n_users=60, share=0.5, seed=0)
    lengths = short.groupby("user").size().reindex(range(60), fill_value=0).to_numpy()
    assert (lengths == 30).sum() == 30  # the other half is untouched
    cut = lengths[lengths < 30]
    assert (cut == 1).sum() == 10 and ((cut >= 2) & (cut <= 4)).sum() == 10 and ((cut >= 5) & (cut <= 19)).sum() == 10
    for user, group in short[short.user.isin(np.flatnonzero(lengths < 30))].groupby("user"):
        assert sorted(group.item) == list(range(len(group)))  # the latest ones, by time


def test_the_sparse_split_of_movielens_fills_every_bucket(movielens):
    train, _, test = ml.leave_one_out(movielens.interactions)
    short = hb.sparse_shoppers(train, movielens.n_users, seed=0)
    lengths = short.groupby("user").size().reindex(test.user, fill_value=0).to_numpy()
    labels = hb.bucket_labels(lengths)
    assert all((labels == b).sum() > 100 for b, _, _ in hb.BUCKETS)
    assert len(short) < len(train) and set(short.user) == set(train.user)


@pytest.mark.unit
def test_recbole_top_lists_give_per_user_figures_by_bucket():
    class Tiny:
        raw_users, raw_items = ["u1", "u2"], ["a", "b", "c"]
    train = pd.DataFrame({"user": [0, 1, 1], "item": [0, 0, 1]})
    test = pd.DataFrame({"user": [0, 1], "item": [2, 2]})
    result = {"test_top": {"u1": ["c", "b"], "u2": ["a", "b"]}}  # u1 hits at rank 1; u2 misses
    figures = recbole_buckets(result, Tiny(), (train, None, test))
    assert figures["1"]["ndcg"] == 1.0 and figures["2-4"]["ndcg"] == 0.0
    per_user = per_user_metrics(np.array([[2, 1]]), [np.array([1])], k=10)
    assert per_user["mrr"][0] == 0.5 and per_user["recall"][0] == 1.0
