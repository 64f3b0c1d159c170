"""`python -m assistant bench latency --endpoint URL` (or `--engine-python PY`, which starts llama.cpp's
server for the run): text-turn latency of the in-process planner against the endpoint planner on the
same model, in one run, turn by turn on the same messages.

The same model is SmolLM2-135M-Instruct without the LoRA adapter (the server serves the GGUF; the
adapter is the project's own and no server loads it): in process, the prompted planner over its
weights (dequantised from that GGUF), decoding under the project's grammar; behind the endpoint, the
Q4_1 GGUF itself, decoding under llama.cpp's schema grammar. Both see the same conversation; each
turn runs on both before the next (interleaved, so a busy machine slows both alike).
"""
from __future__ import annotations

import logging
import statistics
import time
import uuid
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from assistant.evaluation.latency import MESSAGES, SESSION_TURNS, _percentile

PLANNERS = ("in_process", "endpoint")


class _Failures(logging.Handler):
    """Counts the controller's "planner failed" warnings: requests the endpoint did not answer with a step."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record):
        self.count += "planner failed" in record.getMessage()


def run_endpoint_latency_bench(settings, endpoint: str | None = None, engine_python: str | None = None,
                               turns: int = 20, out_dir=None) -> dict:
    """Figures: text_turn_p50_s (in process), endpoint_text_turn_p50_s, their ratio, p95s, how often
    the two planners' first proposals agree, and the endpoint's failed requests."""
    import torch
    if not endpoint and not engine_python:
        raise ValueError("bench latency with the endpoint planner needs --endpoint URL or --engine-python PATH")
    from assistant import Assistant
    from assistant.evaluation.llama_server import RunningServer, llama_server
    import psutil
    threads = torch.get_num_threads()  # the server gets the threads torch has
    serving = llama_server(engine_python, threads=threads) if not endpoint else nullcontext(RunningServer(endpoint, 0))
    with serving as server:
        bots = {"in_process": Assistant.from_settings(replace(settings, chat_adapter="none", chat_endpoint="")),
                # a first request on a busy machine can take longer than the default timeout
                "endpoint": Assistant.from_settings(replace(settings, chat_endpoint=server.url,
                                                            chat_endpoint_timeout=600.0))}
        # CPU seconds per turn, this process's and the server's (when started here): on a machine
        # shared with other work they say more about the cost than wall time does.
        processes = [psutil.Process()] + ([psutil.Process(server.pid)] if server.pid else [])
        failures = _Failures()
        logging.getLogger("assistant.controller").addHandler(failures)
        run_id = uuid.uuid4().hex[:8]
        times, cpu, first = ({p: [] for p in PLANNERS} for _ in range(3))
        try:
            for i in tqdm(range(turns), desc="latency turns (in process, endpoint)"):
                for name, bot in bots.items():
                    cpu_start, start = _cpu_seconds(processes), time.perf_counter()
                    reply = bot.respond(f"bench-{name}-{run_id}-{i // SESSION_TURNS}", MESSAGES[i % len(MESSAGES)])
                    times[name].append(time.perf_counter() - start)
                    cpu[name].append(_cpu_seconds(processes) - cpu_start)
                    first[name].append(reply.proposed_tools[0] if reply.proposed_tools else None)
        finally:
            logging.getLogger("assistant.controller").removeHandler(failures)
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        _plot(times, Path(out_dir) / "latency_endpoint.png")
    p50 = {name: statistics.median(t) for name, t in times.items()}
    return {"turns": turns, "threads": threads, "endpoint": endpoint or "llama.cpp server (started for the run)",
            "text_turn_p50_s": p50["in_process"], "text_turn_p95_s": _percentile(times["in_process"], 95),
            "endpoint_text_turn_p50_s": p50["endpoint"], "endpoint_text_turn_p95_s": _percentile(times["endpoint"], 95),
            "endpoint_to_in_process_p50_ratio": p50["endpoint"] / p50["in_process"],
            "text_turn_cpu_p50_s": statistics.median(cpu["in_process"]),
            "endpoint_text_turn_cpu_p50_s": statistics.median(cpu["endpoint"]) if server.pid else None,
            "endpoint_to_in_process_cpu_ratio": (statistics.median(cpu["endpoint"]) / statistics.median(cpu["in_process"])
                                                 if server.pid else None),
            "first_step_agreement": sum(a == b for a, b in zip(*first.values())) / max(1, turns),
            "in_process_tool_steps": sum(s is not None for s in first["in_process"]),
            "endpoint_tool_steps": sum(s is not None for s in first["endpoint"]),
            "endpoint_failed_requests": failures.count}


def _cpu_seconds(processes) -> float:
    return sum(t.user + t.system for t in (p.cpu_times() for p in processes))


def _plot(times: dict[str, list[float]], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for name, marker in zip(PLANNERS, "os"):
        ax.plot(range(1, len(times[name]) + 1), times[name], marker=marker, label=f"{name.replace('_', ' ')} "
                f"(p50 {statistics.median(times[name]):.2f}s)")
    ax.set_xlabel("turn")
    ax.set_ylabel("seconds")
    ax.set_title("Text turns, SmolLM2-135M: in-process planner vs llama.cpp endpoint")
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
