"""Every tap, installed from its wheel, on every CPython the packages claim.

For each claimed CPython (``tests/support/pythons.py``) and each tap, a fresh
venv of that interpreter gets the tap's wheel and video-taps-common's, built from
this checkout as a release builds them (their other dependencies from the
index), and pytest. In that venv the SDK's standard tap tests run
(``in_venv/installed_tap.py``), then one sync through the tap's executable
lands every record the emulator holds for it. The emulator runs from the
project's .venv.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from uv import find_uv_bin

from tests.support.meltano import PROJECT_ROOT
from tests.support.pythons import Interpreter, interpreters, version_of
from tests.support.standard_configs import EMULATOR_SETTINGS, TAPS
from tests.support.tap_syncs import assert_sync_lands_the_truth, user_env

COMMON = "video-taps-common"
#: What the venv needs to run the standard tests, besides the two wheels
#: (the ranges of requirements-dev.txt).
TEST_REQUIREMENTS = ("pytest>=8,<10", "pytest-timeout>=2.3")
IN_VENV = Path(__file__).parent / "in_venv"


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheels of video-taps-common and every tap, built from this checkout."""
    out = tmp_path_factory.mktemp("wheels")
    builds = {
        folder: subprocess.Popen(
            [sys.executable, "-m", "build", "--wheel", "--installer", "uv", "--outdir", str(out)],
            cwd=PROJECT_ROOT / folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for folder in (COMMON, *TAPS)
    }
    found = {}
    for folder, build in builds.items():
        output, _ = build.communicate(timeout=300)
        assert build.returncode == 0, f"building {folder} failed:\n{output}"
        [found[folder]] = out.glob(f"{folder.replace('-', '_')}-*-py3-none-any.whl")
    return found


def _run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        check=False,
        env=kwargs.pop("env", user_env()),
        **kwargs,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


def _outcomes(pytest_output: str) -> dict[str, int]:
    """pytest's closing counts (``12 passed, 1 skipped``), by outcome."""
    summary = pytest_output.strip().splitlines()[-1]
    return {
        outcome.rstrip("s") if outcome != "passed" else outcome: int(count)
        for count, outcome in re.findall(r"(\d+) (\w+)", summary)
    }


@pytest.mark.parametrize("interpreter", interpreters(), ids=lambda i: f"python{i.version}")
@pytest.mark.parametrize("tap", TAPS)
def test_the_tap_from_its_wheel_passes_the_sdk_tests_and_syncs(
    interpreter: Interpreter, tap: str, wheels: dict[str, Path], emulator, tmp_path: Path
):
    assert interpreter.executable, interpreter.missing
    venv = tmp_path / "venv"
    _run(find_uv_bin(), "venv", "--quiet", "--python", interpreter.executable, venv)
    python = venv / "bin" / "python"
    assert version_of(str(python)) == interpreter.version
    _run(
        find_uv_bin(),
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        wheels[tap],
        wheels[COMMON],
        *TEST_REQUIREMENTS,
    )

    emulator.reset(**EMULATOR_SETTINGS.get(tap, {}))
    standard = subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--confcutdir",
            str(IN_VENV),
            str(IN_VENV / "installed_tap.py"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        cwd=PROJECT_ROOT,
        env={
            **user_env(),
            "EMULATOR_URL": emulator.url,
            "VIDEO_TAPS_TAP": tap,
            "VIDEO_TAPS_WHEELS": f"{wheels[tap].name} {wheels[COMMON].name}",
        },
    )
    outcomes = _outcomes(standard.stdout)
    assert standard.returncode == 0, standard.stdout[-6000:] + standard.stderr[-3000:]
    assert outcomes.get("passed", 0) > 0, standard.stdout[-3000:]
    for outcome in ("failed", "error", "skipped", "xfailed", "xpassed"):
        assert outcome not in outcomes, standard.stdout[-6000:]

    assert_sync_lands_the_truth(python, tap, emulator, tmp_path)
