"""RecBole 1.2.1 (the peer library) in a virtual environment of its own, to run its BPR,
LightGCN and MultiVAE on exactly our split (recbole_runner.py), for comparison with our recommender.

A separate env, because RecBole needs old numpy, pandas and scipy and pulls in ray and tensorboard,
none of which our package should carry. Only the standard library is used here.
"""
from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

RUNNER = Path(__file__).with_name("recbole_runner.py")

# One `pip install` per step, in order. Why each pin:
# * torch first and alone: ==2.13.0 takes the CPU wheel on disk, and once it is installed
#   recbole's `torch>=1.10.0` is already satisfied (else pip would fetch a CUDA build).
# * numpy 1.x: RecBole's Config sets np.float = np.float_ etc., which numpy 2 removed.
# * pandas 2.x: under pandas 3's copy-on-write, RecBole's `feat[f].fillna(inplace=True)`
#   silently does nothing.
# * scipy<1.13: LightGCN (and other graph models) build their adjacency with the private
#   dok_matrix._update, which scipy 1.13 removed.
# * setuptools<81: recbole.quick_start imports ray, and ray 2.6.3 imports pkg_resources,
#   which setuptools 81 removed. (Our runner does not need it; plain `recbole` users do.)
# ray<=2.6.3, a RecBole requirement, has a cp311 wheel and installs as is: no --no-deps needed.
RECBOLE_REQUIREMENTS: tuple[tuple[str, ...], ...] = (
    ("torch==2.13.0",),
    ("recbole==1.2.1", "numpy==1.26.4", "pandas==2.2.3", "scipy==1.12.0",
     "setuptools==80.10.2"),
)

_STAMP = ".recbole-env.json"  # written after a complete install: its requirements, in JSON
_TAIL = 40  # lines of output kept for error messages


def _python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_env(env_dir: Path) -> Path:
    """Create the benchmark venv in env_dir and install RECBOLE_REQUIREMENTS, unless a stamp
    says that was already done with these requirements. Returns the env's python."""
    env_dir = Path(env_dir).resolve()
    python, stamp = _python(env_dir), env_dir / _STAMP
    wanted = json.dumps([list(step) for step in RECBOLE_REQUIREMENTS])
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        print(f"[recbole-env] creating venv {env_dir}", file=sys.stderr, flush=True)
        _check([sys.executable, "-m", "venv", str(env_dir)], "venv creation")
    for step in RECBOLE_REQUIREMENTS:
        print(f"[recbole-env] pip install {' '.join(step)}", file=sys.stderr, flush=True)
        _check([str(python), "-m", "pip", "install", "--disable-pip-version-check", *step],
               f"pip install {' '.join(step)}")
    stamp.write_text(wanted)
    return python


def _check(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).splitlines()[-_TAIL:])
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{tail}")


def run_recbole(split_dir: Path, dataset: str, models: list[str], env_dir: Path,
                out_json: Path, epochs: int | None = None, timeout_s: int = 3600) -> dict:
    """Run recbole_runner.py in the benchmark env on the atomic files
    split_dir/dataset/dataset.{train,valid,test}.inter.

    Its log lines are passed through to our stderr as they come. Returns the JSON it wrote
    (a model that raised has {"error": traceback} there); raises RuntimeError if the run
    fails or times out."""
    python = ensure_env(env_dir)
    out_json = Path(out_json).resolve()
    out_json.unlink(missing_ok=True)  # a stale file must not pass for this run's result
    cmd = [str(python), str(RUNNER), "--data-dir", str(Path(split_dir).resolve()),
           "--dataset", dataset, "--models", *models, "--out", str(out_json)]
    if epochs is not None:
        cmd += ["--epochs", str(epochs)]
    # torch>=2.6 defaults torch.load to weights_only, which cannot read RecBole's checkpoints
    # (they pickle its Config): evaluate(load_best_model=True) fails without this.
    env = dict(os.environ, TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD="1", PYTHONUNBUFFERED="1")
    env.pop("PYTHONPATH", None)  # the runner must not see our package or its env

    tail: collections.deque[str] = collections.deque(maxlen=_TAIL)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, bufsize=1)
    timed_out = threading.Event()

    def kill() -> None:  # readline() below blocks, so the time limit is kept from a timer
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout_s, kill)
    timer.start()
    try:
        for line in proc.stdout:
            sys.stderr.write(line)
            tail.append(line.rstrip("\n"))
        rc = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    last = "\n".join(tail)
    if timed_out.is_set():
        raise RuntimeError(f"RecBole runner killed after {timeout_s}s: {' '.join(cmd)}\n{last}")
    if rc != 0:
        raise RuntimeError(f"RecBole runner failed (exit {rc}): {' '.join(cmd)}\n{last}")
    if not out_json.exists():
        raise RuntimeError(f"RecBole runner wrote no {out_json}:\n{last}")
    return json.loads(out_json.read_text())
