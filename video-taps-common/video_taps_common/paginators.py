"""SDK paginators that announce their pages, so the family's base fetches them concurrently.

Any of the SDK's paginators (``singer_sdk.pagination``) works in a stream of the
family: the base drives it as the SDK's own loop does, one page after another
(``advance`` until ``finished``). The SDK has no concurrency (meltano/sdk#183):
a cursor or a ``next`` link is only known once the page before it arrived. Many
APIs, though, say in their first answer how many items or pages there are;
then every later page's token is known at once. A paginator that says so offers
:class:`AnnouncedPages`, and the base fetches those pages together, in order,
under the tap's rate budget and the byte bound of pages held ahead.

The two kinds here are SDK paginators first (a loop that knows nothing of the
extension still pages with them, sequentially): :class:`AnnouncedOffsetPaginator`
(offsets up to the announced item count) and :class:`AnnouncedPageNumberPaginator`
(page numbers up to the announced page count). A vendor's paginator is a small
subclass in its tap's ``client.py`` that reads the count from the answer.
"""

from __future__ import annotations

import abc
import typing as t

from singer_sdk.pagination import OffsetPaginator, PageNumberPaginator

if t.TYPE_CHECKING:
    import requests

_TToken = t.TypeVar("_TToken")


class ResultSetShiftedError(Exception):
    """A later page contradicts its run's first page (e.g. the total changed).

    Items appeared or left while we paged by offset or page number, so page
    boundaries moved; the stream's ``run_shifted`` decides how the run is read again.
    """


class AnnouncedPages(abc.ABC, t.Generic[_TToken]):
    """What a paginator adds to the SDK's contract so its pages are fetched concurrently.

    After the first page of a run, the base asks :meth:`pages_after` for every
    later page's token and fetches them ahead of need; each later answer then
    passes :meth:`check_page` before its records are emitted. One paginator
    pages one run, so it may remember what the first answer said.
    """

    @abc.abstractmethod
    def pages_after(self, first: requests.Response) -> t.Sequence[_TToken]:
        """Tokens of every page after the first, in order, as the first answer announces them."""

    def check_page(self, token: _TToken, response: requests.Response) -> None:
        """Raise :class:`ResultSetShiftedError` if this later page shows the result set moved."""

    def total_records(self, response: requests.Response) -> int | None:  # noqa: ARG002
        """How many records the whole result holds, if the answer says (progress shows it)."""
        return None


class _TotalsKept(AnnouncedPages[int]):
    """A later page announcing another total than the first means the result set moved."""

    def __init__(self, *, detect_shifts: bool) -> None:
        self.detect_shifts = detect_shifts
        self.first_total: int | None = None

    def remember_first(self, first: requests.Response) -> None:
        """Keep the first answer's total, the one every later page must announce too."""
        self.first_total = self.total_records(first)

    def check_page(self, token: int, response: requests.Response) -> None:
        """With ``detect_shifts``: the same total as the first page, or the result set moved."""
        if not self.detect_shifts:
            return
        total = self.total_records(response)
        if total != self.first_total:
            msg = f"count changed from {self.first_total} to {total} at {self.describe(token)}"
            raise ResultSetShiftedError(msg)

    def describe(self, token: int) -> str:
        """The page in a few words, for messages."""
        return f"page {token}"


class AnnouncedOffsetPaginator(_TotalsKept, OffsetPaginator):
    """``offset``/``limit`` paging, the first answer saying how many items match.

    A subclass reads the item count (:meth:`total_records`). With
    ``detect_shifts`` a later page whose count differs from the first's raises
    :class:`ResultSetShiftedError` (an item moved in or out of the result).
    """

    def __init__(
        self, page_size: int, start_value: int = 0, *, detect_shifts: bool = False
    ) -> None:
        """Offsets from ``start_value`` in steps of ``page_size``."""
        OffsetPaginator.__init__(self, start_value, page_size)
        _TotalsKept.__init__(self, detect_shifts=detect_shifts)

    @abc.abstractmethod
    def total_records(self, response: requests.Response) -> int | None:
        """The number of items matching the request, as the answer says."""

    def has_more(self, response: requests.Response) -> bool:
        """For the SDK's sequential loop: another offset lies below the count."""
        return self.current_value + self.page_size < (self.total_records(response) or 0)

    def pages_after(self, first: requests.Response) -> range:
        """Every later offset below the first answer's count."""
        self.remember_first(first)
        total = self.first_total or 0
        return range(self.current_value + self.page_size, total, self.page_size)

    def describe(self, token: int) -> str:
        """``offset N``."""
        return f"offset {token}"


class AnnouncedPageNumberPaginator(_TotalsKept, PageNumberPaginator):
    """Page numbers, the first answer saying how many pages there are.

    A subclass reads the page count (:meth:`page_count`) and, optionally, the
    item count (:meth:`total_records`, for progress and ``detect_shifts``).
    """

    def __init__(self, start_value: int = 1, *, detect_shifts: bool = False) -> None:
        """Pages from ``start_value``."""
        PageNumberPaginator.__init__(self, start_value)
        _TotalsKept.__init__(self, detect_shifts=detect_shifts)

    @abc.abstractmethod
    def page_count(self, response: requests.Response) -> int:
        """The number of the result's last page, as the answer says."""

    def has_more(self, response: requests.Response) -> bool:
        """For the SDK's sequential loop: the answer announces a later page."""
        return self.current_value < self.page_count(response)

    def pages_after(self, first: requests.Response) -> range:
        """Every later page up to the first answer's page count."""
        self.remember_first(first)
        return range(self.current_value + 1, self.page_count(first) + 1)


__all__ = [
    "AnnouncedOffsetPaginator",
    "AnnouncedPageNumberPaginator",
    "AnnouncedPages",
    "ResultSetShiftedError",
]
