"""Tap errors as meltano shows them, through the real meltano CLI.

Split from tests/taps/test_operability.py.
"""

from __future__ import annotations

import pytest

from tests.support.audience import ACCOUNTS, TAP
from tests.support.meltano import isolated_env, meltano, meltano_install


@pytest.fixture(scope="module")
def _installed() -> None:
    meltano_install(TAP, "target-jsonl")


@pytest.mark.e2e
@pytest.mark.usefixtures("_installed")
def test_meltano_config_test_names_the_missing_settings(tmp_path):
    env = {**isolated_env(tmp_path)}
    result = meltano("config", "test", TAP, environment="prod", env=env, check=False)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    shown = next(line for line in output.splitlines() if "Invalid settings" in line)
    for setting in ("client_id", "client_secret", "account_ids", "start_date"):
        assert f"`{setting}`" in shown
    assert shown.count("`client_id`") == 1


@pytest.mark.e2e
@pytest.mark.usefixtures("_installed")
def test_a_tap_error_reaches_meltanos_log_at_error_level(emulator, tmp_path):
    bad = ACCOUNTS[0]
    emulator.configure_faults(
        [{"kind": "status", "status": 404, "path": f"/accounts/{bad}/", "count": -1}]
    )
    env = isolated_env(tmp_path, emulator_url=emulator.url)

    result = meltano("run", TAP, "target-jsonl", env=env, check=False)

    assert result.returncode != 0
    lines = (result.stdout + result.stderr).splitlines()
    tap_errors = [line for line in lines if "[error" in line and TAP in line]
    assert any("RESOURCE_NOT_FOUND" in line and bad in line for line in tap_errors), tap_errors
    assert any("partitions failed" in line for line in tap_errors)
    assert not [line for line in lines if "Traceback" in line]
