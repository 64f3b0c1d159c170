"""Latency benchmark: load time, per-turn latency over scripted shopper turns, peak memory."""
from __future__ import annotations

import resource
import statistics
import time
import uuid

from tqdm import tqdm

# Two five-turn conversations; a new session starts every SESSION_TURNS turns, so with
# SESSION_TURNS == 5 each session replays one conversation from its start.
MESSAGES = [
    "I'm looking for a women's jacket under $60",
    "in blue instead",
    "why the second one?",
    "what goes with the first one?",
    "cheaper ones?",
    "show me the cheapest men's shorts",
    "in black please",
    "something similar to the first one",
    "forget the price limit, I need a backpack for hiking",
    "thanks!",
]
SESSION_TURNS = 5


def _percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _plot(times: list[float], path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(times, bins=min(20, max(5, len(times) // 2)), color="tab:orange")
    ax.axvline(statistics.median(times), color="k", linestyle="--", label=f"p50 {statistics.median(times):.2f}s")
    ax.set_xlabel("seconds per turn")
    ax.set_ylabel("turns")
    ax.set_title("Text-turn latency, default models")
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_latency_bench(settings, turns: int = 20, out_dir=None) -> dict:
    from assistant import Assistant
    start = time.perf_counter()
    bot = Assistant.from_settings(settings)
    load_s = time.perf_counter() - start

    run_id = uuid.uuid4().hex[:8]
    times = []
    for i in tqdm(range(turns), desc="latency turns"):
        session = f"bench-{run_id}-{i // SESSION_TURNS}"
        start = time.perf_counter()
        bot.respond(session, MESSAGES[i % len(MESSAGES)], images=[])
        times.append(time.perf_counter() - start)

    if out_dir is not None and times:
        from pathlib import Path
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        _plot(times, Path(out_dir) / "latency.png")
    return {
        "load_s": load_s,
        "turns": turns,
        "turn_p50_s": statistics.median(times) if times else 0.0,
        "turn_p95_s": _percentile(times, 95) if times else 0.0,
        "turn_mean_s": statistics.mean(times) if times else 0.0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
