"""An outage ends the run in about one retry schedule, whatever the number of partitions.

Every request gets 8 tries over about 90 s. Before the tap-wide API health
record, each partition spent that schedule in turn against an API that was
down: api.video with 41 partitions failed after an hour. Now, once one request
has used up its retries on a failure of the API itself (5xx, timeout,
connection), the next request gets a single try, and if that fails too the run
stops, naming what was not synced, with every finished partition checkpointed.

The taps run in-process through their CLI with the backoff waits set to zero:
the tests count requests and tries, never seconds.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import logging
import socket
import typing as t

import backoff
import pytest

from tap_apivideo.tap import TapApiVideo
from tap_brightcove_audience.tap import TapBrightcoveAudience
from tap_brightcove_interactivity.tap import TapBrightcoveInteractivity
from tap_ibm_video.tap import TapIbmVideo
from tests.support import apivideo as av
from tests.support import ibm
from tests.support import interactivity as inter
from tests.support.audience import ACCOUNTS, STREAMS, tap_config, truth
from tests.support.retries import log_lines, throttled_response
from video_taps_common import VideoStream

#: Tries per request (``VideoStream.backoff_max_tries``).
TRIES = 8


@pytest.fixture
def instant_retries(monkeypatch):
    """Retries without their waits, so giving up takes no time; the tries are unchanged."""
    monkeypatch.setattr(VideoStream, "backoff_wait_generator", lambda _self: backoff.constant(0))
    monkeypatch.setattr(VideoStream, "backoff_jitter", lambda _self, value: value)


def run_in_process(tap_class: t.Any, config: dict, tmp_path) -> tuple[int, list[dict]]:  # noqa: ANN401
    """The tap's CLI in this process: (exit code, Singer messages)."""
    (tmp_path / "config.json").write_text(json.dumps(config))
    buffer = io.BytesIO()
    stdout = io.TextIOWrapper(buffer, encoding="utf-8", write_through=True)
    code = 0
    with contextlib.redirect_stdout(stdout):
        try:
            tap_class.cli.main(
                args=["--config", str(tmp_path / "config.json")], standalone_mode=False
            )
        except SystemExit as stop:
            code = int(stop.code or 0)
        stdout.flush()
    messages = [json.loads(line) for line in buffer.getvalue().decode().splitlines() if line]
    return code, messages


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# What each tap needs: its class, its settings, the emulator's volume, the data path.


def audience_case(emulator) -> tuple[t.Any, dict, str]:
    return TapBrightcoveAudience, tap_config(emulator, max_concurrent_requests=1), "/audience/"


def ibm_case(emulator) -> tuple[t.Any, dict, str]:
    config = ibm.ibm_config(emulator, content_types=["live", "recorded"], max_concurrent_requests=1)
    return TapIbmVideo, config, "/ibm-analytics/"


def apivideo_case(emulator) -> tuple[t.Any, dict, str]:
    emulator.reset(**av.VOLUME)
    return TapApiVideo, av.apivideo_config(emulator, max_concurrent_requests=1), "/apivideo/"


def interactivity_case(emulator) -> tuple[t.Any, dict, str]:
    emulator.reset(**inter.FAST)
    return TapBrightcoveInteractivity, inter.interactivity_config(emulator), "/interactivity-"


CASES = {
    "audience": audience_case,
    "ibm": ibm_case,
    "apivideo": apivideo_case,
    "interactivity": interactivity_case,
}
#: Data requests answered before the API goes down: past the first partition's start.
HEALTHY_REQUESTS = {"audience": 1, "ibm": 1, "apivideo": 40, "interactivity": 10}


@pytest.mark.parametrize("tap", list(CASES))
def test_a_persistent_500_ends_the_run_after_one_retry_schedule_not_one_per_partition(
    emulator, tmp_path, instant_retries, caplog, tap
):
    tap_class, config, data_path = CASES[tap](emulator)
    emulator.configure_faults(
        [
            {
                "kind": "status",
                "status": 500,
                "path": data_path,
                "after": HEALTHY_REQUESTS[tap],
                "count": -1,
            }
        ]
    )

    with caplog.at_level(logging.INFO):
        code, _messages = run_in_process(tap_class, config, tmp_path)

    assert code == 1
    # One request's schedule (two or three where other threads had requests under way
    # when the API went down, as Interactivity's report submitter and pollers do; how
    # many depends on the machine's scheduling), then one try: before, every partition
    # used up its own 8 tries (IBM 4 partitions, api.video dozens, Interactivity 28).
    failed_requests = emulator.stats()["faults_injected"]
    assert TRIES <= failed_requests <= 3 * TRIES + 1
    lines = log_lines(caplog)
    assert "The API keeps failing" in lines[-1]
    assert "500" in lines[-1]
    assert any(line.startswith("Not synced in this run:") for line in lines)


def test_an_outage_keeps_the_bookmarks_of_partitions_finished_before_it(
    emulator, tmp_path, instant_retries, caplog
):
    first, second = ACCOUNTS
    # Streams sync leads first, then view events; one page of leads per account.
    config = tap_config(emulator, max_concurrent_requests=1, page_size=100)
    assert len(truth(emulator, first, "leads")) <= 100
    # The first account's leads answer; from then on the API is down.
    emulator.configure_faults(
        [{"kind": "status", "status": 500, "path": "/audience/", "after": 1, "count": -1}]
    )

    with caplog.at_level(logging.INFO):
        code, messages = run_in_process(TapBrightcoveAudience, config, tmp_path)

    assert code == 1
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    partitions = states[-1]["bookmarks"]["leads"]["partitions"]
    bookmarks = {p["context"]["account_id"]: p.get("replication_key_value") for p in partitions}
    assert bookmarks[first] == truth(emulator, first, "leads")[-1]["created_at"]
    assert bookmarks.get(second) is None
    lines = log_lines(caplog)
    assert "The API keeps failing" in lines[-1]
    not_synced = next(line for line in lines if line.startswith("Not synced"))
    assert f"leads [account_id={second}]" in not_synced
    assert f"leads [account_id={first}]" not in not_synced
    assert "view_events" in not_synced
    # The second account's leads had the whole schedule; view events one try.
    assert emulator.stats()["faults_injected"] == TRIES + 1


def test_a_500_of_one_account_fails_only_that_account(emulator, tmp_path, instant_retries):
    bad, good = ACCOUNTS
    emulator.configure_faults(
        [{"kind": "status", "status": 500, "path": f"/accounts/{bad}/", "count": -1}]
    )

    code, messages = run_in_process(
        TapBrightcoveAudience, tap_config(emulator, max_concurrent_requests=1), tmp_path
    )

    assert code == 1
    # The next account's first try answered, so the API works: it synced in full.
    for stream in STREAMS:
        emitted = [
            m["record"]
            for m in messages
            if m["type"] == "RECORD" and m["stream"] == stream
            and m["record"]["account_id"] == good
        ]  # fmt: skip
        assert len(emitted) == len(truth(emulator, good, stream))
    # Each of the bad account's partitions had its whole schedule, once.
    assert emulator.stats()["faults_injected"] == 2 * TRIES


# Addresses that can never answer ---------------------------------------------------------


@pytest.mark.parametrize("tap", list(CASES))
def test_a_refused_connection_is_given_up_after_three_tries_naming_the_setting(
    emulator, tmp_path, instant_retries, caplog, tap
):
    tap_class, config, _data_path = CASES[tap](emulator)
    dead = f"http://127.0.0.1:{closed_port()}/api"
    config["api_url"] = dead

    with caplog.at_level(logging.INFO):
        code, messages = run_in_process(tap_class, config, tmp_path)

    assert code == 1
    assert not [m for m in messages if m["type"] == "RECORD"]
    final = log_lines(caplog)[-1]
    assert "`api_url`" in final
    assert "connection refused" in final
    assert "gave up after 3 tries" in final
    assert sum("retrying in" in line for line in log_lines(caplog)) == 2


@pytest.mark.parametrize("tap", ["audience", "apivideo"])
def test_a_host_name_that_does_not_resolve_is_named(
    emulator, tmp_path, instant_retries, caplog, tap
):
    tap_class, config, _data_path = CASES[tap](emulator)
    config["api_url"] = "http://no-such-host.invalid/api"

    with caplog.at_level(logging.INFO):
        code, _messages = run_in_process(tap_class, config, tmp_path)

    assert code == 1
    final = log_lines(caplog)[-1]
    assert "`api_url`" in final
    assert "'no-such-host.invalid' does not resolve" in final
    assert "gave up after 3 tries" in final


# Log lines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tap", "fault"),
    [
        ("audience", {"kind": "status", "status": 500, "path": "/view_events", "count": 2}),
        ("ibm", {"kind": "status", "status": 503, "path": "/oauth2/token", "count": 2}),
    ],
    ids=["data request", "token request"],
)
def test_each_retry_is_logged_once(emulator, tmp_path, instant_retries, caplog, tap, fault):
    tap_class, config, _data_path = CASES[tap](emulator)
    emulator.configure_faults([fault])

    with caplog.at_level(logging.DEBUG):
        code, _messages = run_in_process(tap_class, config, tmp_path)

    assert code == 0
    lines = log_lines(caplog)
    assert sum("retrying in" in line for line in lines) == 2
    # The backoff library's own "Backing off ..." lines said the same again.
    assert not [line for line in lines if "Backing off" in line or "Giving up" in line]


def test_a_retry_after_a_429_names_the_wait_for_the_rate_window(emulator, caplog):
    tap = TapIbmVideo(config=ibm.ibm_config(emulator), validate_config=True)
    stream = tap.streams["views"]
    wall = datetime.datetime.now(datetime.UTC).timestamp()
    stream.rate_budget.throttled(throttled_response(40, wall))
    error = RuntimeError("429 Too Many Requests from GET /views")

    with caplog.at_level(logging.WARNING):
        stream.backoff_handler({"wait": 2.6, "tries": 1, "exception": error})

    (line,) = [line for line in log_lines(caplog) if "retrying in" in line]
    seconds = float(line.split("retrying in ")[1].split(" s")[0])
    assert 38.0 <= seconds <= 41.0
    assert "rate window" in line
