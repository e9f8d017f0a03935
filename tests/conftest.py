"""Fixtures every tier may use; none of them starts the emulator.

The emulator is a fixture of the tiers that talk to it (``tests/emulator``,
``tests/taps``, ``tests/e2e``: see their ``conftest.py`` and
``tests/support/emulator_session.py``), so ``pytest tests/unit`` runs without one.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.emulator_session import stop_emulator
from tests.support.meltano import meltano_install
from tests.support.postgres import postgres_server


def pytest_unconfigure(config: pytest.Config) -> None:  # noqa: ARG001
    stop_emulator()


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
