"""`python -m assistant bench recommender`: fit time, scoring latency and memory at 1k, 100k
and 1M items, and the p50 of a recommend step inside an assistant turn.

The large logs are synthetic (Zipf item popularity, 5 interactions per item) and exist only
for timing; no quality figure comes from them. EASE is timed where its dense item-item matrix
fits (it needs items^2 floats: 40 GB at 100k items), BPR-MF at every size.
"""
from __future__ import annotations

import statistics
import time

import numpy as np
import psutil
import scipy.sparse as sp
from tqdm.auto import tqdm

from tools.base import ToolContext
from assistant.recommender.ease import EASE
from assistant.recommender.base import interaction_matrix
from assistant.recommender import make

SIZES = {"1k": 1_000, "100k": 100_000, "1M": 1_000_000}
PER_ITEM = 5


def synthetic_log(n_items: int, seed: int = 0) -> sp.csr_matrix:
    """Timing fixture only: users x items with Zipf-distributed item popularity."""
    rng = np.random.default_rng(seed)
    n_users = max(100, min(n_items, 100_000))
    n = PER_ITEM * n_items
    popularity = 1.0 / np.arange(1, n_items + 1)
    items = rng.choice(n_items, size=n, p=popularity / popularity.sum())
    X = interaction_matrix(rng.integers(0, n_users, n), items, None, n_users, n_items)
    X.data[:] = 1.0
    return X


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def _peak_rss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _time_model(name: str, params: dict, X: sp.csr_matrix, repeats: int = 30) -> dict:
    before = _rss_mb()
    model = make(name, **params).fit(X)
    after = _rss_mb()
    rng = np.random.default_rng(1)
    latencies = []
    for _ in range(repeats):  # one session history of 5 items -> top 10 of all items
        items = rng.choice(X.shape[1], 5, replace=False)
        history = sp.csr_matrix((np.ones(5, np.float32), ([0] * 5, items)), shape=(1, X.shape[1]))
        start = time.perf_counter()
        scores = model.score(history).ravel()
        np.argpartition(-scores, 10)[:10]
        latencies.append(time.perf_counter() - start)
    size = sum(a.nbytes for a in model._arrays().values()) / 2**20
    return {"fit_s": model.fit_s, "score_p50_ms": 1000 * statistics.median(latencies),
            "model_mb": size, "rss_growth_mb": max(after - before, 0.0)}


def run_recommender_bench(settings, sizes: list[str] | None = None, bpr_epochs: int = 5, turns: int = 10,
                          out_dir=None) -> dict:
    figures = {}
    for label in tqdm(sizes or list(SIZES), desc="sizes"):
        n_items = SIZES[label]
        X = synthetic_log(n_items, settings.seed)
        figures[f"items_{label}_interactions"] = int(X.nnz)
        runs = {"bpr": {"epochs": bpr_epochs, "progress": False}, "popularity": {}}
        if n_items <= EASE.MAX_ITEMS:
            runs["ease"] = {"l2": 100.0}
        for name, params in runs.items():
            for key, value in _time_model(name, params, X).items():
                figures[f"{name}_{label}_{key}"] = value
        figures[f"bpr_{label}_s_per_epoch"] = figures[f"bpr_{label}_fit_s"] / bpr_epochs
        del X
    figures["peak_rss_mb"] = _peak_rss_mb()
    if out_dir is not None:
        _plot(figures, out_dir)
    figures.update(recommend_in_turn(settings, turns))
    return figures


def _plot(figures: dict, out_dir) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from pathlib import Path
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name in ("popularity", "ease", "bpr"):
        done = [(SIZES[s], figures[f"{name}_{s}_fit_s"], figures[f"{name}_{s}_score_p50_ms"])
                for s in SIZES if f"{name}_{s}_fit_s" in figures]
        if done:
            n, fit, score = zip(*done)
            axes[0].plot(n, fit, "o-", label=name)
            axes[1].plot(n, score, "o-", label=name)
    for ax, title in zip(axes, ("fit time, s (BPR-MF: 5 epochs)", "score all items for one session, p50 ms")):
        ax.set(xscale="log", yscale="log", xlabel="catalog items (synthetic log, 5 interactions per item)", title=title)
        ax.legend()
    fig.tight_layout()
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    fig.savefig(Path(out_dir) / "recommender_bench.png", dpi=110)
    plt.close(fig)


def recommend_in_turn(settings, turns: int) -> dict:
    """p50 of whole turns that end in `recommend` (real chat model), and of the tool step alone."""
    from assistant import Assistant
    bot = Assistant.from_settings(settings)
    prompts = ["what goes with the first one?", "what else would I like?", "something similar to the second one"]
    turn_s, tool_s = [], []
    for n in tqdm(range(turns), desc="recommend turns"):
        session = f"bench-recommend-{n}"
        bot.respond(session, ["women's jackets", "men's hoodies", "yoga pants"][n % 3])
        bot.respond(session, "I like the first one")
        start = time.perf_counter()
        reply = bot.respond(session, prompts[n % len(prompts)])
        turn_s.append(time.perf_counter() - start)
        state = bot.sessions.load(session)
        ctx = ToolContext(catalog=bot.catalog, vocab=bot.vocab, settings=settings, text_index=bot.text_index,
                          embedder=bot.embedder, state=state, recommender=bot.recommender)
        call = next((c for c in reply.tool_calls if c["name"] == "recommend"), {"arguments": {}})
        start = time.perf_counter()
        bot.registry.run("recommend", call["arguments"], ctx)
        tool_s.append(time.perf_counter() - start)
    return {"recommend_turn_p50_s": statistics.median(turn_s), "recommend_tool_p50_ms": 1000 * statistics.median(tool_s),
            "recommend_turns": turns, "with_interaction_log": bot.recommender is not None}
