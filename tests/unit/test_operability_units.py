"""What a user sees, checked without the emulator: the progress line and the one is_synced
column (split from tests/taps/test_operability.py). The plugin definitions against each
tap's --about: tests/unit/test_plugin_definitions.py.
"""

from __future__ import annotations

import logging

from video_taps_common.progress import PartitionProgress, StreamSummary, newest_bookmark


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


def test_the_summary_names_the_newest_bookmark_of_any_partition():
    state = {
        "partitions": [
            {"context": {"account_id": "1"}, "replication_key_value": "2026-03-01T10:00:00.000Z"},
            {"context": {"account_id": "2"}, "replication_key_value": "2026-03-02T09:00:00+01:00"},
            {"context": {"account_id": "3"}, "progress_markers": {"replication_key_value": "x"}},
        ]
    }
    assert newest_bookmark(state) == "2026-03-02T09:00:00+01:00"
    # An offset is compared as a moment, not as text.
    later = {"partitions": [{"replication_key_value": "2026-03-02T09:00:00+01:00"},
                            {"replication_key_value": "2026-03-02T08:30:00Z"}]}  # fmt: skip
    assert newest_bookmark(later) == "2026-03-02T08:30:00Z"
    assert newest_bookmark({"replication_key_value": "2026-03-01"}) == "2026-03-01"
    assert newest_bookmark({}) is None
    assert newest_bookmark(None) is None

    summary = StreamSummary("view_events", records=2, seconds=1.0, partitions=2)
    summary.bookmark = newest_bookmark(state)
    summary.failed.append("account_id=3")
    assert summary.line() == (
        "view_events: 2 records from 2 partitions in 1.0 s (2 records/s)"
        "; bookmark 2026-03-02T09:00:00+01:00; FAILED: account_id=3"
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
