"""Fixtures every tier may use; none of them starts the emulator.

The emulator is a fixture of the tiers that talk to it (``tests/emulator``,
``tests/taps``, ``tests/e2e``: see their ``conftest.py`` and
``tests/support/emulator_session.py``), so ``pytest tests/unit`` runs without one.
"""

from __future__ import annotations

import typing as t
import uuid

import pytest

from tests.support.emulator_session import stop_emulator
from tests.support.meltano import meltano_install
from tests.support.postgres import postgres_server
from tests.support.run_once import note_workers_run_id, remove_run_folder


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: t.Any) -> None:  # noqa: ANN401 - xdist's WorkerController
    """xdist, in the controller: note the run id the workers share (``run_once``'s folder)."""
    note_workers_run_id(node.config, node.workerinput["testrunuid"])


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the emulator; in xdist's controller (every worker has exited) remove the run folder."""
    stop_emulator()
    remove_run_folder(config)


#: The four longest test files (minutes each: Dagster, two warehouses with dbt in
#: three files), started first when ``make test`` spreads files over xdist workers:
#: one per worker (a fifth would queue behind the first on the same worker).
LONGEST_FILES = (
    "tests/e2e/test_orchestration.py",
    "tests/e2e/test_tenant_meltano.py",
    "tests/e2e/test_transform_meltano.py",
    "tests/e2e/test_transform_duckdb_meltano.py",
)


def _start_order(item: pytest.Item) -> int:
    """0 for the longest files; 1 for the unit tier; 2 for the other e2e files; 3 the rest.

    xdist (``--dist loadfile --no-loadscope-reorder``) hands each worker two files at
    first, then one whenever it is free: each of the four longest files goes to a worker
    of its own with a unit file (seconds) behind it, and the other files follow, the
    end-to-end ones (the next longest) first. The run then ends close to its longest
    file rather than a long file started last.
    """
    path = item.nodeid.split("::", 1)[0]
    if path in LONGEST_FILES:
        return LONGEST_FILES.index(path) - len(LONGEST_FILES)
    if path.startswith("tests/unit/"):
        return 1
    if path.startswith("tests/e2e/"):
        return 2
    return 3


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest files first (see :func:`_start_order`); a stable sort keeps each file's order."""
    items.sort(key=_start_order)


@pytest.fixture(scope="session")
def postgres_session_server():
    """One real PostgreSQL on loopback for the session, started when a test first needs it."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def postgres(postgres_session_server):
    """A fresh database of its own for one test module, on the session's PostgreSQL."""
    return postgres_session_server.database(f"module_{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def meltano_plugins() -> None:
    """Every plugin in meltano.yml installed (once per process; later calls are no-ops)."""
    meltano_install()
