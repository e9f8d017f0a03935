"""Deterministic, vectorised data primitives shared by the emulated APIs.

Why this shape: the emulator must serve millions of rows per account without
holding a dict per row. Every row is therefore a pure function of
``(seed, account, stream, row index k)``: row attributes come from a
counter-based hash (splitmix64) evaluated with numpy over whole index arrays.
A query first computes the ordered array of matching row indices (vectorised,
cached per query shape) and only the rows on the requested page are rendered,
from pre-encoded JSON fragments (see "JSON fragments" below) or as dicts.

The pieces here are API-neutral: the hash (:class:`RowHashes`), fragment
pools, ISO formatting, a typed :class:`Column` that knows how to filter, sort
and render itself, the :class:`Table` protocol an API's dataset implements,
and the query helpers :func:`select` and :func:`materialize`.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import orjson

# --------------------------------------------------------------------------- hashing

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def stable_key(*parts: object) -> int:
    """Return a 64-bit key for ``parts`` that is stable across runs.

    Python's ``hash()`` is salted per process, so it can't seed anything that
    tests compare between two emulator processes; blake2b is.
    """
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def mix64(x: np.ndarray) -> np.ndarray:
    """Apply the splitmix64 finaliser element-wise (uint64 array in, uint64 array out).

    It is a bijection with good avalanche, so hashing ``k`` gives independent
    looking attributes for neighbouring rows while staying reproducible.
    (uint64 array arithmetic wraps silently in numpy, which is what we want.)
    """
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@functools.lru_cache(maxsize=64)
def _salts(names: tuple[str, ...]) -> np.ndarray:
    return np.array([stable_key("salt", n) for n in names], dtype=np.uint64)


class RowHashes:
    """Independent per-row hashes for a fixed set of attribute names.

    For a page (small ``ks``) all attributes are hashed in one numpy call as an
    ``(n, attributes)`` matrix, which matters because per-call overhead
    dominates for 100 rows; for large index sets (filters/sorts over millions
    of rows) attributes are hashed one at a time to bound memory.
    """

    _MATRIX_MAX_ROWS = 4096

    def __init__(self, key: int, ks: np.ndarray, names: tuple[str, ...]) -> None:
        self._base = mix64(ks.astype(np.uint64) ^ np.uint64(key))
        self._names = names
        self._pos = {n: i for i, n in enumerate(names)}
        self._matrix: np.ndarray | None = None
        self._units: np.ndarray | None = None
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, name: str) -> np.ndarray:
        """Return the uint64 hash of attribute ``name`` for every row."""
        if len(self._base) <= self._MATRIX_MAX_ROWS:
            return self._hash_matrix()[:, self._pos[name]]
        hashed = self._cache.get(name)
        if hashed is None:
            salt = _salts(self._names)[self._pos[name]]
            hashed = self._cache[name] = mix64(self._base ^ salt)
        return hashed

    def _hash_matrix(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = mix64(self._base[:, None] ^ _salts(self._names)[None, :])
        return self._matrix

    def unit(self, name: str) -> np.ndarray:
        """Return attribute ``name`` as floats uniform in [0, 1)."""
        if len(self._base) <= self._MATRIX_MAX_ROWS:
            if self._units is None:
                self._units = unit_float(self._hash_matrix())
            return self._units[:, self._pos[name]]
        return unit_float(self(name))

    @property
    def matrix_mode(self) -> bool:
        """True when all attributes are hashed at once (small row sets)."""
        return len(self._base) <= self._MATRIX_MAX_ROWS

    def units_block(self, names: tuple[str, ...]) -> np.ndarray:
        """Return several attributes as an ``(n, len(names))`` float block."""
        if self.matrix_mode:
            if self._units is None:
                self._units = unit_float(self._hash_matrix())
            first = self._pos[names[0]]
            if all(self._pos[n] == first + i for i, n in enumerate(names)):
                return self._units[:, first : first + len(names)]
            return self._units[:, [self._pos[n] for n in names]]
        return np.stack([self.unit(n) for n in names], axis=1)

    def pick(self, name: str, n: int) -> np.ndarray:
        """Return attribute ``name`` as indices in ``range(n)`` (int64)."""
        return (self.unit(name) * n).astype(np.int64)


def unit_float(h: np.ndarray) -> np.ndarray:
    """Map uint64 hashes to floats uniformly spread over [0, 1)."""
    return (h >> _S11).astype(np.float64) * (1.0 / 9007199254740992.0)


def rng_for(*parts: object) -> random.Random:
    """Return a seeded ``random.Random`` for building small per-account pools."""
    return random.Random(stable_key(*parts))


# --------------------------------------------------------------------------- time


def iso_ms(ms: int) -> str:
    """Format epoch milliseconds like the Audience samples: ``2016-04-25T18:30:21.651Z``."""
    return str(np.datetime64(int(ms), "ms")) + "Z"


def iso_ms_array(ms: np.ndarray) -> list[str]:
    """Vectorised :func:`iso_ms` for a page of timestamps."""
    text = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms")
    return [s + "Z" for s in text.tolist()]


# --------------------------------------------------------------------------- JSON fragments
#
# Rendering a page row by row in Python costs ~30 us per record on the target
# machine, far over the throughput budget. Instead each record is the
# concatenation of pre-encoded JSON fragments ("pools" indexed with numpy), so
# rendering is a few fancy-indexing operations plus one ``str.join`` for a
# whole block of rows. Each pool also knows its fragments' lengths, which gives
# every row's end offset in the joined text, so a block rendered once can be
# sliced into pages. Fragments are encoded with orjson: escaping is always right.

_SOD: np.ndarray | None = None
_MSZ = np.array([f'{i:03d}Z"' for i in range(1000)], dtype=object)

#: One rendered column: fragments per row and their lengths (array or constant).
Part = tuple[np.ndarray, np.ndarray | int]


def _seconds_of_day() -> np.ndarray:
    """``"HH:MM:SS."`` for every second of a day (built once, lazily)."""
    global _SOD
    if _SOD is None:
        _SOD = np.array(
            [f"{h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60)],
            dtype=object,
        )
    return _SOD


def json_seconds(seconds: float) -> int | float:
    """A duration as JSON shows it: ``300``, not ``300.0``, unless it has a fraction."""
    return int(seconds) if float(seconds).is_integer() else seconds


def json_fragment(key: str, value: Any, *, lead: str = ",") -> str:
    """Return ``<lead>"key":<json value>`` for building fragment pools."""
    return f"{lead}{orjson.dumps(key).decode()}:{orjson.dumps(value).decode()}"


class FragmentPool:
    """Pre-encoded JSON fragments addressed by index, with their lengths."""

    __slots__ = ("frags", "lens")

    def __init__(self, fragments: Sequence[str]) -> None:
        self.frags = np.array(list(fragments), dtype=object)
        self.lens = np.array([len(f) for f in fragments], dtype=np.int64)

    def take(self, idx: np.ndarray) -> Part:
        """Fragments (and lengths) for per-row indices ``idx``."""
        return self.frags[idx], self.lens[idx]

    def __len__(self) -> int:
        return len(self.frags)


def fragment_pool(key: str, values: Sequence[Any], *, optional: bool = False) -> FragmentPool:
    """Pool of ``,"key":value`` fragments; with ``optional``, index 0 is ``""``.

    Optional fields are rendered by indexing with ``present * (1 + i)`` so that
    absent fields vanish from the record instead of becoming ``null``.
    """
    frags = [json_fragment(key, v) for v in values]
    return FragmentPool(([""] if optional else []) + frags)


_DAY_PREFIX: dict[tuple[str, str, int], str] = {}


def _day_prefix(lead: str, key: str, day: int) -> str:
    prefix = _DAY_PREFIX.get((lead, key, day))
    if prefix is None:
        prefix = f'{lead}"{key}":"{np.datetime64(day, "D")}T'
        if len(_DAY_PREFIX) < 100_000:
            _DAY_PREFIX[(lead, key, day)] = prefix
    return prefix


def time_fragments(ms: np.ndarray, key: str, *, lead: str = ",") -> list[Part]:
    """Parts rendering ``<lead>"key":"YYYY-MM-DDTHH:MM:SS.mmmZ"`` per row.

    Dates are formatted once per distinct day and times come from a
    per-second table, because numpy's own datetime formatting is ~1 us/row.
    """
    days, rem = np.divmod(ms, 86_400_000)
    sec, milli = np.divmod(rem, 1000)
    if not len(days):
        empty = np.array([], dtype=object)
        return [(empty, 0), (empty, 0), (empty, 0)]
    first = int(days.min())
    span = int(days.max()) - first + 1
    if span <= 4096:
        pool = [_day_prefix(lead, key, first + i) for i in range(span)]
        day_frag = np.array(pool, dtype=object)[days - first]
    else:  # rows spread over many years: only format the days that occur
        uniq, inv = np.unique(days, return_inverse=True)
        pool = [_day_prefix(lead, key, int(d)) for d in uniq.tolist()]
        day_frag = np.array(pool, dtype=object)[inv.reshape(-1)]
    # Years 0..9999 keep the prefix a fixed width.
    day_len = len(pool[0]) if first >= 0 and first + span < 2_932_897 else None
    day_lens: np.ndarray | int = (
        day_len if day_len is not None else np.array([len(s) for s in day_frag.tolist()])
    )
    return [(day_frag, day_lens), (_seconds_of_day()[sec], 9), (_MSZ[milli], 5)]


def join_rows(parts: Sequence[Part]) -> tuple[str, np.ndarray]:
    """Concatenate parts row-wise; return the text and each row's end offset.

    The last part's fragments end with ``},``, so rows read ``{...},{...},``;
    :func:`rows_between` slices pages out of it without the trailing comma.
    """
    if not parts or not len(parts[0][0]):
        return "", np.zeros(0, dtype=np.int64)
    n, width = len(parts[0][0]), len(parts)
    cells = np.empty(n * width, dtype=object)  # row-major: row i = cells[i*width:(i+1)*width]
    for j, (frags, _) in enumerate(parts):
        cells[j::width] = frags
    text = "".join(cells.tolist())
    lengths = np.zeros(len(parts[0][0]), dtype=np.int64)
    for _, lens in parts:
        lengths += lens
    return text, np.cumsum(lengths)


def rows_between(text: str, ends: np.ndarray, start: int, stop: int) -> str:
    """Rows ``start..stop-1`` of a :func:`join_rows` result, comma separated."""
    if stop <= start:
        return ""
    begin = int(ends[start - 1]) if start > 0 else 0
    return text[begin : int(ends[stop - 1]) - 1]


# --------------------------------------------------------------------------- cache


class LRU:
    """Tiny LRU map; query results are cached per query shape to make paging O(page)."""

    def __init__(self, maxsize: int) -> None:
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._maxsize = maxsize

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Return the cached value for ``key``, computing and storing it on a miss."""
        try:
            value = self._data[key]
        except KeyError:
            value = compute()
            self._data[key] = value
            if len(self._data) > self._maxsize:
                self._data.popitem(last=False)
            return value
        self._data.move_to_end(key)
        return value

    def clear(self) -> None:
        """Drop every entry (used when data is regenerated)."""
        self._data.clear()


# --------------------------------------------------------------------------- columns

ColumnKind = Literal["int", "float", "bool", "time", "pooled", "str"]


class FilterValueError(ValueError):
    """A ``where`` value can't be compared with the column's type."""


def parse_time_value(raw: str) -> int:
    """Parse a ``where`` value for a timestamp field: epoch ms or the API's own ISO form.

    Docs are silent on the literal format for timestamps in ``where``; accepting
    exactly what the API returns (and epoch ms, its other date format) is the
    plausible choice.
    """
    text = raw.strip()
    if text.isdigit():
        return int(text)
    try:
        parsed = np.datetime64(text.removesuffix("Z"), "ms")
    except ValueError as exc:
        raise FilterValueError(f"not a timestamp: {raw!r}") from exc
    return int(parsed.astype(np.int64))


@dataclass(slots=True)
class Column:
    """One field's values for an array of rows, plus its presence mask.

    ``values`` holds: ints/floats/bools for the scalar kinds, epoch ms for
    ``time``, indices into ``pool`` for ``pooled`` (small vocabularies such as
    video names), or a numpy object array of str for ``str``. ``present`` is
    ``None`` when every row has the field.
    """

    kind: ColumnKind
    values: np.ndarray
    present: np.ndarray | None = None
    pool: Sequence[str] | None = None

    def to_python(self) -> list[Any]:
        """Return JSON-ready values, ``None`` where the field is absent."""
        if self.kind == "time":
            out: list[Any] = iso_ms_array(self.values)
        elif self.kind == "pooled":
            pool = self.pool or ()
            out = [pool[i] for i in self.values.tolist()]
        else:
            out = self.values.tolist()
        if self.present is not None:
            out = [v if p else None for v, p in zip(out, self.present.tolist(), strict=True)]
        return out

    def sort_key(self) -> np.ndarray:
        """Return a numeric key whose ascending order is the field's ascending order.

        Docs are silent on where absent values sort; they sort first in
        ascending order (like an empty string), which is the common SQL-ish
        ``NULLS FIRST`` behaviour for ascending sorts.
        """
        if self.kind == "pooled":
            pool = list(self.pool or ())
            rank = np.empty(len(pool), dtype=np.int64)
            rank[np.argsort(np.array(pool, dtype=object), kind="stable")] = np.arange(len(pool))
            key = rank[self.values] if len(pool) else np.zeros(len(self.values), np.int64)
        elif self.kind == "str":
            text = self.values if self.present is None else np.where(self.present, self.values, "")
            _, key = np.unique(text.astype(str), return_inverse=True)
            key = key.astype(np.int64)
        elif self.kind == "bool":
            key = self.values.astype(np.int64)
        else:
            key = self.values
        if self.present is not None and self.kind != "str":
            lowest = (key.min() - 1) if len(key) else 0
            key = np.where(self.present, key, lowest)
        return key

    def match(self, raw_values: Sequence[str]) -> np.ndarray:
        """Return the mask of rows equal to any of ``raw_values`` (``where`` OR list).

        Raises :class:`FilterValueError` when a value can't be of this type.
        Rows without the field never match.
        """
        mask = np.zeros(len(self.values), dtype=bool)
        for raw in raw_values:
            if self.kind == "int":
                try:
                    mask |= self.values == int(raw)
                except ValueError as exc:
                    raise FilterValueError(f"not an integer: {raw!r}") from exc
            elif self.kind == "float":
                try:
                    mask |= self.values == float(raw)
                except ValueError as exc:
                    raise FilterValueError(f"not a number: {raw!r}") from exc
            elif self.kind == "bool":
                lowered = raw.strip().lower()
                if lowered not in ("true", "false"):
                    raise FilterValueError(f"not a boolean: {raw!r}")
                mask |= self.values == (lowered == "true")
            elif self.kind == "time":
                mask |= self.values == parse_time_value(raw)
            elif self.kind == "pooled":
                hits = [i for i, name in enumerate(self.pool or ()) if name == raw]
                if hits:
                    mask |= np.isin(self.values, hits)
            else:
                mask |= self.values == raw
        if self.present is not None:
            mask &= self.present
        return mask


class RowView(Protocol):
    """A set of rows (indices ``ks``) of a table as seen at one horizon.

    Implementations cache shared intermediate attributes (e.g. the video a row
    points at) so that rendering a page computes each of them once.
    """

    def column(self, field: str) -> Column:
        """Return ``field`` for the view's rows."""
        ...


class Table(Protocol):
    """What an API's dataset offers to the query helpers."""

    #: Field names in the order items render them.
    fields: tuple[str, ...]

    def row_count(self, horizon_ms: int) -> int:
        """Return how many rows (indices ``0..n-1``) exist at ``horizon_ms``."""
        ...

    def visible_rows(self, horizon_ms: int) -> np.ndarray:
        """Return, ascending, the indices of the rows the API shows at ``horizon_ms``.

        A subset of ``range(row_count(horizon_ms))``: an API may hold rows back
        (e.g. until they are processed).
        """
        ...

    def view(self, ks: np.ndarray, horizon_ms: int) -> RowView:
        """Return rows ``ks`` as seen at ``horizon_ms``."""
        ...


WhereClauses = tuple[tuple[str, tuple[str, ...]], ...]


def select(
    table: Table,
    horizon_ms: int,
    *,
    range_field: str,
    from_ms: int | None,
    to_ms: int | None,
    where: WhereClauses = (),
    sort_field: str,
    descending: bool = False,
) -> np.ndarray:
    """Return the ordered row indices matching a query (vectorised).

    Ordering: by ``sort_field``; ties by row index ascending. Tables number
    rows in ``created_at`` order, so ties fall back to created_at then k in
    both directions, which keeps paging deterministic.
    """
    ks = table.visible_rows(horizon_ms)
    if from_ms is not None or to_ms is not None:
        stamp = table.view(ks, horizon_ms).column(range_field).values
        mask = np.ones(len(ks), dtype=bool)
        if from_ms is not None:
            mask &= stamp >= from_ms
        if to_ms is not None:
            mask &= stamp <= to_ms
        ks = ks[mask]
    for field, values in where:
        ks = ks[table.view(ks, horizon_ms).column(field).match(values)]
    if sort_field == "k" or (sort_field == "created_at" and not descending):
        # Fast path: rows are numbered in created_at order already (and
        # visible_rows keeps that order).
        return ks
    key = table.view(ks, horizon_ms).column(sort_field).sort_key()
    if descending:
        key = -key
    return ks[np.argsort(key, kind="stable")]


def materialize(
    table: Table, ks: np.ndarray, horizon_ms: int, fields: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Build the item dicts for rows ``ks`` (one page), omitting absent fields."""
    wanted = table.fields if fields is None else [f for f in table.fields if f in fields]
    view = table.view(ks, horizon_ms)
    cols = [(f, view.column(f).to_python()) for f in wanted]
    items: list[dict[str, Any]] = []
    for i in range(len(ks)):
        item: dict[str, Any] = {}
        for name, values in cols:
            value = values[i]
            if value is not None:
                item[name] = value
        items.append(item)
    return items
