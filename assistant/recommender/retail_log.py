"""A retailer's own interaction log: the schema, validated reading, and the collaborative model
fitted on it for the catalog (`python -m assistant ingest-interactions FILE`).

Schema: one row per event, in CSV (comma or tab separated) or Parquet.

  column     required  meaning
  user_id    yes       the shopper, any string (aliases: user, customer_id, visitor_id)
  item_id    yes       a catalog SKU: a colour variant (MJ01-Blue), a size variant (MJ01-M-Blue)
                       or the product (MJ01) (aliases: item, sku, product_id)
  event      no        view, click, add_to_cart, purchase or rating; default purchase
  rating     no        1 to 5, for event=rating; ratings below 3 are not counted as positives
  timestamp  no        ISO-8601 or Unix seconds

Rows that break the schema are dropped and counted by reason, with examples; a file where
most item ids are not catalog SKUs, or nothing usable is left, is refused with the reason.
Interactions are counted per product (variants share one), weighted by event.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

EVENT_WEIGHTS = {"view": 1.0, "click": 1.0, "add_to_cart": 2.0, "purchase": 3.0, "rating": 2.0}
ALIASES = {"user_id": ("user_id", "user", "userid", "customer_id", "visitor_id"),
           "item_id": ("item_id", "item", "itemid", "sku", "product_id"),
           "event": ("event", "event_type", "action"), "rating": ("rating", "score"),
           "timestamp": ("timestamp", "time", "ts", "date", "datetime")}
MIN_POSITIVE_RATING = 3.0
MAX_UNKNOWN_SHARE = 0.5


class LogError(ValueError):
    """The file cannot be used; the message says why and what the schema is."""


@dataclass
class LogReport:
    rows: int = 0
    kept: int = 0
    users: int = 0
    products: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def drop(self, reason: str, mask: pd.Series, values: pd.Series) -> None:
        n = int(mask.sum())
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + n
            self.examples.setdefault(reason, [str(v) for v in values[mask].head(3)])

    def lines(self) -> list[str]:
        out = [f"{self.rows} rows read, {self.kept} kept: {self.users} users, {self.products} products"]
        for reason, n in self.dropped.items():
            out.append(f"  dropped {n}: {reason} (e.g. {', '.join(self.examples[reason])})")
        return out


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise LogError(f"no such file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".csv", ".tsv", ".txt", ".gz"):
            return pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises many kinds; the shopper-facing message is one
        raise LogError(f"could not read {path.name} as {'Parquet' if suffix in ('.parquet', '.pq') else 'CSV'}: {exc}") from exc
    raise LogError(f"{path.name}: use a .csv, .tsv or .parquet file")


def _columns(frame: pd.DataFrame) -> pd.DataFrame:
    lower = {str(c).strip().lower(): c for c in frame.columns}
    picked = {}
    for name, aliases in ALIASES.items():
        found = next((lower[a] for a in aliases if a in lower), None)
        if found is not None:
            picked[name] = frame[found].astype(str).str.strip()
    missing = [c for c in ("user_id", "item_id") if c not in picked]
    if missing:
        raise LogError(f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns)) or 'none'}. "
                       "Required: user_id, item_id; optional: event, rating, timestamp (see the README).")
    return pd.DataFrame(picked)


def read_log(path: Path, catalog) -> tuple[pd.DataFrame, LogReport]:
    """Validated log: columns user_id, product (parent SKU), weight, timestamp (or NaN)."""
    frame = _columns(_read_table(Path(path)))
    report = LogReport(rows=len(frame))
    if not len(frame):
        raise LogError("the file has no rows")
    blank = (frame.user_id == "") | (frame.item_id == "") | frame.user_id.str.lower().isin(["nan", "none", "null"])
    report.drop("missing user_id or item_id", blank, frame.user_id + "/" + frame.item_id)
    frame = frame[~blank]

    events = frame.event.str.lower().replace("", "purchase") if "event" in frame else pd.Series("purchase", frame.index)
    unknown_event = ~events.isin(EVENT_WEIGHTS.keys())
    report.drop(f"unknown event (known: {', '.join(EVENT_WEIGHTS)})", unknown_event, events)
    weight = events.map(EVENT_WEIGHTS)
    if "rating" in frame:
        rating = pd.to_numeric(frame.rating.replace("", np.nan), errors="coerce")
        is_rating = events == "rating"
        bad_rating = is_rating & ~rating.between(1, 5)
        report.drop("rating missing or outside 1-5", bad_rating, frame.rating)
        low = is_rating & rating.between(1, 5) & (rating < MIN_POSITIVE_RATING)
        report.drop(f"rating below {MIN_POSITIVE_RATING:g} (not a positive)", low, frame.rating)
        unknown_event |= bad_rating | low
    timestamp = pd.Series(np.nan, index=frame.index)
    if "timestamp" in frame:
        raw = frame.timestamp
        numeric = pd.to_numeric(raw, errors="coerce")
        parsed = pd.to_datetime(raw.where(numeric.isna()), errors="coerce", utc=True, format="mixed")
        timestamp = numeric.fillna((parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds())
        bad_time = (raw != "") & timestamp.isna()
        report.drop("timestamp not ISO-8601 or Unix seconds", bad_time, raw)
        unknown_event |= bad_time

    parents = frame.item_id.map(lambda sku: _parent(sku, catalog))
    unknown_item = parents.isna() & ~unknown_event
    if unknown_item.sum() > MAX_UNKNOWN_SHARE * max(int((~unknown_event).sum()), 1):
        examples = ", ".join(frame.item_id[unknown_item].head(3))
        raise LogError(f"{int(unknown_item.sum())} of {int((~unknown_event).sum())} item ids are not catalog SKUs "
                       f"(e.g. {examples}); item_id must hold SKUs such as MJ01-Blue or MJ01")
    report.drop("item_id not in the catalog", unknown_item, frame.item_id)
    keep = ~unknown_event & ~unknown_item
    clean = pd.DataFrame({"user_id": frame.user_id[keep], "product": parents[keep],
                          "weight": weight[keep].astype(float), "timestamp": timestamp[keep]})
    if clean.empty:
        raise LogError("no usable rows left after validation:\n" + "\n".join(report.lines()))
    report.kept, report.users, report.products = len(clean), clean.user_id.nunique(), clean["product"].nunique()
    return clean.reset_index(drop=True), report


def _parent(sku: str, catalog) -> str | None:
    product = catalog.get(sku)
    if product is None and "-" in sku:  # size-and-colour SKUs (MJ01-M-Blue) name the product first
        product = catalog.get(sku.split("-")[0]) or next(iter(catalog.variants(sku.split("-")[0])), None)
    if product is None:
        product = next(iter(catalog.variants(sku)), None)
    return product.parent_sku if product is not None else None


def holdout_last(log: pd.DataFrame, users: dict, index: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each shopper with two or more products: the product touched last (by timestamp, then
    file order) held out for validation. Returns (row mask of the training rows, users, held-out products)."""
    frame = log.assign(row=np.arange(len(log)), u=log.user_id.map(users), i=log["product"].map(index))
    last = frame.sort_values(["u", "timestamp", "row"], na_position="first", kind="stable").groupby("u").tail(1)
    distinct = frame.groupby("u")["i"].nunique()
    last = last[last.u.map(distinct).to_numpy() >= 2]
    held = frame.u.isin(last.u) & (frame.i.to_numpy() == frame.u.map(dict(zip(last.u, last.i))).to_numpy())
    return ~held.to_numpy(), last.u.to_numpy(), last.i.to_numpy()


def vae_params(n_users: int) -> dict:
    """Mult-VAE settings for a retailer's log: enough optimiser steps on a small log (a few hundred
    shoppers make one batch an epoch), a bounded number of epochs on a large one."""
    batch = 32 if n_users < 2000 else 128
    steps_per_epoch = -(-n_users // batch)
    epochs = int(np.clip(500 // steps_per_epoch, 20, 100))
    # lr 0.003 suits these small batches (0.005, the default, was chosen for batches of 256)
    return {"epochs": epochs, "anneal_epochs": epochs // 2, "batch_size": batch, "lr": 3e-3, "progress": False}


class CatalogCF:
    """The collaborative model over catalog products, with every product scorable: products
    nobody interacted with get item vectors from their content (the ridge map of cold_start.py,
    or the Mult-VAE's content prior). The model is the candidate that ranks each shopper's last
    product best when fitted without it (validation), refitted on the whole log."""

    def __init__(self, model, vectors: np.ndarray, counts: np.ndarray, meta: dict):
        self.model, self.vectors, self.counts, self.meta = model, vectors, counts, meta
        self.warm = counts > 0
        self.index = {sku: i for i, sku in enumerate(model.item_ids)}

    @staticmethod
    def candidates(n_users: int, n_products: int) -> dict[str, dict]:
        """name -> parameters. EASE and the Mult-VAE while the catalog is small enough for their
        dense layers (EASE: items x items), else BPR-MF."""
        from assistant.recommender.ease import EASE
        from assistant.recommender.mult_vae import MultVAE
        out = {}
        if n_products <= EASE.MAX_ITEMS:
            out["ease"] = {"l2": 100.0}
        if n_products <= MultVAE.MAX_ITEMS:
            out["vae"] = vae_params(n_users)
        return out or {"bpr": {}}

    @staticmethod
    def _fit_one(name: str, params: dict, X, products: list[str], content: np.ndarray):
        from assistant.recommender import make
        model = make(name, **params)
        return model.fit(X, products, content=content) if name == "vae" else model.fit(X, products)

    @classmethod
    def choose(cls, log: pd.DataFrame, users: dict, index: dict, content: np.ndarray, candidates: dict) -> tuple[str, dict]:
        """The candidate with the best NDCG@10 on each shopper's held-out last product."""
        from assistant.evaluation.recommender import ranking_metrics
        from assistant.recommender.base import interaction_matrix
        keep, valid_users, valid_items = holdout_last(log, users, index)
        scores_by = {}
        if len(candidates) > 1 and len(valid_users):
            train = log[keep]
            X = interaction_matrix(train.user_id.map(users).to_numpy(), train["product"].map(index).to_numpy(),
                                   train.weight.to_numpy(), len(users), len(index))
            for name, params in candidates.items():
                model = cls._fit_one(name, params, X, list(index), content)
                scores = model.score(X[valid_users]).astype(np.float64)
                scores[X[valid_users].toarray() > 0] = -np.inf
                scores_by[name] = ranking_metrics(scores, [np.array([i]) for i in valid_items])["ndcg"]
        # Ties (and no validation possible) go to the first candidate: EASE, the cheaper fit.
        best = max(candidates, key=lambda n: scores_by.get(n, -1.0))
        return best, {"candidates": list(candidates), "valid_users": int(len(valid_users)), "valid_ndcg_at_10": scores_by}

    @classmethod
    def fit(cls, log: pd.DataFrame, products: list[str], content: np.ndarray, source: str = "") -> "CatalogCF":
        from assistant.recommender.cold_start import with_cold_items
        from assistant.recommender.base import interaction_matrix
        users = {u: i for i, u in enumerate(log.user_id.unique())}
        index = {p: i for i, p in enumerate(products)}
        X = interaction_matrix(log.user_id.map(users).to_numpy(), log["product"].map(index).to_numpy(),
                               log.weight.to_numpy(), len(users), len(products))
        candidates = cls.candidates(len(users), len(products))
        name, choice = cls.choose(log, users, index, content, candidates)
        model = cls._fit_one(name, candidates[name], X, products, content)
        counts = np.asarray((X > 0).sum(axis=0)).ravel()  # shoppers per product
        warm = counts > 0
        # The Mult-VAE's cold rows already come from its content prior; the others use the ridge map.
        vectors = model.item_vectors() if name == "vae" else with_cold_items(model, content, warm)
        meta = {"source": source, "users": len(users), "interactions": int(X.nnz), "warm_products": int(warm.sum()),
                "products": len(products), "model": model.name, "fit_s": model.fit_s, "fitted_at": time.time(),
                "choice": choice}
        return cls(model, vectors, counts, meta)

    def save(self, directory: Path) -> None:
        self.model.save(directory)
        np.savez_compressed(Path(directory) / "catalog.npz", vectors=self.vectors, counts=self.counts)
        (Path(directory) / "catalog.json").write_text(json.dumps(self.meta, indent=2))

    @classmethod
    def load(cls, directory: Path) -> "CatalogCF | None":
        from assistant.recommender import load
        directory = Path(directory)
        if not (directory / "catalog.json").exists():
            return None
        with np.load(directory / "catalog.npz") as arrays:
            vectors, counts = arrays["vectors"], arrays["counts"]
        return cls(load(directory), vectors, counts, json.loads((directory / "catalog.json").read_text()))

    def scores(self, history: list[str]) -> dict[str, float]:
        """Score of every product for a session history of product SKUs (folded in)."""
        import scipy.sparse as sp
        idx = [self.index[p] for p in dict.fromkeys(history) if p in self.index]
        if not idx:
            return {}
        row = sp.csr_matrix((np.ones(len(idx), dtype=np.float32), ([0] * len(idx), idx)), shape=(1, len(self.index)))
        scores = (self.model.user_side(row) @ self.vectors.T).ravel()
        return dict(zip(self.model.item_ids, scores.tolist()))

    def popularity(self) -> dict[str, float]:
        return {p: float(c) for p, c in zip(self.model.item_ids, self.counts) if c > 0}

    def anchor(self, product: str, history: list[str]) -> str | None:
        """The history product that most raised `product`'s score ("often bought with X")."""
        if product not in self.index:
            return None
        target = self.vectors[self.index[product]]
        best, best_value = None, 0.0
        for past in history:
            if past in self.index and past != product and self.warm[self.index[past]]:
                value = float(target[self.index[past]]) if self.model.name == "ease" else float(
                    self.model.item_affinity(self.index[past])[self.index[product]])
                if value > best_value:
                    best, best_value = past, value
        return best


def product_content(catalog, text_index, parents: list[str], image_vectors: dict | None = None) -> np.ndarray:
    """A product's content vector: the mean of its variants' MiniLM text vectors, followed, when
    the image tower's vectors are given (variant id -> vector), by the mean of its variants' image
    vectors (zeros for a product without a photo)."""
    text = np.stack([np.mean([text_index.vector(v.id) for v in catalog.variants(p)], axis=0) for p in parents])
    if not image_vectors:
        return text
    dim = len(next(iter(image_vectors.values())))
    images = np.zeros((len(parents), dim), dtype=np.float32)
    for row, parent in enumerate(parents):
        found = [image_vectors[v.id] for v in catalog.variants(parent) if v.id in image_vectors]
        if found:
            images[row] = np.mean(found, axis=0)
    return np.hstack([text, images]).astype(np.float32)


def image_tower_vectors(index_dir: Path) -> dict:
    """The image index setup built (variant id -> vector), or {} when there is none."""
    path = Path(index_dir) / "image"
    if not (path / "ids.npy").exists():
        return {}
    return dict(zip(np.load(path / "ids.npy").tolist(), np.load(path / "vectors.npy")))


def ingest(path: Path, settings, catalog, text_index) -> tuple[LogReport, dict]:
    """Validate the log, fit the catalog model, save it where the assistant loads it from."""
    log, report = read_log(Path(path), catalog)
    products = sorted({p.parent_sku for p in catalog.all()})
    content = product_content(catalog, text_index, products, image_tower_vectors(settings.index_dir))
    cf = CatalogCF.fit(log, products, content, source=str(path))
    cf.save(settings.recommender_dir)
    return report, cf.meta
