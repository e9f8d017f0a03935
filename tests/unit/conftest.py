"""The unit tier: one behaviour at a time, with no emulator and no network.

Every unit test runs with starting an emulator refused, the other tiers' emulator
URL unset (``make check`` runs this tier beside the taps tier in one process), and
every network connection refused: HTTP is mocked at the boundary here, and a test
that reaches for more fails naming what it reached for.
``tests/unit/test_tiers.py`` checks that collecting the tier starts none either.
"""

from __future__ import annotations

import socket
import typing as t

import pytest

from video_api_emulator.process import EmulatorProcess


class UnitTierError(RuntimeError):
    """A unit test reached for the emulator or the network."""


@pytest.fixture(autouse=True)
def _no_emulator_and_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse_emulator(_self: EmulatorProcess) -> t.NoReturn:
        raise UnitTierError("the unit tier started an emulator: move the test to a higher tier")

    def refuse_connection(self: socket.socket, address: object) -> t.NoReturn:
        raise UnitTierError(f"the unit tier connected to {address!r}: mock HTTP at the boundary")

    monkeypatch.setattr(EmulatorProcess, "start", refuse_emulator)
    monkeypatch.delenv("EMULATOR_URL", raising=False)
    monkeypatch.setattr(socket.socket, "connect", _unless_local(refuse_connection, "connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", _unless_local(refuse_connection, "connect_ex"))


def _unless_local(refuse: t.Callable[..., t.NoReturn], method: str) -> t.Callable[..., t.Any]:
    """``socket.connect``/``connect_ex`` refused for internet sockets (Unix sockets are local)."""
    original = getattr(socket.socket, method)

    def guarded(self: socket.socket, address: object) -> t.Any:  # noqa: ANN401
        if self.family in (socket.AF_INET, socket.AF_INET6):
            refuse(self, address)
        return original(self, address)

    return guarded
