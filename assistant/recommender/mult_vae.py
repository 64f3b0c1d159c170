"""Mult-VAE (Liang et al. 2018): a variational autoencoder over a shopper's whole history, with a
multinomial likelihood, KL annealing and dropout on the input; and its content prior for new items.

Encoder: the L2-normalised history (dropout on it while training) -> tanh(600) -> mean and
log-variance of a 200-d latent. Decoder: latent -> tanh(600) = h -> logits h @ W.T + b over the
items. Scoring a session encodes its history (the latent mean, no sampling): there are no
per-user parameters, so a new shopper is scored like a training one. The last decoder layer is
the base class's factorisation: user side [h, 1], item vectors [W, b].

Content prior (in the spirit of collaborative / content-conditioned VAEs): with `content` given
to `fit`, each item's decoder row is [W_j, b_j] = g(c_j) + delta_j, g linear in the item's
content vector, and delta_j ~ N(0, 1 / content_l2) (an L2 penalty). Behaviour the content cannot
explain goes into delta; an item nobody interacted with has no delta and is scored from its
content alone. Training sees only items that have interactions, so a cold item's content never
learns "this item is unpopular" from its empty column.

Inference is NumPy only: a saved model scores without torch.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommender.base import Recommender


def _normalise_rows(X: np.ndarray) -> np.ndarray:
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


class MultVAE(Recommender):
    name = "vae"
    MAX_ITEMS = 200_000  # the first and last layers are items x hidden, dense

    def __init__(self, hidden: int = 600, latent: int = 200, dropout: float = 0.5, beta_cap: float = 0.2,
                 anneal_epochs: int = 15, epochs: int = 30, lr: float = 5e-3, batch_size: int = 256,
                 weight_decay: float = 0.0, content_l2: float = 10.0, seed: int = 0, progress: bool = True):
        super().__init__(hidden=hidden, latent=latent, dropout=dropout, beta_cap=beta_cap,
                         anneal_epochs=anneal_epochs, epochs=epochs, lr=lr, batch_size=batch_size,
                         weight_decay=weight_decay, content_l2=content_l2, seed=seed, progress=progress)
        self.content_map: np.ndarray | None = None  # (d + 1) x (hidden + 1): content -> decoder row

    # -- fitting ----------------------------------------------------------------------------

    def fit(self, X: sp.csr_matrix, item_ids: list[str] | None = None, content: np.ndarray | None = None) -> "MultVAE":
        """content: items x d (MiniLM text, image tower, or both concatenated), optional."""
        if X.shape[1] > self.MAX_ITEMS:
            raise ValueError(f"Mult-VAE keeps two dense {X.shape[1]} x {self.params['hidden']} layers; "
                             f"use BPR-MF above {self.MAX_ITEMS} items")
        if content is not None:
            content = np.asarray(content, dtype=np.float32)
            if content.ndim != 2 or content.shape[0] != X.shape[1]:
                raise ValueError(f"content must be one row per item ({X.shape[1]}), got shape {content.shape}")
        self._content = content
        try:
            return super().fit(X, item_ids)
        finally:
            del self._content

    def _fit(self, X: sp.csr_matrix) -> None:
        import torch
        from tqdm.auto import tqdm

        p = self.params
        torch.manual_seed(p["seed"])
        rng = np.random.default_rng(p["seed"])
        X = X.copy()
        X.data = np.maximum(X.data, 0)  # counts and weights; negatives mean nothing to a multinomial
        X.eliminate_zeros()
        n_items = X.shape[1]
        warm = np.asarray((X > 0).sum(axis=0)).ravel() > 0
        if not warm.any():
            raise ValueError("Mult-VAE needs at least one interaction")
        rows = np.flatnonzero(np.diff(X.indptr) > 0)  # users with a history
        Xw = X[:, warm].tocsr()  # the likelihood runs over items that have interactions only
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        X_unit = sp.diags(1.0 / np.maximum(norms, 1e-12)).astype(np.float32) @ X  # L2-normalised rows

        def batch_rows(users):
            """The encoder's input (dropout applied to the stored entries only, in NumPy: drawing
            a mask over every item costs more than the rest of the step) and the target counts."""
            x = X_unit[users]
            x.data *= (rng.random(x.nnz) >= p["dropout"]) / (1.0 - p["dropout"])
            return torch.from_numpy(x.toarray()), torch.from_numpy(Xw[users].toarray())
        encoder = torch.nn.Sequential(torch.nn.Linear(n_items, p["hidden"]), torch.nn.Tanh(),
                                      torch.nn.Linear(p["hidden"], 2 * p["latent"]))
        decoder = torch.nn.Sequential(torch.nn.Linear(p["latent"], p["hidden"]), torch.nn.Tanh())
        # W_j and b_j (or their offsets delta_j) as two parameters: a slice of one [W, b] matrix
        # would be copied in every forward and backward pass.
        free_w = torch.nn.Parameter(torch.nn.init.xavier_normal_(torch.empty(int(warm.sum()), p["hidden"])))
        free_b = torch.nn.Parameter(torch.zeros(int(warm.sum())))
        params = list(encoder.parameters()) + list(decoder.parameters()) + [free_w, free_b]
        content = None
        if self._content is not None:
            content = torch.from_numpy(np.hstack([self._content, np.ones((n_items, 1), np.float32)])[warm])
            map_w = torch.nn.Parameter(torch.zeros(content.shape[1], p["hidden"]))
            map_b = torch.nn.Parameter(torch.zeros(content.shape[1]))
            params += [map_w, map_b]
        optimizer = torch.optim.Adam(params, lr=p["lr"], weight_decay=p["weight_decay"], fused=True)  # one kernel per step
        steps_per_epoch = -(-len(rows) // p["batch_size"])
        anneal_steps = max(p["anneal_epochs"] * steps_per_epoch, 1)
        self.curve = {k: [] for k in ("loss", "nll", "kl", "beta")}
        step = 0
        bar = tqdm(range(p["epochs"]), desc="Mult-VAE", unit="epoch", disable=not p["progress"], leave=False)
        for _ in bar:
            totals = np.zeros(3)
            order = rng.permutation(rows)
            for start in range(0, len(order), p["batch_size"]):
                users = order[start:start + p["batch_size"]]
                x, target = batch_rows(users)
                mu, logvar = encoder(x).chunk(2, dim=1)
                z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
                hidden = decoder(z)
                if content is None:
                    logits = torch.nn.functional.linear(hidden, free_w, free_b)
                else:
                    logits = torch.nn.functional.linear(hidden, content @ map_w + free_w, content @ map_b + free_b)
                nll = -(torch.log_softmax(logits, 1) * target).sum(1).mean()
                kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1).mean()
                beta = min(p["beta_cap"], p["beta_cap"] * step / anneal_steps)
                loss = nll + beta * kl
                if content is not None:  # the prior delta ~ N(0, 1/content_l2), spread over the batches
                    loss = loss + p["content_l2"] * (free_w.pow(2).sum() + free_b.pow(2).sum()) / len(rows)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                step += 1
                totals += np.array([loss.item(), nll.item(), kl.item()]) * len(users)
            for key, value in zip(("loss", "nll", "kl"), totals / len(rows)):
                self.curve[key].append(float(value))
            self.curve["beta"].append(beta)
            bar.set_postfix(loss=f"{self.curve['loss'][-1]:.2f}", beta=f"{beta:.2f}")
        with torch.no_grad():
            free = torch.cat([free_w, free_b[:, None]], 1)
            content_map = torch.cat([map_w, map_b[:, None]], 1) if content is not None else None
        self._store(encoder, decoder, free, warm, content_map)

    def _store(self, encoder, decoder, free, warm: np.ndarray, content_map) -> None:
        """Keep the weights as NumPy arrays; items without interactions get their row from content
        (or, without content, a zero vector and the lowest bias: nothing is known of them)."""
        self.enc_w1, self.enc_b1 = (t.detach().numpy().copy() for t in (encoder[0].weight, encoder[0].bias))
        self.enc_w2, self.enc_b2 = (t.detach().numpy().copy() for t in (encoder[2].weight, encoder[2].bias))
        self.dec_w, self.dec_b = (t.detach().numpy().copy() for t in (decoder[0].weight, decoder[0].bias))
        rows = np.zeros((len(warm), free.shape[1]), dtype=np.float32)
        if content_map is not None:
            self.content_map = content_map.numpy().copy()
            content = np.hstack([self._content, np.ones((len(warm), 1), np.float32)])
            rows = content @ self.content_map
            rows[warm] += free.numpy()
        else:
            self.content_map = None
            rows[warm] = free.numpy()
            rows[~warm, -1] = rows[warm, -1].min()
        self.item_rows = rows.astype(np.float32)
        self.warm = warm
        self.curve = {k: np.asarray(v, dtype=np.float32) for k, v in self.curve.items()}

    # -- scoring ----------------------------------------------------------------------------

    def encode(self, history: sp.csr_matrix) -> np.ndarray:
        """The latent mean of each history row (what the decoder reads at inference)."""
        x = history.toarray().astype(np.float32) if sp.issparse(history) else np.asarray(history, np.float32)
        x = _normalise_rows(np.maximum(x, 0))  # rejected items (negative weights) are left out
        h = np.tanh(x @ self.enc_w1.T + self.enc_b1) @ self.enc_w2.T + self.enc_b2
        return h[:, : self.enc_w2.shape[0] // 2]

    def user_side(self, history: sp.csr_matrix, users: np.ndarray | None = None) -> np.ndarray:
        """[h, 1]: the decoder's hidden layer for the encoded history (`users` is not needed)."""
        hidden = np.tanh(self.encode(history) @ self.dec_w.T + self.dec_b)
        return np.hstack([hidden, np.ones((len(hidden), 1), dtype=np.float32)])

    def item_vectors(self) -> np.ndarray:
        return self.item_rows

    def content_item_vectors(self, content: np.ndarray) -> np.ndarray:
        """Decoder rows for items known only by their content (a new product): g(c)."""
        if self.content_map is None:
            raise ValueError("this Mult-VAE was fitted without content; fit(X, content=...) for the content path")
        content = np.asarray(content, dtype=np.float32)
        return np.hstack([content, np.ones((len(content), 1), np.float32)]) @ self.content_map

    def item_affinity(self, item: int) -> np.ndarray:
        """How much a history of `item` alone raises each item's score over an empty history."""
        one = sp.csr_matrix((np.ones(1, np.float32), ([0], [item])), shape=(1, len(self.item_rows)))
        empty = sp.csr_matrix((1, len(self.item_rows)), dtype=np.float32)
        return (self.score(one) - self.score(empty)).ravel()

    # -- persistence ------------------------------------------------------------------------

    def _arrays(self) -> dict:
        arrays = {"enc_w1": self.enc_w1, "enc_b1": self.enc_b1, "enc_w2": self.enc_w2, "enc_b2": self.enc_b2,
                  "dec_w": self.dec_w, "dec_b": self.dec_b, "item_rows": self.item_rows, "warm": self.warm,
                  **{f"curve_{k}": v for k, v in self.curve.items()}}
        if self.content_map is not None:
            arrays["content_map"] = self.content_map
        return arrays

    def _set_arrays(self, arrays: dict) -> None:
        for key in ("enc_w1", "enc_b1", "enc_w2", "enc_b2", "dec_w", "dec_b", "item_rows", "warm"):
            setattr(self, key, arrays[key])
        self.content_map = arrays.get("content_map")
        self.curve = {k[len("curve_"):]: v for k, v in arrays.items() if k.startswith("curve_")}
