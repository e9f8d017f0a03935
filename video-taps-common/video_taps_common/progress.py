"""Progress lines a person can read while a long sync runs, and a summary at its end.

The SDK logs one METRIC line per HTTP request at INFO: at 50 requests a second
that is 98% of a sync's log, and it still never says how far the sync is. This
logs one line per stream and partition every ``interval`` seconds (records so
far, of the total the API announced when it did, percent, rate and ETA) and
keeps the figures for a summary per stream when the run ends.
"""

from __future__ import annotations

import logging
import time
import typing as t
from dataclasses import dataclass, field

#: Seconds between two progress lines of one partition.
PROGRESS_INTERVAL_SECONDS = 10.0


def describe_partition(context: t.Mapping[str, t.Any] | None) -> str:
    """``account_id=123`` for a partition's context, ``all`` for a stream without one."""
    if not context:
        return "all"
    return ", ".join(f"{key}={value}" for key, value in context.items())


@dataclass
class PartitionProgress:
    """Records of one stream partition so far, logged every few seconds."""

    stream: str
    partition: str
    logger: logging.Logger
    interval: float = PROGRESS_INTERVAL_SECONDS
    clock: t.Callable[[], float] = time.monotonic
    records: int = 0
    total: int | None = None
    started: float = field(init=False)
    _next_log: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()
        self._next_log = self.started + self.interval

    def expect(self, total: int | None) -> None:
        """The number of records the API said this partition holds."""
        self.total = total

    def add(self, count: int = 1) -> None:
        """Count emitted records; log a line when the interval has passed."""
        self.records += count
        if self.records % 100 == 0 and self.clock() >= self._next_log:
            self.log_line()

    def log_line(self) -> None:
        """One line: records of total, percent, rate and time left."""
        now = self.clock()
        self._next_log = now + self.interval
        elapsed = max(now - self.started, 1e-9)
        rate = self.records / elapsed
        if self.total:
            left = max(self.total - self.records, 0)
            eta = f", ETA {left / rate:,.0f} s" if rate > 0 else ""
            done = f"{self.records:,} of {self.total:,} records ({self.records / self.total:.1%})"
        else:
            done, eta = f"{self.records:,} records", ""
        self.logger.info(
            "Progress %s [%s]: %s, %s records/s%s",
            self.stream,
            self.partition,
            done,
            f"{rate:,.0f}",
            eta,
        )

    @property
    def elapsed(self) -> float:
        """Seconds since this partition started."""
        return self.clock() - self.started


@dataclass
class StreamSummary:
    """What a stream did in this run, for the closing summary line."""

    stream: str
    records: int = 0
    seconds: float = 0.0
    partitions: int = 0
    failed: list[str] = field(default_factory=list)

    def add(self, progress: PartitionProgress, *, failed: bool) -> None:
        """Fold a finished (or failed) partition in."""
        self.records += progress.records
        self.seconds += progress.elapsed
        self.partitions += 1
        if failed:
            self.failed.append(progress.partition)

    def line(self) -> str:
        """``view_events: 60,000 records from 2 partitions in 24.1 s (2,490 records/s)``."""
        rate = self.records / self.seconds if self.seconds > 0 else 0.0
        text = (
            f"{self.stream}: {self.records:,} records from {self.partitions} "
            f"partition{'s' if self.partitions != 1 else ''} in {self.seconds:,.1f} s "
            f"({rate:,.0f} records/s)"
        )
        if self.failed:
            text += f"; FAILED: {'; '.join(self.failed)}"
        return text
