"""The taps tier: each tap run in this process against the shared emulator.

The emulator starts when this folder is collected: ``test_tap_standard.py``
builds the SDK's test classes at import, with the emulator's URL in their config.
"""

from __future__ import annotations

import logging
import typing as t

import pytest

from tests.support.emulator_session import emulator, ensure_emulator, session_emulator  # noqa: F401 - fixtures
from tests.support.retries import quick_retries


def pytest_configure(config: pytest.Config) -> None:
    """Start the emulator, except in pytest-xdist's controller (it runs no test)."""
    is_xdist_controller = bool(config.getoption("numprocesses", None)) and not hasattr(
        config, "workerinput"
    )
    if not is_xdist_controller:
        ensure_emulator()


@pytest.fixture(autouse=True)
def _fresh_emulator_state(request: pytest.FixtureRequest, session_emulator) -> None:  # noqa: F811
    """No test sees another's faults, volume or clock (``emulator`` resets it itself)."""
    if "emulator" not in request.fixturenames:
        session_emulator.reset()


@pytest.fixture(autouse=True)
def _quick_retries(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Taps retry here without waiting out their backoff (see tests/support/retries.py)."""
    quick_retries(request, monkeypatch)


@pytest.fixture(autouse=True)
def _no_leaked_console_handlers() -> t.Iterator[None]:
    """Drop the console handlers an in-process CLI run added to the root logger.

    Each read of a tap's ``cli`` adds the SDK's console handler on the stderr of
    the moment; left behind, it would write later tests' logs to a closed stream.
    """
    root = logging.getLogger()
    before = set(root.handlers)
    yield
    for handler in root.handlers:
        if type(handler) is logging.StreamHandler and handler not in before:
            root.removeHandler(handler)
