"""Quiet logs: at INFO one progress line per stream and the summary; partitions at DEBUG.

api.video's events are a partition per session, which made the SDK's
per-partition lines (a start line without the partition, three METRIC lines)
most of a sync's log. The mechanism lives in the shared layer
(``video_taps_common.progress``), so every tap gets it.
"""

from __future__ import annotations

import datetime
import json
import os

from tests.support.apivideo import ALL_STREAMS, TAP, VOLUME, apivideo_config, sessions_truth, today
from tests.taprun import discover, run_tap, select_only

SDK_START = "Starting incremental sync of"


def info_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "| INFO " in line]


def test_a_sync_with_a_partition_per_session_stays_short_at_info_and_names_partitions_at_debug(
    emulator,
):
    emulator.reset(**{**VOLUME, "apivideo_sessions_per_media": 300})
    config = apivideo_config(emulator, days=3)
    catalog = select_only(discover(TAP, config), ALL_STREAMS)
    first = today(emulator) - datetime.timedelta(days=3)
    last = today(emulator) - datetime.timedelta(days=1)
    sessions = sessions_truth(emulator, "video", first, last) + sessions_truth(
        emulator, "live_stream", first, last
    )
    assert len(sessions) > 100

    run = run_tap(TAP, config, catalog=catalog)

    assert run.returncode == 0, run.stderr[-3000:]
    info = info_lines(run.stderr)
    assert not [line for line in info if SDK_START in line]
    assert not [line for line in info if "METRIC" in line and '"context":{"' in line]
    # A fixed budget per stream, however many sessions (partitions) there are.
    assert len(run.stderr.splitlines()) < 4 * len(ALL_STREAMS)
    assert [line for line in info if "Summary session_events" in line]
    # The sessions' bookmark is the start of the last whole day read, which the summary
    # names as that day: read to its end (what a freshness check should count from).
    (sessions_summary,) = [line for line in info if "Summary video_sessions" in line]
    assert sessions_summary.endswith(f"; bookmark {last.isoformat()}"), sessions_summary
    assert "http_request_duration" not in run.stderr
    # A child syncs once per parent; its SCHEMA (unchanged) goes out once.
    schemas = [json.loads(line)["stream"] for line in run.stdout.splitlines() if '"SCHEMA"' in line]
    assert sorted(schemas) == sorted(set(schemas)) == sorted(ALL_STREAMS)

    os.environ["TAP_APIVIDEO_LOGLEVEL"] = "DEBUG"
    try:
        debug = run_tap(TAP, config, catalog=catalog)
    finally:
        del os.environ["TAP_APIVIDEO_LOGLEVEL"]
    assert debug.returncode == 0, debug.stderr[-3000:]
    starts = [
        line
        for line in debug.stderr.splitlines()
        if f"{SDK_START} 'session_events' [sessionId=" in line and "| DEBUG " in line
    ]
    assert len(starts) == len(sessions)
    durations = [line for line in debug.stderr.splitlines() if "http_request_duration" in line]
    assert durations
    assert all("| DEBUG " in line for line in durations)
    session_id = sessions[0]["session"]["sessionId"]
    assert [line for line in starts if f"[sessionId={session_id}]" in line]
    assert [
        line
        for line in debug.stderr.splitlines()
        if "| DEBUG " in line and '"record_count"' in line and session_id in line
    ]
