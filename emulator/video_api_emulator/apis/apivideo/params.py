"""api.video request parameters (query and path) and the problem bodies that refuse them.

Sources as in the package docstring: sections of docs/vendors/apivideo.md; the bodies
are docs/vendors/apivideo.md#problem-bodies.

Every refusal is an :class:`ApiError` carrying the body the spec gives for it.
The specs use three shapes, by endpoint family:

- ``bad-request`` ``{type, title, name, status, problems?}`` - auth, ``/videos``,
  ``/live-streams`` and (no 400 documented there) the raw-statistics endpoints;
- ``analytics-plays-400-error`` ``{type, title, status, detail, name}`` - the
  plays endpoints (the 2023-09 and 2024-07 specs) and ``/data/*`` (2025-01);
- ``not-found`` / ``unrecognized-request-url`` / ``403-error-schema`` /
  ``too-many-requests`` for 404, 403 and 429.

Query parameters an endpoint does not document are ignored (docs silent; what
most APIs do), except where the spec says the API refuses them (``unique``,
``viewDuration`` and ``filterBy`` keys on the wrong metric).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from aiohttp import web
from multidict import MultiMapping

JSON = "application/json"
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000

# --------------------------------------------------------------------------- problem bodies

_DOCS = "https://docs.api.video"
#: The plays 400 examples (2023-09, 2024-07 specs) and the /data/* 400 examples (2025-01):
#: docs/vendors/apivideo.md#problem-bodies.
QUERY_INVALID = (
    f"{_DOCS}/reference/request-invalid-query-parameter",
    "A query parameter is invalid.",
)
ATTRIBUTE_INVALID = (f"{_DOCS}/reference/invalid-attribute", "An attribute is invalid.")
#: The 2023-09 spec's analytics-plays 400 "Missing parameter" example detail
#: (docs/vendors/apivideo.md#plays).
MISSING_DETAIL = "This value must be of type string."
#: The 2025-01 spec's /data/* 400 "Invalid query parameter" example detail
#: (docs/vendors/apivideo.md#problem-bodies).
NOT_EXPECTED_DETAIL = "This field was not expected."


class ApiError(Exception):
    """A refusal: HTTP ``status`` and the spec's JSON ``body``."""

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = dict(body)

    def response(self) -> web.Response:
        """The error as an aiohttp response."""
        return web.Response(status=self.status, body=orjson.dumps(self.body), content_type=JSON)


def query_error(name: str, detail: str, kind: tuple[str, str] = QUERY_INVALID) -> ApiError:
    """A 400 ``analytics-plays-400-error``: ``{type, title, status, detail, name}``.

    Key order as the 2023-09 spec's plays examples (docs/vendors/apivideo.md#plays). ``kind`` is the
    (type, title) pair: "request-invalid-query-parameter" for a bad value, "invalid-attribute" for a
    missing parameter or a bad path attribute.
    """
    return ApiError(
        400, {"type": kind[0], "title": kind[1], "status": 400, "detail": detail, "name": name}
    )


def missing_error(name: str) -> ApiError:
    """The plays 400 "Missing parameter": invalid-attribute, type-string detail.

    The 2023-09 spec (docs/vendors/apivideo.md#plays).
    """
    return query_error(name, MISSING_DETAIL, ATTRIBUTE_INVALID)


def bad_request(problems: list[tuple[str, str, str]]) -> ApiError:
    """A 400 ``bad-request`` body for ``(type, title, name)`` problems.

    docs/vendors/apivideo.md#problem-bodies: e.g. the 2023-09 spec's POST /videos 400, the first
    problem at top level ``{type, title, name, status}`` and every problem in ``problems``.
    """
    first = problems[0]
    return ApiError(
        400,
        {
            "type": first[0],
            "title": first[1],
            "name": first[2],
            "status": 400,
            "problems": [{"type": t, "title": ti, "name": n} for t, ti, n in problems],
        },
    )


#: The 2023-09 spec's bad-request examples (POST /videos): the two problem types
#: (docs/vendors/apivideo.md#problem-bodies).
ATTRIBUTE_REQUIRED = (f"{_DOCS}/docs/attributerequired", "This attribute is required.")
ATTRIBUTE_INVALID_OLD = f"{_DOCS}/docs/attributeinvalid"

#: The /auth/api-key and /auth/refresh 400 example of the 2023-09 and 2024-07 specs
#: (docs/vendors/apivideo.md#unauthorized). The 2025-01 spec spells the type
#: ".../reference/authentication-invalid-user-credentials"; the emulator keeps
#: the older form, title and name being the same in both.
INVALID_CREDENTIALS = {
    "type": f"{_DOCS}/docs/authenticationinvalid_credentials",
    "title": "The user credentials were incorrect.",
    "name": "",
    "status": 400,
}


def not_found(name: str) -> ApiError:
    """The raw statistics 404 example ``not-found`` (name = the path parameter).

    The 2023-09 spec (docs/vendors/apivideo.md#problem-bodies).
    """
    return ApiError(
        404,
        {
            "type": f"{_DOCS}/docs/resourcenot_found",
            "title": "The requested resource was not found.",
            "name": name,
            "status": 404,
        },
    )


def unrecognized_url() -> ApiError:
    """The 2025-01 spec's /data/* 404 example ``unrecognized-request-url``.

    docs/vendors/apivideo.md#problem-bodies.

    Used for every path the API does not have (and the retired endpoints):
    today's spec's body for an unknown URL. The 2023-09 spec's plays "Endpoint not
    found" example is the same idea with every field null
    (``{"type": null, "title": null, "name": null, "status": 404}``); the newer
    body is the one today's API documents.
    """
    return _reference_problem(404, "unrecognized-request-url", "Unrecognized request URL.")


def _reference_problem(status: int, slug: str, title: str) -> ApiError:
    """A ``{type, title, status}`` body whose type is ``{_DOCS}/reference/<slug>``."""
    return ApiError(status, {"type": f"{_DOCS}/reference/{slug}", "title": title, "status": status})


def analytics_disabled() -> ApiError:
    """The plays 403 example, schema ``403-error-schema`` (2023-09, 2024-07 specs).

    docs/vendors/apivideo.md#problem-bodies.
    """
    return _reference_problem(
        403, "authorization-disabled-analytics", "You cannot get analytics from this project."
    )


def too_many_requests() -> ApiError:
    """The 429 example ``too-many-requests`` (2024-07, 2025-01 specs).

    docs/vendors/apivideo.md#rate-limits.
    """
    return _reference_problem(429, "too-many-requests", "Too many requests.")


#: docs/vendors/apivideo.md#unauthorized: the errors page's 401 messages. The spec defines no 401
#: body: the shape {type, title, name, status} is our assumption (an open question
#: there), the type URLs are the emulator's guesses.
UNAUTHORIZED = {
    "missing": ("authentication-missing-header", 'The "Authorization" header is missing.'),
    "header": ("authentication-invalid-header", 'The "Authorization" header value is invalid.'),
    "token": ("authentication-invalid-token", "The access token is invalid or expired."),
    "key": ("authentication-invalid-api-key", "The API key is invalid."),
}


def unauthorized(reason: str) -> ApiError:
    """401 for ``reason`` (a key of :data:`UNAUTHORIZED`); body shape assumed, see there."""
    slug, title = UNAUTHORIZED[reason]
    return ApiError(
        401, {"type": f"{_DOCS}/reference/{slug}", "title": title, "name": "", "status": 401}
    )


# --------------------------------------------------------------------------- paging


@dataclass(frozen=True, slots=True)
class Paging:
    """``currentPage`` (>= 1, default 1) and ``pageSize`` (1-100, default 25)."""

    page: int = 1
    size: int = 25

    def bounds(self, total: int) -> tuple[int, int]:
        """Item slice ``[start, stop)`` of this page among ``total`` items.

        A page past the last is empty (docs silent; no documented error fits).
        """
        start = min(total, (self.page - 1) * self.size)
        return start, min(total, start + self.size)

    def pages_total(self, total: int) -> int:
        """``pagesTotal``: at least 1, also when nothing matches (docs silent; a choice)."""
        return max(1, math.ceil(total / self.size))


def _int_or_none(raw: str | None) -> int | None:
    if raw is None:
        return None
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        return -1  # not an integer: refused like an out-of-range value
    return int(text)


def parse_paging(q: MultiMapping[str], *, analytics: bool) -> Paging:
    """``currentPage``/``pageSize``: the 2025-01 spec's parameters current-page and page-size.

    docs/vendors/apivideo.md#paging.

    current-page: "Minimum value: 1", default 1; page-size: "Allowed values
    1-100, default is 25". A value that is not an
    integer is refused like one out of range (docs silent).

    The refusal: on ``/videos`` (and the other ``bad-request`` endpoints) the
    2025-01 spec's /videos 400 example, ``{"title": "This parameter is out of
    the allowed range of values.", "name": "page", "status": 400, "range":
    {"min": 1}, "problems": [...]}`` - its name for currentPage is "page", kept
    as written; the example's pageSize range says min 10, which contradicts
    the parameter's "1-100" (inconsistent), so the
    emulator announces 1-100. On the analytics endpoints (``analytics=True``),
    whose 400 schema is ``analytics-plays-400-error``, a
    request-invalid-query-parameter body; its detail wording is the emulator's
    (docs silent).
    """
    page = _int_or_none(q.get("currentPage"))
    size = _int_or_none(q.get("pageSize"))
    bad_page = page is not None and page < 1
    bad_size = size is not None and not 1 <= size <= 100
    if bad_page or bad_size:
        if analytics:
            if bad_page:
                raise query_error("currentPage", "This value should be greater than or equal to 1.")
            raise query_error("pageSize", "This value should be between 1 and 100.")
        title = "This parameter is out of the allowed range of values."
        problems = []
        if bad_page:
            problems.append({"title": title, "name": "page", "range": {"min": 1}})
        if bad_size:
            problems.append({"title": title, "name": "pageSize", "range": {"min": 1, "max": 100}})
        first = problems[0]
        body = {"title": title, "name": first["name"], "status": 400, "range": first["range"]}
        body["problems"] = problems
        raise ApiError(400, body)
    return Paging(page or 1, size or 25)


# --------------------------------------------------------------------------- list endpoints


@dataclass(frozen=True, slots=True)
class VideoQuery:
    """``GET /videos`` filters and sort (the 2025-01 spec's LIST-videos).

    docs/vendors/apivideo.md#videos.
    """

    title: str | None = None
    tags: tuple[str, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()
    description: str | None = None
    live_stream_id: str | None = None
    sort_by: str = "createdAt"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class LiveStreamQuery:
    """``GET /live-streams`` filters and sort (LIST-live-streams).

    docs/vendors/apivideo.md#live-streams.
    """

    stream_key: str | None = None
    name: str | None = None
    sort_by: str = "createdAt"
    descending: bool = False


def deep_object(q: MultiMapping[str], name: str) -> dict[str, list[str]]:
    """``name[key]=v`` / ``name[key][]=v`` query pairs as ``{key: [v, ...]}`` (deepObject)."""
    out: dict[str, list[str]] = {}
    prefix = name + "["
    for key, value in q.items():
        if not key.startswith(prefix):
            continue
        match = re.fullmatch(re.escape(name) + r"\[([^\[\]]+)\](?:\[\d*\])?", key)
        if match is not None:
            out.setdefault(match.group(1), []).append(value)
    return out


def _sort(q: MultiMapping[str], allowed: tuple[str, ...]) -> tuple[str, bool]:
    """``sortBy`` (default ``createdAt``) and ``sortOrder`` (default ``asc``).

    The 2025-01 spec gives the enums but no defaults (docs/vendors/apivideo.md#videos): the emulator
    sorts by createdAt ascending unless asked (a choice), and sortOrder alone applies to createdAt.
    A value outside an enum is refused with the ``bad-request`` attributeinvalid problem (docs
    silent on its wording).
    """
    problems = []
    sort_by = q.get("sortBy", "createdAt")
    if sort_by not in allowed:
        title = f"This attribute must be one of: {', '.join(allowed)}."
        problems.append((ATTRIBUTE_INVALID_OLD, title, "sortBy"))
    order = q.get("sortOrder", "asc")
    if order not in ("asc", "desc"):
        problems.append(
            (ATTRIBUTE_INVALID_OLD, "This attribute must be one of: asc, desc.", "sortOrder")
        )
    if problems:
        raise bad_request(problems)
    return sort_by, order == "desc"


def parse_videos(q: MultiMapping[str]) -> VideoQuery:
    """LIST-videos: title, tags[], metadata[k], description, liveStreamId, sort.

    docs/vendors/apivideo.md#videos.
    """
    sort_by, desc = _sort(q, ("title", "createdAt", "publishedAt", "updatedAt"))
    meta = deep_object(q, "metadata")
    return VideoQuery(
        title=q.get("title") or None,
        tags=tuple(q.getall("tags[]", ())) + tuple(q.getall("tags", ())),
        metadata=tuple(sorted((k, v[-1]) for k, v in meta.items())),
        description=q.get("description") or None,
        live_stream_id=q.get("liveStreamId") or None,
        sort_by=sort_by,
        descending=desc,
    )


def parse_live_streams(q: MultiMapping[str]) -> LiveStreamQuery:
    """LIST-live-streams: streamKey, name, sortBy (name/createdAt/updatedAt).

    docs/vendors/apivideo.md#live-streams.
    """
    sort_by, desc = _sort(q, ("name", "createdAt", "updatedAt"))
    return LiveStreamQuery(
        stream_key=q.get("streamKey") or None,
        name=q.get("name") or None,
        sort_by=sort_by,
        descending=desc,
    )


# --------------------------------------------------------------------------- raw statistics

_PERIOD_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PERIOD_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_PERIOD_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_PERIOD_YEAR = re.compile(r"^(\d{4})$")
_PERIOD_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$"
)
_EPOCH = date(1970, 1, 1)


def day_ms(d: date) -> int:
    """Epoch milliseconds of ``d`` at 00:00 UTC."""
    return (d - _EPOCH).days * DAY_MS


def parse_period(q: MultiMapping[str]) -> tuple[int, int]:
    """``period`` as ``[from_ms, to_ms)`` of whole UTC days.

    docs/vendors/apivideo.md#raw-statistics: the 2023-09 spec's GET /analytics/videos/{videoId}
    ``period``: "For a day : 2018-01-01, For a week: 2018-W01, For a month: 2018-01, For a year:
    2018, Date range: 2018-01-01/2018-01-15" (the raw statistics guide the same). A range includes
    both days (docs silent; the example's "01/15" reads as a closed range), a week is an ISO-8601
    week (Monday to Sunday). Both the spec's live-stream example (``2019-01-01T00:00:00.000Z``) and
    the guide's curl use a date-time: it is read as its UTC day.

    Errors: the spec documents no 400 for these endpoints; the emulator answers
    with its ``bad-request`` shape (the 2023-09 spec's attributerequired /
    attributeinvalid types; the invalid title's wording is the emulator's).
    """
    raw = q.get("period")
    if raw is None or not raw.strip():
        raise bad_request([(*ATTRIBUTE_REQUIRED, "period")])
    text = raw.strip()
    try:
        first, last = _period_days(text)
    except ValueError:
        first = last = None
    if first is None or last is None or first > last:
        raise bad_request(
            [(ATTRIBUTE_INVALID_OLD, "This attribute must be a valid period.", "period")]
        )
    return day_ms(first), day_ms(last) + DAY_MS


def _period_days(text: str) -> tuple[date, date]:
    if "/" in text:
        a, _, b = text.partition("/")
        if not (_PERIOD_DAY.match(a) and _PERIOD_DAY.match(b)):
            raise ValueError(text)
        return date.fromisoformat(a), date.fromisoformat(b)
    if (m := _PERIOD_DATETIME.match(text)) is not None:
        d = date.fromisoformat(m.group(1))
        return d, d
    if _PERIOD_DAY.match(text):
        d = date.fromisoformat(text)
        return d, d
    if (m := _PERIOD_WEEK.match(text)) is not None:
        monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        return monday, monday + timedelta(days=6)
    if (m := _PERIOD_MONTH.match(text)) is not None:
        year, month = int(m.group(1)), int(m.group(2))
        start = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return start, nxt - timedelta(days=1)
    if (m := _PERIOD_YEAR.match(text)) is not None:
        year = int(m.group(1))
        return date(year, 1, 1), date(year, 12, 31)
    raise ValueError(text)


# --------------------------------------------------------------------------- plays

#: docs/vendors/apivideo.md#plays: the 2023-09 spec's GET /analytics/videos/plays ``dimension``
#: enum; the 400 "Dimension unknown" detail lists them in this order.
VIDEO_DIMENSIONS = ("emittedAt", "videoId", "country", "deviceType", "operatingSystem", "browser")
#: GET /analytics/live-streams/plays: liveStreamId instead of videoId
#: (docs/vendors/apivideo.md#plays).
LIVE_DIMENSIONS = (
    "emittedAt",
    "liveStreamId",
    "country",
    "deviceType",
    "operatingSystem",
    "browser",
)


@dataclass(frozen=True, slots=True)
class PlaysQuery:
    """A plays request: days ``[first, last]`` (UTC), dimension, optional media filter."""

    first: date
    last: date
    dimension: str
    media_id: str | None


def _parse_day(q: MultiMapping[str], name: str) -> date | None:
    raw = q.get(name)
    if raw is None:
        return None
    if not _PERIOD_DAY.match(raw.strip()):
        raise query_error(name, "This value must follow the YYYY-MM-DD format.")
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise query_error(name, "This value must follow the YYYY-MM-DD format.") from None


def parse_plays(q: MultiMapping[str], *, live: bool, today: date) -> PlaysQuery:
    """``from``, ``to``, ``dimension``, ``filter`` of the two plays endpoints.

    docs/vendors/apivideo.md#plays (the 2023-09 and 2024-07 specs, the plays doc): ``from``
    (required) "The API returns analytics data including the day you set in from"; ``to`` optional:
    "If you do not specify a to date, the API returns analytics data starting from the from date up
    until today, and excluding today" - so the default is yesterday; both "must be within the last
    30 days", read as the reference does, inclusive: a day from ``today - 30 days`` to ``today``
    (today = the horizon's UTC date), so ``from = today - 30`` is accepted and ``today - 31``
    refused, as is a day after today. ``from`` after ``to`` is refused too (docs silent). Their 400
    details are the emulator's wording (docs silent); the missing-parameter and dimension/filter
    bodies are the spec's examples.
    """
    dims = LIVE_DIMENSIONS if live else VIDEO_DIMENSIONS
    prefix = "liveStreamId" if live else "videoId"
    first = _parse_day(q, "from")
    if first is None:
        raise missing_error("from")
    last = _parse_day(q, "to")
    if last is None:
        last = today - timedelta(days=1)
    earliest = today - timedelta(days=30)
    for name, value in (("from", first), ("to", last)):
        if not earliest <= value <= today:
            raise query_error(name, "The date you set must be within the last 30 days.")
    if first > last:
        raise query_error("from", "This value must not be after the to date.")
    dimension = q.get("dimension")
    if dimension is None:
        # The 2023-09 spec's 400 "Missing parameter" example, name dimension
        # (docs/vendors/apivideo.md#plays).
        raise missing_error("dimension")
    if dimension not in dims:
        # The 2023-09 spec's 400 "Dimension unknown" / "Dimension not allowed"
        # (docs/vendors/apivideo.md#plays).
        raise query_error(
            "dimension", f"This value must be part of the following values: {','.join(dims)}"
        )
    media_id = None
    raw_filter = q.get("filter")
    if raw_filter is not None:
        # The 2023-09 spec: "You must use the videoId: prefix"; 400 "Invalid filter"
        # (docs/vendors/apivideo.md#plays).
        head, sep, value = raw_filter.partition(":")
        if head != prefix or not sep or not value:
            raise query_error(
                "filter",
                f"This value must be of the following structure(s): {prefix}:{{{prefix}}}",
            )
        media_id = value
    return PlaysQuery(first, last, dimension, media_id)


# --------------------------------------------------------------------------- /data/*

#: docs/vendors/apivideo.md#metrics: the 2025-01 spec's /data/metrics/{metric}/{aggregation}
#: ``metric`` description, pair by pair: play "count, rate, and total"; start, end and impression
#: "count"; impression-time and watch-time "average and sum". For ccv and view the metric's text
#: names no aggregation; the ``aggregation`` text says peak and live are "only with the ccv metric",
#: so ccv takes those two. For view the spec is silent: the emulator takes ``count`` (a choice).
METRIC_AGGREGATIONS = {
    "play": ("count", "rate", "total"),
    "start": ("count",),
    "end": ("count",),
    "impression": ("count",),
    "impression-time": ("average", "sum"),
    "watch-time": ("average", "sum"),
    "ccv": ("peak", "live"),
    "view": ("count",),
}
AGGREGATIONS = ("count", "rate", "total", "average", "sum", "peak", "live")
#: /data/buckets/{metric}/{breakdown} ``metric`` enum (docs/vendors/apivideo.md#metrics).
BUCKET_METRICS = (
    "play", "play-rate", "play-total", "start", "end", "impression", "ccv-peak", "ccv-average",
    "view",
)  # fmt: skip
#: /data/timeseries/{metric} ``metric`` enum, no play-total (docs/vendors/apivideo.md#metrics).
TIMESERIES_METRICS = (
    "play", "play-rate", "start", "end", "impression", "ccv-peak", "ccv-average", "view",
)  # fmt: skip
#: /data/buckets ``breakdown`` enum (docs/vendors/apivideo.md#metrics).
BREAKDOWNS = (
    "media-id", "media-type", "continent", "country", "device-type", "operating-system",
    "browser", "referrer",
)  # fmt: skip
#: The 2025-01 spec's parameter filterBy: the documented keys (docs/vendors/apivideo.md#filters).
FILTER_KEYS = (
    "mediaId", "mediaType", "continent", "country", "deviceType", "operatingSystem", "browser",
    "tag", "referrer",
)  # fmt: skip
#: docs/vendors/apivideo.md#filters: "The API only accepts the `mediaId` and `mediaType` filters
#: when you call `/data/metrics/play/total` or `/data/buckets/play-total/media-id`".
PLAY_TOTAL_FILTER_KEYS = ("mediaId", "mediaType")
#: filterBy continent enum (docs/vendors/apivideo.md#filters).
CONTINENTS = ("AS", "AF", "NA", "SA", "AN", "EU", "AZ")
VIEW_DURATIONS = ("3s", "5s", "10s", "30s")
INTERVALS = {"minute": MINUTE_MS, "hour": HOUR_MS, "day": DAY_MS}


@dataclass(frozen=True, slots=True)
class Measure:
    """What to compute: the internal metric name and its options.

    ``name`` is one of: play, start, end, impression, play-rate, play-total,
    impression-time-average, impression-time-sum, watch-time-average,
    watch-time-sum, ccv-peak, ccv-average, ccv-live, view.
    """

    name: str
    unique: bool = False
    view_seconds: int = 5


@dataclass(frozen=True, slots=True)
class DataQuery:
    """A ``/data/*`` request after validation (times in epoch ms, ``to`` exclusive)."""

    measure: Measure
    #: The metric name ``context.metric`` shows (see :func:`context_metric`).
    context_metric: str
    from_ms: int
    to_ms: int
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    breakdown: str | None = None
    interval: str | None = None
    sort_by: str | None = None
    descending: bool = False


_ATOM = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$")


def parse_atom(raw: str, name: str) -> int:
    """An ATOM date-time (``2024-02-05T00:00:00+01:00``) as epoch milliseconds.

    docs/vendors/apivideo.md#timeframe: from/to, "The value you provide should follow the ATOM
    date-time format". An offset is required (ATOM has one); a fraction of a
    second and ``Z`` are accepted. A query string's unencoded ``+`` arrives as a
    space and is refused, as a value without offset (docs silent; strict).
    """
    text = raw.strip()
    if not _ATOM.match(text):
        raise query_error(
            name,
            "This value must follow the ATOM date-time format, e.g. 2024-02-05T00:00:00+01:00.",
        )
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise query_error(name, "This value is not a valid date-time.") from None
    return int(round(parsed.timestamp() * 1000))


def atom(ms: int) -> str:
    """Epoch ms as ATOM UTC at whole seconds: ``2024-05-28T11:15:07+00:00``.

    docs/vendors/apivideo.md#timeframe.
    """
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _parse_bool(q: MultiMapping[str], name: str) -> bool | None:
    """A boolean query parameter (``unique``: type boolean).

    docs/vendors/apivideo.md#unique-and-view-duration.

    true/false in any case, and 1/0: the official Python client sends
    Python's ``True``/``False`` (docs silent on the spelling; lenient).
    """
    raw = q.get(name)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value not in ("true", "false", "1", "0"):
        raise query_error(name, "This value must be a boolean (true or false).")
    return value in ("true", "1")


def _parse_filters(q: MultiMapping[str], *, play_total: bool) -> dict[str, tuple[str, ...]]:
    """``filterBy[key]=v`` / ``filterBy[key][]=v`` (deepObject, docs/vendors/apivideo.md#filters).

    Every documented key filters. Unknown keys are ignored (docs silent).
    The 2025-01 spec's parameter filterBy: "The API only accepts the `mediaId` and
    `mediaType` filters when you call `/data/metrics/play/total` or
    `/data/buckets/play-total/media-id`". Taken at its word both ways (the
    sentence reads either way; strict on both is what a client must survive):
    ``mediaId``/``mediaType`` on any other endpoint are refused, and on those
    two any other documented key is; both with the "Invalid query parameter"
    example's detail. mediaType must be video or live-stream, continent one of
    the enum; a referrer longer than 2048 characters is the spec's "Referrer
    too long" 400.
    """
    raw = deep_object(q, "filterBy")
    out: dict[str, tuple[str, ...]] = {}
    for key, values in raw.items():
        if key not in FILTER_KEYS:
            continue
        name = f"filterBy[{key}]"
        if play_total != (key in PLAY_TOTAL_FILTER_KEYS):
            raise query_error(name, NOT_EXPECTED_DETAIL)
        if key == "mediaType" and values[-1] not in ("video", "live-stream"):
            raise query_error(
                name, "This value must be part of the following values: video,live-stream"
            )
        if key == "continent" and any(v not in CONTINENTS for v in values):
            raise query_error(
                name, f"This value must be part of the following values: {','.join(CONTINENTS)}"
            )
        if key == "referrer" and any(len(v) > 2048 for v in values):
            raise query_error(name, "This value should not contain more than 2048 characters.")
        # mediaType and tag take one value ("only accepts a single value",
        # docs/vendors/apivideo.md#filters).
        out[key] = (values[-1],) if key in ("mediaType", "tag") else tuple(values)
    return out


def _measure(metric: str, aggregation: str | None, q: MultiMapping[str]) -> tuple[Measure, str]:
    """The :class:`Measure` and ``context.metric`` for a metric (and aggregation).

    ``unique``: "The API accepts this parameter only when you use the ccv or
    view metric" (buckets/timeseries: ccv-peak, ccv-average, view);
    ``viewDuration``: "You can only use this parameter with the view metric",
    "The accepted values are 3s, 5s, 10s, and 30s", default 5s. Used
    elsewhere they are refused with the "Invalid query parameter" example's
    detail; a bad viewDuration gets the "Invalid view duration" example.

    context.metric (docs/vendors/apivideo.md#unique-and-view-duration): the 2025-01 spec's response
    schemas enumerate it as "the metric and relevant parameters you selected": ``view-5``,
    ``unique-view-5``, ``unique-ccv``, ``unique-ccv-peak``... - no bare ``view``. The emulator names
    a view metric ``view-<seconds>`` and prefixes ``unique-`` when unique=true; every other metric
    is echoed as requested.
    """
    unique = _parse_bool(q, "unique")
    duration = q.get("viewDuration")
    is_ccv = metric.startswith("ccv")
    if unique is not None and not (is_ccv or metric == "view"):
        raise query_error("unique", NOT_EXPECTED_DETAIL)
    if duration is not None and metric != "view":
        raise query_error("viewDuration", NOT_EXPECTED_DETAIL)
    if duration is not None and duration not in VIEW_DURATIONS:
        raise query_error(
            "viewDuration", 'This view duration is invalid. Use one of "3s", "5s", "10s", "30s".'
        )
    seconds = int((duration or "5s")[:-1])
    if aggregation is None:
        name = metric
    elif metric in ("impression-time", "watch-time"):
        name = f"{metric}-{aggregation}"
    elif metric == "play":
        name = {"count": "play", "rate": "play-rate", "total": "play-total"}[aggregation]
    elif metric == "ccv":
        name = f"ccv-{aggregation}"
    else:
        name = metric
    context = f"view-{seconds}" if metric == "view" else metric
    if unique:
        context = f"unique-{context}"
    return Measure(name, bool(unique), seconds), context


def _timeframe(q: MultiMapping[str], now_ms: int, *, ignore: bool) -> tuple[int, int]:
    """``from``/``to``: defaults and the 30-day rule (docs/vendors/apivideo.md#timeframe).

    "If you do not set a value for to, the default assigned value is now"
    (now = the horizon, at whole seconds, as ATOM shows it); "If you do not
    set a value for from, the default assigned value is 1 day ago, based on the
    to parameter"; "The maximum value is 30 days ago": from earlier than
    now - 30 days is refused (exactly 30 days is accepted). "The value for to
    is a non-inclusive value". from not before to is refused (docs silent),
    the detail wordings are the emulator's. With ``ignore`` (play-total: "The
    API ignores this parameter when you call /data/metrics/play/total") both
    take their defaults.
    """
    to_ms = now_ms
    if not ignore and q.get("to") is not None:
        to_ms = parse_atom(q["to"], "to")
    from_ms = to_ms - DAY_MS
    if not ignore and q.get("from") is not None:
        from_ms = parse_atom(q["from"], "from")
    if ignore:
        return from_ms, to_ms
    if from_ms < now_ms - 30 * DAY_MS:
        raise query_error("from", "The maximum value is 30 days ago.")
    if from_ms >= to_ms:
        raise query_error("from", "This value must be before the to date-time.")
    return from_ms, to_ms


def _path_value(value: str, allowed: tuple[str, ...], name: str) -> None:
    """A path attribute outside its enum: the 2025-01 spec's 400 "Invalid attribute".

    Type and title as that example (docs/vendors/apivideo.md#metrics).

    The example's detail ("This value must be of type string.") does not fit an
    unknown value; the detail lists the allowed values, as the plays examples do.
    """
    if value not in allowed:
        raise query_error(
            name,
            f"This value must be part of the following values: {','.join(allowed)}",
            ATTRIBUTE_INVALID,
        )


def parse_metrics(metric: str, aggregation: str, q: MultiMapping[str], now_ms: int) -> DataQuery:
    """``GET /data/metrics/{metric}/{aggregation}`` (GET_aggregated-metrics).

    docs/vendors/apivideo.md#metrics.
    """
    _path_value(metric, tuple(METRIC_AGGREGATIONS), "metric")
    _path_value(aggregation, AGGREGATIONS, "aggregation")
    allowed = METRIC_AGGREGATIONS[metric]
    if aggregation not in allowed:
        raise query_error(
            "aggregation",
            f"This aggregation cannot be used with the {metric} metric. "
            f"Use one of: {','.join(allowed)}",
            ATTRIBUTE_INVALID,
        )
    total = metric == "play" and aggregation == "total"
    measure, context = _measure(metric, aggregation, q)
    filters = _parse_filters(q, play_total=total)
    from_ms, to_ms = _timeframe(q, now_ms, ignore=total)
    return DataQuery(measure, context, from_ms, to_ms, filters)


def _data_sort(q: MultiMapping[str], fields: tuple[str, str]) -> tuple[str | None, bool]:
    """``sortBy`` (the two fields of the endpoint) and ``sortOrder`` (asc/desc, default asc)."""
    sort_by = q.get("sortBy")
    if sort_by is not None and sort_by not in fields:
        raise query_error(
            "sortBy", f"This value must be part of the following values: {','.join(fields)}"
        )
    order = q.get("sortOrder", "asc")
    if order not in ("asc", "desc"):
        raise query_error("sortOrder", "This value must be part of the following values: asc,desc")
    return sort_by, order == "desc"


def parse_buckets(metric: str, breakdown: str, q: MultiMapping[str], now_ms: int) -> DataQuery:
    """``GET /data/buckets/{metric}/{breakdown}`` (GET_metrics-breakdown).

    docs/vendors/apivideo.md#metrics.

    Every metric goes with every breakdown except play-total: "You can only use
    the media-id breakdown with this metric" (400 "Invalid attribute" otherwise,
    detail the emulator's). play-total ignores from/to, as
    /data/metrics/play/total does (the spec says so only there; a choice).
    """
    _path_value(metric, BUCKET_METRICS, "metric")
    _path_value(breakdown, BREAKDOWNS, "breakdown")
    total = metric == "play-total"
    if total and breakdown != "media-id":
        raise query_error(
            "breakdown",
            "You can only use the media-id breakdown with the play-total metric.",
            ATTRIBUTE_INVALID,
        )
    measure, context = _measure(metric, None, q)
    filters = _parse_filters(q, play_total=total)
    from_ms, to_ms = _timeframe(q, now_ms, ignore=total)
    sort_by, desc = _data_sort(q, ("metricValue", "dimensionValue"))
    return DataQuery(
        measure, context, from_ms, to_ms, filters, breakdown=breakdown, sort_by=sort_by,
        descending=desc,
    )  # fmt: skip


def parse_timeseries(metric: str, q: MultiMapping[str], now_ms: int) -> DataQuery:
    """``GET /data/timeseries/{metric}`` (GET_metrics-over-time).

    docs/vendors/apivideo.md#timeseries.

    ``interval``: minute, hour or day (else the "Invalid interval" example);
    default hour when the timeframe "is less than or equals to 2 days",
    otherwise day; minute with a timeframe over 60 minutes is the "Timeframe
    does not match interval" example (exactly 60 minutes is accepted: the
    error's wording, "over 60 minutes").
    """
    _path_value(metric, TIMESERIES_METRICS, "metric")
    measure, context = _measure(metric, None, q)
    filters = _parse_filters(q, play_total=False)
    from_ms, to_ms = _timeframe(q, now_ms, ignore=False)
    interval = q.get("interval")
    if interval is None:
        interval = "hour" if to_ms - from_ms <= 2 * DAY_MS else "day"
    elif interval not in INTERVALS:
        raise query_error(
            "interval", 'This interval is invalid. Use one of "minute", "hour", "day".'
        )
    if interval == "minute" and to_ms - from_ms > HOUR_MS:
        raise query_error(
            "interval", "This interval cannot be used with a timeframe over 60 minutes."
        )
    sort_by, desc = _data_sort(q, ("metricValue", "emittedAt"))
    return DataQuery(
        measure, context, from_ms, to_ms, filters, interval=interval, sort_by=sort_by,
        descending=desc,
    )  # fmt: skip
