"""Reading a report body as a stream of rows, and typing its cells.

A report can hold 500,000 rows, so its body is never held in memory: it is
spooled to a temporary file as it arrives (``client.ReportStream`` must know
whether the report hit the row cap before emitting any of its rows) and read
back row by row: CSV with the standard library's reader, JSON with ijson's
incremental parser.

CSV cells are text; each declared column converts its cells to the declared
type (an empty cell is null), and a cell that does not fit stops the report
with a message naming report, row and column. JSON values go through the
same converters, so both formats give identical records.

A body that does not parse as a whole (JSON that ends early, a CSV record cut
short) raises :class:`BodyError`: that is a transport fault, not bad data, and
``client.ReportStream`` fetches such a report again before emitting any row.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import re
import typing as t

import ijson

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tap_brightcove_interactivity.schemas import ColumnType

#: Report formats the API offers (docs/vendors/brightcove-interactivity.md#report-parameters: "csv
#: and json").
REPORT_FORMATS = ("csv", "json")
#: Bytes read from the spool per chunk.
CHUNK_BYTES = 1 << 20

_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


class CellError(ValueError):
    """A cell whose value does not fit its column's declared type."""


class BodyError(ValueError):
    """A report body that does not parse: cut short, or not the CSV or JSON array it should be."""


def iter_raw_rows(body: t.BinaryIO, report_format: str) -> Iterator[dict[str, t.Any]]:
    """The report's rows as dicts of column name to the API's value, in the API's order."""
    if report_format == "csv":
        return _csv_rows(body)
    return _json_rows(body)


def _csv_rows(body: t.BinaryIO) -> Iterator[dict[str, t.Any]]:
    # utf-8-sig: a byte-order mark (Excel-style exports have one) is not part of
    # the first column's name. newline="": the csv module handles quoted newlines.
    # strict: a quoted cell the body ends inside (a record cut short) is an
    # error, not a shorter cell. A cut that falls inside the last, unquoted
    # cell of a record cannot be told from a complete record: RFC 4180 lets the
    # last record end without a line break.
    text = io.TextIOWrapper(body, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    row_number = 0
    try:
        header = next(reader, None)
        if header is None:
            return
        width = len(header)
        for row in reader:
            row_number += 1
            if not row:
                continue  # a blank line, e.g. after the last row
            if len(row) != width:
                msg = f"CSV row {row_number} has {len(row)} cells where the header names {width}"
                raise BodyError(msg)
            yield dict(zip(header, row, strict=True))
    except csv.Error as error:
        msg = f"the CSV body does not parse after row {row_number}: {error}"
        raise BodyError(msg) from None
    finally:
        text.detach()  # the spool stays open: the caller may read it again


def _json_rows(body: t.BinaryIO) -> Iterator[dict[str, t.Any]]:
    # The JSON envelope is not documented (docs/vendors/brightcove-interactivity.md#envelopes): a
    # bare array of row objects is read; anything else stops the report rather than guessing.
    first = _first_significant_byte(body)
    if first != b"[":
        shown = first.decode("latin-1") if first else "an empty body"
        msg = f"the JSON report is not an array of rows (it starts with {shown!r})"
        raise BodyError(msg)
    row_number = 0
    try:
        for item in ijson.items(body, "item", use_float=False, buf_size=CHUNK_BYTES):
            row_number += 1
            if not isinstance(item, dict):
                msg = f"JSON row {row_number} is {type(item).__name__}, not an object"
                raise BodyError(msg)
            yield item
    except ijson.JSONError as error:
        # e.g. "parse error: premature EOF" for a body that ends early.
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "?"
        msg = f"the JSON body does not parse after row {row_number}: {first_line}"
        raise BodyError(msg) from None


def _first_significant_byte(body: t.BinaryIO) -> bytes:
    start = body.tell()
    while True:
        chunk = body.read(64)
        if not chunk:
            body.seek(start)
            return b""
        stripped = chunk.lstrip(b" \t\r\n\xef\xbb\xbf")
        if stripped:
            body.seek(start)
            return stripped[:1]


def count_rows(body: t.BinaryIO, report_format: str) -> int:
    """The exact number of rows, read through once; :class:`BodyError` if the body does not parse.

    Quoted newlines make counting lines unreliable, and only a whole parse
    proves the body complete before any of its rows is emitted.
    """
    body.seek(0)
    count = sum(1 for _ in iter_raw_rows(body, report_format))
    body.seek(0)
    return count


# Conversion --------------------------------------------------------------------------

Converter = t.Callable[[t.Any], t.Any]


def _is_blank(value: t.Any) -> bool:  # noqa: ANN401
    return value is None or value == ""


def to_string(value: t.Any) -> str | None:  # noqa: ANN401
    """Text as given; an empty cell is null; a JSON number or list is written as text."""
    if _is_blank(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def to_integer(value: t.Any) -> int | None:  # noqa: ANN401
    """Whole numbers only: ``12`` or ``12.0``, never ``12.5`` or ``true``."""
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    try:
        number = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise CellError(f"expected an integer, got {value!r}") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError(f"expected an integer, got {value!r}")
    return int(number)


def to_number(value: t.Any) -> decimal.Decimal | None:  # noqa: ANN401
    """Exact decimals, as the API wrote them (no float rounding)."""
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("expected a number, got a boolean")
    try:
        number = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise CellError(f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise CellError(f"expected a finite number, got {value!r}")
    return number


#: ``hh:mm:ss``, hours not wrapped at 24 (a summary adds up view time over weeks).
_DURATION = re.compile(r"\s*(\d+):([0-5]\d):([0-5]\d)\s*")


def duration_seconds(value: t.Any) -> int | None:  # noqa: ANN401
    """``hh:mm:ss`` as whole seconds: ``136:21:00`` is 490860; an empty cell is null.

    docs/vendors/brightcove-interactivity.md#value-formats: Studio shows "Total View Time
    (hh:mm:ss)"; the API's own form is not documented, so anything else raises ``CellError`` and the
    caller keeps the raw text with a null beside it.
    """
    if _is_blank(value):
        return None
    match = _DURATION.fullmatch(str(value)) if isinstance(value, str) else None
    if match is None:
        raise CellError(f"expected a duration such as 136:21:00 (hh:mm:ss), got {value!r}")
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def to_boolean(value: t.Any) -> bool | None:  # noqa: ANN401
    """``true``/``false`` (also ``1``/``0``, ``yes``/``no``), any case."""
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"expected a boolean (true or false), got {value!r}")


def to_date_time(value: t.Any) -> str | None:  # noqa: ANN401
    """RFC 3339 in UTC. The doc: "All times are UTC", so a time without a zone is UTC.

    Studio shows times as ``2022-07-28 15:39:22.000000``
    (docs/vendors/brightcove-interactivity.md#value-formats).
    """
    if _is_blank(value):
        return None
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise CellError(
            f"expected a date-time such as 2026-01-31 12:00:00, got {value!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).isoformat()


def to_string_list(value: t.Any) -> list[str] | None:  # noqa: ANN401
    """A list cell as an array, repeats kept as the API gives them (it does not de-dupe).

    CSV has no list type: a JSON-style ``["a","b"]`` cell is read as JSON, any
    other as comma-separated values.
    """
    if _is_blank(value):
        return None
    if isinstance(value, list):
        return [to_string(item) or "" for item in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            raise CellError(f"expected a list of ids, got {value!r}") from None
        if isinstance(items, list):
            return [to_string(item) or "" for item in items]
    return [item.strip() for item in text.split(",")]


CONVERTERS: dict[ColumnType, Converter] = {
    "string": to_string,
    "duration": to_string,
    "integer": to_integer,
    "number": to_number,
    "boolean": to_boolean,
    "date-time": to_date_time,
    "array": to_string_list,
}


def converter_for(kind: ColumnType) -> Callable[[t.Any], t.Any]:
    """The function that types a cell of a declared column."""
    return CONVERTERS[kind]
