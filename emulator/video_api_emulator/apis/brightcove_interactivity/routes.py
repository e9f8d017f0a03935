"""Brightcove Interactivity reporting routes: auth, asynchronous reports, budget, bodies.

Citations: sections of docs/vendors/brightcove-interactivity.md (see the package docstring).

One endpoint, ``GET {BASE_PATH}/{report_name}``. A request is, in order:
authenticated, routed to a report (404 if unknown), validated (``params``),
then looked up by its identity (every parameter, defaults resolved): the
first request of a report is a *submission* - checked against the report
budget, queued, 202 - and later ones are 202 until it is ready, then 200 with
the whole report for a day. Bodies are streamed in chunks, never held whole.

The emulator clock used for queueing, caching and the budget is the horizon
plus the real time since the reset (``Emulator.running_clock``): reports take
real (short) time to generate, and ``/_emulator/advance`` moves the clock by
exactly the advanced seconds, so tests can expire a day-long cache or a budget
window at once. Every answer's ``Date`` (and the Brightcove token answer's) is
that same clock, so a client that counts the budget by the API's clock counts
it as the API does. The rows themselves are what exists at the horizon
when the report was submitted (docs/vendors/brightcove-interactivity.md#asynchronous-reports: a
finished report is returned as it was, from the cache).
"""

from __future__ import annotations

import asyncio
import bisect
import csv
import email.utils
import io
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from ... import faults as faults_mod
from ...brightcove_common import brightcove_tokens, error_code_for
from ...config import parse_data_start
from ...core import Emulator
from .data import COLUMNS, Chunk, EventReport, InteractivityData, Report, Window, make_window
from .params import (
    REPORTS,
    BadRequestError,
    ForbiddenError,
    ReportQuery,
    parse_report_query,
)

#: docs/vendors/brightcove-interactivity.md#base-url:
#: https://interactivity-reporting.api.brightcove.com/api/reports/v2/; ``/interactivity-reporting``
#: stands for that host.
HOST_PATH = "/interactivity-reporting"
BASE_PATH = f"{HOST_PATH}/api/reports/v2"
# docs/vendors/brightcove-interactivity.md#asynchronous-reports: "Once complete, reporting results
# are cached for one day and are returned immediately with each request".
CACHE_SECONDS = 86_400.0
#: docs/vendors/brightcove-interactivity.md#limits: "4 reports per minute; 20 per hour; and 100
#: per day" - (name, window seconds, config key).
BUDGET_LEVELS = (
    ("minute", 60.0, "interactivity_reports_per_minute"),
    ("hour", 3600.0, "interactivity_reports_per_hour"),
    ("day", 86_400.0, "interactivity_reports_per_day"),
)
#: Submissions kept for the truth endpoint.
SUBMISSIONS_KEPT = 10_000
_JSON = "application/json"
_CSV = "text/csv; charset=utf-8"

# ----------------------------------------------------------------------------- errors


def interactivity_error(status: int, message: str | None = None) -> web.Response:
    """An error body: the JSON array ``[{"error_code", "message"}]``.

    The doc gives no error body at all (docs/vendors/brightcove-interactivity.md#errors: an open
    question). The emulator's choice is the shape of the
    other Brightcove APIs (Audience overview, "Error handling"), with the
    Audience error codes (``brightcove_common.error_code_for``), and
    TOO_MANY_REQUESTS for the report budget (no Brightcove name is documented
    for it).
    """
    code, default = (
        ("TOO_MANY_REQUESTS", "Report limit reached") if status == 429 else error_code_for(status)
    )
    body = orjson.dumps([{"error_code": code, "message": message or default}])
    return web.Response(status=status, body=body, content_type=_JSON)


def _processing() -> web.Response:
    """202 Accepted: "your report is still being generated".

    docs/vendors/brightcove-interactivity.md#asynchronous-reports. The 202 body is undocumented; the
    emulator sends ``{"status": "processing"}`` so a client that logs it shows something useful.
    """
    return web.Response(status=202, body=b'{"status": "processing"}', content_type=_JSON)


# ----------------------------------------------------------------------------- state


@dataclass(slots=True)
class QueuedReport:
    """A submitted report: when it is ready (emulator clock) and the horizon it shows."""

    ready_at: float
    horizon_ms: int


class InteractivityState:
    """Per-reset state: data generators, queued/cached reports, budget, submissions."""

    def __init__(self, emu: Emulator) -> None:
        cfg = emu.config
        self.emu = emu
        self.accounts = frozenset(cfg["brightcove_accounts"])
        self.api_keys = frozenset(cfg["interactivity_api_keys"])
        self.data_start_ms = parse_data_start(cfg["data_start"])
        self.data = InteractivityData(
            int(cfg["seed"]), int(cfg["interactivity_rows_per_day"]),
            int(cfg["interactivity_entities"]),
        )  # fmt: skip
        self.generation_seconds = float(cfg["interactivity_generation_seconds"])
        self.max_rows = int(cfg["interactivity_max_rows"])
        self.limits = [(name, window, int(cfg[key])) for name, window, key in BUDGET_LEVELS
                       if int(cfg[key]) > 0]  # fmt: skip
        self.reports: dict[tuple[str, ...], QueuedReport] = {}
        #: Clock times of accepted submissions within the longest budget window.
        self._accepted: list[float] = []
        self.submissions: deque[dict[str, Any]] = deque(maxlen=SUBMISSIONS_KEPT)
        self.counted = 0
        self.refused = 0

    def clock(self) -> float:
        """Emulator seconds: the horizon plus the real time elapsed since the reset.

        The horizon is read live, so ``/_emulator/advance`` by N seconds moves
        this clock by exactly N; between advances it ticks in real time, which
        is what lets a queued report become ready while a client polls.
        """
        return self.emu.running_clock()

    def dated(self, response: web.StreamResponse) -> web.StreamResponse:
        """``response`` with this clock as its ``Date`` (RFC 9110 §6.6.1: the server's clock).

        One clock for the budget and for what a client reads as the API's
        "now": a client's own count of the budget then agrees with the API's.
        """
        if not response.prepared:
            response.headers["Date"] = email.utils.formatdate(self.clock(), usegmt=True)
        return response

    def window(self, query: ReportQuery, horizon_ms: int) -> Window:
        """The days ``query`` reads, as seen at ``horizon_ms``."""
        return make_window(query.start, query.end, self.data_start_ms, horizon_ms)

    def lookup(self, identity: tuple[str, ...], now: float) -> QueuedReport | None:
        """The queued or cached report ``identity``, or None (a new submission).

        A finished report is cached for one day after it became ready
        (docs/vendors/brightcove-interactivity.md#asynchronous-reports); after that it is a new
        report.
        """
        entry = self.reports.get(identity)
        if entry is not None and now >= entry.ready_at + CACHE_SECONDS:
            del self.reports[identity]
            return None
        return entry

    def refusal(self, now: float) -> str | None:
        """The budget level a submission at ``now`` would exceed, as a message, or None.

        docs/vendors/brightcove-interactivity.md#limits: the limits "apply to the number of
        unique reports you can execute, not the number of times you hit the
        reporting endpoint to retrieve results or check status". The doc does
        not say how the windows are measured: the emulator's choice is sliding
        windows (the strictest reading), one budget for every caller (the
        emulator serves a single customer), refused submissions not counted.
        """
        for name, window, limit in self.limits:
            recent = len(self._accepted) - bisect.bisect_right(self._accepted, now - window)
            if recent >= limit:
                s = "" if limit == 1 else "s"
                return f"Report limit reached: at most {limit} report{s} per {name}"
        return None

    def submit(self, query: ReportQuery, now: float) -> str | None:
        """Record a submission; queue it unless the budget refuses (then return why)."""
        refused = self.refusal(now)
        self.submissions.append(
            {"report": query.report, "account_id": query.account_id,
             "start": query.start.isoformat(), "end": query.end.isoformat(),
             "format": query.format, "clock": now, "status": 429 if refused else 202}
        )  # fmt: skip
        if refused is not None:
            self.refused += 1
            return refused
        self.counted += 1
        if self.limits:
            longest = max(window for _, window, _ in self.limits)
            del self._accepted[: bisect.bisect_right(self._accepted, now - longest)]
            self._accepted.append(now)
        if len(self.reports) >= 10_000:  # bound memory: forget expired reports
            self.reports = {k: v for k, v in self.reports.items()
                            if now < v.ready_at + CACHE_SECONDS}  # fmt: skip
        # The doc gives no generation time (its sample polls every 10 s); the
        # emulator's is interactivity_generation_seconds, short so tests run fast.
        self.reports[query.identity] = QueuedReport(
            now + self.generation_seconds, self.emu.horizon_ms
        )
        return None


# ----------------------------------------------------------------------------- bodies


class _CsvEncoder:
    """CSV per RFC 4180 (the csv module's default dialect: minimal quoting, CRLF).

    The doc says only "csv" (docs/vendors/brightcove-interactivity.md#report-parameters); a header
    row first is the emulator's choice (a client discovers columns from it,
    docs/vendors/brightcove-interactivity.md#envelopes). Booleans are written ``true``/``false``
    like JSON, lists joined by commas (the csv module quotes the cell), empty cells for missing
    values.
    """

    def __init__(self, report: str) -> None:
        kinds = [kind for _, kind in COLUMNS[report]]
        self.columns = [name for name, _ in COLUMNS[report]]
        self.bools = [i for i, k in enumerate(kinds) if k == "bool"]
        self.lists = [i for i, k in enumerate(kinds) if k == "list"]

    def head(self) -> bytes:
        """The header row."""
        return self._write([self.columns])

    def rows(self, chunk: Chunk) -> bytes:
        """Rows of ``chunk`` as CSV lines."""
        cols = list(chunk)
        for i in self.bools:
            cols[i] = [None if v is None else ("true" if v else "false") for v in cols[i]]
        for i in self.lists:
            cols[i] = [None if v is None else ",".join(v) for v in cols[i]]
        return self._write(zip(*cols, strict=True))

    def tail(self) -> bytes:
        """Nothing follows the last row."""
        return b""

    @staticmethod
    def _write(rows: Any) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows)
        return buf.getvalue().encode()


class _JsonEncoder:
    """A bare JSON array of objects, keys in column order.

    docs/vendors/brightcove-interactivity.md#envelopes: the JSON response shape (bare array vs
    wrapped object) is not documented; a bare array is the emulator's choice (one object per CSV
    row, nothing else to wrap).
    """

    def __init__(self, report: str) -> None:
        self.columns = [name for name, _ in COLUMNS[report]]
        self._first = True

    def head(self) -> bytes:
        """The opening bracket."""
        return b"["

    def rows(self, chunk: Chunk) -> bytes:
        """Rows of ``chunk`` as comma-separated objects (with a leading comma after the first)."""
        if not chunk or not chunk[0]:
            return b""
        body = orjson.dumps(rows_as_dicts(self.columns, chunk))[1:-1]
        lead, self._first = (b"" if self._first else b","), False
        return lead + body

    def tail(self) -> bytes:
        """The closing bracket."""
        return b"]"


def rows_as_dicts(columns: list[str] | tuple[str, ...], chunk: Chunk) -> list[dict[str, Any]]:
    """A chunk's rows as JSON objects (what the JSON body and the truth hold)."""
    return [dict(zip(columns, row, strict=True)) for row in zip(*chunk, strict=True)]


async def stream_report(
    request: web.Request,
    report: Report,
    window: Window,
    *,
    fmt: str,
    max_rows: int,
    date: float,
) -> web.StreamResponse:
    """Write a report as a chunked 200, rendering ``CHUNK_ROWS`` rows at a time.

    docs/vendors/brightcove-interactivity.md#limits: "Output beyond this limit is omitted from
    the results": the first ``max_rows`` rows in report order, with no marker.
    A client that disconnects mid-body ends the stream quietly. A pending
    ``truncate``/``malformed`` fault (``faults.pending_fault``) is applied here,
    as the body is never whole: see :func:`_write_spoiled`.
    """
    encoder = _CsvEncoder(report.name) if fmt == "csv" else _JsonEncoder(report.name)
    resp = web.StreamResponse(
        status=200,
        headers={
            "Content-Type": _CSV if fmt == "csv" else _JSON,
            # RFC 9110 §6.6.1: Date is the server's clock, the report budget's
            # (the wrapper can't add it once the body has started).
            "Date": email.utils.formatdate(date, usegmt=True),
        },
    )
    fault = faults_mod.pending_fault()
    try:
        await resp.prepare(request)
        if fault in ("truncate", "malformed"):
            await _write_spoiled(request, resp, encoder, report, window, max_rows, fault)
            return resp
        await resp.write(encoder.head())
        for chunk in report.chunks(window, max_rows):
            await resp.write(encoder.rows(chunk))
            # Rendering a chunk doesn't yield; let other requests (a tap's other
            # streams, the admin API) in between chunks of a long report.
            await asyncio.sleep(0)
        await resp.write(encoder.tail())
    except ConnectionError:
        # The client went away mid-body (aiohttp raises a ConnectionResetError
        # subclass on write); there is no one left to answer.
        pass
    return resp


async def _write_spoiled(
    request: web.Request,
    resp: web.StreamResponse,
    encoder: _CsvEncoder | _JsonEncoder,
    report: Report,
    window: Window,
    max_rows: int,
    fault: str,
) -> None:
    """Send half the report's rows and half of the next row, then spoil the ending.

    ``truncate``: the connection is closed without the end of the chunked body,
    as a proxy dying mid-response would (the client sees an incomplete body).
    ``malformed``: the chunked body ends cleanly, but its content stops mid-row
    (JSON that doesn't parse, a CSV whose last record is cut). Emulator design,
    mirroring ``faults.truncated`` / ``faults.malformed`` for whole bodies.
    """
    total = min(report.count(window), max_rows)
    keep = total // 2
    head = encoder.head()
    # An empty report: the whole (short) body is what gets cut.
    extra, pos = (b"", 0) if total else (head + encoder.tail(), 0)
    if total:
        await resp.write(head)
    for chunk in report.chunks(window, min(total, keep + 1)):
        n = len(chunk[0])
        cut = min(n, keep - pos)
        if cut:
            await resp.write(encoder.rows([col[:cut] for col in chunk]))
        if cut < n:  # the row after the first half: sent only in part
            extra = encoder.rows([col[cut:] for col in chunk])
        pos += n
    text = extra.decode()
    await resp.write(text[: max(1, len(text) // 2)].encode())
    if fault == "truncate" and request.transport is not None:
        request.transport.close()


# ----------------------------------------------------------------------------- the module


class BrightcoveInteractivity:
    """The Interactivity reporting API as an :class:`~video_api_emulator.core.ApiModule`."""

    name = "brightcove_interactivity"
    #: Every report the one report route serves.
    streams = REPORTS

    def create_state(self, emu: Emulator) -> InteractivityState:
        """Fresh queue, cache and budget; data generators are built lazily."""
        return InteractivityState(emu)

    def error_response(self, status: int, message: str | None = None) -> web.Response:
        """Render the Interactivity error body for ``status`` (used by faults)."""
        return interactivity_error(status, message)

    def register(self, app: web.Application, emu: Emulator) -> None:
        """Add the report endpoint and a 404 for every other path on the reporting host."""
        app.router.add_get(
            f"{BASE_PATH}/{{report_name}}",
            emu.vendor_route(self, "report", self._make_handler(emu)),
            # docs/vendors/brightcove-interactivity.md#asynchronous-reports: "invoked via GET"; a
            # HEAD would submit a report without reading it (emulator's choice: 404 below).
            allow_head=False,
        )

        async def not_found(_request: web.Request) -> web.StreamResponse:
            # Any other path on the host: 404 before authentication (the doc is
            # silent; the emulator's choice, as for the Audience host).
            state: InteractivityState = emu.state[self.name]
            return state.dated(interactivity_error(404, "The URL does not exist"))

        wrapped = emu.vendor_route(self, "not_found", not_found)
        app.router.add_route("*", f"{HOST_PATH}/{{tail:.*}}", wrapped)
        app.router.add_route("*", HOST_PATH, wrapped)

    def _make_handler(self, emu: Emulator) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            state: InteractivityState = emu.state[self.name]
            return state.dated(await answer(request, state))

        async def answer(request: web.Request, state: InteractivityState) -> web.StreamResponse:
            denied = _authenticate(request, emu, state)
            if denied is not None:
                return denied
            report = request.match_info["report_name"]
            if report not in REPORTS:
                # The doc is silent on unknown report names; 404 (checked after
                # authentication, like the report itself) is the emulator's choice.
                return interactivity_error(404, f"Unknown report: {report!r}")
            try:
                query = parse_report_query(report, request.query, emu.horizon_ms, state.accounts)
            except BadRequestError as exc:
                return interactivity_error(400, str(exc))
            except ForbiddenError as exc:
                return interactivity_error(403, str(exc))
            now = state.clock()
            entry = state.lookup(query.identity, now)
            if entry is None:
                # A new report: "your request will be queued"
                # (docs/vendors/brightcove-interactivity.md#asynchronous-reports). The doc gives no
                # status for an exceeded budget (docs/vendors/brightcove-interactivity.md#limits: an
                # open question); the emulator's choice is 429 naming the level, with no Retry-After
                # (undocumented too).
                refused = state.submit(query, now)
                return interactivity_error(429, refused) if refused else _processing()
            if now < entry.ready_at:
                # Polling a queued report "does not count"
                # (docs/vendors/brightcove-interactivity.md#limits).
                return _processing()
            return await stream_report(
                request,
                state.data.report(query.account_id, report),
                state.window(query, entry.horizon_ms),
                fmt=query.format,
                max_rows=state.max_rows,
                date=now,
            )

        return handler

    def truth(self, emu: Emulator, query: Mapping[str, str]) -> dict[str, Any]:
        """Ground truth: a report's rows now (no budget, cache or queue), or the submissions.

        ``what=report`` (default): ``report``, ``account_id``, ``start``, ``end``
        as the API takes them -> counts, columns and (``records=1``) every row
        as the JSON body holds it, uncapped. ``what=days``: rows per day of an
        event report. ``what=submissions``: the recorded submissions.
        """
        state: InteractivityState = emu.state[self.name]
        what = query.get("what", "report")
        if what == "submissions":
            return {"submissions": list(state.submissions), "counted": state.counted,
                    "refused": state.refused}  # fmt: skip
        if what not in ("report", "days"):
            raise ValueError("what must be report, days or submissions")
        report = query.get("report", "")
        if report not in REPORTS:
            raise ValueError(f"unknown report {report!r}")
        try:
            q = parse_report_query(report, query, emu.horizon_ms, state.accounts, api_request=False)
        except (BadRequestError, ForbiddenError) as exc:
            raise ValueError(str(exc)) from exc
        window = state.window(q, emu.horizon_ms)
        gen = state.data.report(q.account_id, report)
        if what == "days":
            if not isinstance(gen, EventReport):
                raise ValueError("what=days is for event reports (*_stream_raw, *_detail)")
            counts = gen.visible_counts(window).tolist()
            days = [str(d) for d in window.days.astype("datetime64[D]").tolist()]
            return {"days": dict(zip(days, counts, strict=True))}
        total = gen.count(window)
        out: dict[str, Any] = {
            "report": report, "account_id": q.account_id, "start": q.start.isoformat(),
            "end": q.end.isoformat(), "total_rows": total,
            "capped_rows": min(total, state.max_rows), "columns": list(gen.columns),
        }  # fmt: skip
        if query.get("records", "0") in ("1", "true", "True"):
            chunks = gen.chunks(window, total)
            out["rows"] = [row for chunk in chunks for row in rows_as_dicts(gen.columns, chunk)]
        return out


def _authenticate(
    request: web.Request, emu: Emulator, state: InteractivityState
) -> web.Response | None:
    """None if the request may read reports, else the 401/403 answer.

    docs/vendors/brightcove-interactivity.md#authentication: "Authorization: Bearer
    access_token_here", a Brightcove OAuth token (the store shared with Audience). The legacy
    ``X-Hapyak-API-Key`` header still works here (the doc still mentions "your reporting API key"),
    and "a made-up key gets HTTP 403". Anything else - no credentials, an unknown, expired or
    revoked token - is 401: the doc is silent, and 401 is what the Audience API answers then.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    tokens = brightcove_tokens(emu)
    if scheme.lower() == "bearer" and tokens.is_valid(token.strip()):
        return None
    key = request.headers.get("X-Hapyak-API-Key")
    if key is not None:
        if key.strip() in state.api_keys:
            return None
        return interactivity_error(403, "Invalid reporting API key")
    return interactivity_error(401, "Permission denied")
