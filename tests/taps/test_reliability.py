"""A user's bad day, against the emulator's fault knobs: what the shared layer must survive.

Each test shows one failure mode of video-taps-common (token endpoint outages,
one bad account, impossible state and dates, failures that must end in bounded
time) through tap-brightcove-audience, the tap that uses all of it. They run
the tap's CLI in this process with the backoff waits set to zero (see
tests/taps/conftest.py), so they count requests instead of waiting minutes; the
ones about what the executable prints last (and the corrupt state files) run it
as a subprocess.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import backoff
import pytest

from tap_brightcove_audience.tap import TapBrightcoveAudience
from tests.support.audience import (
    ACCOUNTS,
    START,
    STREAMS,
    as_api_record,
    as_emitted,
    assert_matches_truth,
    data_requests,
    tap_config,
    truth,
)
from tests.taprun import discover, run_tap, run_tap_cli, select_only
from video_taps_common import VideoStream

TAP = "tap-brightcove-audience"
#: Tries per request before the shared layer gives up (its ``backoff_max_tries``).
TRIES = 8
TOKEN_PATH = "/oauth/v4/access_token"


def requests_to(stats: dict, fragment: str) -> int:
    return sum(n for route, n in stats["requests_by_route"].items() if fragment in route)


# 1. Token endpoint outages ------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503},
        {"kind": "status", "status": 500},
        {"kind": "drop"},
    ],
    ids=["503", "500", "dropped"],
)
def test_token_endpoint_outage_at_start_is_retried(emulator, fault):
    emulator.configure_faults([{**fault, "path": TOKEN_PATH, "count": 2}])

    run = run_tap(TAP, tap_config(emulator))

    assert_matches_truth(run, emulator)
    assert emulator.stats()["faults_injected"] == 2


def test_token_endpoint_outage_at_renewal_mid_sync_is_retried(emulator):
    # 1 s tokens and a sync of several seconds: many renewals, two of them refused.
    emulator.reset(token_ttl_seconds=1, latency_ms=40, audience_view_events_per_account=600)
    emulator.configure_faults(
        [
            {"kind": "status", "status": 503, "path": TOKEN_PATH, "after": 1, "count": 1},
            {"kind": "drop", "path": TOKEN_PATH, "after": 3, "count": 1},
        ]
    )

    run = run_tap(TAP, tap_config(emulator, page_size=10, max_concurrent_requests=2))

    assert_matches_truth(run, emulator)
    stats = emulator.stats()
    assert stats["faults_injected"] == 2
    assert stats["tokens_issued"] >= 3, "the faults must have hit renewals after the first token"


# 2. One bad account -------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 403])
def test_an_account_that_fails_for_good_is_skipped_and_the_others_sync(emulator, status):
    bad, good = ACCOUNTS
    emulator.configure_faults(
        [{"kind": "status", "status": status, "path": f"/accounts/{bad}/", "count": -1}]
    )

    run = run_tap(TAP, tap_config(emulator))

    assert run.returncode != 0, "the orchestrator must be told"
    for stream in STREAMS:
        assert run.records_for(stream, bad) == []
        expected = [as_emitted(run, stream, r) for r in truth(emulator, good, stream)]
        assert [as_api_record(r) for r in run.records_for(stream, good)] == expected
    # The healthy account is checkpointed; the bad one keeps no bookmark.
    assert set(run.bookmarks("view_events")) == {good}
    assert (
        run.bookmarks("view_events")[good] == truth(emulator, good, "view_events")[-1]["updated_at"]
    )
    errors = [line for line in run.stderr.splitlines() if "ERROR" in line]
    assert any("view_events" in line and bad in line and str(status) in line for line in errors), (
        errors
    )
    assert "2 of 4 partitions failed" in run.stderr
    # Skipped at once: a 4xx is not retried.
    assert emulator.stats()["status_counts"][str(status)] == 2


def test_healthy_accounts_keep_advancing_over_runs_while_one_is_broken(emulator):
    bad, good = ACCOUNTS
    emulator.configure_faults(
        [{"kind": "status", "status": 404, "path": f"/accounts/{bad}/", "count": -1}]
    )
    first = run_tap(TAP, tap_config(emulator))
    emulator.advance(2 * 86_400)

    second = run_tap(TAP, tap_config(emulator), state=first.final_state)

    assert second.returncode != 0
    before = first.bookmarks("view_events")[good]
    after = second.bookmarks("view_events")[good]
    assert after > before
    assert after == truth(emulator, good, "view_events")[-1]["updated_at"]


def test_a_token_rejected_again_after_renewal_fails_only_that_account(emulator):
    bad, good = ACCOUNTS
    emulator.configure_faults([{"kind": "revoke_token", "path": f"/accounts/{bad}/", "count": -1}])

    run = run_tap(TAP, tap_config(emulator))

    assert run.returncode != 0
    assert run.records_for("view_events", bad) == []
    assert len(run.records_for("view_events", good)) == len(truth(emulator, good, "view_events"))
    assert "401" in run.stderr


def test_wrong_credentials_stop_the_run_once_not_per_account(emulator):
    run = run_tap(TAP, tap_config(emulator, client_secret="wrong"))

    assert run.returncode != 0
    assert data_requests(emulator.stats()) == 0
    assert requests_to(emulator.stats(), "access_token") == 1
    assert run.stderr.strip().splitlines()[-1].count("client_secret") == 1


# 3. State and dates that cannot be right --------------------------------------------


def test_a_bookmark_beyond_the_end_of_the_sync_stops_before_any_request(emulator):
    first = run_tap(TAP, tap_config(emulator))
    state = json.loads(json.dumps(first.final_state))
    for partition in state["bookmarks"]["view_events"]["partitions"]:
        if partition["context"]["account_id"] == ACCOUNTS[0]:
            partition["replication_key_value"] = "2030-01-01T00:00:00Z"
    emulator.reset()

    run = run_tap(TAP, tap_config(emulator), state=state)

    assert run.returncode != 0
    assert not run.records
    assert not run.schemas
    last_line = run.stderr.strip().splitlines()[-1]
    for part in ("view_events", ACCOUNTS[0], "2030-01-01T00:00:00Z", "meltano state clear"):
        assert part in last_line
    assert data_requests(emulator.stats()) == 0


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2026-13-45"}, "start_date"),
        ({"end_date": "soon"}, "end_date"),
        ({"start_date": "2026-03-01", "end_date": "2026-02-01"}, "is after `end_date`"),
    ],
)
def test_bad_dates_are_named_before_anything_is_written(emulator, overrides, named):
    run = run_tap(TAP, tap_config(emulator, **overrides))

    assert run.returncode != 0
    assert not run.stdout.strip(), "no SCHEMA or RECORD before the settings are known good"
    last_line = run.stderr.strip().splitlines()[-1]
    assert named in last_line
    assert "ISO-8601" in last_line or "after" in last_line
    assert "Traceback" not in run.stderr
    assert data_requests(emulator.stats()) == 0


def test_missing_required_settings_are_named_on_the_last_line(emulator):
    config = {"client_id": "emulator-client-id", "api_url": f"{emulator.url}/audience/v1"}

    for extra in ((), ("--test",)):
        run = run_tap_cli(TAP, config, extra_args=extra)

        assert run.returncode != 0
        last_line = run.stderr.strip().splitlines()[-1]
        for setting in ("client_secret", "account_ids", "start_date"):
            assert f"`{setting}`" in last_line, (extra, last_line)
        assert "Traceback" not in run.stderr


def test_a_secret_setting_of_the_wrong_type_is_named_but_not_shown(emulator):
    run = run_tap(TAP, tap_config(emulator, client_secret=123456789))

    assert run.returncode != 0
    assert "client_secret" in run.stderr
    assert "123456789" not in run.stderr


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "got an array"),
        ('{"bookmarks": "yes"}', "`bookmarks` must be an object"),
        (
            '{"bookmarks": {"view_events": {"partitions": [{"context": {"account_id": '
            '"6415818918001"}, "replication_key": "updated_at", '
            '"replication_key_value": "not-a-date"}]}}}',
            "is not a date-time",
        ),
    ],
    ids=["not-json", "array", "bookmarks-string", "non-date-bookmark"],
)
def test_a_corrupt_state_file_is_rejected_up_front(emulator, tmp_path, content, problem):
    state_file = tmp_path / "state.json"
    state_file.write_text(content)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(tap_config(emulator)))

    tap = Path(sys.executable).parent / TAP
    completed = subprocess.run(
        [str(tap), "--config", str(config_file), "--state", str(state_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode != 0
    assert not completed.stdout.strip()
    last_line = completed.stderr.strip().splitlines()[-1]
    assert problem in last_line
    if problem != "is not a date-time":
        assert str(state_file) in last_line
    else:
        assert "view_events" in last_line
        assert "6415818918001" in last_line
    assert "Traceback" not in completed.stderr
    assert data_requests(emulator.stats()) == 0


# 4. Failing in bounded time ----------------------------------------------------------


@pytest.fixture
def instant_retries(monkeypatch):
    """Retries without their waits, so giving up takes seconds; the tries are unchanged."""
    monkeypatch.setattr(VideoStream, "backoff_wait_generator", lambda _self: backoff.constant(0))
    monkeypatch.setattr(VideoStream, "backoff_jitter", lambda _self, value: value)


def run_in_process(config: dict, tmp_path, catalog: dict | None = None) -> tuple[int, list[dict]]:
    """The tap's CLI in this process: (exit code, Singer messages)."""
    args = ["--config", str(tmp_path / "config.json")]
    (tmp_path / "config.json").write_text(json.dumps(config))
    if catalog is not None:
        (tmp_path / "catalog.json").write_text(json.dumps(catalog))
        args += ["--catalog", str(tmp_path / "catalog.json")]
    buffer = io.BytesIO()
    stdout = io.TextIOWrapper(buffer, encoding="utf-8", write_through=True)
    code = 0
    with contextlib.redirect_stdout(stdout):
        try:
            TapBrightcoveAudience.cli.main(args=args, standalone_mode=False)
        except SystemExit as stop:
            code = int(stop.code or 0)
        stdout.flush()
    messages = [json.loads(line) for line in buffer.getvalue().decode().splitlines() if line]
    return code, messages


def view_events_only(emulator, account: str) -> tuple[dict, dict]:
    config = tap_config(emulator, account_ids=[account])
    return config, select_only(discover(TAP, config), {"view_events"})


def test_a_never_ending_fault_starts_no_new_pages_once_a_page_failed(
    emulator, tmp_path, instant_retries, caplog
):
    emulator.reset(audience_view_events_per_account=3000, audience_leads_per_account=0)
    account = ACCOUNTS[0]
    config, catalog = view_events_only(emulator, account)
    config.update(page_size=10, max_concurrent_requests=8)
    # The first page answers; every later one is a 500, forever.
    emulator.configure_faults(
        [{"kind": "status", "status": 500, "path": "/view_events", "after": 1, "count": -1}]
    )

    with caplog.at_level(logging.WARNING):
        code, _messages = run_in_process(config, tmp_path, catalog)

    assert code == 1
    tries = TRIES
    requests = requests_to(emulator.stats(), "view_events")
    # Page one, then at most the pages already in flight, each with all its tries;
    # before the fix every page of the prefetch window (16) was tried 8 times.
    assert requests <= 1 + config["max_concurrent_requests"] * tries
    assert requests >= 1 + tries
    # The log names the fault (the partition's final ERROR names its last try's answer,
    # which on a loaded machine can be a 429 from retries sent back to back).
    assert "The API failed for good on view_events" in caplog.text
    assert "500 INTERNAL_ERROR" in caplog.text


def test_a_response_slower_than_request_timeout_seconds_is_cut_and_named(
    emulator, tmp_path, instant_retries, caplog
):
    emulator.reset(
        audience_view_events_per_account=20, audience_leads_per_account=0, latency_ms=2500
    )
    config, catalog = view_events_only(emulator, ACCOUNTS[0])
    config.update(request_timeout_seconds=1, max_concurrent_requests=1)

    with caplog.at_level(logging.ERROR):
        code, messages = run_in_process(config, tmp_path, catalog)

    assert code == 1
    assert not [m for m in messages if m["type"] == "RECORD"]
    assert "request_timeout_seconds=1" in caplog.text
    assert requests_to(emulator.stats(), "view_events") == TRIES


def test_an_unreachable_oauth_url_is_named_and_stops_the_run_once(
    tmp_path, instant_retries, caplog
):
    config = {
        "client_id": "emulator-client-id",
        "client_secret": "emulator-client-secret",
        "account_ids": ACCOUNTS,
        "start_date": START,
        # Port 9 (discard) on loopback: nothing listens there.
        "api_url": "http://127.0.0.1:9/audience/v1",
        "oauth_url": "http://127.0.0.1:9/oauth/v4/access_token",
    }

    with caplog.at_level(logging.ERROR):
        code, messages = run_in_process(config, tmp_path)

    assert code == 1
    assert not [m for m in messages if m["type"] == "RECORD"]
    final = [r.getMessage() for r in caplog.records][-1]
    assert "`oauth_url`" in final
    assert "gave up after" in final


def test_an_unreachable_api_url_names_the_setting(emulator, tmp_path, instant_retries, caplog):
    config = tap_config(emulator, api_url="http://127.0.0.1:9/audience/v1")

    with caplog.at_level(logging.ERROR):
        code, _messages = run_in_process(config, tmp_path)

    assert code == 1
    final = [r.getMessage() for r in caplog.records][-1]
    assert "`api_url`" in final
    assert "http://127.0.0.1:9/audience/v1" in final
    # Nothing listens there: a few tries, not the whole schedule of 8.
    assert "connection refused" in final
    assert "gave up after 3 tries" in final
    # Stopped at once: not retried again for every account and stream.
    assert final.count("Could not connect") == 1
    assert sum("Could not connect" in r.getMessage() for r in caplog.records) <= 2
