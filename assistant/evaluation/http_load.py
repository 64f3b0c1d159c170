"""Many shoppers at once over HTTP: `python -m assistant bench load --http-sessions 50`.

A real server (`python -m assistant serve`, the real chat model) is started on a fresh session
store, with one and then two worker processes; `sessions` clients, each in its own thread with its
own gradio_client, hold a three-turn conversation through the `/chat` API at the same time:
"<gender> <category> under $<cap>", "not black", "cheaper ones?". Every session asks for its own
gender, category and price cap, so an item that breaks its own session's request (a relaxation
its explanation states excepted) is counted as a leak. A "busy, try again in N s" reply is
honoured as a client should: wait N s and send the turn again (counted, not an error). A turn's
latency runs from its first send to its answer, busy replies and waits included: what the shopper
waits. An error is an exception in the client, an empty reply, or the server's internal-error reply.
"""
from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import requests
from tqdm import tqdm

from assistant.evaluation.load_bench import fresh_store
from assistant.ports import free_port

# (words, gender, category, lowest cap): ten kinds of request; a session's cap rises by $3 per ten.
ASKS = [("women's jackets", "Women", "Jackets", 55), ("men's hoodies", "Men", "Hoodies & Sweatshirts", 55),
        ("women's pants", "Women", "Pants", 50), ("men's pants", "Men", "Pants", 45),
        ("men's tees", "Men", "Tees", 30), ("women's tees", "Women", "Tees", 30),
        ("men's shorts", "Men", "Shorts", 30), ("women's shorts", "Women", "Shorts", 35),
        ("men's jackets", "Men", "Jackets", 60), ("women's hoodies", "Women", "Hoodies & Sweatshirts", 50)]
FOLLOW_UPS = ["not black", "cheaper ones?"]
BUSY = re.compile(r"try again in about (\d+) s")
MAX_BUSY_RETRIES = 20


def session_plan(i: int) -> dict:
    words, gender, category, low = ASKS[i % len(ASKS)]
    cap = low + 3 * (i // len(ASKS))
    return {"turns": [f"{words} under ${cap}"] + FOLLOW_UPS,
            "wanted": [{"gender": gender, "category": [category], "price_max": float(cap)}] +
                      [{"gender": gender, "category": [category], "price_max": float(cap), "not_color": ["Black"]}] * 2}


class Server:
    """`python -m assistant serve` in a child process over `data_dir`, with `workers` processes."""

    def __init__(self, data_dir: Path, workers: int, timeout_s: float = 600):
        self.port = free_port(workers)
        self.urls = [f"http://127.0.0.1:{self.port + k}/" for k in range(workers)]
        env = {**os.environ, "SHOPASSIST_DATA_DIR": str(data_dir), "SHOPASSIST_PORT": str(self.port),
               "SHOPASSIST_WORKERS": str(workers), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        self.log = open(data_dir / f"server-{workers}.log", "w")
        self.process = subprocess.Popen([sys.executable, "-m", "assistant", "serve"], env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        for url in self.urls:
            while not self._healthy(url):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the server did not start (log: {self.log.name})")
                time.sleep(1.0)

    @staticmethod
    def _healthy(url: str) -> bool:
        try:
            return requests.get(url + "health", timeout=5).json().get("status") == "ok"
        except (requests.RequestException, ValueError):
            return False

    def rss_mb(self) -> float:
        """Resident memory of the server and its worker processes together."""
        try:
            root = psutil.Process(self.process.pid)
            return sum(p.memory_info().rss for p in [root] + root.children(recursive=True)) / 2 ** 20
        except psutil.Error:
            return 0.0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _conversation(url: str, plan: dict, catalog, record: dict) -> None:
    """One shopper's three turns; fills `record` with latencies, busy replies, errors and leaks."""
    from gradio_client import Client

    from assistant.explain import replies
    from tools.catalog_filter import Constraints, violations
    failed = replies()["internal_error"]
    session = ""
    try:
        client = Client(url, verbose=False)
    except Exception as exc:  # noqa: BLE001 - a connection failure is a counted error, not a crash
        record["errors"].append(f"connect: {type(exc).__name__}")
        return
    for text, wanted in zip(plan["turns"], plan["wanted"]):
        start = time.perf_counter()
        for _ in range(MAX_BUSY_RETRIES):
            try:
                reply, items, session = client.predict({"text": text, "files": []}, session, api_name="/chat")
            except Exception as exc:  # noqa: BLE001
                record["errors"].append(f"{text!r}: {type(exc).__name__}")
                return
            if busy := BUSY.search(reply or ""):
                record["busy"] += 1
                time.sleep(int(busy.group(1)))
                continue
            record["latencies"].append(time.perf_counter() - start)
            break
        else:
            record["errors"].append(f"{text!r}: still busy after {MAX_BUSY_RETRIES} tries")
            return
        if not reply or reply == failed:
            record["errors"].append(f"{text!r}: {'no reply' if not reply else 'internal error'}")
            continue
        for item in items or []:
            relaxed = {fact.get("field") for fact in item.get("evidence", []) if fact.get("kind") == "relaxed"}
            product = catalog.get(item["sku"])
            broken = ["not in the catalog"] if product is None else \
                [f for f in violations(product, Constraints(**wanted)) if f not in relaxed]
            if broken:
                record["leaks"].append(f"{session[:8]} {text!r}: {item['sku']} breaks {', '.join(broken)}")


def run_http_load(settings, sessions: int = 50, workers: int = 1) -> dict:
    """`sessions` conversations at once against a fresh server with `workers` processes."""
    from assistant.storage import open_catalog
    data = fresh_store(settings, f"http-load-{workers}-")
    catalog = open_catalog(dataclasses.replace(settings, data_dir=data))
    server = Server(data, workers)
    records = [{"latencies": [], "busy": 0, "errors": [], "leaks": []} for _ in range(sessions)]
    peak = [server.rss_mb()]
    done = threading.Event()

    def watch_memory():
        while not done.wait(0.5):
            peak.append(server.rss_mb())
    watcher = threading.Thread(target=watch_memory, daemon=True)
    watcher.start()
    threads = [threading.Thread(target=_conversation, args=(server.urls[i % workers], session_plan(i), catalog, records[i]))
               for i in range(sessions)]
    start = time.perf_counter()
    bar = tqdm(total=sessions, desc=f"HTTP load, {workers} worker(s)", unit="session")
    for t in threads:
        t.start()
    for t in threads:
        t.join()
        bar.update(1)
    elapsed = time.perf_counter() - start
    bar.close()
    done.set()
    watcher.join()
    server.stop()
    latencies = np.array([x for r in records for x in r["latencies"]])
    suffix = "" if workers == 1 else f"_{workers}workers"
    figures = {"load_sessions": sessions, "load_turns": int(latencies.size),
               "load_errors": sum(len(r["errors"]) for r in records), "load_leaks": sum(len(r["leaks"]) for r in records),
               "load_busy_replies": sum(r["busy"] for r in records),
               "load_p50_s": float(np.percentile(latencies, 50)) if latencies.size else None,
               "load_p95_s": float(np.percentile(latencies, 95)) if latencies.size else None,
               "turns_per_s": latencies.size / elapsed, "load_wall_s": elapsed, "load_peak_rss_mb": max(peak)}
    examples = {"errors": [e for r in records for e in r["errors"]][:10], "leaks": [e for r in records for e in r["leaks"]][:10]}
    return {f"{k}{suffix}": v for k, v in figures.items()} | {f"load_examples{suffix}": examples}
