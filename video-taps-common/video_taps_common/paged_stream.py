"""A stream whose pages after the first are fetched concurrently and emitted in order.

APIs that report the total in their first response (``count`` for Brightcove
Audience, pagination counts for IBM) let us know every later page token up
front; this base class fetches those pages on a bounded thread pool under the
tap's shared :class:`~video_taps_common.rate_budget.RateBudget`, and yields
records strictly in page order so incremental bookmarks stay correct.
"""

from __future__ import annotations

import abc
import typing as t
from contextlib import closing
from functools import partial

from video_taps_common.concurrent_stream import (
    MAX_BUFFERED_PAGE_BYTES,
    BudgetedStream,
    FetchedPage,
    page_bytes,
)
from video_taps_common.ordered import map_in_order

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

_TToken = t.TypeVar("_TToken")


class ConcurrentPagesStream(BudgetedStream[_TToken], abc.ABC):
    """Fetch every page after the first concurrently; emit records in page order."""

    @abc.abstractmethod
    def first_page_token(self, context: Context | None) -> _TToken:
        """The token of the first page of this partition's sync."""

    @abc.abstractmethod
    def following_page_tokens(
        self, first: FetchedPage[_TToken], context: Context | None
    ) -> t.Iterable[_TToken]:
        """Tokens of every page after ``first``, known from its response."""

    @abc.abstractmethod
    def records_in_page(self, page: FetchedPage[_TToken]) -> t.Iterable[dict]:
        """The records one page holds, in the API's order."""

    def check_page(self, first: FetchedPage[_TToken], page: FetchedPage[_TToken]) -> None:
        """Raise if ``page`` contradicts ``first`` (e.g. the result set shifted)."""

    def announced_total(self, first: FetchedPage[_TToken]) -> int | None:
        """How many records the partition holds, if the first response says so."""
        return None

    def records_for_partition(self, context: Context | None) -> t.Iterable[dict]:
        """Every record of one partition; streams override to add windowing."""
        return self.request_records(context)

    # Requests -----------------------------------------------------------------

    def request_records(self, context: Context | None) -> t.Iterable[dict]:
        """Yield the records of every page of this partition, in page order."""
        fetch = partial(self.fetch_page, context)
        with self.get_http_request_counter() as request_counter:
            request_counter.with_context(context)
            first = self._take_prefetched_first_page() or fetch(self.first_page_token(context))
            request_counter.increment()
            if self._progress is not None:
                self._progress.expect(self.announced_total(first))
            yield from self.records_in_page(first)
            later_pages = map_in_order(
                fetch,
                self.following_page_tokens(first, context),
                max_workers=self.max_concurrent_requests,
                thread_name_prefix=self.name,
                weigh=page_bytes,
                max_pending_weight=MAX_BUFFERED_PAGE_BYTES,
                expected_weight=page_bytes(first),
            )
            with closing(later_pages):
                for page in later_pages:
                    request_counter.increment()
                    self.check_page(first, page)
                    yield from self.records_in_page(page)

    #: The first page of the partition about to sync, fetched ahead by a parent
    #: (see :mod:`video_taps_common.child_batches`), or the error that fetch raised.
    _prefetched_first: FetchedPage[_TToken] | Exception | None = None

    def _take_prefetched_first_page(self) -> FetchedPage[_TToken] | None:
        prefetched, self._prefetched_first = self._prefetched_first, None
        if isinstance(prefetched, Exception):
            raise prefetched
        return prefetched
