"""Vectorised fixed-width text columns: ids, decimal/hex digits, ISO timestamps.

Why: formatting a uuid or a timestamp per row in Python costs about a
microsecond each, which is most of a 10,000-row page's budget. Fixed-width
text can instead be built as a ``(rows, width)`` matrix of ASCII bytes with
numpy (digits by arithmetic, constants broadcast), concatenated column-wise
with :func:`hcat` and turned into Python strings in one conversion
(:func:`block_strings`). The results are plain ``str`` objects, ready for the
fragment joins of :mod:`video_api_emulator.data` (``join_rows``).

API-neutral: nothing here knows about a vendor.
"""

from __future__ import annotations

import numpy as np

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_ZERO = np.uint8(ord("0"))
_SECONDS_PER_DAY = 86_400

#: A block: ASCII bytes, one row per item.
Block = np.ndarray


def const(text: str, n: int) -> Block:
    """``text`` (ASCII) repeated on ``n`` rows, as a read-only broadcast view."""
    row = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.broadcast_to(row, (n, len(row)))


def dec_block(values: np.ndarray, width: int) -> Block:
    """Non-negative integers as zero-padded decimal digits (high digits dropped)."""
    v = values.astype(np.uint64, copy=True)
    out = np.empty((len(v), width), dtype=np.uint8)
    ten = np.uint64(10)
    for col in range(width - 1, -1, -1):
        out[:, col] = (v % ten).astype(np.uint8) + _ZERO
        v //= ten
    return out


def hex_block(values: np.ndarray, width: int) -> Block:
    """The lowest ``width`` nibbles of uint64 ``values`` as lower-case hex digits."""
    v = values.astype(np.uint64, copy=False)
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64) * np.uint64(4)
    nibbles = (v[:, None] >> shifts[None, :]) & np.uint64(15)
    return _HEX[nibbles.astype(np.intp)]


def uuid_block(a: np.ndarray, b: np.ndarray) -> Block:
    """Version-4-shaped UUID text (``8-4-4-4-12`` hex) from two uint64 hash columns."""
    hi = a.astype(np.uint64, copy=False)
    lo = b.astype(np.uint64, copy=False)
    # RFC 9562 layout: version nibble 4 (bits 48..51 of the high half), variant
    # bits 10 (the two top bits of the low half).
    hi = (hi & np.uint64(0xFFFFFFFFFFFF0FFF)) | np.uint64(0x4000)
    lo = (lo & np.uint64(0x3FFFFFFFFFFFFFFF)) | np.uint64(0x8000000000000000)
    h, lx = hex_block(hi, 16), hex_block(lo, 16)
    n = len(hi)
    dash = const("-", n)
    return np.hstack([h[:, 0:8], dash, h[:, 8:12], dash, h[:, 12:16], dash, lx[:, 0:4], dash,
                      lx[:, 4:16]])  # fmt: skip


def iso_seconds_block(seconds: np.ndarray, suffix: str = "+00:00") -> Block:
    """Epoch seconds as ``YYYY-MM-DDTHH:MM:SS`` + ``suffix`` (e.g. ``+00:00``).

    Dates are formatted by numpy once per distinct day; times of day are digit
    arithmetic. Years must lie in 1..9999 (fixed width).
    """
    s = seconds.astype(np.int64, copy=False)
    n = len(s)
    days, sod = np.divmod(s, _SECONDS_PER_DAY)
    if n:
        first = int(days.min())
        span = int(days.max()) - first + 1
        if span <= 4096:
            pool_days = np.arange(first, first + span, dtype=np.int64)
            inv = days - first
        else:
            pool_days, inv = np.unique(days, return_inverse=True)
            inv = inv.reshape(-1)
        text = np.datetime_as_string(pool_days.astype("datetime64[D]"), unit="D")
        pool = np.frombuffer("".join(text.tolist()).encode("ascii"), dtype=np.uint8)
        date = pool.reshape(len(pool_days), 10)[inv]
    else:
        date = np.empty((0, 10), dtype=np.uint8)
    hh, rem = np.divmod(sod, 3600)
    mm, ss = np.divmod(rem, 60)
    colon = const(":", n)
    return np.hstack(
        [date, const("T", n), dec_block(hh, 2), colon, dec_block(mm, 2), colon,
         dec_block(ss, 2), const(suffix, n)]
    )  # fmt: skip


def hcat(*parts: Block | str) -> Block:
    """Concatenate blocks and ASCII constants column-wise into one block."""
    n = next(len(p) for p in parts if not isinstance(p, str))
    return np.hstack([const(p, n) if isinstance(p, str) else p for p in parts])


def block_strings(block: Block) -> np.ndarray:
    """One Python ``str`` per row of ``block``, as a numpy object array."""
    n, width = block.shape
    if n == 0 or width == 0:
        return np.full(n, "", dtype=object)
    raw = np.ascontiguousarray(block, dtype=np.uint8).view(f"S{width}").reshape(n)
    return raw.astype(f"U{width}").astype(object)
