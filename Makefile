# SkillBridge: `make demo` and `make test` set everything up on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup demo test test-quick lint clean

setup: $(STAMP)

# torch first, pinned to the CPU build on local disk: a plain requirement would pull CUDA.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	$(VENV)/bin/skillbridge model build
	touch $(STAMP)

demo: setup
	$(VENV)/bin/skillbridge demo

# everything: SQLite and PostgreSQL, slow (real model) and browser tests, over two processes
test: setup
	$(PY) -m pytest -n 2 --dist loadfile --cov --cov-branch --cov-report=term:skip-covered

# the inner loop: SQLite only, no real model, no browser
test-quick: setup
	$(PY) -m pytest -n 2 --dist loadfile -q -m "not slow and not postgres and not browser"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var
