# Every target sets up its own virtual environment, so a fresh clone needs only
# Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
STAMP_LAB := $(VENV)/.installed-lab
OUT ?= out

.PHONY: demo test lint bench lab fuzz clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or run make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[formats,agreement,web]"
	@touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[formats,agreement,web,notebooks,scale,dev]"
	@touch $@ $(STAMP_RUN)

$(STAMP_LAB): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[formats,agreement,web,notebooks]"
	@touch $@

demo: $(STAMP_RUN)
	$(BIN)/qualcode demo $(OUT)

lint: $(STAMP_DEV)
	$(BIN)/ruff check qualcode tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

bench: $(STAMP_DEV)
	$(BIN)/python benchmarks/bench_all.py

fuzz: $(STAMP_DEV)
	$(BIN)/pip install -q atheris
	$(BIN)/python fuzz/run.py --runs $(or $(FUZZ_RUNS),20000)

lab: $(STAMP_LAB)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
