"""Tests of assistant/recommender/; `planted_matrix` is the small interaction matrix their unit tests share."""
import numpy as np
import scipy.sparse as sp


def planted_matrix(users: int = 60, blocks: int = 5, block_size: int = 6, per_user: int = 4, seed: int = 0):
    """Users x items with planted structure: each user interacts with `per_user` items of one block
    of `block_size` items (user u in block u % blocks). Returns (X, block of each user)."""
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for user in range(users):
        block = user % blocks
        for item in rng.choice(block_size, per_user, replace=False):
            rows.append(user)
            cols.append(block * block_size + item)
    X = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(users, blocks * block_size))
    return X, np.arange(users) % blocks


def history(items, n_items: int) -> sp.csr_matrix:
    """One session's history row over n_items."""
    return sp.csr_matrix((np.ones(len(items), np.float32), ([0] * len(items), list(items))), shape=(1, n_items))
