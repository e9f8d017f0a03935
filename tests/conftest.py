"""Shared fixtures: one emulator process for the session, reset before every test."""

from __future__ import annotations

import os

import pytest

from tests.support.meltano import meltano_install
from tests.support.postgres import postgres_server
from video_api_emulator.process import EmulatorProcess

#: Started at configure time so test modules that build SDK test classes at
#: import (get_tap_test_class needs a config then) already know its URL.
_EMULATOR: EmulatorProcess | None = None


def pytest_configure(config: pytest.Config) -> None:  # noqa: ARG001
    global _EMULATOR  # noqa: PLW0603
    _EMULATOR = EmulatorProcess()
    _EMULATOR.start()
    os.environ["EMULATOR_URL"] = _EMULATOR.url


def pytest_unconfigure(config: pytest.Config) -> None:  # noqa: ARG001
    if _EMULATOR is not None:
        _EMULATOR.stop()


@pytest.fixture(scope="session")
def session_emulator() -> EmulatorProcess:
    """The session's emulator as it is, for fixtures wider than a test (no reset)."""
    assert _EMULATOR is not None
    return _EMULATOR


@pytest.fixture
def emulator(session_emulator: EmulatorProcess) -> EmulatorProcess:
    """The session's emulator, already reset to its defaults by the autouse fixture."""
    return session_emulator


@pytest.fixture(autouse=True)
def _fresh_emulator_state() -> None:
    """No test sees another's faults, volume or clock."""
    if _EMULATOR is not None:
        _EMULATOR.reset()


@pytest.fixture(scope="module")
def postgres():
    """A real PostgreSQL on loopback for one test module (started only where asked for)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def meltano_plugins() -> None:
    """Every plugin in meltano.yml installed (once per process; later calls are no-ops)."""
    meltano_install()
