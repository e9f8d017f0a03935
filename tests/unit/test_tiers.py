"""``pytest tests/unit`` starts no emulator: it is a fixture of the other tiers only.

Running the unit tests under the refusal is ``conftest.py``'s part (every unit test runs
with starting an emulator and connecting anywhere refused). What it cannot see is the
tier's start-up: a ``pytest_configure`` or an import at collection that starts one (as
the taps tier's does). So the whole tier is collected here, alone, in a fresh
interpreter where starting an emulator is an error, and every unit module must load.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.support.meltano import PROJECT_ROOT

#: ``pytest --collect-only tests/unit`` with starting an emulator made an error.
COLLECT_WITHOUT_EMULATOR = textwrap.dedent(
    """
    import sys

    import pytest
    from video_api_emulator.process import EmulatorProcess

    def refuse(self):
        raise RuntimeError("collecting the unit tier started an emulator")

    EmulatorProcess.start = refuse
    sys.exit(pytest.main(["tests/unit", "--collect-only", "-q", "-p", "no:cacheprovider"]))
    """
)


def test_collecting_the_unit_tier_alone_starts_no_emulator_and_loads_every_module():
    completed = subprocess.run(
        [sys.executable, "-c", COLLECT_WITHOUT_EMULATOR],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    output = completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.returncode == 0, output
    collected = {line.split("::")[0] for line in completed.stdout.splitlines() if "::" in line}
    modules = {
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "tests" / "unit").glob("test_*.py")
    }
    assert collected == modules, output
