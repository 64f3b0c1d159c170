"""`python -m assistant bench load`: bad input, crashes and many sessions.

* fuzz: the fuzz corpus (fuzz_corpus.py) through Assistant.respond: exceptions escaping, internals
  in replies, items breaking a stated constraint (`fuzz_failures` counts cases with any of them).
* fuzz-http: the same corpus through the page's `/chat` API on a real Gradio server (fuzz_http.py).
* kill -9: a child process runs turns in its own sessions and prints each turn's session once
  respond() has returned; it is killed with SIGKILL at random moments and restarted until 50 turns
  have completed; then every completed turn must be in the store (`kill9_turns_lost`), the store
  must pass SQLite's integrity check, and each conversation must go on.
* sessions: `sessions` new sessions of two turns each in one process: RSS growth and store size.

* http: concurrent conversations over HTTP against a real server, one and two worker processes
  (http_load.py; always the real chat model, as the server runs it).

The planner of the first four is the real one unless `planner="search"`: every turn searches with
the tracker's reading (no chat model), which leaves the serving, store and input paths the same
and takes a fraction of the time.
"""
from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from tqdm import tqdm

REQUESTS = ["women's jackets under $60", "in blue instead", "cheaper ones?", "men's hoodies under $50",
            "why the second one?", "red running shorts for men, not black"]


class SearchPlanner:
    """Searches every turn with what the tracker read (the controller grounds the arguments)."""

    def warm_up(self) -> None:
        pass

    def propose(self, turn, observations):
        from assistant.planning.planner import Step
        return None if observations else Step(call={"name": "search", "args": {}, "id": "call_1"})


def _bot(settings, planner: str):
    from assistant import Assistant
    if planner == "real":
        return Assistant.from_settings(settings)
    from assistant.models.text_embedder import get_text_embedder
    from assistant.storage import open_catalog
    from tools.index import open_index
    catalog = open_catalog(settings)
    index = open_index(settings.index_dir / "text", catalog, settings.index_backend, settings.index_url)
    return Assistant(settings, catalog, SearchPlanner(), get_text_embedder(settings.text_model), index)


def run_fuzz(bot, limit: int | None) -> dict:
    from assistant.evaluation.fuzz_corpus import load_corpus, run_case, sample
    cases = load_corpus()
    cases = sample(cases, limit) if limit else cases
    failed = {}
    for case in tqdm(cases, desc="fuzz", unit="case"):
        if problems := run_case(bot, case, f"fuzz-{case['id']}-{time.time_ns()}"):
            failed[case["id"]] = problems
    return {"fuzz_cases": len(cases), "fuzz_failures": len(failed), "fuzz_failed": failed}


def _child(data_dir: str, planner: str) -> None:
    """The process that is killed: turns forever, one line per completed turn."""
    from assistant.settings import Settings
    bot = _bot(Settings.from_env(data_dir=Path(data_dir)), planner)
    rng = random.Random(os.getpid())
    print("ready", flush=True)
    while True:
        session = f"k9-{rng.randrange(8)}"
        bot.respond(session, rng.choice(REQUESTS))
        print(json.dumps({"session": session, "turns": bot.sessions.load(session).turn}), flush=True)


def fresh_store(settings, prefix: str) -> Path:
    """A new data dir with the built data (catalog, indexes, models) linked read-only and a session
    store of its own: what a bench's server or child process runs on."""
    data = Path(tempfile.mkdtemp(prefix=prefix))
    for name in ("catalog.sqlite", "index", "models"):
        (data / name).symlink_to(settings.data_dir.resolve() / name)
    return data


def run_kill9(settings, planner: str, turns: int = 50, seed: int = 0) -> dict:
    rng, done, kills = random.Random(seed), [], 0
    data = fresh_store(settings, "kill9-")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    bar = tqdm(total=turns, desc="kill -9", unit="turn")
    while len(done) < turns:
        child = subprocess.Popen([sys.executable, "-c", f"from assistant.evaluation.load_bench import _child; "
                                  f"_child({str(data)!r}, {planner!r})"], stdout=subprocess.PIPE, text=True, env=env)
        assert child.stdout.readline().strip() == "ready"
        budget = rng.randint(1, 6)  # completed turns before the kill, then a random moment inside the next
        for line in child.stdout:
            done.append(json.loads(line))
            bar.update(1)
            budget -= 1
            if budget <= 0 or len(done) >= turns:
                time.sleep(rng.uniform(0.0, 1.5))
                break
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        kills += 1
    bar.close()
    with sqlite3.connect(data / "sessions.sqlite") as db:
        intact = db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {sid: json.loads(state)["turn"] for sid, state in db.execute("SELECT id, state FROM sessions")}
    reached = {}
    for turn in done:
        reached[turn["session"]] = max(reached.get(turn["session"], 0), turn["turns"])
    lost = sum(max(0, n - stored.get(s, 0)) for s, n in reached.items())
    bot = _bot(dataclasses.replace(settings, data_dir=data), planner)
    goes_on = all(bot.respond(s, "cheaper ones?").text for s in reached)
    return {"kill9_turns": len(done), "kill9_kills": kills, "kill9_turns_lost": lost, "kill9_store_intact": intact,
            "kill9_conversations_go_on": goes_on}


def run_sessions(bot, sessions: int) -> dict:
    proc = psutil.Process()
    start_rss, start = proc.memory_info().rss, time.perf_counter()
    for n in tqdm(range(sessions), desc="sessions", unit="session"):
        sid = f"many-{n}-{time.time_ns()}"
        bot.respond(sid, REQUESTS[n % len(REQUESTS)])
        bot.respond(sid, "cheaper ones?")
    elapsed = time.perf_counter() - start
    return {"sessions_many": sessions, "sessions_rss_growth_mb": (proc.memory_info().rss - start_rss) / 2 ** 20,
            "sessions_peak_rss_mb": proc.memory_info().rss / 2 ** 20,
            "sessions_store_mb": bot.settings.sessions_path.stat().st_size / 2 ** 20,
            "sessions_turns_per_s": 2 * sessions / elapsed}


PARTS = ("fuzz", "fuzz-http", "kill9", "sessions", "http")


def run_load_bench(settings, planner: str = "real", fuzz_limit: int | None = None, kill9_turns: int = 50,
                   sessions: int = 300, http_sessions: int = 50, parts: tuple[str, ...] = PARTS,
                   out_dir: Path | None = None) -> dict:
    figures, failures = {"planner": planner}, {}
    if {"fuzz", "fuzz-http", "sessions"} & set(parts):
        bot = _bot(dataclasses.replace(settings, data_dir=fresh_store(settings, "load-bench-")), planner)
    if "fuzz" in parts:
        figures.update(run_fuzz(bot, fuzz_limit))
        failures["fuzz"] = figures.pop("fuzz_failed")
    if "fuzz-http" in parts:
        from assistant.evaluation.fuzz_corpus import load_corpus, sample
        from assistant.evaluation.fuzz_http import run_fuzz_http
        cases = load_corpus()
        figures.update(run_fuzz_http(bot, sample(cases, fuzz_limit) if fuzz_limit else cases))
        failures["fuzz_http"] = figures.pop("fuzz_http_failed")
    if "kill9" in parts:
        figures.update(run_kill9(settings, planner, kill9_turns))
    if "sessions" in parts:
        figures.update(run_sessions(bot, sessions))
    if "http" in parts:
        from assistant.evaluation.http_load import run_http_load
        for workers in (1, 2):
            result = run_http_load(settings, http_sessions, workers)
            failures.update({k: result.pop(k) for k in list(result) if k.startswith("load_examples")})
            figures.update(result)
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "load_failures.json").write_text(json.dumps(failures, indent=1))
    return figures
