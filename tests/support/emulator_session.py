"""One emulator process shared by the tiers that need it, started on first use.

Nothing in the unit tier asks for it, so ``pytest tests/unit`` starts no emulator.
The emulator, taps and end-to-end tiers import the fixtures below into their
``conftest.py``; whichever asks first starts the one process, and the root
``conftest.py`` stops it when the session ends.
"""

from __future__ import annotations

import os

import pytest

from video_api_emulator.process import EmulatorProcess

_EMULATOR: EmulatorProcess | None = None


def ensure_emulator() -> EmulatorProcess:
    """The session's emulator, started now if nothing started it yet.

    Its URL is also exported as ``EMULATOR_URL``: test modules that build the
    SDK's test classes at import (``get_tap_test_class`` needs a config then)
    read it from there.
    """
    global _EMULATOR  # noqa: PLW0603
    if _EMULATOR is None:
        emulator = EmulatorProcess()
        emulator.start()
        _EMULATOR = emulator
        os.environ["EMULATOR_URL"] = emulator.url
    return _EMULATOR


def stop_emulator() -> None:
    """Stop the session's emulator if one was started (at the end of the session)."""
    global _EMULATOR  # noqa: PLW0603
    if _EMULATOR is not None:
        _EMULATOR.stop()
        _EMULATOR = None


@pytest.fixture(scope="session")
def session_emulator() -> EmulatorProcess:
    """The session's emulator as it is, for fixtures wider than a test (no reset)."""
    return ensure_emulator()


@pytest.fixture
def emulator(session_emulator: EmulatorProcess) -> EmulatorProcess:
    """The session's emulator, reset to its defaults for this test.

    No test sees another's faults, volume or clock.
    """
    session_emulator.reset()
    return session_emulator
