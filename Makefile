# Two commands matter to a newcomer: `make demo` and `make test` (see README).
# Everything is installed from this repository's own files into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
LOCAL_PACKAGES := -e ./video-taps-common -e ./emulator -e ./tap-brightcove-audience -e ./tap-ibm-video -e ./tap-apivideo -e ./tap-brightcove-interactivity

.PHONY: dev demo test bench lint clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv

# A .venv made before the switch to python-backoff may also hold the original
# `backoff`, which writes the same backoff/ folder: drop it, then rewrite the
# fork's files (both steps are no-ops in a fresh .venv).
$(VENV)/.installed: $(UV) requirements-dev.txt */pyproject.toml
	$(UV) pip uninstall --quiet --python $(BIN)/python backoff
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python --reinstall-package python-backoff $(LOCAL_PACKAGES) -r requirements-dev.txt
	touch $@

# The api.video Python client (PyPI api-video, import apivideo) that the
# emulator's fidelity tests drive (tests/test_emulator_apivideo.py), in its two
# versions: 1.3.0, the last with raw statistics and plays, and 1.4.7, with the
# /data/* analytics. They can't share one environment: each gets its own
# folder, which the tests put on PYTHONPATH.
APIVIDEO_CLIENT_VERSIONS := 1.3.0 1.4.7

.PHONY: apivideo-clients
apivideo-clients: $(foreach v,$(APIVIDEO_CLIENT_VERSIONS),$(VENV)/apivideo-client-$(v)/.installed)

$(VENV)/apivideo-client-%/.installed: $(UV)
	$(UV) pip install --quiet --python $(BIN)/python --target $(VENV)/apivideo-client-$* api-video==$*
	touch $@

# Dagster (orchestration/, README "Running at scale") in its own venv: its pins
# clash with the .venv's (it wants the original `backoff`, which shares a
# folder with python-backoff, and an older python-dateutil than meltano's).
# `make demo` does not need it, so it does not wait for it.
DAGSTER_VENV := .venv-dagster
$(DAGSTER_VENV)/.installed: $(UV) orchestration/pyproject.toml
	$(UV) venv --quiet --allow-existing --python $(BIN)/python $(DAGSTER_VENV)
	$(UV) pip install --quiet --compile-bytecode --python $(DAGSTER_VENV)/bin/python -e ./orchestration
	touch $@

dev: $(VENV)/.installed apivideo-clients $(DAGSTER_VENV)/.installed

demo: $(VENV)/.installed apivideo-clients
	$(BIN)/python scripts/demo.py

test: dev
	$(BIN)/python -m pytest

bench: dev
	$(BIN)/python benchmarks/bench_audience.py
	$(BIN)/python benchmarks/bench_ibm.py
	$(BIN)/python benchmarks/bench_apivideo.py
	$(BIN)/python benchmarks/bench_interactivity.py
	$(BIN)/python benchmarks/bench_emulator.py --requests 8000
	$(BIN)/python benchmarks/bench_orchestration.py
	$(BIN)/python benchmarks/bench_dbt.py
	$(BIN)/python benchmarks/bench_outage.py

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) $(DAGSTER_VENV) .meltano output .pytest_cache
