"""Query parameters of the IBM Analytics API: parsing and validation.

Sources as in the package docstring: sections of docs/vendors/ibm-video.md.

Every problem with a parameter becomes one JSON:API error naming it in
``source.pointer`` (docs/vendors/ibm-video.md#errors BadRequest: ``errors`` of
``{status, title, detail, source: {pointer}}``); all problems of a request
are reported together. Unknown query parameters are ignored (docs silent;
what most APIs do) - this includes ``content_id`` on ``/views`` and
``/viewers``, where the doc's parameter tables do not list it, and
``inclusive_range`` on ``/viewers``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

#: docs/vendors/ibm-video.md#endpoints: content_type x ∈ {live, recorded}.
CONTENT_TYPES = ("live", "recorded")
#: docs/vendors/ibm-video.md#time-format: date_time_from/_to: "If you do
#: not specify a timezone offset, the time is considered as America/Los Angeles".
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
# docs/vendors/ibm-video.md#paging: offestParameter/limitParameter.
PAGE_DEFAULT, LIMIT_DEFAULT, LIMIT_MAX = 1, 10, 10_000

# docs/vendors/ibm-video.md#time-format: "Every time field provided by the API is formatted by
# ISO8601 format (eg. 2018-07-16T19:20:30+01:00). The API also accepts
# parameters in this format only." The emulator reads "this format" as the
# example's: extended date-time with seconds, an optional fraction and an
# optional offset (Z or ±hh:mm). Other ISO-8601 spellings (date only, basic
# format, week dates) and anything else are refused with 400 - docs silent on
# them; being strict proves a client sends the documented form.
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?P<offset>Z|[+-]\d{2}:\d{2})?$"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


class ParamError(ValueError):
    """One or more invalid query parameters: ``[(pointer, detail), ...]``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {d}" for p, d in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Paging:
    """``_page`` (1-based) and ``_limit``."""

    page: int = PAGE_DEFAULT
    limit: int = LIMIT_DEFAULT


@dataclass(frozen=True, slots=True)
class ViewsQuery:
    """A view-segment filter (hashable: it keys the result cache).

    ``from_ms``/``to_ms`` are epoch milliseconds; ``None`` = unbounded (only
    ``/viewers`` may omit them).
    """

    from_ms: int | None
    to_ms: int | None
    inclusive_range: bool = True
    list_unfinished: bool = True
    content_type: str | None = None
    content_ids: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class ViewersQuery:
    """``/viewers`` filters: which segments count, and the identifier substring."""

    segments: ViewsQuery
    viewer_identifier: str | None = None


def parse_datetime(raw: str, name: str) -> int:
    """Parse an ISO-8601 date-time parameter into epoch milliseconds.

    No offset -> America/Los_Angeles (see ``LOS_ANGELES``), through zoneinfo, so
    the offset is -08:00 or -07:00 as daylight saving time says on that date.
    Wall times that occur twice (the autumn hour) take the first (fold=0);
    times skipped in spring are read with the offset before the change (PEP
    495) - docs silent on both.
    """
    text = raw.strip()
    match = _ISO.match(text)
    if match is None:
        raise ValueError(
            f"{name} must be an ISO 8601 date and time, e.g. 2018-07-16T19:20:30+01:00"
        )
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{name} is not a valid date and time: {exc}") from exc
    if match.group("offset") is None:
        parsed = parsed.replace(tzinfo=LOS_ANGELES)
    return (parsed - _EPOCH) // _MS


def _parse_bool(q: Mapping[str, str], name: str, problems: list[tuple[str, str]]) -> bool:
    """Boolean flags, default true (docs/vendors/ibm-video.md#range-semantics).

    Only ``true``/``false`` are accepted (the JSON spellings; docs silent on
    others such as ``1`` or ``True``) - strict, like the date parsing.
    """
    raw = q.get(name)
    if raw is None:
        return True
    if raw not in ("true", "false"):
        problems.append((name, f"{name} must be true or false"))
        return True
    return raw == "true"


def _parse_int(
    q: Mapping[str, str],
    name: str,
    default: int,
    lo: int,
    hi: int | None,
    problems: list[tuple[str, str]],
) -> int:
    """_page x ≥ 1, _limit 1 ≤ x ≤ 10000 (docs/vendors/ibm-video.md#paging).

    The doc types them "number, x ∈ ℝ"; a fractional page or limit has no
    meaning, so only integers are accepted (docs silent).
    """
    raw = q.get(name)
    if raw is None:
        return default
    text = raw.strip()
    bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
    if not text.isdigit():
        problems.append((name, f"{name} must be an integer {bound}"))
        return default
    value = int(text)
    if value < lo or (hi is not None and value > hi):
        problems.append((name, f"{name} must be an integer {bound}"))
        return default
    return value


def _parse_content_ids(
    q: Mapping[str, str], problems: list[tuple[str, str]]
) -> tuple[int, ...] | None:
    """idsParameter: "A list of comma separated IDs", integer.

    docs/vendors/ibm-video.md#endpoints.
    """
    raw = q.get("content_id")
    if raw is None:
        return None
    items = [item.strip() for item in raw.split(",")]
    if not items or not all(item.isdigit() for item in items):
        problems.append(("content_id", "content_id must be a comma separated list of integers"))
        return None
    return tuple(sorted({int(item) for item in items}))


def parse_paging(q: Mapping[str, str], problems: list[tuple[str, str]]) -> Paging:
    """``_page`` and ``_limit`` with their documented defaults and bounds."""
    page = _parse_int(q, "_page", PAGE_DEFAULT, 1, None, problems)
    limit = _parse_int(q, "_limit", LIMIT_DEFAULT, 1, LIMIT_MAX, problems)
    return Paging(page, limit)


def _parse_range(
    q: Mapping[str, str], *, required: bool, problems: list[tuple[str, str]]
) -> tuple[int | None, int | None]:
    bounds: list[int | None] = []
    for name in ("date_time_from", "date_time_to"):
        raw = q.get(name)
        if raw is None:
            if required:
                problems.append((name, f"{name} is required"))
            bounds.append(None)
            continue
        try:
            bounds.append(parse_datetime(raw, name))
        except ValueError as exc:
            problems.append((name, str(exc)))
            bounds.append(None)
    return bounds[0], bounds[1]


def parse_views(q: Mapping[str, str], content_type: str | None) -> tuple[ViewsQuery, Paging]:
    """Parameters of ``/views`` and ``/views/{content_type}``.

    docs/vendors/ibm-video.md#endpoints: date_time_from and
    date_time_to are required (true in the table); list_unfinished_segments
    and inclusive_range default to true; _page/_limit. The
    ``/views/{content_type}`` table adds content_id and omits the
    America/Los_Angeles sentence for offset-less dates: the emulator reads
    those the same way on both paths (docs silent on a difference; the
    parameters share one definition, dateTimeFromQueryParameter).
    """
    problems: list[tuple[str, str]] = []
    from_ms, to_ms = _parse_range(q, required=True, problems=problems)
    inclusive = _parse_bool(q, "inclusive_range", problems)
    unfinished = _parse_bool(q, "list_unfinished_segments", problems)
    ids = _parse_content_ids(q, problems) if content_type is not None else None
    paging = parse_paging(q, problems)
    if problems:
        raise ParamError(problems)
    return ViewsQuery(from_ms, to_ms, inclusive, unfinished, content_type, ids), paging


def parse_viewers(q: Mapping[str, str], content_type: str | None) -> tuple[ViewersQuery, Paging]:
    """Parameters of ``/viewers`` and ``/viewers/{content_type}``.

    docs/vendors/ibm-video.md#endpoints: viewer_identifier
    (substring), list_unfinished_segments (default true), _page/_limit;
    ``/{content_type}`` adds content_id. The newer docs
    also take date_time_from/date_time_to here, optional; they filter the
    segments like ``/views`` does (default, inclusive semantics - docs
    silent on how), and either may be given alone.
    """
    problems: list[tuple[str, str]] = []
    from_ms, to_ms = _parse_range(q, required=False, problems=problems)
    unfinished = _parse_bool(q, "list_unfinished_segments", problems)
    ids = _parse_content_ids(q, problems) if content_type is not None else None
    paging = parse_paging(q, problems)
    if problems:
        raise ParamError(problems)
    segments = ViewsQuery(from_ms, to_ms, True, unfinished, content_type, ids)
    needle = q.get("viewer_identifier") or None  # empty = no filter (docs silent)
    return ViewersQuery(segments, needle), paging
