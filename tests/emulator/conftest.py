"""The emulator tier: each API's fidelity over real HTTP on loopback.

A module gets its own ``EmulatorProcess`` (``emu``), started with the module's
``BASE`` settings (none if it has no ``BASE``) and reset to them before each of
its tests; the shared one (``emulator``) is started only when a test asks for it.
"""

from __future__ import annotations

import typing as t

import pytest
import requests

from tests.support.emulator_session import emulator, session_emulator  # noqa: F401 - fixtures
from video_api_emulator.process import EmulatorProcess


def _module_settings(request: pytest.FixtureRequest) -> dict[str, t.Any]:
    return dict(getattr(request.module, "BASE", {}))


@pytest.fixture(scope="module")
def emu(request: pytest.FixtureRequest) -> t.Iterator[EmulatorProcess]:
    """This module's emulator, with the module's ``BASE`` settings."""
    with EmulatorProcess(_module_settings(request)) as proc:
        yield proc


@pytest.fixture
def fresh_emu(request: pytest.FixtureRequest, emu: EmulatorProcess) -> EmulatorProcess:
    """``emu`` reset to the module's settings: no test sees another's faults or clock."""
    emu.reset(**_module_settings(request))
    return emu


@pytest.fixture
def http() -> t.Iterator[requests.Session]:
    """A plain HTTP session, as any client of the API would have."""
    with requests.Session() as session:
        yield session
