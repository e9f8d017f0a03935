"""The Analytics API's two lists: views (incremental by time window) and viewers (full)."""

from __future__ import annotations

import datetime
import hashlib
import typing as t
from dataclasses import dataclass, field

from singer_sdk.exceptions import FatalAPIError

from tap_ibm_video.client import (
    IbmPaginator,
    IbmVideoStream,
    Window,
    content_type_of,
    format_api_time,
    normalise_segment,
)
from tap_ibm_video.schemas import VIEW_SCHEMA, VIEWER_SCHEMA
from video_taps_common.settings import parse_datetime

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from video_taps_common import ResultSetShiftedError

#: A window is read again at most this often when its result set moves while paging.
MAX_WINDOW_REREADS = 3


@dataclass(eq=False)
class ViewTracker:
    """What one sync of one partition has emitted, to emit each view once.

    By default the API returns a view in every window it touches: the one it
    started in and the one it finished in. Views that can come back in a later
    window (unfinished, or finishing at or after the current window's end) are
    remembered until they cannot; the current window's other views are kept
    only as 64-bit digests, for a window read again after its result set
    moved, and forgotten when the window is done. Memory follows the views of
    one window and the views in progress, not the size of the sync.
    """

    #: view_id -> finished_at (None while unfinished) of views that may come back.
    open_views: dict[str, datetime.datetime | None] = field(default_factory=dict)
    #: Digests of the current window's views.
    window_views: set[int] = field(default_factory=set)
    #: Views emitted while still running, in this sync.
    unfinished_emitted: int = 0

    def __repr__(self) -> str:
        """Short: runs carry the tracker, and a run's context is logged with its requests."""
        return f"ViewTracker({len(self.open_views)} open views)"

    def first_sighting(self, row: dict, window_end: datetime.datetime) -> bool:
        """Remember ``row``'s view, read in a window ending at ``window_end``; ``False`` if seen."""
        view_id = str(row.get("view_id"))
        digest = _digest(view_id)
        if digest in self.window_views or view_id in self.open_views:
            return False
        self.window_views.add(digest)
        finished = row.get("finished_at")
        finished_at = parse_datetime(finished) if finished else None
        if finished_at is None or finished_at >= window_end:
            self.open_views[view_id] = finished_at
        if finished_at is None:
            self.unfinished_emitted += 1
        return True

    def window_done(self, window_end: datetime.datetime) -> None:
        """Forget the views that cannot come back in this sync's later windows."""
        self.window_views = set()
        self.open_views = {
            view_id: finished_at
            for view_id, finished_at in self.open_views.items()
            if finished_at is None or finished_at >= window_end
        }


def _digest(view_id: str) -> int:
    """A 64-bit digest of a view id, stable across processes."""
    return int.from_bytes(hashlib.blake2b(view_id.encode(), digest_size=8).digest(), "big")


class ViewsStream(IbmVideoStream):
    """Every view segment that overlaps the sync's range, each once per sync.

    The range runs from the bookmark minus ``lookback_hours`` to the moment the
    sync started (or ``end_date``), read in windows of ``window_hours``, one
    run each. Within a window pages are fetched concurrently and emitted in order.
    """

    name = "views"
    path = "/views"
    primary_keys = ("account_id", "view_id")
    replication_key = "started_at"
    schema = VIEW_SCHEMA
    #: The bookmark is written per finished window (``run_done``), not per
    #: record, so it is resumable: a sync that dies mid-range resumes at the
    #: last finished window.
    explicit_bookmarks = True
    is_sorted = True
    #: Records are not in ``started_at`` order across windows (a window also
    #: returns views that started before it), and are not compared.
    check_sorted = False
    STATE_MSG_FREQUENCY = 1000

    def get_new_paginator(self) -> IbmPaginator:
        """Pages of a window; views finish or get processed while we page, so shifts are detected.

        The view that appears can push every later item one page on: a page
        whose ``count`` differs from page 1's makes the window be read again
        (:meth:`run_shifted`).
        """
        return IbmPaginator(self.page_size, detect_shifts=True)

    def windows(self, context: Context | None) -> list[Window]:
        """The sync's range cut into ``window_hours`` pieces, oldest first."""
        lookback = datetime.timedelta(hours=int(self.config.get("lookback_hours") or 0))
        # The API takes whole seconds; a range that ends on one is read exactly.
        range_end = self.sync_end.replace(microsecond=0)
        start = (self.resume_point(context, lookback) or range_end).replace(microsecond=0)
        step = datetime.timedelta(hours=int(self.config.get("window_hours") or 24))
        windows = []
        while start < range_end:
            end = min(start + step, range_end)
            windows.append(Window(start=start, end=end))
            start = end
        return windows

    def runs(self, context: Context | None) -> list[Context]:
        """One run per window, oldest first, sharing one :class:`ViewTracker` (``views``).

        A view still running is emitted as the API shows it, and is not waited
        for: the API returns a view that "started before the date range and
        ended in the defined range" (docs/vendors/ibm-video.md#range-semantics), so the
        sync whose range holds its finish emits its final
        values, under the same ``view_id`` for the target to upsert. Holding
        the bookmark at its start instead made every later sync re-read all
        views since, for as long as the view ran.
        """
        views = ViewTracker()
        windows = self.windows(context)
        return [
            {**(context or {}), "window": window, "views": views, "last": index == len(windows) - 1}
            for index, window in enumerate(windows)
        ]

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        """The run's window as ``date_time_from``/``date_time_to`` with explicit UTC offsets."""
        params = super().get_url_params(context, next_page_token)
        window = (context or {}).get("window")
        if window is not None:
            params["date_time_from"] = format_api_time(window.start)
            params["date_time_to"] = format_api_time(window.end)
        return params

    def run_records(self, run: Context | None, response: requests.Response) -> t.Iterator[dict]:
        """The page's views this sync has not emitted yet."""
        run = run or {}
        views: ViewTracker = run["views"]
        window_end = run["window"].end
        for row in self.parse_response(response):
            if views.first_sighting(row, window_end):
                yield row

    def run_done(self, context: Context | None, run: Context | None) -> None:
        """The window is read: forget its views, move the bookmark to its end."""
        run = run or {}
        views: ViewTracker = run["views"]
        window: Window = run["window"]
        views.window_done(window.end)
        self.save_bookmark(context, format_api_time(window.end))
        if run["last"] and views.unfinished_emitted:
            self.logger.info(
                "%s [%s]: %d views were still running and were emitted as they stand; "
                "each is emitted again, final, by the sync whose range holds its finish",
                self.name,
                content_type_of(context),
                views.unfinished_emitted,
            )

    def run_shifted(
        self,
        context: Context | None,
        run: Context | None,
        shift: ResultSetShiftedError,
        last_record: dict | None,  # noqa: ARG002
        rereads: int,
    ) -> Context | None:
        """Read the window again (views already emitted are skipped), at most 3 times."""
        window: Window = (run or {})["window"]
        if rereads > MAX_WINDOW_REREADS:
            msg = (
                f"{self.name} window {format_api_time(window.start)} to "
                f"{format_api_time(window.end)}: the result set kept changing while paging "
                f"({MAX_WINDOW_REREADS} re-reads); the bookmark stays before this window"
            )
            raise FatalAPIError(msg) from shift
        self.logger.warning(
            "%s [%s] window %s to %s: %s; reading the window again",
            self.name,
            content_type_of(context),
            format_api_time(window.start),
            format_api_time(window.end),
            shift,
        )
        return run

    def post_process(self, row: dict, context: Context | None = None) -> dict:  # noqa: ARG002
        """One type per field."""
        return normalise_segment(row)


class ViewersStream(IbmVideoStream):
    """Every viewer with their view segments: a full table, replaced on each sync."""

    name = "viewers"
    path = "/viewers"
    primary_keys = ("account_id", "viewer_identifier", "viewers_scope")
    schema = VIEWER_SCHEMA

    def post_process(self, row: dict, context: Context | None = None) -> dict:
        """Typed segments, and the endpoint the viewer was listed by."""
        segments = row.get("segments")
        if isinstance(segments, list):
            row["segments"] = [
                normalise_segment(segment) for segment in segments if isinstance(segment, dict)
            ]
        row["viewers_scope"] = content_type_of(context)
        return row


#: The tap's stream registry: every stream, declared once (its class; each is selected by
#: default, the SDK's ``selected_by_default``). Everything else that names streams derives
#: from it or is checked against it (tests/unit/test_registry.py).
STREAMS: tuple[type[IbmVideoStream], ...] = (ViewsStream, ViewersStream)
