"""`python -m assistant eval recommender`: our recommenders against RecBole on MovieLens-100k.

Protocol (the standard one): implicit feedback (every rating is a positive), leave-one-out by
time per user, full ranking over all items with the user's known items masked, Recall@10,
NDCG@10 and MRR@10. Our models are tuned on the valid interaction and scored on the test one;
RecBole trains on the same files (its own defaults, early stopping on the same valid split).
Every model is also reported by the user's number of training interactions (1, 2-4, 5-19, 20+),
on this split and on the sparse-shopper split that gives half the users short histories
(history_buckets.py).

Cold start: 10% of the items are held out with all their interactions; models are fitted on
the rest, and each user's held-out items are ranked among all held-out items from content
(titles and genres, MiniLM) mapped into the model's item space (cold_start.py), or, for the
Mult-VAE's content path, its decoder rows predicted from content (mult_vae.py).
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

from assistant.evaluation import history_buckets, movielens

K = 10
EASE_GRID = [25.0, 50.0, 100.0, 200.0, 400.0, 800.0]
BPR_GRID = [{"epochs": e, "l2": l2} for e in (30, 60) for l2 in (1e-4, 1e-3)]
VAE_GRID = [{"epochs": e, "beta_cap": b, "anneal_epochs": e // 2, "lr": 5e-3, "batch_size": 256} for e in (20, 30) for b in (0.2, 0.5)]
MAPPER_GRID = [1.0, 10.0, 100.0, 1000.0]
CONTENT_L2_GRID = [1.0, 10.0, 100.0]  # the Mult-VAE content prior's precision (cold start)
MODELS = ("popularity", "ease", "bpr", "vae")
RECBOLE_MODELS = ["Pop", "BPR", "LightGCN", "MultiVAE"]


def top_k(scores: np.ndarray, k: int = K) -> np.ndarray:
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    return np.take_along_axis(top, np.argsort(-np.take_along_axis(scores, top, 1), axis=1), 1)


def per_user_metrics(top: np.ndarray, truth: list[np.ndarray], k: int = K) -> dict[str, np.ndarray]:
    """Recall@k, NDCG@k and MRR@k of each user's ranked top-k list."""
    recall, ndcg, mrr = [], [], []
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for row, items in zip(top, truth):
        hit = np.isin(row[:k], items)
        recall.append(hit.sum() / len(items))
        ndcg.append((hit * discounts[: len(hit)]).sum() / discounts[: min(len(items), k)].sum())
        first = np.flatnonzero(hit)
        mrr.append(1.0 / (first[0] + 1) if len(first) else 0.0)
    return {"recall": np.array(recall), "ndcg": np.array(ndcg), "mrr": np.array(mrr)}


def ranking_metrics(scores: np.ndarray, truth: list[np.ndarray], k: int = K) -> dict:
    """Mean Recall@k, NDCG@k and MRR@k; `scores` rows already have known items at -inf."""
    return {key: float(v.mean()) for key, v in per_user_metrics(top_k(scores, k), truth, k).items()}


def _evaluate(model, history: sp.csr_matrix, known: sp.csr_matrix, target, users: np.ndarray,
              per_user: bool = False) -> dict:
    """Leave-one-out: rank every item for each user in `target`, known items masked."""
    scores = model.score(history[users], users=users).astype(np.float64)
    mask = known[users].toarray() > 0
    scores[mask] = -np.inf
    metrics = per_user_metrics(top_k(scores), [np.array([i]) for i in target])
    means = {key: float(v.mean()) for key, v in metrics.items()}
    return (means, metrics) if per_user else means


def _tune(name: str, grid: list[dict], X: sp.csr_matrix, valid_users, valid_items, desc: str):
    best = None
    for params in tqdm(grid, desc=desc, leave=False):
        model = make(name, **params).fit(X)
        metrics = _evaluate(model, X, X, valid_items, valid_users)
        if best is None or metrics["ndcg"] > best[1]["ndcg"]:
            best = (params, metrics, model)
    return best


def _matrices(ml: movielens.MovieLens, train, valid):
    X = interaction_matrix(train.user.to_numpy(), train.item.to_numpy(), None, ml.n_users, ml.n_items)
    X.data[:] = 1.0
    known_test = X + interaction_matrix(valid.user.to_numpy(), valid.item.to_numpy(), None, ml.n_users, ml.n_items)
    return X, known_test


def warm_start(ml: movielens.MovieLens, seed: int) -> tuple[dict, dict]:
    train, valid, test = movielens.leave_one_out(ml.interactions)
    X, known_test = _matrices(ml, train, valid)
    lengths = np.diff(X.indptr)[test.user.to_numpy()]  # training interactions of each test user
    rows, chosen = {}, {}
    start = time.perf_counter()
    candidates = {
        "popularity": [{}],
        "ease": [{"l2": l2} for l2 in EASE_GRID],
        "bpr": [{**g, "seed": seed, "progress": False} for g in BPR_GRID],
        "vae": [{**g, "seed": seed, "progress": False} for g in VAE_GRID],
    }
    for name, grid in candidates.items():
        tune_start = time.perf_counter()
        params, valid_metrics, _ = _tune(name, grid, X, valid.user.to_numpy(), valid.item.to_numpy(), f"tune {name}")
        tuning_s = time.perf_counter() - tune_start
        model = make(name, **params).fit(X)  # the timed fit of the chosen configuration
        test_metrics, per_user = _evaluate(model, X, known_test, test.item.to_numpy(), test.user.to_numpy(), per_user=True)
        rows[name] = {**{f"test_{k}": v for k, v in test_metrics.items()}, "valid_ndcg": valid_metrics["ndcg"],
                      "fit_s": model.fit_s, "tuning_s": tuning_s, "params": params,
                      "buckets": history_buckets.by_bucket(per_user, lengths)}
        chosen[name] = model
    rows["_total_s"] = time.perf_counter() - start
    return rows, {"split": (train, valid, test), "models": chosen, "X": X}


def sparse_shoppers(ml: movielens.MovieLens, split, params: dict[str, dict], seed: int) -> tuple[dict, tuple]:
    """Each of our models, with the parameters chosen on the standard split, refitted on the
    sparse-shopper split and scored by history-length bucket."""
    train, valid, test = split
    short_train = history_buckets.sparse_shoppers(train, ml.n_users, seed=seed)
    X, known_test = _matrices(ml, short_train, valid)
    lengths = np.diff(X.indptr)[test.user.to_numpy()]
    out = {}
    for name in tqdm(MODELS, desc="sparse shoppers", leave=False):
        model = make(name, **params[name]).fit(X)
        overall, per_user = _evaluate(model, X, known_test, test.item.to_numpy(), test.user.to_numpy(), per_user=True)
        out[name] = {**{f"test_{k}": v for k, v in overall.items()}, "fit_s": model.fit_s,
                     "buckets": history_buckets.by_bucket(per_user, lengths)}
    return out, (short_train, valid, test)


def recbole_buckets(result: dict, ml: movielens.MovieLens, split) -> dict:
    """Per-bucket figures of a RecBole model from the top-10 lists its runner wrote."""
    train, valid, test = split
    users = {raw: i for i, raw in enumerate(ml.raw_users)}
    items = {raw: i for i, raw in enumerate(ml.raw_items)}
    truth = dict(zip(test.user.to_numpy(), test.item.to_numpy()))
    order = sorted(users[u] for u in result["test_top"])
    top = np.array([[items[i] for i in result["test_top"][ml.raw_users[u]]] for u in order])
    per_user = per_user_metrics(top, [np.array([truth[u]]) for u in order])
    lengths = train.groupby("user").size().reindex(order, fill_value=0).to_numpy()
    return history_buckets.by_bucket(per_user, lengths)


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

    def scores_for(method: str, X, hidden: np.ndarray, l2: float, models: dict) -> np.ndarray:
        users = np.arange(ml.n_users)
        if method == "content_knn":  # the user's mean content vector against each item's
            profile = X @ content
            profile /= np.maximum(np.linalg.norm(profile, axis=1, keepdims=True), 1e-9)
            return profile @ content.T
        if method == "vae_content":  # l2 is the content prior's; cold rows come from content alone
            model = models[(method, l2)]
            return model.user_side(X) @ model.item_vectors().T
        model = models[method]
        vectors = with_cold_items(model, content, ~hidden & (np.asarray(X.sum(0)).ravel() > 0), l2)
        return model.user_side(X, users=users if method == "bpr" else None) @ vectors.T

    def fit(method: str, l2: float, X):
        if method == "vae_content":
            return make("vae", **{**warm_params["vae"], "content_l2": l2}).fit(X, content=content)
        return make(method, **warm_params.get(method, {})).fit(X)

    def run(hidden: np.ndarray, methods: list[tuple[str, float]], desc: str) -> dict:
        X, truth = matrices(hidden)
        needed = {(m, l2 if m == "vae_content" else 0.0) for m, l2 in methods if m != "content_knn"}
        fitted = {key: fit(*key, X) for key in tqdm(sorted(needed), desc=f"{desc}: fit", leave=False)}
        models = {(m if m != "vae_content" else (m, l2)): model for (m, l2), model in fitted.items()}
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

    vae_content = [("vae_content", l2) for l2 in CONTENT_L2_GRID]
    personal = [(m, l2) for m in ("ease", "bpr", "vae") for l2 in MAPPER_GRID] + vae_content + [("content_knn", 0.0)]
    popular = [("popularity", l2) for l2 in MAPPER_GRID]
    inner_results = run(inner, personal + popular, "cold start (choice)")
    best = max(personal, key=lambda m: inner_results[m]["ndcg"])
    best_pop = max(popular, key=lambda m: inner_results[m]["ndcg"])
    best_vae = max(vae_content, key=lambda m: inner_results[m]["ndcg"])
    test_results = run(cold, list(dict.fromkeys([best, best_pop, best_vae, ("content_knn", 0.0)])), "cold start (test)")
    return {"method": best[0], "mapper_l2": best[1], "ours": test_results[best],
            "vae_content": test_results[best_vae], "vae_content_l2": best_vae[1],
            "popularity": test_results[best_pop], "content_knn": test_results[("content_knn", 0.0)],
            "random": test_results[("random", 0.0)], "cold_items": int(cold.sum()),
            "cold_users": int(len(matrices(cold)[1])), "inner_choice": {f"{m}@{l2:g}": r["ndcg"] for (m, l2), r in inner_results.items()}}


def run_recommender_eval(settings, out_dir: Path, recbole: bool = True, recbole_epochs: int | None = None,
                         recbole_sparse: bool = False) -> dict:
    from assistant.models.text_embedder import get_text_embedder
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ml = movielens.load(movielens.fetch(settings.data_dir))
    warm, fitted = warm_start(ml, settings.seed)
    params = {name: warm[name]["params"] for name in MODELS}
    sparse, sparse_split = sparse_shoppers(ml, fitted["split"], params, settings.seed)
    content = get_text_embedder(settings.text_model).encode(ml.titles).astype(np.float32)
    cold = cold_start(ml, content, params, settings.seed)

    table = {name: warm[name] for name in MODELS}
    recbole_result = None
    if recbole:
        from assistant.evaluation.recbole_env import run_recbole
        env_dir = settings.data_dir / "bench-envs" / "recbole"
        # RecBole's MultiVAE on the sparse-shopper split is a second full RecBole run: opt-in.
        runs = {"": fitted["split"], **({"sparse_": sparse_split} if recbole_sparse else {})}
        recbole_result = {}
        for prefix, split in runs.items():
            names = RECBOLE_MODELS if not prefix else ["MultiVAE"]  # the peer VAE on short histories too
            split_dir = movielens.write_atomic(dict(zip(("train", "valid", "test"), split)), ml,
                                               settings.data_dir / "movielens" / f"loo{'-sparse' if prefix else ''}")
            result = run_recbole(split_dir, "ml-100k", names, env_dir, out_dir / f"recbole_{prefix}results.json",
                                 epochs=recbole_epochs)
            recbole_result[prefix or "standard"] = result
            for name, res in result["models"].items():
                target = table if not prefix else sparse
                if "error" in res:
                    target[f"recbole_{name.lower()}"] = {"error": res["error"].strip().splitlines()[-1]}
                    continue
                t = res["test"]
                target[f"recbole_{name.lower()}"] = {"test_recall": t["recall@10"], "test_ndcg": t["ndcg@10"],
                                                     "test_mrr": t["mrr@10"], "fit_s": res["fit_s"], "epochs": res.get("epochs"),
                                                     "buckets": recbole_buckets(res, ml, split)}
    figures = _figures(table, sparse, cold)
    vae_curve = {k: np.asarray(v).tolist() for k, v in fitted["models"]["vae"].curve.items()}
    (out_dir / "recommender_eval.json").write_text(json.dumps({"table": table, "sparse_shoppers": sparse, "cold_start": cold,
                                                                "vae_curve": vae_curve, "recbole": recbole_result},
                                                               indent=2, default=str))
    _plot(table, sparse, cold, out_dir / "recommender_eval.png")
    _plot_vae_curve(fitted["models"]["vae"], out_dir / "recommender_vae_curve.png")
    return figures


def _figures(table: dict, sparse: dict, cold: dict) -> dict:
    ours_name = max(("ease", "bpr", "vae"), key=lambda n: table[n]["valid_ndcg"])  # chosen on valid, not test
    ours = table[ours_name]
    figures = {"ours_model": ours_name, "ours_ndcg_at_10": ours["test_ndcg"], "ours_recall_at_10": ours["test_recall"],
               "ours_mrr_at_10": ours["test_mrr"], "ours_fit_s": ours["fit_s"], "ours_tuning_s": ours["tuning_s"]}
    for name, row in table.items():
        for key in ("test_ndcg", "test_recall", "test_mrr", "fit_s"):
            if key in row:
                figures[f"{name}_{key.replace('test_', '')}{'_at_10' if key.startswith('test') else ''}"] = row[key]
    figures.update(ours_vae_ndcg_at_10=table["vae"]["test_ndcg"], ours_vae_fit_s=table["vae"]["fit_s"])
    if "test_ndcg" in table.get("recbole_multivae", {}):
        figures.update(recbole_multivae_ndcg_at_10=table["recbole_multivae"]["test_ndcg"],
                       vae_fit_speedup=table["recbole_multivae"]["fit_s"] / table["vae"]["fit_s"])
    peers = {n: r for n, r in table.items() if n.startswith("recbole_") and "test_ndcg" in r}
    if peers:
        best = max(peers, key=lambda n: peers[n]["test_ndcg"])
        figures.update(recbole_best_model=best, recbole_best_ndcg_at_10=peers[best]["test_ndcg"],
                       recbole_best_fit_s=peers[best]["fit_s"], fit_speedup=peers[best]["fit_s"] / ours["fit_s"])
    # Users with fewer than 5 training interactions exist only on the sparse-shopper split.
    short = {n: r["buckets"]["<5"]["ndcg"] for n, r in sparse.items() if "buckets" in r and "ndcg" in r["buckets"]["<5"]}
    ours_short = {n: v for n, v in short.items() if not n.startswith("recbole_")}
    best_short = max(ours_short, key=ours_short.get)
    figures.update(short_history_users=sparse["ease"]["buckets"]["<5"]["users"], short_history_best_model=best_short,
                   short_history_best_ndcg_at_10=ours_short[best_short], short_history_ease_ndcg_at_10=short["ease"],
                   short_history_vae_ndcg_at_10=short["vae"])
    for name, row in sparse.items():
        for bucket, values in row.get("buckets", {}).items():
            if "ndcg" in values:
                figures[f"sparse_{name}_ndcg_at_10_{bucket}"] = values["ndcg"]
    if "recbole_multivae" in short:
        figures["short_history_recbole_multivae_ndcg_at_10"] = short["recbole_multivae"]
    figures.update(cold_method=f"{cold['method']} (map l2 {cold['mapper_l2']:g})" if cold["method"] not in ("content_knn", "vae_content") else cold["method"],
                   cold_ndcg_at_10=cold["ours"]["ndcg"], cold_recall_at_10=cold["ours"]["recall"],
                   cold_vae_ndcg_at_10=cold["vae_content"]["ndcg"], cold_vae_recall_at_10=cold["vae_content"]["recall"],
                   cold_popularity_ndcg_at_10=cold["popularity"]["ndcg"],
                   cold_popularity_recall_at_10=cold["popularity"]["recall"],
                   cold_random_ndcg_at_10=cold["random"]["ndcg"], cold_random_recall_at_10=cold["random"]["recall"],
                   cold_items=cold["cold_items"], cold_users=cold["cold_users"])
    return figures


def _plot(table: dict, sparse: dict, cold: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = {n: r for n, r in table.items() if "test_ndcg" in r}
    fig, axes = plt.subplots(1, 4, figsize=(21, 4.5))
    names = list(rows)
    axes[0].barh(names, [rows[n]["test_ndcg"] for n in names], color="tab:blue")
    axes[0].set_title("MovieLens-100k leave-one-out: NDCG@10 (test)")
    axes[1].barh(names, [rows[n]["fit_s"] for n in names], color="tab:orange")
    axes[1].set_xscale("log")
    axes[1].set_title("fit time, seconds (log scale, 2-core CPU)")
    labels = [b for b, _, _ in history_buckets.BUCKETS]
    shown = {n: r for n, r in sparse.items() if "buckets" in r}
    width = 0.8 / max(len(shown), 1)
    for j, (name, row) in enumerate(shown.items()):
        values = [row["buckets"][b].get("ndcg", 0.0) for b in labels]
        axes[2].bar(np.arange(len(labels)) + j * width, values, width, label=name)
    axes[2].set_xticks(np.arange(len(labels)) + 0.4 - width / 2, [f"{b}\n({shown['ease']['buckets'][b]['users']} users)" for b in labels])
    axes[2].set_title("sparse-shopper split: NDCG@10 by training history length")
    axes[2].legend(fontsize=8)
    cold_names = {"ours": f"ours ({cold['method']})", "vae_content": "Mult-VAE content path", "content_knn": "content kNN",
                  "popularity": "popularity predicted\nfrom content", "random": "random"}
    axes[3].barh(list(cold_names.values()), [cold[n]["ndcg"] for n in cold_names], color="tab:green")
    axes[3].set_title(f"cold start: NDCG@10 on {cold['cold_items']} held-out items")
    for ax in (axes[0], axes[1], axes[3]):
        ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_vae_curve(model, path: Path) -> None:
    """The chosen Mult-VAE's training: loss and its two terms per epoch, and the annealed KL weight."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    curve = model.curve
    epochs = np.arange(1, len(curve["loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for key, label in (("loss", "loss (NLL + beta KL)"), ("nll", "multinomial NLL")):
        left.plot(epochs, curve[key], label=label)
    left.set_xlabel("epoch")
    left.set_ylabel("nats per user")
    left.legend()
    left.set_title("training loss")
    right.plot(epochs, curve["kl"], color="tab:red", label="KL")
    right.set_xlabel("epoch")
    right.set_ylabel("KL, nats per user", color="tab:red")
    twin = right.twinx()
    twin.plot(epochs, curve["beta"], color="tab:gray", linestyle="--", label="beta")
    twin.set_ylabel("beta (KL weight)", color="tab:gray")
    twin.set_ylim(0, max(float(np.max(curve["beta"])), 1e-3) * 1.1)
    right.set_title(f"KL and its annealed weight (up to {model.params['beta_cap']:g})")
    fig.suptitle(f"Mult-VAE on MovieLens-100k, the chosen setting: {len(epochs)} epochs")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
