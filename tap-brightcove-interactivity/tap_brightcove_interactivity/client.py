"""The report stream: submit, wait, download, type and key one engagement report.

Every report works the same way (docs/vendors/brightcove-interactivity.md#asynchronous-reports):
``GET {api_url}/{report_name}?send_status=true&...`` answers 202 while the report is generated and
200 with the whole report when it is done; so one class serves all twelve streams, each instance
made for one report spec (``streams.STREAMS``).
"""

from __future__ import annotations

import copy
import tempfile
import time
import typing as t
from collections import deque
from dataclasses import dataclass
from functools import cached_property
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import requests
import urllib3
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.mapper import RemoveRecordTransform
from singer_sdk.singerlib import SchemaMessage

from tap_brightcove_interactivity import cells
from tap_brightcove_interactivity.row_keys import EventKeys, SummaryKeys
from tap_brightcove_interactivity.scheduler import (
    BudgetSpentError,
    ReportRequest,
    ReportThrottledError,
)
from tap_brightcove_interactivity.schemas import (
    ACCOUNT_ID,
    REPORT_END,
    REPORT_START,
    ROW_KEY,
    UNDECLARED_COLUMN_SCHEMA,
    ReportSpec,
    report_schema,
)
from video_taps_common import VideoStream
from video_taps_common.errors import CredentialsRejectedError, RunAbortingError

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.mapper import StreamMap

    from video_taps_common.tap_base import VideoTap

#: Polling waits grow with the time a report has taken so far (a quarter of
#: it), from ``poll_interval_milliseconds`` up to this: a report that took an hour
#: is not polled every five seconds, and one about to finish is not missed by
#: long.
MAX_POLL_INTERVAL_SECONDS = 60.0
POLL_GROWTH = 0.25
#: How often a report still being generated is mentioned at INFO.
WAIT_LOG_INTERVAL_SECONDS = 30.0
#: Read size when spooling a report body.
DOWNLOAD_CHUNK_BYTES = 1 << 20
#: Downloads of one finished report whose body does not parse (cut short)
#: before its partition fails. Each comes from the API's one-day cache, so it
#: costs no report budget.
BODY_TRIES = 4
_OWN_FIELDS = frozenset({ROW_KEY, ACCOUNT_ID, REPORT_START, REPORT_END})


class ReportTimeoutError(RunAbortingError):
    """A report was still being generated after ``report_timeout_seconds``."""


class ReportDataError(FatalAPIError):
    """A report's content does not fit the declared schema (e.g. text in an integer column)."""


@dataclass
class SpooledReport:
    """A finished report's body, on disk rather than in memory."""

    body: t.BinaryIO
    size: int

    def close(self) -> None:
        """Delete the temporary file."""
        self.body.close()


class ReportStream(VideoStream[None]):
    """One engagement report, synced per account (each account its own partition).

    One instance per report spec (``streams.STREAMS``): the spec gives the
    stream's name, schema, replication key and primary key. Records come from
    :meth:`request_records`, the SDK's hook, overridden: a report is submitted,
    polled and downloaded whole, so the SDK's paginator and ``parse_response``
    have nothing to page. Requests go through the family's ``send_request``
    (the authenticator, a rejected token renewed once) and the SDK's
    ``validate_response``, ``backoff_*`` and ``timeout``; the family's base
    gives the signpost: the run's start by the API's clock (or ``end_date``),
    beyond which ``check_bookmarks`` refuses a bookmark.
    """

    path = ""
    #: Bookmarks move only when a whole window was read (``save_bookmark``).
    explicit_bookmarks = True
    is_sorted = True
    check_sorted = False

    def __init__(self, tap: VideoTap, spec: ReportSpec) -> None:
        """The stream of report ``spec``; a catalog may still set its keys (``apply_catalog``)."""
        #: The report this stream reads: name, grain, columns, identity.
        self.spec = spec
        super().__init__(tap, name=spec.name, schema=report_schema(spec))
        self.primary_keys = spec.key_properties
        if spec.grain == "event":
            self.replication_key = spec.time_column
        elif self.video_tap.summary_by_day:
            self.replication_key = REPORT_START
        self._deferred_version: int | None = None
        self._complete_partitions = 0

    # Shape --------------------------------------------------------------------------

    @property
    def stream_maps(self) -> list[StreamMap]:
        """The SDK's stream maps of this report, registered under its own key properties.

        The tap's mapper registers each stream with the catalog entry's
        top-level ``key_properties`` only, while the SDK's ``apply_catalog``
        takes the stream's keys from ``table-key-properties`` too; SCHEMA
        messages carry the maps' keys, so the maps are registered again, once,
        with :attr:`primary_keys` where they differ.
        """
        maps = self._keyed_stream_maps
        if maps is None:
            maps = super().stream_maps
            registered = maps[0].raw_key_properties
            if list(registered or ()) != list(self.primary_keys):
                self.register_stream_maps(maps, maps[0].raw_schema)
            self._keyed_stream_maps = maps
        return maps

    _keyed_stream_maps: list[StreamMap] | None = None

    def register_stream_maps(self, maps: list[StreamMap], schema: dict) -> None:
        """Register ``schema`` and the stream's keys with the mapper; ``maps`` follow in place.

        ``maps`` is the list the SDK's sync loop holds for this stream, so
        records and SCHEMA messages from here on go through the new maps (the
        ``stream_maps`` setting, flattening) too.
        """
        mapper = self.video_tap.mapper
        mapper.register_raw_stream_schema(self.name, schema, list(self.primary_keys))
        maps[:] = mapper.stream_maps[self.name]

    @property
    def partitions(self) -> list[dict]:
        """One partition per account, each with its own bookmark."""
        return [{ACCOUNT_ID: account} for account in self.video_tap.account_ids]

    # Records of one partition -------------------------------------------------------

    def request_records(self, context: Context | None) -> t.Iterable[dict]:
        """Every planned window of the account, oldest first, splitting capped reports."""
        account = str((context or {})[ACCOUNT_ID])
        tap = self.video_tap
        tap.start_run()
        windows = deque(tap.planned_reports(self.name, account))
        while windows:
            request = windows.popleft()
            try:
                report, rows = self.read_whole_report(request)
            except BudgetSpentError:
                self.logger.info(
                    "%s [account_id=%s]: stopped before %s..%s: the day's report budget is "
                    "spent; the next run resumes here",
                    self.name,
                    account,
                    request.start,
                    request.end,
                )
                return
            try:
                if rows >= tap.report_row_limit and request.days > 1:
                    windows.extendleft(reversed(self.split_capped(request, rows)))
                    continue
                if rows >= tap.report_row_limit:
                    self.logger.warning(
                        "%s: %d rows for a single day, the API's cap: the API dropped the "
                        "rest of that day's rows, which no smaller request can fetch",
                        request.describe(),
                        rows,
                    )
                yield from self.records_in_report(report, request)
            finally:
                report.close()
            self.window_read(context, request)
        self._complete_partitions += 1

    def split_capped(self, request: ReportRequest, rows: int) -> tuple[ReportRequest, ...]:
        """Two half windows, submitted at once; the capped report is not emitted."""
        halves = request.halves()
        self.logger.info(
            "%s: %d rows is the API's cap, so rows may be missing; asking for %s..%s and "
            "%s..%s instead",
            request.describe(),
            rows,
            halves[0].start,
            halves[0].end,
            halves[1].start,
            halves[1].end,
        )
        scheduler = self.video_tap.scheduler
        scheduler.submit_next(halves)
        scheduler.read(request)
        return halves

    def window_read(self, context: Context | None, request: ReportRequest) -> None:
        """Every row of ``request`` is out: move the bookmark to its last day, re-read next time.

        The last day may still have been in progress, so the next sync starts
        with it again; its rows keep their keys and upsert.
        """
        if self.replication_key == REPORT_START:
            self.save_bookmark(context, request.end.isoformat())
        elif self.replication_key:
            self.save_bookmark(context, f"{request.end.isoformat()}T00:00:00+00:00")
        self.video_tap.scheduler.read(request)

    # Waiting for a report ------------------------------------------------------------

    def read_whole_report(self, request: ReportRequest) -> tuple[SpooledReport, int]:
        """The finished report and its exact row count, its body proven whole before any row.

        A body that does not parse (JSON that ends early, a CSV record cut
        short, though the response ended cleanly) is a fault on the way, not
        the report: it is fetched again from the API's cache, which costs no
        budget, up to ``BODY_TRIES`` times. Parsing it whole first means no row
        of a cut body is ever emitted, so a window's rows go out once.
        """
        for attempt in range(1, BODY_TRIES + 1):
            report = self.read_when_ready(request)
            try:
                return report, cells.count_rows(report.body, request.report_format)
            except cells.BodyError as error:
                report.close()
                if attempt == BODY_TRIES:
                    msg = (
                        f"{request.describe()}: the {request.report_format} report did not "
                        f"parse in {BODY_TRIES} downloads ({error}); the earlier windows' "
                        "bookmarks are saved and the next run asks for this one again."
                    )
                    raise ReportDataError(msg) from error
                self.logger.warning(
                    "%s: the report body does not parse (%s), %d bytes; downloading it "
                    "again from the API's cache (try %d of %d)",
                    request.describe(),
                    error,
                    report.size,
                    attempt + 1,
                    BODY_TRIES,
                )
                time.sleep(self.config["poll_interval_milliseconds"] / 1000)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def read_when_ready(self, request: ReportRequest) -> SpooledReport:
        """Poll until the report is done, backing off; give up after ``report_timeout_seconds``."""
        tap = self.video_tap
        submission = tap.scheduler.wait_submitted(request)
        # A report pending from an earlier run is timed from this run's start.
        waiting_since = max(submission.submitted_at, tap.run_started_at)
        timeout = float(self.config["report_timeout_seconds"])
        floor = self.config["poll_interval_milliseconds"] / 1000
        next_log = time.monotonic() + WAIT_LOG_INTERVAL_SECONDS
        while True:
            report = self.poll_report(request)
            if report is not None:
                return report
            now = tap.api_clock()
            waited = now - waiting_since
            if waited >= timeout:
                msg = (
                    f"{request.describe()} was still being generated (HTTP 202) after "
                    f"{waited:.0f} s (report_timeout_seconds={timeout:g}). Windows read "
                    "before it are saved in the state, and the next run polls this report "
                    "first; raise report_timeout_seconds if reports this large take longer."
                )
                raise ReportTimeoutError(msg)
            if time.monotonic() >= next_log:
                next_log = time.monotonic() + WAIT_LOG_INTERVAL_SECONDS
                self.logger.info(
                    "%s: still being generated, waited %.0f s", request.describe(), waited
                )
            interval = min(
                max(floor, POLL_GROWTH * (now - submission.submitted_at)),
                max(floor, MAX_POLL_INTERVAL_SECONDS),
                max(timeout - waited, 0.05),
            )
            time.sleep(interval)

    # Requests ---------------------------------------------------------------------------

    def submit_report(self, request: ReportRequest) -> None:
        """The first request for a report; the scheduler counts it against the budget.

        A 202 (queued) or a 200 (already cached) both mean the report exists;
        a 200's body is not read here but by the stream, from the API's cache.
        """
        prepared = self._prepared(request)
        with self.transport_errors_named(prepared):
            response = self._decorated_send(prepared)
        response.close()

    def poll_report(self, request: ReportRequest) -> SpooledReport | None:
        """The finished report spooled to disk, or ``None`` while the API answers 202."""
        prepared = self._prepared(request)
        with self.transport_errors_named(prepared):
            return self._decorated_poll(prepared, request)

    def _prepared(self, request: ReportRequest) -> requests.PreparedRequest:
        return self.build_prepared_request(
            method="GET", url=f"{self.url_base}/{request.report}", params=request.params()
        )

    @cached_property
    def _decorated_send(self) -> t.Callable[[requests.PreparedRequest], requests.Response]:
        return self.request_decorator(self._send)

    @cached_property
    def _decorated_poll(
        self,
    ) -> t.Callable[[requests.PreparedRequest, ReportRequest], SpooledReport | None]:
        return self.request_decorator(self._poll_once)

    def _poll_once(
        self, prepared: requests.PreparedRequest, request: ReportRequest
    ) -> SpooledReport | None:
        try:
            response = self._send(prepared)
        except ReportThrottledError:
            # The report is not queued any more (its day in the cache ran out)
            # and the API's budget is spent: wait like for a 202.
            return None
        if response.status_code == HTTPStatus.ACCEPTED:
            response.close()
            return None
        return spool_body(response, request)

    def _send(self, prepared: requests.PreparedRequest) -> requests.Response:
        """One try through the family's ``send_request`` (a 401 renews the token); body unread."""
        return self.send_request(prepared, None, stream=True)

    def validate_response(self, response: requests.Response) -> None:
        """429 goes to the scheduler, 403 (and 401 to a key) stops the run, 5xx is retried."""
        status = response.status_code
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            raise ReportThrottledError(self.response_error_message(response))
        if status == HTTPStatus.FORBIDDEN or (
            status == HTTPStatus.UNAUTHORIZED and self.video_tap.uses_api_key
        ):
            raise CredentialsRejectedError(self._refusal_message(response))
        super().validate_response(response)

    def _refusal_message(self, response: requests.Response) -> str:
        settings = self.video_tap.credential_settings
        account = _query_value(response.request.url, "account_id")
        return (
            f"{self.response_error_message(response)}. Check the {settings}, that "
            f"the credential may read Interactivity reports, and that account {account} "
            "(setting `account_ids`) is one it may read."
        )

    def response_error_message(self, response: requests.Response) -> str:
        """Status, report and window, and what the API's body says."""
        described = self.describe_error_body(response) or response.text[:300]
        return (
            f"{response.status_code} {response.reason} for {_describe_url(response)}: {described}"
        )

    def describe_error_body(self, response: requests.Response) -> str:
        """Brightcove's ``[{"error_code", "message"}]``, or an ``{"error", "message"}`` object.

        The reporting doc gives no error body ("Something went wrong" is all its sample prints;
        docs/vendors/brightcove-interactivity.md#errors): both shapes Brightcove APIs use are read.
        """
        try:
            body = response.json()
        except ValueError:
            return ""
        items = body if isinstance(body, list) else [body]
        parts = []
        for item in items:
            if isinstance(item, dict):
                code = item.get("error_code") or item.get("error") or ""
                message = item.get("message") or item.get("error_description") or ""
                parts.append(": ".join(str(p) for p in (code, message) if p))
        return "; ".join(p for p in parts if p)

    # Rows ----------------------------------------------------------------------------

    def records_in_report(self, report: SpooledReport, request: ReportRequest) -> t.Iterator[dict]:
        """The report's rows, typed, with the account and a stable key."""
        keyer = (
            EventKeys(request) if self.spec.grain == "event" else SummaryKeys(request, self.spec)
        )
        day_of = _day_getter(self.spec.time_column)
        row_number = 0
        rows = cells.iter_raw_rows(report.body, request.report_format)
        try:
            for raw in rows:
                row_number += 1
                if not self._known_columns.issuperset(raw):
                    self.add_undeclared_columns(raw, request)
                record = self._typed(raw, request, row_number)
                for column, seconds in self.spec.durations.items():
                    record[seconds] = self._duration_seconds(raw.get(column), column, request)
                record[ROW_KEY] = keyer.key(record, day_of(record))
                record[ACCOUNT_ID] = request.account_id
                if self.spec.grain == "summary":
                    record[REPORT_START] = request.start.isoformat()
                    record[REPORT_END] = request.end.isoformat()
                yield record
        except (cells.CellError, ValueError) as error:
            msg = f"{request.describe()}: row {row_number + 1} is unreadable: {error}"
            raise ReportDataError(msg) from error

    def _typed(self, raw: dict, request: ReportRequest, row_number: int) -> dict:
        try:
            return {name: convert(raw.get(name)) for name, convert in self._converters}
        except cells.CellError:
            for name, convert in self._converters:
                try:
                    convert(raw.get(name))
                except cells.CellError as error:
                    msg = f"{request.describe()}: row {row_number}, column `{name}`: {error}"
                    raise ReportDataError(msg) from None
            raise

    def _duration_seconds(self, value: t.Any, column: str, request: ReportRequest) -> int | None:  # noqa: ANN401
        """A duration cell in seconds; null, and one WARNING per column, if it does not parse.

        The raw text is kept in its own column either way, so nothing is lost;
        a sync does not stop over a column that is only a convenience.
        """
        try:
            return cells.duration_seconds(value)
        except cells.CellError as error:
            if column not in self._unparsed_durations:
                self._unparsed_durations.add(column)
                self.logger.warning(
                    "%s: column `%s` holds a value that is not a duration (first in %s): %s. "
                    "`%s` is null wherever that happens; the text stays in `%s`.",
                    self.name,
                    column,
                    request.describe(),
                    error,
                    self.spec.durations[column],
                    column,
                )
            return None

    @cached_property
    def _unparsed_durations(self) -> set[str]:
        """Duration columns already warned about in this run."""
        return set()

    @cached_property
    def _converters(self) -> list[tuple[str, cells.Converter]]:
        declared = self.spec.declared
        derived = set(self.spec.durations.values())
        return [
            (name, cells.converter_for(declared.get(name, "string")))
            for name in self.schema["properties"]
            if name not in _OWN_FIELDS and name not in derived
        ]

    @cached_property
    def _known_columns(self) -> set[str]:
        return set(self.schema["properties"])

    def add_undeclared_columns(self, raw: dict, request: ReportRequest) -> None:
        """Keep columns the schema lacks: string columns, announced in a new SCHEMA first.

        The stream's schema and selection gain the columns (so every record
        carries them, ``keep_declared_fields``), the mapper registers the
        grown schema (so ``stream_maps`` and flattening apply to them), and a
        SCHEMA per stream map goes out before the first record that has them.
        """
        new = [name for name in raw if name not in self._known_columns]
        maps = self.stream_maps
        registered = copy.deepcopy(maps[0].raw_schema)
        for name in new:
            self.schema["properties"][name] = dict(UNDECLARED_COLUMN_SCHEMA)
            registered["properties"][name] = dict(UNDECLARED_COLUMN_SCHEMA)
            self.mask[("properties", name)] = True
        self._known_columns.update(new)
        # Derived from the schema and cached: computed again with the new columns.
        for attribute in ("_converters", "_all_fields_null", "_declared_fields"):
            self.__dict__.pop(attribute, None)
        self.logger.warning(
            "%s: the report has column(s) the schema does not declare, synced as text: %s "
            "(first seen in %s)",
            self.name,
            ", ".join(new),
            request.describe(),
        )
        self.register_stream_maps(maps, registered)
        self.write_schema_messages()

    def write_schema_messages(self) -> None:
        """A SCHEMA for each stream map that emits records, as the SDK's sync sends at its start."""
        bookmark_properties = [self.replication_key] if self.replication_key else None
        for stream_map in self.stream_maps:
            if isinstance(stream_map, RemoveRecordTransform):
                continue
            self.video_tap.write_message(
                SchemaMessage(
                    stream_map.stream_alias,
                    stream_map.transformed_schema,
                    stream_map.transformed_key_properties,
                    bookmark_properties,
                )
            )

    # Full-table summaries ------------------------------------------------------------

    def activate_version(self, version: int) -> None:
        """Held back until every account's report was read.

        The SDK sends ACTIVATE_VERSION before the first record, and a target
        then drops the rows of earlier versions at once: a report that then
        timed out or found the budget spent would leave the table empty.
        """
        self.table_version = version
        self._deferred_version = version

    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        """The SDK's partition loop; the held-back ACTIVATE_VERSION once all are read."""
        yield from super().get_records(context)
        if self._deferred_version is not None and self._complete_partitions == len(self.partitions):
            self.write_activate_version(self._deferred_version)
            self._deferred_version = None


def _day_getter(time_column: str | None) -> t.Callable[[dict], str | None]:
    if time_column is None:
        return lambda _record: None

    def day_of(record: dict) -> str | None:
        moment = record.get(time_column)
        return moment[:10] if isinstance(moment, str) else None

    return day_of


def spool_body(response: requests.Response, request: ReportRequest) -> SpooledReport:
    """Copy a 200's body to a temporary file.

    A body cut short (a dropped connection) raises ``RetriableAPIError``, so
    the request is retried; the API answers it from its cache. A body that
    arrives whole but does not parse is caught by ``read_whole_report``.
    """
    spool = tempfile.TemporaryFile(prefix="interactivity-report-")  # noqa: SIM115 - returned
    size = 0
    try:
        for chunk in response.iter_content(DOWNLOAD_CHUNK_BYTES):
            spool.write(chunk)
            size += len(chunk)
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as error:
        spool.close()
        msg = f"{request.describe()}: the report body was cut after {size} bytes ({error})"
        raise RetriableAPIError(msg) from error
    finally:
        response.close()
    spool.seek(0)
    return SpooledReport(t.cast("t.BinaryIO", spool), size)


def _query_value(url: str | None, name: str) -> str:
    values = parse_qs(urlsplit(url or "").query).get(name) or [""]
    return values[0]


def _describe_url(response: requests.Response) -> str:
    """``report for account X, start..end`` from the request's URL."""
    url = response.request.url or ""
    report = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    start, end = _query_value(url, "start"), _query_value(url, "end")
    return f"{report} for account {_query_value(url, 'account_id')}, {start}..{end}"
