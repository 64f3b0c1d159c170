"""Timing benchmarks: load time, text-turn and photo-turn latency, image-embedding throughput, memory."""
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


def run_vision_bench(settings, turns: int = 10) -> dict:
    """Image-embedding throughput on catalog photos, and the latency of turns that send a photo."""
    from assistant import Assistant
    from assistant.catalog.download import shopper_photos_root
    bot = Assistant.from_settings(settings)
    if bot.photo_reader is None:
        raise RuntimeError("no image index: train the encoder (`python -m assistant train vision`), then `setup`")
    paths = [p.image_path for p in bot.catalog.all()[:128]]
    bot.photo_reader.embed(paths[:8])  # warm-up
    start = time.perf_counter()
    bot.photo_reader.embed(paths)
    images_per_s = len(paths) / (time.perf_counter() - start)

    root = shopper_photos_root(settings)
    photos = sorted((root / "validation").glob("*/*.jpg"))[::37][:turns] if root else paths[:turns]
    words = ["", "something like this", "like this but in blue", "like this, for women, under $60"]
    run_id, times = uuid.uuid4().hex[:8], []
    for i, photo in enumerate(tqdm(photos, desc="photo turns")):
        start = time.perf_counter()
        bot.respond(f"bench-vision-{run_id}-{i}", words[i % len(words)], images=[str(photo)])
        times.append(time.perf_counter() - start)
    return {"images_per_s": images_per_s, "photo_turns": len(times),
            "photo_turn_p50_s": statistics.median(times), "photo_turn_p95_s": _percentile(times, 95),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
