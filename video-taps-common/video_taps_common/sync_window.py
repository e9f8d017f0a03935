"""The date range one sync covers: from the bookmark, minus a look-back, to a frozen end.

Every incremental stream of the family syncs the same range: it ends when the
run started (or at ``end_date`` if earlier), frozen so paging sees a fixed set
and bookmarks never pass it; and it begins at the partition's bookmark minus a
look-back, because these APIs show some rows only once processed, after a sync
may already have passed their timestamp. Rows read twice upsert on their keys.
"""

from __future__ import annotations

import datetime
import typing as t
from functools import cached_property

from video_taps_common.sdk_compat import RecordsDoNotMoveBookmarksHook
from video_taps_common.settings import as_utc, parse_datetime

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class SyncWindowMixin:
    """For ``RESTStream`` subclasses of a :class:`~video_taps_common.tap_base.VideoTap`."""

    config: t.Mapping[str, t.Any]
    video_tap: t.Any

    if t.TYPE_CHECKING:

        def get_starting_timestamp(self, context: Context | None) -> datetime.datetime | None:
            """The SDK's: the bookmark, else ``start_date``."""

    @cached_property
    def window_end(self) -> datetime.datetime:
        """The end of every request's range in this run: the run's start or ``end_date``."""
        sync_started = self.video_tap.sync_started_at
        end_date = self.config.get("end_date")
        if end_date:
            return min(sync_started, parse_datetime(end_date))
        return sync_started

    def get_replication_key_signpost(self, context: Context | None) -> datetime.datetime:  # noqa: ARG002
        """Bookmarks never pass the frozen end of this sync's range."""
        return self.window_end

    def resume_point(
        self, context: Context | None, lookback: datetime.timedelta
    ) -> datetime.datetime | None:
        """The bookmark minus ``lookback``, never before ``start_date``."""
        start = self.get_starting_timestamp(context)
        if start is None:
            return None
        floor = parse_datetime(str(self.config["start_date"]))
        return max(as_utc(start) - lookback, floor)


class ExplicitBookmarksMixin(RecordsDoNotMoveBookmarksHook):
    """Bookmarks move only when the stream says a range is done, never per record.

    The SDK saves each record's replication value, but a record of a windowed
    read is not a point before which everything was read (a window holds rows
    out of order; a day is done only after its last request). Streams call
    :meth:`save_bookmark` when a range is complete; a sync that dies mid-range
    resumes at the last completed one.
    """

    replication_key: str | None
    video_tap: t.Any

    if t.TYPE_CHECKING:

        @property
        def tap_state(self) -> dict:
            """The SDK's: the whole tap's state."""

        def get_context_state(self, context: Context | None) -> dict:
            """The SDK's: the partition's state dict."""

        @property
        def state_manager(self) -> t.Any:  # noqa: ANN401
            """The SDK's: the stream's bookmark keeper."""

    def saved_bookmark(self, context: Context | None) -> str | None:
        """The partition's bookmark as saved, read from state directly.

        The SDK's ``get_starting_replication_key_value`` is filled only once the
        partition's ``sync`` begins; a parent queueing a child's first page
        ahead (``ConcurrentPagesStream.queue_child_partitions``) needs it before that.
        """
        value = self.get_context_state(context).get("replication_key_value")
        return str(value) if value else None

    def save_bookmark(self, context: Context | None, value: str) -> None:
        """Save ``value`` as the partition's bookmark and emit STATE now, records or not.

        The SDK's own checkpoint writes STATE only if a RECORD went out since
        the last one, so a run of empty windows or days (a backfill over a
        quiet year) emitted none, and a run killed there started again at the
        first of them. The tap's state writer emits whenever the state changed.
        """
        self.state_manager.increment_state(
            {self.replication_key: value}, context=context, replication_key=self.replication_key
        )
        self.video_tap.state_writer.write_state(self.tap_state)
