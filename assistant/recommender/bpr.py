"""BPR-MF (Rendle et al. 2009) in PyTorch: user and item factors trained so that a user's
items outrank sampled other items. Sparse embeddings and SparseAdam touch only the rows of a
batch, so an epoch costs O(interactions), not O(items): 1M items fit in memory and time.

New users (a shopper's session) are folded in: their factor is the ridge solution that
scores their history items 1, given the fixed item factors.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from tqdm.auto import tqdm

from assistant.recommender.base import Recommender


class BPRMF(Recommender):
    name = "bpr"

    def __init__(self, dim: int = 64, epochs: int = 40, lr: float = 0.01, l2: float = 1e-4,
                 batch_size: int = 4096, fold_in_l2: float = 1.0, seed: int = 0, progress: bool = True):
        super().__init__(dim=dim, epochs=epochs, lr=lr, l2=l2, batch_size=batch_size,
                         fold_in_l2=fold_in_l2, seed=seed, progress=progress)
        self.epoch_losses: list[float] = []

    def _fit(self, X: sp.csr_matrix) -> None:
        p = self.params
        rng = np.random.default_rng(p["seed"])
        torch.manual_seed(p["seed"])
        n_users, n_items = X.shape
        coo = X.tocoo()
        users, items = coo.row.astype(np.int64), coo.col.astype(np.int64)
        positives = np.unique(users * n_items + items)  # sorted keys, for vectorised lookups
        user_emb = torch.nn.Embedding(n_users, p["dim"], sparse=True)
        item_emb = torch.nn.Embedding(n_items, p["dim"], sparse=True)
        item_bias = torch.nn.Embedding(n_items, 1, sparse=True)
        for emb in (user_emb, item_emb):
            torch.nn.init.normal_(emb.weight, std=0.1)
        torch.nn.init.zeros_(item_bias.weight)
        params = list(user_emb.parameters()) + list(item_emb.parameters()) + list(item_bias.parameters())
        optimizer = torch.optim.SparseAdam(params, lr=p["lr"])
        batch = p["batch_size"]
        bar = tqdm(range(p["epochs"]), desc="BPR-MF", unit="epoch", disable=not p["progress"], leave=False)
        for _ in bar:
            order = rng.permutation(len(users))
            negatives = rng.integers(0, n_items, len(users))
            # One resample of negatives that hit a positive: uniform sampling over a sparse
            # matrix rarely collides, and a second pass removes most of what is left.
            keys = users * n_items + negatives
            at = np.minimum(np.searchsorted(positives, keys), len(positives) - 1)
            clash = positives[at] == keys
            negatives[clash] = rng.integers(0, n_items, int(clash.sum()))
            total = 0.0
            for start in range(0, len(order), batch):
                idx = order[start:start + batch]
                u = torch.from_numpy(users[idx])
                i = torch.from_numpy(items[idx])
                j = torch.from_numpy(negatives[idx])
                pu, qi, qj = user_emb(u), item_emb(i), item_emb(j)
                diff = (pu * (qi - qj)).sum(1) + (item_bias(i) - item_bias(j)).squeeze(1)
                loss = -torch.nn.functional.logsigmoid(diff).mean()
                loss = loss + p["l2"] * (pu.pow(2).sum() + qi.pow(2).sum() + qj.pow(2).sum()) / len(idx)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(idx)
            self.epoch_losses.append(total / max(len(order), 1))
            bar.set_postfix(loss=f"{self.epoch_losses[-1]:.4f}")
        self.user_factors = user_emb.weight.detach().numpy().copy()
        self.item_factors = item_emb.weight.detach().numpy().copy()
        self.item_bias = item_bias.weight.detach().numpy().ravel().copy()

    def user_side(self, history: sp.csr_matrix, users: np.ndarray | None = None) -> np.ndarray:
        """[user factor, 1] per row: the trained factor for known users, folded in otherwise."""
        if users is not None:
            factors = self.user_factors[np.asarray(users)]
        else:
            factors = self.fold_in(history)
        return np.hstack([factors, np.ones((len(factors), 1), dtype=np.float32)])

    def score(self, history: sp.csr_matrix, users: np.ndarray | None = None) -> np.ndarray:
        # Same as user_side @ item_vectors().T, without stacking a copy of the item table.
        return self.user_side(history, users)[:, :-1] @ self.item_factors.T + self.item_bias

    def fold_in(self, history: sp.csr_matrix) -> np.ndarray:
        Q = self.item_factors
        ridge = self.params["fold_in_l2"] * np.eye(Q.shape[1], dtype=np.float32)
        out = np.zeros((history.shape[0], Q.shape[1]), dtype=np.float32)
        for row in range(history.shape[0]):
            start, end = history.indptr[row], history.indptr[row + 1]
            idx, w = history.indices[start:end], history.data[start:end]
            if len(idx):
                Qh = Q[idx]
                # Signed weights: liked items pull the factor toward them, rejected ones away.
                out[row] = np.linalg.solve(Qh.T @ Qh + ridge, Qh.T @ np.sign(w).astype(np.float32))
        return out

    def item_vectors(self) -> np.ndarray:
        return np.hstack([self.item_factors, self.item_bias[:, None]])

    def item_affinity(self, item: int) -> np.ndarray:
        Q = self.item_factors
        norms = np.linalg.norm(Q, axis=1) * np.linalg.norm(Q[item]) + 1e-9
        return (Q @ Q[item]) / norms

    def _arrays(self) -> dict:
        return {"user_factors": self.user_factors, "item_factors": self.item_factors, "item_bias": self.item_bias}

    def _set_arrays(self, arrays: dict) -> None:
        self.user_factors, self.item_factors = arrays["user_factors"], arrays["item_factors"]
        self.item_bias = arrays["item_bias"]
