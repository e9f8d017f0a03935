"""Progress lines a person can read while a long sync runs, and a summary at its end.

The SDK logs one METRIC line per HTTP request at INFO: at 50 requests a second
that is 98% of a sync's log, and it still never says how far the sync is. At
INFO a tap in this family logs one progress line per stream every ``interval``
seconds (records so far, of the total the API announced when it did, percent,
rate and ETA) and a summary per stream when the run ends.

Lines the SDK writes once per partition go to DEBUG, naming the partition:
a stream with a partition per session (api.video's events) wrote hundreds of
"Starting incremental sync of 'session_events' with bookmark value …" lines
that did not say which session, and three METRIC lines (``record_count``,
``http_request_count``, ``sync_duration``) per session. This is done with
:class:`logging.Filter` objects on the stream loggers and the SDK's metrics
logger (:func:`quiet_partition_logs`), not by overriding the SDK's methods.
"""

from __future__ import annotations

import datetime
import logging
import time
import typing as t
from dataclasses import dataclass, field

from singer_sdk.metrics import Point, get_metrics_logger

#: Seconds between two progress lines of one stream.
PROGRESS_INTERVAL_SECONDS = 10.0
#: The SDK's line at the start of each partition of an incremental stream
#: (the SDK's stream state helpers); its arguments are the stream and the bookmark.
SDK_PARTITION_START = "Starting incremental sync of '%s' with bookmark value: %s"


def describe_partition(context: t.Mapping[str, t.Any] | None) -> str:
    """``account_id=123`` for a partition's context, ``all`` for a stream without one."""
    if not context:
        return "all"
    return ", ".join(f"{key}={value}" for key, value in context.items())


@dataclass
class PartitionProgress:
    """Records of one stream partition so far.

    When its stream is tracked (see :func:`quiet_partition_logs`) the stream's
    :class:`StreamProgress` logs one line for all its partitions; otherwise the
    partition logs its own every ``interval`` seconds.
    """

    stream: str
    partition: str
    logger: logging.Logger
    interval: float = PROGRESS_INTERVAL_SECONDS
    clock: t.Callable[[], float] = time.monotonic
    records: int = 0
    total: int | None = None
    started: float = field(init=False)
    _next_log: float = field(init=False)
    _stream_progress: StreamProgress | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.started = self.clock()
        self._next_log = self.started + self.interval
        self._stream_progress = _TRACKED.get(underlying_logger(self.logger))
        if self._stream_progress is not None:
            self._stream_progress.partition_started(self)

    def expect(self, total: int | None) -> None:
        """The number of records the API said this partition holds."""
        self.total = total

    def add(self, count: int = 1) -> None:
        """Count emitted records; log a line when the interval has passed."""
        self.records += count
        if self._stream_progress is not None:
            self._stream_progress.add(count)
        elif self.records % 100 == 0 and self.clock() >= self._next_log:
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


class StreamProgress(logging.Filter):
    """One stream's progress across all its partitions, and its per-partition lines at DEBUG.

    As a filter on the stream's logger it holds back the SDK's
    "Starting incremental sync …" line, which comes before its partition's
    records and does not name the partition, and logs it at DEBUG, naming the
    partition, once that partition starts (:meth:`partition_started`).
    """

    def __init__(
        self,
        stream: str,
        logger: logging.Logger,
        *,
        interval: float = PROGRESS_INTERVAL_SECONDS,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.stream = stream
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self.records = 0
        self.partitions = 0
        self.current: PartitionProgress | None = None
        self.started: float | None = None
        self._next_log = 0.0
        self._held_start: logging.LogRecord | None = None

    # Per-partition lines -----------------------------------------------------------

    def filter(self, record: logging.LogRecord) -> bool:
        """Hold the SDK's partition start line; pass everything else."""
        if record.msg != SDK_PARTITION_START:
            return True
        self._log_held_start(None)  # one whose partition never started (stream skipped)
        self._held_start = record
        return False

    def _log_held_start(self, partition: str | None) -> None:
        record, self._held_start = self._held_start, None
        if record is None or not self.logger.isEnabledFor(logging.DEBUG):
            return
        args = record.args if isinstance(record.args, tuple) else ()
        bookmark = args[1] if len(args) > 1 else None
        where = f" [{partition}]" if partition is not None else ""
        self.logger.debug(
            "Starting incremental sync of '%s'%s with bookmark value: %s",
            self.stream,
            where,
            bookmark,
        )

    # Progress ----------------------------------------------------------------------

    def partition_started(self, partition: PartitionProgress) -> None:
        """A partition begins: its held start line goes out at DEBUG, naming it."""
        self._log_held_start(partition.partition)
        now = self.clock()
        if self.started is None:
            self.started = now
            self._next_log = now + self.interval
        self.partitions += 1
        self.current = partition

    def add(self, count: int) -> None:
        """Count emitted records; one line when the interval has passed."""
        self.records += count
        if self.clock() >= self._next_log:
            self.log_line()

    def log_line(self) -> None:
        """Records so far (of the total, when the API announced one), rate, ETA."""
        now = self.clock()
        self._next_log = now + self.interval
        elapsed = max(now - (self.started if self.started is not None else now), 1e-9)
        rate = self.records / elapsed
        current = self.current
        if self.partitions == 1 and current is not None and current.total:
            left = max(current.total - self.records, 0)
            eta = f", ETA {left / rate:,.0f} s" if rate > 0 else ""
            share = self.records / current.total
            done = f"{self.records:,} of {current.total:,} records ({share:.1%})"
            self.logger.info(
                "Progress %s: %s, %s records/s%s", self.stream, done, f"{rate:,.0f}", eta
            )
            return
        where = ""
        if self.partitions > 1 and current is not None:
            of_total = f" of {current.total:,}" if current.total else ""
            where = f"; now [{current.partition}]: {current.records:,}{of_total} records"
        plural = "s" if self.partitions != 1 else ""
        self.logger.info(
            "Progress %s: %s records from %d partition%s, %s records/s%s",
            self.stream,
            f"{self.records:,}",
            self.partitions,
            plural,
            f"{rate:,.0f}",
            where,
        )


class PartitionMetricsToDebug(logging.Filter):
    """The SDK's METRIC lines of one partition (a ``context`` tag) go to DEBUG.

    Lines of a whole stream stay at INFO. ``http_request_duration`` is at DEBUG
    already (see ``VideoStream.log_request_duration``).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Pass stream lines; demote partition lines, passing them only when DEBUG is on."""
        args = record.args if isinstance(record.args, tuple) else ()
        point = args[0] if args else None
        if not (isinstance(point, Point) and point.tags.get("context")):
            return True
        if record.levelno <= logging.DEBUG:
            return True
        record.levelno = logging.DEBUG
        record.levelname = logging.getLevelName(logging.DEBUG)
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


#: The stream progress of each tracked stream logger (the newest run's).
_TRACKED: dict[logging.Logger, StreamProgress] = {}


def underlying_logger(logger: logging.Logger | logging.LoggerAdapter) -> logging.Logger:
    """The ``Logger`` itself: filters and trackers belong to it, not to an adapter.

    singer-sdk 0.55 hands streams a ``LoggerAdapter`` (0.54 a ``Logger``); an
    adapter has no filters of its own, and each may be a new wrapper object.
    """
    while isinstance(logger, logging.LoggerAdapter):
        logger = logger.logger
    return logger


def quiet_partition_logs(
    stream_loggers: t.Mapping[str, logging.Logger | logging.LoggerAdapter],
    *,
    interval: float = PROGRESS_INTERVAL_SECONDS,
    clock: t.Callable[[], float] = time.monotonic,
) -> dict[str, StreamProgress]:
    """Track each stream's progress, and send per-partition lines to DEBUG.

    Called when a run starts, with ``{stream name: stream logger}``; a later
    run in the same process replaces the earlier run's trackers. Returns the
    trackers by stream name.
    """
    tracked: dict[str, StreamProgress] = {}
    for stream, stream_logger in stream_loggers.items():
        logger = underlying_logger(stream_logger)
        previous = _TRACKED.pop(logger, None)
        if previous is not None:
            logger.removeFilter(previous)
        progress = StreamProgress(stream, logger, interval=interval, clock=clock)
        tracked[stream] = progress
        logger.addFilter(progress)
        _TRACKED[logger] = progress
    metrics_logger = get_metrics_logger()
    if not any(isinstance(f, PartitionMetricsToDebug) for f in metrics_logger.filters):
        metrics_logger.addFilter(PartitionMetricsToDebug())
    return tracked


@dataclass
class StreamSummary:
    """What a stream did in this run, for the closing summary line."""

    stream: str
    records: int = 0
    seconds: float = 0.0
    partitions: int = 0
    failed: list[str] = field(default_factory=list)
    #: The newest bookmark the stream's state holds at the end of the run.
    bookmark: str | None = None

    def add(self, progress: PartitionProgress, *, failed: bool) -> None:
        """Fold a finished (or failed) partition in."""
        self.records += progress.records
        self.seconds += progress.elapsed
        self.partitions += 1
        if failed:
            self.failed.append(progress.partition)

    def line(self) -> str:
        """``view_events: 60,000 records from 2 partitions in 24.1 s (2,490 records/s)``.

        Then ``; bookmark <value>`` when the stream keeps one (so a reader of the
        log, or an orchestrator reporting the run, sees where the sync reached
        without asking meltano for the stored state), and ``; FAILED: ...``.
        """
        rate = self.records / self.seconds if self.seconds > 0 else 0.0
        text = (
            f"{self.stream}: {self.records:,} records from {self.partitions} "
            f"partition{'s' if self.partitions != 1 else ''} in {self.seconds:,.1f} s "
            f"({rate:,.0f} records/s)"
        )
        if self.bookmark is not None:
            text += f"; bookmark {self.bookmark}"
        if self.failed:
            text += f"; FAILED: {'; '.join(self.failed)}"
        return text


def newest_bookmark(stream_state: t.Mapping[str, t.Any] | None) -> str | None:
    """The newest ``replication_key_value`` of a stream's state, over all its partitions.

    One stream's values come from one API field, so they share a format: ISO 8601
    moments (compared as moments, whatever their offset) or days. A value that is
    not a date is compared as text. Progress markers of an unfinished sync are not
    bookmarks and are left out.
    """
    state = stream_state or {}
    entries = [state, *(state.get("partitions") or [])]
    values = [
        str(entry["replication_key_value"])
        for entry in entries
        if isinstance(entry, t.Mapping) and entry.get("replication_key_value") not in (None, "")
    ]
    return max(values, key=_bookmark_order) if values else None


def _bookmark_order(value: str) -> tuple[datetime.datetime, str]:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return datetime.datetime.min.replace(tzinfo=datetime.UTC), value
    return (moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)), value
