"""The emulator tier: each API's fidelity over real HTTP on loopback.

Most modules start their own ``EmulatorProcess``; the shared one (``emulator``)
is started only when a test asks for it.
"""

from __future__ import annotations

from tests.support.emulator_session import emulator, session_emulator  # noqa: F401 - fixtures
