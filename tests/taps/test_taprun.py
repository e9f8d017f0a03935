"""The taps tier's own machinery: the in-process runner and the retries without waits.

``run_tap`` runs the tap's click command in this process; these tests hold it to
what the installed executable gives for the same input (``run_tap_cli``).
"""

from __future__ import annotations

import re

import pytest
from singer_sdk import RESTStream

from tests.support.audience import ACCOUNTS, TAP, tap_config, truth
from tests.taprun import TapRun, discover, run_tap, run_tap_cli, select_only


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


#: The tap's WARNING line for each retry, which says how long it waits.
RETRY = re.compile(r"retrying in ([\d.]+) s after try (\d+) of \d+")


def retries(run: TapRun) -> list[tuple[str, int]]:
    """(seconds waited, try) of each retry the tap logged."""
    return [(match[1], int(match[2])) for match in RETRY.finditer(run.stderr)]


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's random jitter off, so a retry's wait is its schedule's alone."""
    monkeypatch.setattr(RESTStream, "backoff_jitter", lambda _self, value: value)


@pytest.mark.usefixtures("no_jitter")
def test_a_tap_here_retries_without_waiting_and_loses_nothing(emulator):
    leads = f"/accounts/{ACCOUNTS[0]}/leads"
    emulator.configure_faults([{"kind": "status", "status": 500, "path": leads, "count": 2}])
    config = tap_config(emulator, account_ids=[ACCOUNTS[0]])

    run = run_tap(TAP, config, catalog=select_only(discover(TAP, config), {"leads"}))

    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.records["leads"]) == len(truth(emulator, ACCOUNTS[0], "leads"))
    assert emulator.stats()["faults_injected"] == 2
    assert retries(run) == [("0.0", 1), ("0.0", 2)]


@pytest.mark.real_backoff
@pytest.mark.usefixtures("no_jitter")
def test_a_real_backoff_test_waits_the_tap_s_own_schedule(emulator):
    leads = f"/accounts/{ACCOUNTS[0]}/leads"
    emulator.configure_faults([{"kind": "status", "status": 500, "path": leads, "count": 1}])
    config = tap_config(emulator, account_ids=[ACCOUNTS[0]])

    run = run_tap(TAP, config, catalog=select_only(discover(TAP, config), {"leads"}))

    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.records["leads"]) == len(truth(emulator, ACCOUNTS[0], "leads"))
    assert retries(run) == [("1.0", 1)]
