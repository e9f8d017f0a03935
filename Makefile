# Two commands matter to a newcomer: `make demo` and `make test` (see README).
# Everything is installed from this repository's own files into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
# Meltano installs plugins with uv, which writes no bytecode unless asked. Where Python
# may not write it at run time either (PYTHONDONTWRITEBYTECODE, as on CI machines and in
# most Docker images, or a read-only venv), every tap, target and dbt process would
# compile its modules from source on each start: measured here, 1.1 CPU-s more per tap,
# 1.6 per target-postgres and 2.5 per dbt command (README, "Installing the plugins").
export UV_COMPILE_BYTECODE := 1
LOCAL_PACKAGES := -e ./video-taps-common -e ./emulator -e ./tap-brightcove-audience -e ./tap-ibm-video -e ./tap-apivideo -e ./tap-brightcove-interactivity

.PHONY: dev demo test check test-pythons postgres test-sdk-next bench lint clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv

# A .venv made before the switch to python-backoff may also hold the original
# `backoff`, which writes the same backoff/ folder: drop it, then rewrite the
# fork's files (both steps are no-ops in a fresh .venv).
$(VENV)/.installed: $(UV) requirements-dev.txt requirements-release.txt */pyproject.toml
	$(UV) pip uninstall --quiet --python $(BIN)/python backoff
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python --reinstall-package python-backoff $(LOCAL_PACKAGES) -r requirements-dev.txt
	touch $@

# The api.video Python client (PyPI api-video, import apivideo) that the
# emulator's fidelity tests drive (tests/emulator/test_emulator_apivideo.py), in its two
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

# Every tier but the pythons tier (CI runs this): tests/e2e, tests/emulator,
# tests/taps, tests/unit, in one pytest run on
# four xdist workers, a test file each at a time (--dist loadfile). Most of the
# time is waiting (on meltano, dbt, Dagster and pip processes, rate windows,
# token lifetimes), so four workers keep two cores busy; the longest files
# start first (tests/conftest.py; --no-loadscope-reorder keeps that order).
# Set-up the workers share (meltano install, the package builds) is done once
# (tests/support/run_once.py), and each meltano command gets its own run folder
# (tests/support/meltano.py). Each worker starts its own emulator and PostgreSQL.
test: dev postgres
	$(BIN)/python -m pytest -p no:cacheprovider -n 4 --dist loadfile --no-loadscope-reorder tests/e2e tests/emulator tests/taps tests/unit

# The inner loop: the unit tier and the taps run in process against the emulator.
# Most of the taps tier's time is waiting (rate windows, token lifetimes, request
# timeouts), so four pytest-xdist workers, each with its own emulator, keep two
# cores busy; a module stays on one worker (--dist loadfile). No meltano runs here.
check: $(VENV)/.installed
	$(BIN)/python -m pytest -n 4 --dist loadfile tests/unit tests/taps

# Every tap installed from its wheel (with video-taps-common's) into a fresh venv
# of each CPython the packages claim (3.11, 3.12, 3.13: tests/support/pythons.py,
# found under pyenv or as pythonX.Y on PATH), running the SDK's standard tap
# tests and one sync against the emulator (which runs from .venv). About two
# CPU-minutes, which `make test` cannot spare within its 10 minutes on two
# cores: the GitHub workflow runs this beside it, with VIDEO_TAPS_PYTHONS
# naming the matrix's Python (python3.14 ...).
test-pythons: $(VENV)/.installed
	$(BIN)/python -m pytest -p no:cacheprovider tests/pythons

# PostgreSQL for the end-to-end tier (target-postgres, meltano's state backend):
# the server binaries, found on the machine (or installed with apt-get when root
# and missing), and one cluster initialised once under .venv/postgres. The tests'
# fixture only copies that cluster and starts a server on it
# (tests/support/postgres.py).
PG_DIR := $(VENV)/postgres
# Quick when already done (the script checks what it provided is still there).
postgres:
	tests/support/provision_postgres.sh $(PG_DIR)

# The tap tests (unit and taps tiers) with the newest singer-sdk pre-release
# swapped in: a copy of the dev environment in .venv-sdk-next, the SDK then
# upgraded past the taps' pin (a warning about the pin is expected).
SDK_NEXT_VENV := .venv-sdk-next
test-sdk-next: $(UV)
	$(UV) venv --quiet --allow-existing --python $(BIN)/python $(SDK_NEXT_VENV)
	$(UV) pip install --quiet --python $(SDK_NEXT_VENV)/bin/python $(LOCAL_PACKAGES) -r requirements-dev.txt
	$(UV) pip install --quiet --python $(SDK_NEXT_VENV)/bin/python --prerelease allow --upgrade-package singer-sdk 'singer-sdk[msgspec]'
	$(SDK_NEXT_VENV)/bin/python -c "import importlib.metadata as m; print('singer-sdk', m.version('singer-sdk'))"
	$(SDK_NEXT_VENV)/bin/python -m pytest -n 2 --dist loadfile tests/unit tests/taps

bench: dev postgres
	$(BIN)/python benchmarks/bench_audience.py
	$(BIN)/python benchmarks/bench_ibm.py
	$(BIN)/python benchmarks/bench_apivideo.py
	$(BIN)/python benchmarks/bench_interactivity.py
	$(BIN)/python benchmarks/bench_pipeline.py
	$(BIN)/python benchmarks/bench_emulator.py --requests 8000
	$(BIN)/python benchmarks/bench_orchestration.py
	$(BIN)/python benchmarks/bench_dbt.py
	$(BIN)/python benchmarks/bench_outage.py

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) $(DAGSTER_VENV) $(SDK_NEXT_VENV) .meltano output .pytest_cache
