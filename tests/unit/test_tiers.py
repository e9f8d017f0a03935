"""The unit tier runs without the emulator (it is a fixture of the other tiers only)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.support.meltano import PROJECT_ROOT

#: pytest on one unit module, with starting an emulator made an error.
NO_EMULATOR = textwrap.dedent(
    """
    import sys

    import pytest
    from video_api_emulator.process import EmulatorProcess

    def refuse(self):
        raise RuntimeError("the unit tier started an emulator")

    EmulatorProcess.start = refuse
    sys.exit(pytest.main(["tests/unit/test_apivideo_auth.py", "-q", "-p", "no:cacheprovider"]))
    """
)


def test_the_unit_tier_starts_no_emulator():
    completed = subprocess.run(
        [sys.executable, "-c", NO_EMULATOR],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "3 passed" in completed.stdout
