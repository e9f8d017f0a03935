"""Quiet logs: at INFO one progress line per stream and the summary; partitions at DEBUG.

api.video's events are a partition per session, which made the SDK's
per-partition lines (a start line without the partition, three METRIC lines)
most of a sync's log. The mechanism lives in the shared layer
(``video_taps_common.progress``), so every tap gets it.
"""

from __future__ import annotations

import datetime
import logging
import os

from tests.support.apivideo import ALL_STREAMS, TAP, VOLUME, apivideo_config, sessions_truth, today
from tests.taprun import discover, run_tap, select_only
from video_taps_common.progress import PartitionProgress, quiet_partition_logs

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
    session_id = sessions[0]["session"]["sessionId"]
    assert [line for line in starts if f"[sessionId={session_id}]" in line]
    assert [
        line
        for line in debug.stderr.splitlines()
        if "| DEBUG " in line and '"record_count"' in line and session_id in line
    ]


class StepClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_progress_line_per_stream_every_interval_across_its_partitions(caplog):
    clock = StepClock()
    logger = logging.getLogger("progress-test.session_events")
    quiet_partition_logs({"session_events": logger}, interval=10, clock=clock)

    with caplog.at_level(logging.INFO, logger="progress-test.session_events"):
        for number in range(12):  # 12 partitions of 10 records, 2.5 s each
            partition = PartitionProgress(
                "session_events", f"sessionId=se{number}", logger, clock=clock
            )
            partition.expect(10)
            for _ in range(10):
                clock.now += 0.25
                partition.add()

    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        "Progress session_events: 40 records from 4 partitions, 4 records/s; "
        "now [sessionId=se3]: 10 of 10 records",
        "Progress session_events: 80 records from 8 partitions, 4 records/s; "
        "now [sessionId=se7]: 10 of 10 records",
        "Progress session_events: 120 records from 12 partitions, 4 records/s; "
        "now [sessionId=se11]: 10 of 10 records",
    ]


def test_a_stream_of_one_partition_shows_the_total_the_api_announced(caplog):
    clock = StepClock()
    logger = logging.getLogger("progress-test.buckets")
    quiet_partition_logs({"buckets": logger}, interval=10, clock=clock)

    with caplog.at_level(logging.INFO, logger="progress-test.buckets"):
        partition = PartitionProgress("buckets", "mediaId=all", logger, clock=clock)
        partition.expect(6_000)
        for _ in range(12):
            clock.now += 1
            partition.add(100)

    assert [record.getMessage() for record in caplog.records] == [
        "Progress buckets: 1,000 of 6,000 records (16.7%), 100 records/s, ETA 50 s"
    ]
