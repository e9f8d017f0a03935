"""Progress lines of streams with a partition per session, on a step clock (split from
tests/taps/test_apivideo_logs.py).
"""

from __future__ import annotations

import logging

from video_taps_common.progress import PartitionProgress, quiet_partition_logs


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


def test_a_stream_logger_wrapped_in_an_adapter_is_tracked_as_its_logger(caplog):
    """singer-sdk 0.55 gives streams a ``LoggerAdapter``: progress must still aggregate."""
    clock = StepClock()
    logger = logging.getLogger("progress-test.adapted")
    adapter = logging.LoggerAdapter(logger, {})
    quiet_partition_logs({"adapted": adapter}, interval=10, clock=clock)

    with caplog.at_level(logging.INFO, logger="progress-test.adapted"):
        for number in range(4):  # 4 partitions of 10 records, 2.5 s each
            partition = PartitionProgress(
                "adapted", f"sessionId=se{number}", logging.LoggerAdapter(logger, {}), clock=clock
            )
            partition.expect(10)
            for _ in range(10):
                clock.now += 0.25
                partition.add()

    assert [record.getMessage() for record in caplog.records] == [
        "Progress adapted: 40 records from 4 partitions, 4 records/s; "
        "now [sessionId=se3]: 10 of 10 records",
    ]
