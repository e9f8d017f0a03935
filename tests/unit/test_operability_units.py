"""What a user sees, checked without the emulator: the progress line and the one is_synced
column (split from tests/taps/test_operability.py). The plugin definitions against each
tap's --about: tests/unit/test_plugin_definitions.py.
"""

from __future__ import annotations

import logging

from video_taps_common.progress import PartitionProgress, StreamSummary


class StepClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_line_shows_records_of_total_percent_rate_and_eta(caplog):
    clock = StepClock()
    logger = logging.getLogger("progress-test")
    progress = PartitionProgress("view_events", "account_id=1", logger, interval=10, clock=clock)
    progress.expect(60_000)

    with caplog.at_level(logging.INFO, logger="progress-test"):
        for _ in range(12):
            clock.now += 1
            progress.add(1000)  # 1,000 records a second

    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        "Progress view_events [account_id=1]: 10,000 of 60,000 records (16.7%), "
        "1,000 records/s, ETA 50 s"
    ]
    summary = StreamSummary("view_events")
    summary.add(progress, failed=False)
    assert summary.line() == (
        "view_events: 12,000 records from 1 partition in 12.0 s (1,000 records/s)"
    )


def test_is_synched_fills_the_one_is_synced_column():
    from tap_brightcove_audience.tap import TapBrightcoveAudience

    tap = TapBrightcoveAudience(
        config={
            "client_id": "id",
            "client_secret": "secret",
            "account_ids": ["1"],
            "start_date": "2026-01-01",
        }
    )
    stream = tap.streams["view_events"]

    synched = stream.post_process({"is_synched": True, "video_id": "1"}, {"account_id": "1"})
    synced = stream.post_process({"is_synced": False, "video_id": "1"}, {"account_id": "1"})

    assert synched["is_synced"] is True
    assert synced["is_synced"] is False
    assert "is_synched" not in synched
    assert "is_synched" not in stream.schema["properties"]
