"""Brightcove Interactivity reporting: report names and query parameters.

Citations: sections of docs/vendors/brightcove-interactivity.md (see the package docstring).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

# ----------------------------------------------------------------------------- doc tables

# docs/vendors/brightcove-interactivity.md#report-names: the doc's table lists ten end points; the
# current doc adds chapter_summary and widget_user_sentiment_summary. Grain per report: see
# ``data``.
EVENT_REPORTS: tuple[str, ...] = (
    "user_stream_raw",
    "project_stream_raw",
    "experience_stream_raw",
    "poll_widget_detail",
    "signin_widget_detail",
)
SUMMARY_REPORTS: tuple[str, ...] = (
    "project_engagement_summary_raw",
    "user_engagement_summary_raw",
    "experience_engagement_summary_raw",
    "poll_widget_summary",
    "signin_widget_summary",
    "chapter_summary",
    "widget_user_sentiment_summary",
)
REPORTS: frozenset[str] = frozenset(EVENT_REPORTS + SUMMARY_REPORTS)

# docs/vendors/brightcove-interactivity.md#report-parameters: start's "Default value is 7 days
# before 'end' date".
DEFAULT_SPAN_DAYS = 7
# docs/vendors/brightcove-interactivity.md#limits: "The API limits the time range of data
# retrieved to six months". The doc gives no day count: the emulator reads six
# months as 183 days (half a year, rounded up), counted inclusively start..end.
MAX_SPAN_DAYS = 183
# docs/vendors/brightcove-interactivity.md#report-parameters: "Supported values are: csv and json".
FORMATS = ("csv", "json")
# The doc is silent on the default format
# (docs/vendors/brightcove-interactivity.md#report-parameters: an open question). The emulator's
# choice: json, so that a client that forgets the parameter gets typed values rather than text.
DEFAULT_FORMAT = "json"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DAY_MS = 86_400_000


class BadRequestError(ValueError):
    """A query parameter is invalid: rendered as 400, naming the parameter."""


class ForbiddenError(ValueError):
    """The credentials may not read the requested account: rendered as 403."""


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """One report request with its defaults resolved.

    docs/vendors/brightcove-interactivity.md#asynchronous-reports: changing any parameter defines a
    different report, which is processed again from scratch; :attr:`identity` is therefore every
    parameter that shapes the report, defaults included (``end`` omitted and
    ``end=<today>`` are the same report).
    """

    report: str
    account_id: str
    start: date
    end: date
    format: str

    @property
    def identity(self) -> tuple[str, str, str, str, str]:
        """The report's cache/queue key."""
        return (self.report, self.account_id, self.start.isoformat(), self.end.isoformat(),
                self.format)  # fmt: skip


def today(horizon_ms: int) -> date:
    """The UTC day of the emulator's "now" (the horizon): "All times are UTC".

    docs/vendors/brightcove-interactivity.md#report-parameters.
    """
    return date(1970, 1, 1) + timedelta(days=horizon_ms // DAY_MS)


def _parse_day(raw: str, name: str) -> date:
    """``YYYY-MM-DD``: "Format for dates is YYYY-MM-DD".

    docs/vendors/brightcove-interactivity.md#report-parameters.
    """
    text = raw.strip()
    if _DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise BadRequestError(f"Invalid value for {name}: {raw!r} (expected a date as YYYY-MM-DD)")


def resolve_dates(raw_start: str | None, raw_end: str | None, horizon_ms: int) -> tuple[date, date]:
    """Resolve ``start``/``end`` with the documented defaults and limits.

    docs/vendors/brightcove-interactivity.md#report-parameters.

    end: "Default value is end of current day" - today, the horizon's UTC day.
    start: "Default value is 7 days before 'end' date". The doc says nothing on
    start > end; the emulator answers 400 (a report over no days is most likely
    a client bug). Spans over six months (183 days, see ``MAX_SPAN_DAYS``) are
    400 too: docs/vendors/brightcove-interactivity.md#limits limits the range without saying
    how, and refusing is the only answer that can't be mistaken for data.
    """
    end = _parse_day(raw_end, "end") if raw_end is not None else today(horizon_ms)
    if raw_start is not None:
        start = _parse_day(raw_start, "start")
    else:
        try:
            start = end - timedelta(days=DEFAULT_SPAN_DAYS)
        except OverflowError as exc:
            raise BadRequestError(f"Invalid value for end: {end} is too early") from exc
    if start > end:
        raise BadRequestError(f"Invalid value for start: {start} is after end {end}")
    span = (end - start).days + 1
    if span > MAX_SPAN_DAYS:
        raise BadRequestError(
            f"Invalid value for start/end: {start}..{end} spans {span} days; the time range "
            f"is limited to six months ({MAX_SPAN_DAYS} days)"
        )
    return start, end


def parse_report_query(
    report: str,
    query: Mapping[str, str],
    horizon_ms: int,
    accounts: Collection[str],
    *,
    api_request: bool = True,
) -> ReportQuery:
    """Validate a report request's parameters; raise ``BadRequestError``/``ForbiddenError``.

    ``api_request=False`` (the admin truth endpoint) skips ``send_status`` and
    ``format``, which do not change the rows. Unknown extra parameters are
    ignored (the doc is silent; the doc's own Python sample sends only the
    documented ones, and ignoring is what lenient HTTP APIs do). Order: all
    400 checks first, then the account (403) - the emulator's choice, so that a
    malformed request is reported as such whoever sends it.
    """
    if api_request:
        # docs/vendors/brightcove-interactivity.md#asynchronous-reports: "Requests must always
        # include send_status=true". What the server does without it is undocumented
        # (docs/vendors/brightcove-interactivity.md#asynchronous-reports: an open question); the
        # emulator refuses with 400 so that a client that forgets it fails loudly instead of hanging
        # on a synchronous answer the emulator doesn't model.
        send_status = query.get("send_status")
        if send_status is None or send_status.strip().lower() != "true":
            raise BadRequestError(
                f"Invalid value for send_status: {send_status!r} (requests must include "
                "send_status=true)"
            )
    # docs/vendors/brightcove-interactivity.md#report-parameters: the doc's example request carries
    # account_id while the parameter list doesn't; whether it is required is an
    # open question. The
    # emulator's choice: required, since a report without an account has no data
    # to draw from.
    account = query.get("account_id")
    if account is None or not account.strip():
        raise BadRequestError("Missing required parameter: account_id")
    account = account.strip()
    start, end = resolve_dates(query.get("start"), query.get("end"), horizon_ms)
    fmt = DEFAULT_FORMAT
    if api_request and query.get("format") is not None:
        fmt = query["format"].strip().lower()
        if fmt not in FORMATS:
            raise BadRequestError(
                f"Invalid value for format: {query['format']!r} (supported values: csv, json)"
            )
    if account not in accounts:
        # The doc is silent on an account the credentials can't read; the emulator's choice is 403,
        # like the legacy API key scheme's answer to a key that isn't valid
        # (docs/vendors/brightcove-interactivity.md#authentication: "a made-up key gets HTTP 403").
        raise ForbiddenError(f"Access denied for account_id {account!r}")
    return ReportQuery(report, account, start, end, fmt)
