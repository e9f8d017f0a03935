"""The pythons tier: every tap installed from its wheel into a venv of each claimed CPython.

The emulator runs from the project's .venv (the shared session emulator); the
venvs under test hold only a tap, video-taps-common and pytest.
"""

from __future__ import annotations

from tests.support.emulator_session import emulator, session_emulator  # noqa: F401 - fixtures
