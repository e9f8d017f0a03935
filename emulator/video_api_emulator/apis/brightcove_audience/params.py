"""Brightcove Audience query parameters: what each stream accepts, and their parsing.

Citations: sections of docs/vendors/brightcove-audience.md (see the package docstring).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ...data import WhereClauses
from .data import LEAD_FIELDS, UTM_FIELDS, VIEW_EVENT_FIELDS

# ----------------------------------------------------------------------------- doc tables

# docs/vendors/brightcove-audience.md#paging: "default: 25; maximum: 100". The OpenAPI says
# maximum 200; the overview is the truth, so 101..200 are rejected.
LIMIT_DEFAULT, LIMIT_MAX = 25, 100

# docs/vendors/brightcove-audience.md#fields (view events table): the fields for where and for
# fields. The table spells is_synced (the OpenAPI's EventResult says is_synched;
# an open question, docs/vendors/brightcove-audience.md#is-synced; the overview wins).
_VE_OV_TABLE = frozenset(
    {
        "video_id", "video_name", "tracking_id", "external_id", "player_id", "page_url",
        "watched", "time_watched", "created_at", "updated_at", "is_synced",
        "event_1", "event_2", "event_3", "metric_1", "metric_2", "metric_3",
    }
)  # fmt: skip
# where: the overview's table (the OpenAPI's where description lists a subset of
# it; docs/vendors/brightcove-audience.md#where).
VIEW_EVENT_WHERE = _VE_OV_TABLE
# fields: the overview's table plus the UTM fields of the OpenAPI schema "Fields"
# (docs/vendors/brightcove-audience.md#fields).
VIEW_EVENT_SELECT = _VE_OV_TABLE | UTM_FIELDS
# sort: the OpenAPI schema "Sort" enum (docs/vendors/brightcove-audience.md#sort).
VIEW_EVENT_SORT = frozenset(
    {
        "video_id", "video_name", "tracking_id", "external_id", "player_id", "page_url",
        "watched", "time_watched", "created_at", "updated_at", "is_synced",
    }
) | UTM_FIELDS  # fmt: skip

# docs/vendors/brightcove-audience.md#fields (leads table): where and fields.
_LEAD_OV_TABLE = frozenset(
    {
        "video_id", "external_id", "player_id", "page_url", "created_at", "email_address",
        "first_name", "last_name", "business_phone", "country", "company_name", "industry",
    }
)  # fmt: skip
LEAD_WHERE = _LEAD_OV_TABLE
# fields: the overview's table plus video_name from the OpenAPI schema
# "FieldsLeads" (docs/vendors/brightcove-audience.md#fields).
LEAD_SELECT = _LEAD_OV_TABLE | {"video_name"}
# sort: the OpenAPI schema "SortLeads" (docs/vendors/brightcove-audience.md#sort).
LEAD_SORT = frozenset({"video_id", "video_name", "player_id", "created_at"})

# docs/vendors/brightcove-audience.md#date-ranges: from/to apply to updated_at for view events.
# Leads have no updated_at; docs are silent, so leads filter on created_at (they
# never change).
REPLICATION_FIELD = {"view_events": "updated_at", "leads": "created_at"}


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """What a stream accepts, per the doc tables above."""

    name: str
    fields: tuple[str, ...]
    where: frozenset[str]
    select: frozenset[str]
    sort: frozenset[str]


STREAMS = {
    "view_events": StreamSpec(
        "view_events", VIEW_EVENT_FIELDS, VIEW_EVENT_WHERE, VIEW_EVENT_SELECT, VIEW_EVENT_SORT
    ),
    "leads": StreamSpec("leads", LEAD_FIELDS, LEAD_WHERE, LEAD_SELECT, LEAD_SORT),
}

# ----------------------------------------------------------------------------- parsing


class BadRequestError(ValueError):
    """A query parameter is invalid (rendered as 400 BAD_REQUEST_ERROR)."""


_RELATIVE = re.compile(r"^([+-]?)(\d+)([dhms])$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1_000}


def _parse_bound(raw: str, name: str) -> tuple[str, int]:
    """Parse one from/to value into ("abs", epoch_ms) or ("rel", delta_ms).

    docs/vendors/brightcove-audience.md#date-ranges lists exactly four formats: ``now``; epoch
    milliseconds;
    ``YYYY-MM-DD`` (UTC midnight); relative ``<n>d|h|m|s`` with optional sign.
    Anything else (including full ISO timestamps) is a 400.
    """
    text = raw.strip()
    if text == "now":
        return "now", 0
    if text.isdigit():
        return "abs", int(text)
    if _DATE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise BadRequestError(f"Invalid value for {name}: {raw!r} is not a valid date") from exc
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return "abs", int(midnight.timestamp() * 1000)
    m = _RELATIVE.match(text)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        return "rel", sign * int(m.group(2)) * _UNIT_MS[m.group(3)]
    raise BadRequestError(
        f"Invalid value for {name}: {raw!r} (expected now, epoch milliseconds, "
        "YYYY-MM-DD or a relative value such as -2d, 48h, 10m, 30s)"
    )


def resolve_range(raw_from: str | None, raw_to: str | None, now_ms: int) -> tuple[int | None, int]:
    """Turn raw from/to into inclusive epoch-ms bounds.

    docs/vendors/brightcove-audience.md#date-ranges: a relative value is relative to the other bound
    (``from=2015-01-01&to=31d``, ``from=-48h&to=now``). When both are relative
    - or the other bound is missing - the emulator resolves them against now
    (docs silent). Missing ``from`` = no lower bound, missing ``to`` = now
    (docs silent; the overview's samples always pass ``to=now``). Bounds are
    inclusive (docs silent). "now" is the emulator's horizon.
    """
    f = _parse_bound(raw_from, "from") if raw_from is not None else None
    t = _parse_bound(raw_to, "to") if raw_to is not None else ("now", 0)
    t_abs = None if t[0] == "rel" else (now_ms if t[0] == "now" else t[1])
    f_abs = None if f is None or f[0] == "rel" else (now_ms if f[0] == "now" else f[1])
    if f is not None and f[0] == "rel":
        f_abs = (t_abs if t_abs is not None else now_ms) + f[1]
    if t_abs is None:
        t_abs = (f_abs if f is not None and f[0] != "rel" else now_ms) + t[1]
    return f_abs, t_abs


def parse_int(raw: str | None, name: str, default: int, lo: int, hi: int | None) -> int:
    """Parse a non-negative integer parameter in [lo, hi]; ``default`` when absent."""
    if raw is None:
        return default
    text = raw.strip()
    if not text.isdigit():
        raise BadRequestError(f"Invalid value for {name}: {raw!r} is not a non-negative integer")
    value = int(text)
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise BadRequestError(f"Invalid value for {name}: {value} (must be {bound})")
    return value


def parse_where(raw: str | None, spec: StreamSpec) -> WhereClauses:
    """Parse ``where`` per docs/vendors/brightcove-audience.md#where.

    Syntax ``field1==value1;field2==value2``: ';' is AND, ',' separates OR
    values of one field. (The overview's prose once writes ``video_name=test``
    with a single '='; its syntax line and samples use '==', which we require.)
    Values are compared as exact strings/numbers; the docs don't mention
    wildcards or case folding.
    """
    if raw is None or raw == "":
        return ()
    clauses = []
    for clause in raw.split(";"):
        field, sep, values = clause.partition("==")
        field = field.strip()
        if not sep or not field:
            raise BadRequestError(f"Invalid value for where: {clause!r} is not field==value")
        if field not in spec.where:
            raise BadRequestError(f"Invalid value for where: {field!r} is not a filterable field")
        clauses.append((field, tuple(values.split(","))))
    return tuple(clauses)


def parse_fields(raw: str | None, spec: StreamSpec) -> frozenset[str] | None:
    """Parse ``fields`` per docs/vendors/brightcove-audience.md#fields (comma list).

    An empty value is treated as absent (all fields) - docs silent.
    """
    if raw is None or raw.strip() == "":
        return None
    names = [n.strip() for n in raw.split(",")]
    bad = [n for n in names if n not in spec.select]
    if bad:
        raise BadRequestError(f"Invalid value for fields: {', '.join(repr(b) for b in bad)}")
    return frozenset(names)


def parse_sort(raw: str | None, spec: StreamSpec) -> tuple[str, bool]:
    """Parse ``sort``: one field, '-' prefix = descending.

    docs/vendors/brightcove-audience.md#sort.
    """
    if raw is None or raw == "":
        return "created_at", False  # docs/vendors/brightcove-audience.md#sort: default created_at
    desc = raw.startswith("-")
    field = raw[1:] if desc else raw
    if field not in spec.sort:
        raise BadRequestError(f"Invalid value for sort: {raw!r} is not a sortable field")
    return field, desc
