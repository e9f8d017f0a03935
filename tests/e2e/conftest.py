"""The end-to-end tier: real meltano, real targets, real PostgreSQL, Dagster and dbt.

The taps run as meltano runs them (subprocesses), against the shared emulator.
"""

from __future__ import annotations

import pytest

from tests.support.emulator_session import emulator, session_emulator  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _fresh_emulator_state(request: pytest.FixtureRequest, session_emulator) -> None:  # noqa: F811
    """No test sees another's faults, volume or clock (``emulator`` resets it itself)."""
    if "emulator" not in request.fixturenames:
        session_emulator.reset()
