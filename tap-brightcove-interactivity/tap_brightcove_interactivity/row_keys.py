"""Primary keys for report rows, which carry no id of their own.

An event row's key is a digest of its account, its values and its occurrence
number among identical rows of the same day, so a re-read of the day gives
the same keys (a target upserts) and two identical events stay two rows. A
summary row's key is a digest of what it aggregates within its report window.

Counting occurrences means remembering every distinct row of a day, and a day
may hold 500,000 rows: remembering their text would grow the tap's memory by
hundreds of megabytes. The counter keeps an 8-byte fingerprint per row in a
flat array instead. Two different rows sharing a fingerprint (about one chance
in 10^8 for a 500,000-row day) only make the second one count as an
occurrence of the first: its key is still a digest of its own values, so keys
stay unique.
"""

from __future__ import annotations

import hashlib
import json
import typing as t
from array import array

if t.TYPE_CHECKING:
    from tap_brightcove_interactivity.scheduler import ReportRequest
    from tap_brightcove_interactivity.schemas import ReportSpec

#: Fingerprints of 64 bits; 0 marks an empty slot, so a fingerprint of 0 is taken as 1.
_EMPTY = 0
_INITIAL_SLOTS = 1 << 10


class OccurrenceCounter:
    """How many times each value set was seen: an open-addressing table of fingerprints.

    Memory is 8 bytes a slot, at most twice the distinct rows (about 8 MB for a
    500,000-row day); the few value sets seen more than once keep their count
    in a small dict beside it.
    """

    def __init__(self) -> None:
        self._slots = array("Q", bytes(8 * _INITIAL_SLOTS))
        self._used = 0
        self._repeats: dict[int, int] = {}

    def count(self, text: str) -> int:
        """How many times ``text`` was counted before; then count it once more."""
        fingerprint = _fingerprint(text)
        if self._insert(fingerprint):
            return 0
        occurrence = self._repeats.get(fingerprint, 1)
        self._repeats[fingerprint] = occurrence + 1
        return occurrence

    def _insert(self, fingerprint: int) -> bool:
        """Put ``fingerprint`` in the table; False when it was there already."""
        slots = self._slots
        mask = len(slots) - 1
        index = fingerprint & mask
        while True:
            held = slots[index]
            if held == fingerprint:
                return False
            if held == _EMPTY:
                slots[index] = fingerprint
                self._used += 1
                if 2 * self._used > len(slots):
                    self._grow()
                return True
            index = (index + 1) & mask

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(16 * len(old)))
        self._used = 0
        for fingerprint in old:
            if fingerprint != _EMPTY:
                self._insert(fingerprint)


def _fingerprint(text: str) -> int:
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") or 1


class EventKeys:
    """Keys of event rows: account, values and occurrence among identical rows of a day.

    Event rows have no id. Two identical rows (the same action by the same
    viewer in the same instant, as the API reports it) must stay two rows, so
    the n-th of them gets n in its digest. Counting restarts with each day;
    a day is complete in every report that covers it, so the same rows get
    the same keys whichever window they were read in.
    """

    def __init__(self, request: ReportRequest) -> None:
        self._account = request.account_id
        self._day: str | None = None
        self._seen = OccurrenceCounter()

    def key(self, record: dict, day: str | None) -> str:
        """The row's digest."""
        if day != self._day:
            self._day = day
            self._seen = OccurrenceCounter()
        values = _canonical(sorted((k, v) for k, v in record.items() if v is not None))
        return _digest(self._account, values, self._seen.count(values))


class SummaryKeys:
    """Keys of summary rows: what the row aggregates, within its report window."""

    def __init__(self, request: ReportRequest, spec: ReportSpec) -> None:
        self._prefix = (request.account_id, request.start.isoformat(), request.end.isoformat())
        self._identity = spec.identity
        self._seen = OccurrenceCounter()

    def key(self, record: dict, _day: str | None) -> str:
        """The row's digest."""
        pairs = [(name, record.get(name)) for name in self._identity]
        if all(value is None for _, value in pairs):
            # The report lacks every identity column: the whole row identifies it.
            pairs = sorted((k, v) for k, v in record.items() if v is not None)
        identity = _canonical(pairs)
        return _digest(*self._prefix, identity, self._seen.count(identity))


def _canonical(pairs: list[tuple[str, t.Any]]) -> str:
    return json.dumps(pairs, separators=(",", ":"), ensure_ascii=False, default=str)


def _digest(*parts: t.Any) -> str:  # noqa: ANN401
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
