"""Figures by history length, and the sparse-shopper split that gives short histories to measure.

Buckets count a user's training interactions: 1, 2-4, 5-19, 20+. MovieLens-100k keeps only users
with 20 or more ratings, so after leave-one-out every user has at least 18 training interactions:
the 1 and 2-4 buckets are empty on the standard split. The sparse-shopper split fills them the
way a shopper in a new session looks: for a seeded half of the users, only their most recent n
training interactions are kept (n = 1 for a third of them, 2-4 for a third, 5-19 for the rest);
their valid and test interactions are unchanged, so every figure still ranks the same test item.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

BUCKETS = (("1", 1, 1), ("2-4", 2, 4), ("5-19", 5, 19), ("20+", 20, 10**9))
SHORT = ("1", "2-4")  # "fewer than 5 training interactions"


def bucket_labels(lengths: np.ndarray) -> np.ndarray:
    labels = np.full(len(lengths), "", dtype=object)
    for label, low, high in BUCKETS:
        labels[(lengths >= low) & (lengths <= high)] = label
    return labels


def by_bucket(per_user: dict[str, np.ndarray], lengths: np.ndarray) -> dict[str, dict]:
    """Mean of each per-user metric within each bucket (and the users < 5 together); empty buckets
    are reported with 0 users and no figures."""
    labels = bucket_labels(np.asarray(lengths))
    groups = {label: labels == label for label, _, _ in BUCKETS}
    groups["<5"] = np.isin(labels, SHORT)
    out = {}
    for label, mask in groups.items():
        out[label] = {"users": int(mask.sum())}
        if mask.any():
            out[label].update({k: float(v[mask].mean()) for k, v in per_user.items()})
    return out


def sparse_shoppers(train: pd.DataFrame, n_users: int, share: float = 0.5, seed: int = 0) -> pd.DataFrame:
    """`train` with a seeded `share` of the users cut to their most recent n interactions (by time,
    then file order, as the split): n = 1, 2-4 or 5-19, a third of those users each."""
    rng = np.random.default_rng(seed)
    users = rng.choice(np.unique(train.user.to_numpy()), size=int(round(share * n_users)), replace=False)
    keep = np.full(n_users, np.iinfo(np.int64).max)
    thirds = np.array_split(users, 3)
    keep[thirds[0]] = 1
    keep[thirds[1]] = rng.integers(2, 5, len(thirds[1]))
    keep[thirds[2]] = rng.integers(5, 20, len(thirds[2]))
    ordered = train.sort_values(["user", "timestamp", "order"], kind="stable")
    from_end = ordered.groupby("user").cumcount(ascending=False).to_numpy()
    return ordered[from_end < keep[ordered.user.to_numpy()]]
