# Every target sets up its own virtual environment, so a fresh clone needs only
# Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
OUT ?= out

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or run make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[formats,agreement,web]"
	@touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[formats,agreement,web,dev]"
	@touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/qualcode demo $(OUT)

lint: $(STAMP_DEV)
	$(BIN)/ruff check qualcode tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

bench: $(STAMP_RUN)
	$(BIN)/python benchmarks/bench_ingest.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
