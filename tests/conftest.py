"""Fixtures every tier may use; none of them starts the emulator.

The emulator is a fixture of the tiers that talk to it (``tests/emulator``,
``tests/taps``, ``tests/e2e``: see their ``conftest.py`` and
``tests/support/emulator_session.py``), so ``pytest tests/unit`` runs without one.
"""

from __future__ import annotations

import pytest

from tests.support.emulator_session import stop_emulator
from tests.support.meltano import meltano_install
from tests.support.postgres import postgres_server


def pytest_unconfigure(config: pytest.Config) -> None:  # noqa: ARG001
    stop_emulator()


@pytest.fixture(scope="module")
def postgres():
    """A real PostgreSQL on loopback for one test module (started only where asked for)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def meltano_plugins() -> None:
    """Every plugin in meltano.yml installed (once per process; later calls are no-ops)."""
    meltano_install()
