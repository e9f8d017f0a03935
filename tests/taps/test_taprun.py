"""The taps tier's own machinery: the in-process runner and the retries without waits.

``run_tap`` runs the tap's click command in this process; these tests hold it to
what the installed executable gives for the same input (``run_tap_cli``).
"""

from __future__ import annotations

import backoff
import pytest

from tests.support.audience import ACCOUNTS, TAP, tap_config
from tests.taprun import discover, run_tap, run_tap_cli, select_only


def test_in_process_and_executable_runs_give_the_same_records_and_state(emulator):
    config = tap_config(emulator, account_ids=[ACCOUNTS[0]])
    catalog = select_only(discover(TAP, config), {"leads"})

    in_process = run_tap(TAP, config, catalog=catalog)
    executable = run_tap_cli(TAP, config, catalog=catalog)

    assert in_process.returncode == executable.returncode == 0, in_process.stderr[-2000:]
    assert in_process.records["leads"]
    assert in_process.records == executable.records
    assert in_process.final_state == executable.final_state


def test_in_process_and_executable_runs_fail_alike_on_bad_settings(emulator):
    config = {"client_id": "emulator-client-id", "api_url": f"{emulator.url}/audience/v1"}

    in_process = run_tap(TAP, config)
    executable = run_tap_cli(TAP, config)

    assert in_process.returncode == executable.returncode == 1
    assert in_process.stdout == executable.stdout == ""
    last = in_process.stderr.strip().splitlines()[-1]
    assert "client_secret" in last
    assert last.split(" ", 2)[-1] == executable.stderr.strip().splitlines()[-1].split(" ", 2)[-1]


def test_an_unexpected_exception_is_logged_with_its_traceback_and_exits_1(
    emulator, monkeypatch: pytest.MonkeyPatch
):
    """What the interpreter does with an uncaught exception: the SDK's excepthook, exit 1."""
    from tap_brightcove_audience.tap import TapBrightcoveAudience

    def broken(_self):
        raise RuntimeError("a bug in the tap")

    monkeypatch.setattr(TapBrightcoveAudience, "sync_all", broken)

    run = run_tap(TAP, tap_config(emulator))

    assert run.returncode == 1
    assert "a bug in the tap" in run.stderr
    assert "Traceback" in run.stderr


def test_retries_here_do_not_wait():
    schedule = backoff.expo(base=2, factor=1, max_value=30)
    schedule.send(None)

    assert [next(schedule) for _ in range(6)] == [0] * 6


@pytest.mark.real_backoff
def test_a_real_backoff_test_keeps_the_real_schedule():
    schedule = backoff.expo(base=2, factor=1, max_value=30)
    schedule.send(None)

    assert [next(schedule) for _ in range(6)] == [1, 2, 4, 8, 16, 30]
