"""`python -m assistant eval recommender`: our recommenders against RecBole on MovieLens-100k.

Protocol (the standard one): implicit feedback (every rating is a positive), leave-one-out by
time per user, full ranking over all items with the user's known items masked, Recall@10,
NDCG@10 and MRR@10. Our models are tuned on the valid interaction and scored on the test one;
RecBole trains on the same files (its own defaults, early stopping on the same valid split).

Cold start: 10% of the items are held out with all their interactions; models are fitted on
the rest, and each user's held-out items are ranked among all held-out items from content
(titles and genres, MiniLM) mapped into the model's item space (tools/cold_start.py).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm

from assistant.recommender.cold_start import with_cold_items
from assistant.recommender.base import interaction_matrix
from assistant.recommender import make

from assistant.evaluation import movielens

K = 10
EASE_GRID = [25.0, 50.0, 100.0, 200.0, 400.0, 800.0]
BPR_GRID = [{"epochs": e, "l2": l2} for e in (30, 60) for l2 in (1e-4, 1e-3)]
MAPPER_GRID = [1.0, 10.0, 100.0, 1000.0]


def ranking_metrics(scores: np.ndarray, truth: list[np.ndarray], k: int = K) -> dict:
    """Mean Recall@k, NDCG@k and MRR@k; `scores` rows already have known items at -inf."""
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    top = np.take_along_axis(top, np.argsort(-np.take_along_axis(scores, top, 1), axis=1), 1)
    recall, ndcg, mrr = [], [], []
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for row, items in zip(top, truth):
        hit = np.isin(row, items)
        recall.append(hit.sum() / len(items))
        ndcg.append((hit * discounts).sum() / discounts[: min(len(items), k)].sum())
        first = np.flatnonzero(hit)
        mrr.append(1.0 / (first[0] + 1) if len(first) else 0.0)
    return {"recall": float(np.mean(recall)), "ndcg": float(np.mean(ndcg)), "mrr": float(np.mean(mrr))}


def _evaluate(model, history: sp.csr_matrix, known: sp.csr_matrix, target, users: np.ndarray) -> dict:
    """Leave-one-out: rank every item for each user in `target`, known items masked."""
    scores = model.score(history[users], users=users).astype(np.float64)
    mask = known[users].toarray() > 0
    scores[mask] = -np.inf
    return ranking_metrics(scores, [np.array([i]) for i in target])


def _tune(name: str, grid: list[dict], X: sp.csr_matrix, valid_users, valid_items, desc: str):
    best = None
    for params in tqdm(grid, desc=desc, leave=False):
        model = make(name, **params).fit(X)
        metrics = _evaluate(model, X, X, valid_items, valid_users)
        if best is None or metrics["ndcg"] > best[1]["ndcg"]:
            best = (params, metrics, model)
    return best


def warm_start(ml: movielens.MovieLens, seed: int) -> tuple[dict, dict]:
    train, valid, test = movielens.leave_one_out(ml.interactions)
    X = interaction_matrix(train.user.to_numpy(), train.item.to_numpy(), None, ml.n_users, ml.n_items)
    X.data[:] = 1.0
    known_test = X + interaction_matrix(valid.user.to_numpy(), valid.item.to_numpy(), None, ml.n_users, ml.n_items)
    rows, chosen = {}, {}
    start = time.perf_counter()
    candidates = {
        "popularity": ([{}], "popularity"),
        "ease": ([{"l2": l2} for l2 in EASE_GRID], "ease"),
        "bpr": ([{**g, "seed": seed, "progress": False} for g in BPR_GRID], "bpr"),
    }
    for label, (grid, name) in candidates.items():
        tune_start = time.perf_counter()
        params, valid_metrics, _ = _tune(name, grid, X, valid.user.to_numpy(), valid.item.to_numpy(), f"tune {label}")
        tuning_s = time.perf_counter() - tune_start
        model = make(name, **params).fit(X)  # the timed fit of the chosen configuration
        test_metrics = _evaluate(model, X, known_test, test.item.to_numpy(), test.user.to_numpy())
        rows[label] = {**{f"test_{k}": v for k, v in test_metrics.items()}, "valid_ndcg": valid_metrics["ndcg"],
                       "fit_s": model.fit_s, "tuning_s": tuning_s, "params": params}
        chosen[label] = model
    rows["_total_s"] = time.perf_counter() - start
    return rows, {"split": (train, valid, test), "models": chosen, "X": X}


def cold_start(ml: movielens.MovieLens, content: np.ndarray, warm_params: dict, seed: int) -> dict:
    """Recall/NDCG@10 on held-out items, ranked among the held-out items only."""
    frame = ml.interactions
    cold = movielens.hold_out_items(frame, ml.n_items, 0.10, seed)
    # An inner split of the warm items picks the method and the map's ridge: the test items
    # are never used for a choice.
    inner = movielens.hold_out_items(frame[~cold[frame.item]], ml.n_items, 0.10, seed + 1)

    def matrices(hidden: np.ndarray):
        seen = frame[~hidden[frame.item]]
        X = interaction_matrix(seen.user.to_numpy(), seen.item.to_numpy(), None, ml.n_users, ml.n_items)
        X.data[:] = 1.0
        held = frame[hidden[frame.item]]
        truth = held.groupby("user")["item"].apply(lambda s: np.unique(s.to_numpy()))
        return X, truth

    def scores_for(method: str, X, hidden: np.ndarray, mapper_l2: float, models: dict) -> np.ndarray:
        users = np.arange(ml.n_users)
        if method == "content_knn":  # the user's mean content vector against each item's
            profile = X @ content
            profile /= np.maximum(np.linalg.norm(profile, axis=1, keepdims=True), 1e-9)
            return profile @ content.T
        model = models[method]
        vectors = with_cold_items(model, content, ~hidden & (np.asarray(X.sum(0)).ravel() > 0), mapper_l2)
        return model.user_side(X, users=users if method == "bpr" else None) @ vectors.T

    def run(hidden: np.ndarray, methods: list[tuple[str, float]], desc: str) -> dict:
        X, truth = matrices(hidden)
        models = {name: make(name, **warm_params.get(name, {})).fit(X)
                  for name in tqdm(("ease", "bpr", "popularity"), desc=f"{desc}: fit", leave=False)}
        held_items = np.flatnonzero(hidden)
        local = {item: pos for pos, item in enumerate(held_items)}
        users = truth.index.to_numpy()
        targets = [np.array([local[i] for i in truth[u]]) for u in users]
        out = {}
        for method, l2 in tqdm(methods, desc=f"{desc}: score", leave=False):
            scores = scores_for(method, X, hidden, l2, models)[users][:, held_items]
            out[(method, l2)] = ranking_metrics(scores, targets)
        rng = np.random.default_rng(seed)
        randoms = [ranking_metrics(rng.random((len(users), len(held_items))), targets) for _ in range(10)]
        out[("random", 0.0)] = {k: float(np.mean([r[k] for r in randoms])) for k in randoms[0]}
        return out

    personal = [(m, l2) for m in ("ease", "bpr") for l2 in MAPPER_GRID] + [("content_knn", 0.0)]
    popular = [("popularity", l2) for l2 in MAPPER_GRID]
    inner_results = run(inner, personal + popular, "cold start (choice)")
    best = max(personal, key=lambda m: inner_results[m]["ndcg"])
    best_pop = max(popular, key=lambda m: inner_results[m]["ndcg"])
    test_results = run(cold, [best, best_pop, ("content_knn", 0.0)], "cold start (test)")
    return {"method": best[0], "mapper_l2": best[1], "ours": test_results[best],
            "popularity": test_results[best_pop], "content_knn": test_results[("content_knn", 0.0)],
            "random": test_results[("random", 0.0)], "cold_items": int(cold.sum()),
            "cold_users": int(len(matrices(cold)[1])), "inner_choice": {f"{m}@{l2:g}": r["ndcg"] for (m, l2), r in inner_results.items()}}


def run_recommender_eval(settings, out_dir: Path, recbole: bool = True, recbole_epochs: int | None = None) -> dict:
    from assistant.models.text_embedder import get_text_embedder
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ml = movielens.load(movielens.fetch(settings.data_dir))
    warm, fitted = warm_start(ml, settings.seed)
    content = get_text_embedder(settings.text_model).encode(ml.titles).astype(np.float32)
    cold = cold_start(ml, content, {"ease": warm["ease"]["params"], "bpr": warm["bpr"]["params"]}, settings.seed)

    table = {name: warm[name] for name in ("popularity", "ease", "bpr")}
    recbole_result = None
    if recbole:
        from assistant.evaluation.recbole_env import run_recbole
        train, valid, test = fitted["split"]
        split_dir = movielens.write_atomic({"train": train, "valid": valid, "test": test}, ml, settings.data_dir / "movielens" / "loo")
        recbole_result = run_recbole(split_dir, "ml-100k", ["Pop", "BPR", "LightGCN"], settings.data_dir / "bench-envs" / "recbole",
                                     out_dir / "recbole_results.json", epochs=recbole_epochs)
        for name, res in recbole_result["models"].items():
            if "error" in res:
                table[f"recbole_{name.lower()}"] = {"error": res["error"].strip().splitlines()[-1]}
                continue
            t = res["test"]
            table[f"recbole_{name.lower()}"] = {"test_recall": t["recall@10"], "test_ndcg": t["ndcg@10"],
                                                "test_mrr": t["mrr@10"], "fit_s": res["fit_s"], "epochs": res.get("epochs")}
    figures = _figures(table, cold)
    (out_dir / "recommender_eval.json").write_text(json.dumps({"table": table, "cold_start": cold,
                                                                "recbole": recbole_result}, indent=2, default=str))
    _plot(table, cold, out_dir / "recommender_eval.png")
    return figures


def _figures(table: dict, cold: dict) -> dict:
    ours_name = max(("ease", "bpr"), key=lambda n: table[n]["valid_ndcg"])  # chosen on valid, not test
    ours = table[ours_name]
    figures = {"ours_model": ours_name, "ours_ndcg_at_10": ours["test_ndcg"], "ours_recall_at_10": ours["test_recall"],
               "ours_mrr_at_10": ours["test_mrr"], "ours_fit_s": ours["fit_s"], "ours_tuning_s": ours["tuning_s"]}
    for name, row in table.items():
        for key in ("test_ndcg", "test_recall", "test_mrr", "fit_s"):
            if key in row:
                figures[f"{name}_{key.replace('test_', '')}{'_at_10' if key.startswith('test') else ''}"] = row[key]
    peers = {n: r for n, r in table.items() if n.startswith("recbole_") and "test_ndcg" in r}
    if peers:
        best = max(peers, key=lambda n: peers[n]["test_ndcg"])
        figures.update(recbole_best_model=best, recbole_best_ndcg_at_10=peers[best]["test_ndcg"],
                       recbole_best_fit_s=peers[best]["fit_s"], fit_speedup=peers[best]["fit_s"] / ours["fit_s"])
    figures.update(cold_method=f"{cold['method']} (map l2 {cold['mapper_l2']:g})" if cold["method"] != "content_knn" else "content_knn",
                   cold_ndcg_at_10=cold["ours"]["ndcg"], cold_recall_at_10=cold["ours"]["recall"],
                   cold_popularity_ndcg_at_10=cold["popularity"]["ndcg"],
                   cold_popularity_recall_at_10=cold["popularity"]["recall"],
                   cold_random_ndcg_at_10=cold["random"]["ndcg"], cold_random_recall_at_10=cold["random"]["recall"],
                   cold_items=cold["cold_items"], cold_users=cold["cold_users"])
    return figures


def _plot(table: dict, cold: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = {n: r for n, r in table.items() if "test_ndcg" in r}
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    names = list(rows)
    axes[0].barh(names, [rows[n]["test_ndcg"] for n in names], color="tab:blue")
    axes[0].set_title("MovieLens-100k leave-one-out: NDCG@10 (test)")
    axes[1].barh(names, [rows[n]["fit_s"] for n in names], color="tab:orange")
    axes[1].set_xscale("log")
    axes[1].set_title("fit time, seconds (log scale, 2-core CPU)")
    cold_names = {"ours": f"ours ({cold['method']} + content map)", "content_knn": "content kNN",
                  "popularity": "popularity predicted\nfrom content", "random": "random"}
    axes[2].barh(list(cold_names.values()), [cold[n]["ndcg"] for n in cold_names], color="tab:green")
    axes[2].set_title(f"cold start: NDCG@10 on {cold['cold_items']} held-out items")
    for ax in axes:
        ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
