"""A stream whose pages are fetched concurrently, ahead of need, and emitted in order.

The SDK's ``RESTStream.request_records`` fetches one page after another (the
SDK has no concurrency: meltano/sdk#183), so a sync with 500 ms per response
cannot approach what the API allows. Here a stream declares its paging in
ONE hook, :meth:`ConcurrentPagesStream.paging`: the runs of pages of a
partition, each a small vendor object (:class:`PageRun`, written once per
vendor in the tap's ``client.py``) that says which request comes first and
which later pages the first answer announces. This base fetches on bounded
thread pools under the tap's rate budget, and yields records strictly in page
order so bookmarks stay correct:

- the pages of a run after its first are fetched concurrently;
- the first pages of a partition's later runs (IBM's time windows, api.video's
  day requests) are fetched while earlier runs are emitted;
- a parent stream queues its children's contexts as it emits a page, so each
  child fetches the first pages of the partitions it is about to sync while
  the SDK syncs them one by one, as usual (``Stream.sync`` per parent record).

All of it is one mechanism, :class:`~video_taps_common.ordered.PrefetchQueue`,
bounded by the bytes of pages running or waiting (:data:`MAX_BUFFERED_PAGE_BYTES`).
"""

from __future__ import annotations

import abc
import json
import threading
import typing as t
from dataclasses import dataclass
from functools import cached_property, partial

from singer_sdk.exceptions import FatalAPIError

from video_taps_common.concurrent_stream import (
    BudgetedStream,
    FetchedPage,
    PartitionRecords,
    page_bytes,
)
from video_taps_common.errors import StreamUnavailableError
from video_taps_common.ordered import PendingBudget, PrefetchQueue
from video_taps_common.progress import describe_partition

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

_TToken = t.TypeVar("_TToken")

#: Response bytes of pages running or waiting ahead of the one being emitted,
#: for one partition (its runs' first pages and the current run's pages
#: together), and again for a child stream's first pages queued by its parent.
#: A page takes about five times its response size once decoded (IBM: a
#: 10,000-row page is 6.6 MB on the wire, 34 MB in memory): 24 MiB keeps three
#: such pages ahead, enough for 500 ms responses to keep up with the consumer,
#: and a sync under 300 MB, while small pages still get every worker.
MAX_BUFFERED_PAGE_BYTES = 24 * 2**20
#: Child partitions a parent queues ahead of their sync (each a small dict);
#: their first pages are fetched within :data:`MAX_BUFFERED_PAGE_BYTES`.
MAX_QUEUED_CHILD_CONTEXTS = 1000

#: The SDK's paging and parsing hooks this base replaces: defining one on a
#: subclass would silently do nothing, so it is refused (see ``__init_subclass__``).
REPLACED_SDK_HOOKS: dict[str, str] = {
    "parse_response": "PageRun.records",
    "records_jsonpath": "PageRun.records",
    "get_new_paginator": "paging() and PageRun.following",
    "get_next_page_token": "PageRun.following",
    "next_page_token_jsonpath": "PageRun.following",
    "prepare_request": "get_http_request or get_url_params",
}


class ResultSetShiftedError(Exception):
    """A later page contradicts its run's first page (e.g. the total changed).

    Items appeared or left while we paged by offset or page number, so page
    boundaries moved; :meth:`ConcurrentPagesStream.run_shifted` decides how the
    run is read again.
    """


class PageRun(abc.ABC, t.Generic[_TToken]):
    """One run of pages: a first request, and every later page its answer announces.

    Written once per vendor (a frozen dataclass in the tap's ``client.py``);
    everything a request needs travels in its token (:attr:`first`, and the
    tokens :meth:`following` derives from it), so a page can be reasoned about
    alone. Runs are compared with ``==`` (a child's queued first run against
    the one its sync asks for), so dataclass equality is expected.
    """

    #: The token of the run's first page.
    first: _TToken

    def following(self, first: FetchedPage[_TToken]) -> t.Sequence[_TToken]:
        """Tokens of every page after ``first``, known from its answer (none by default).

        Return a sequence that does not hold ``first``: the first page is
        released as soon as its records are out.
        """
        del first
        return ()

    @abc.abstractmethod
    def records(self, page: FetchedPage[_TToken]) -> t.Iterable[dict]:
        """The records one page holds, in the API's order.

        A parent stream's pages may be read twice (once to queue its children
        ahead): keep this free of side effects there.
        """

    def check(self, page: FetchedPage[_TToken]) -> None:
        """Raise :class:`ResultSetShiftedError` if ``page`` contradicts its run's first page."""

    def total(self, first: FetchedPage[_TToken]) -> int | None:
        """How many records the partition holds, if this run's first answer says so."""
        del first
        return None


@dataclass
class _StartedRun(t.Generic[_TToken]):
    """A run and its first page, released (``None``) once the page's records are out."""

    run: PageRun[_TToken]
    first: FetchedPage[_TToken] | None


@dataclass
class _PartitionRead:
    """What the runs of one partition's read share: a local of the read, never on the stream."""

    context: Context | None
    partition: PartitionRecords
    budget: PendingBudget
    runs_ahead: PrefetchQueue[t.Any, t.Any]
    children: list[ConcurrentPagesStream[t.Any]]
    request_counter: t.Any


def context_key(context: Context | None) -> str:
    """A hashable key for a partition context (the same dict gives the same key)."""
    return json.dumps(dict(context or {}), sort_keys=True, default=str)


class ConcurrentPagesStream(BudgetedStream[_TToken], abc.ABC):
    """Pages fetched concurrently and ahead of need; records emitted in page order.

    A stream declares its paging in one hook, :meth:`paging`. Optional:
    :meth:`run_done` (e.g. save the bookmark of a finished window or day) and
    :meth:`run_shifted` (read a run again when its result set moved).
    """

    def __init_subclass__(cls, **kwargs: t.Any) -> None:  # noqa: ANN401
        """Refuse the SDK's paging hooks: here they would silently do nothing."""
        super().__init_subclass__(**kwargs)
        replaced = [name for name in REPLACED_SDK_HOOKS if name in vars(cls)]
        if replaced:
            uses = "; ".join(f"`{name}`: use {REPLACED_SDK_HOOKS[name]}" for name in replaced)
            msg = (
                f"{cls.__qualname__} defines SDK paging hooks that ConcurrentPagesStream "
                f"replaces and never calls ({uses}). Declare the stream's paging in "
                "`paging(context)` instead."
            )
            raise TypeError(msg)

    # The one paging hook ------------------------------------------------------

    @abc.abstractmethod
    def paging(self, context: Context | None) -> t.Iterable[PageRun[_TToken]]:
        """The runs of pages of one partition, in the order their records are emitted.

        Pulled lazily, in the syncing thread (it may read state), as the
        first pages of the runs are fetched ahead.
        """

    def run_done(self, context: Context | None, run: PageRun[_TToken]) -> None:
        """Every record of ``run`` is out (e.g. save the bookmark its token carries)."""

    def run_shifted(
        self,
        context: Context | None,
        run: PageRun[_TToken],
        shift: ResultSetShiftedError,
        last_record: dict | None,  # noqa: ARG002
        rereads: int,  # noqa: ARG002
    ) -> PageRun[_TToken]:
        """The run to read instead of ``run``, whose result set moved; or raise.

        ``last_record`` is the last record this reading of ``run`` emitted,
        ``rereads`` how many times it moved so far. By default the partition
        fails (skipped, bookmark kept).
        """
        msg = f"{self.name} [{describe_partition(context)}]: {shift}; the result set moved"
        raise FatalAPIError(msg) from shift

    def records_for_partition(self, context: Context | None) -> PartitionRecords:
        """Every record of one partition (the records of :meth:`request_records`)."""
        return self.request_records(context)

    # Requests -----------------------------------------------------------------

    def request_records(self, context: Context | None) -> PartitionRecords:
        """Every record of every run of :meth:`paging`, in order, pages fetched ahead.

        Overrides the SDK's sequential ``RESTStream.request_records`` and so
        replaces its ``get_new_paginator``/``get_next_page_token`` loop and
        ``parse_response``/``records_jsonpath`` (a subclass defining one is
        refused: :data:`REPLACED_SDK_HOOKS`); ``PageRun.following`` and
        ``PageRun.records`` do their work. Still honoured for every request
        (through ``fetch_page``): ``get_http_request``/``get_url``/
        ``get_url_params``/``http_headers``, the ``authenticator``,
        ``validate_response``, ``backoff_*``, ``request_decorator`` and
        ``timeout``, and the HTTP request counter; after it, the SDK's own loop
        still applies ``post_process``, ``get_child_context``/
        ``generate_child_contexts``, stream maps and state.

        Returns a :class:`~video_taps_common.concurrent_stream.PartitionRecords`,
        which also carries the partition's size when a first answer announces it.
        """
        return PartitionRecords(partial(self._paged_records, context))

    def _paged_records(
        self, context: Context | None, partition: PartitionRecords
    ) -> t.Iterator[dict]:
        workers = self.max_concurrent_requests
        # One budget for the partition: its runs' first pages and the current
        # run's later pages together hold at most MAX_BUFFERED_PAGE_BYTES. The
        # current run goes first: later runs start only when it has nothing
        # left waiting for room (``autofill=False``, see ``top_up``).
        budget = PendingBudget(max_pending=2 * workers, max_weight=MAX_BUFFERED_PAGE_BYTES)
        runs_ahead: PrefetchQueue[PageRun[_TToken], _StartedRun[_TToken]] = PrefetchQueue(
            partial(self._start_run, context),
            max_workers=workers,
            budget=budget,
            weigh=_started_run_bytes,
            thread_name_prefix=f"{self.name}-runs",
            stop_after_failure=True,
            autofill=False,
        )
        with self.get_http_request_counter() as request_counter:
            request_counter.with_context(context)
            read = _PartitionRead(
                context, partition, budget, runs_ahead, self.children_to_feed(), request_counter
            )
            try:
                for started in self._started_runs(read):
                    yield from self._read_run(read, started)
            finally:
                runs_ahead.close()
                if self.parent_stream_type is None:
                    self.close_descendant_queues()

    def _started_runs(self, read: _PartitionRead) -> t.Iterator[_StartedRun[_TToken]]:
        """Each run with its first page: the parent's prefetch for the first, then ahead."""
        handed = self.first_pages_ahead.take(context_key(read.context))
        runs = iter(self.paging(read.context))
        if isinstance(handed, _StartedRun):
            first_run = next(runs, None)
            if first_run is None:
                return
            if handed.run == first_run:
                read.runs_ahead.feed(runs)
                yield handed
            else:
                read.runs_ahead.feed(_chain_first(first_run, runs))
        else:
            read.runs_ahead.feed(runs)
        while read.runs_ahead.has_more():
            yield t.cast("_StartedRun[_TToken]", read.runs_ahead.take_next())

    def _read_run(self, read: _PartitionRead, started: _StartedRun[_TToken]) -> t.Iterator[dict]:
        """One run's records; read again (:meth:`run_shifted`) if its result set moves."""
        rereads = 0
        while True:
            last_record: dict | None = None
            try:
                for record in self._records_of_run(read, started):
                    last_record = record
                    yield record
            except ResultSetShiftedError as shift:
                rereads += 1
                run = self.run_shifted(read.context, started.run, shift, last_record, rereads)
                started = self._start_run(read.context, run)
                continue
            self.run_done(read.context, started.run)
            return

    def _records_of_run(
        self, read: _PartitionRead, started: _StartedRun[_TToken]
    ) -> t.Iterator[dict]:
        """The first page's records, then the later pages', fetched concurrently."""
        run, first = started.run, t.cast("FetchedPage[_TToken]", started.first)
        started.first = None  # released once its records are out
        read.request_counter.increment()
        total = run.total(first)
        if total is not None:
            read.partition.announce_total(total)
        pages: PrefetchQueue[_TToken, FetchedPage[_TToken]] = PrefetchQueue(
            partial(self.fetch_page_in_slot, read.context),
            max_workers=self.max_concurrent_requests,
            budget=read.budget,
            weigh=page_bytes,
            thread_name_prefix=self.name,
            stop_after_failure=True,
        )
        try:
            pages.feed(list(run.following(first)))
            if pages.all_started():
                read.runs_ahead.top_up()
            yield from self._page_records(read, run, first, last=self._last_page(read, pages))
            del first
            while pages.has_more():
                page = t.cast("FetchedPage[_TToken]", pages.take_next())
                if pages.all_started():
                    read.runs_ahead.top_up()
                read.request_counter.increment()
                run.check(page)
                yield from self._page_records(read, run, page, last=self._last_page(read, pages))
                del page  # not held while the next one is awaited
        finally:
            pages.close()

    def _page_records(
        self,
        read: _PartitionRead,
        run: PageRun[_TToken],
        page: FetchedPage[_TToken],
        *,
        last: bool,
    ) -> t.Iterable[dict]:
        """A page's records; a parent first queues its children's partitions.

        After the partition's last page, the partitions that follow it (queued
        by this stream's own parent) whose first pages are already here queue
        their children too, in order: grandchildren are fetched ahead across
        parents, not only within one.
        """
        records = run.records(page)
        if not read.children:
            return records
        records = list(records)
        self.queue_child_partitions(records, read.context, read.children)
        if last:
            self.first_pages_ahead.announce_ready(partial(self._queue_children_ahead, read))
        return records

    @staticmethod
    def _last_page(read: _PartitionRead, pages: PrefetchQueue[t.Any, t.Any]) -> bool:
        return not pages.has_more() and not read.runs_ahead.has_more()

    def _start_run(self, context: Context | None, run: PageRun[_TToken]) -> _StartedRun[_TToken]:
        return _StartedRun(run, self.fetch_page_in_slot(context, run.first))

    def fetch_page_in_slot(self, context: Context | None, token: _TToken) -> FetchedPage[_TToken]:
        """:meth:`fetch_page`, with at most ``max_concurrent_requests`` of this stream in flight."""
        with self.request_slots:
            return self.fetch_page(context, token)

    @cached_property
    def request_slots(self) -> threading.BoundedSemaphore:
        """Requests of this stream in flight at once, across its pools (runs, pages, children)."""
        return threading.BoundedSemaphore(self.max_concurrent_requests)

    # Child streams ------------------------------------------------------------

    def children_to_feed(self) -> list[ConcurrentPagesStream[t.Any]]:
        """Child streams that will sync, and can take first pages fetched ahead."""
        return [
            child
            for child in self.child_streams
            if isinstance(child, ConcurrentPagesStream)
            and (child.selected or child.has_selected_descendents)
            and child.unavailable_reason is None
        ]

    def close_descendant_queues(self) -> None:
        """Drop what children and grandchildren still hold queued, and stop their pools.

        At the end of a top-level partition: every child partition it led to
        has synced, so anything left was never asked for (a record a stream
        map filtered out). A child's own partitions leave the queues alone:
        they hold its siblings' grandchildren, queued ahead.
        """
        for child in self.child_streams:
            if isinstance(child, ConcurrentPagesStream):
                child.first_pages_ahead.close()
                child.close_descendant_queues()

    def queue_child_partitions(
        self,
        records: t.Iterable[dict],
        context: Context | None,
        children: list[ConcurrentPagesStream[t.Any]],
    ) -> None:
        """Queue, in order, the child partitions the SDK will sync for these records.

        Computed as the SDK will: ``post_process`` (so parent streams keep it
        free of side effects), the primary stream map's filter, then
        ``generate_child_contexts``. A context the SDK does not sync after all
        is dropped when a later one is taken, and one never queued is fetched
        by the child itself: a guess here costs a request, never a record.
        """
        for record in records:
            processed = self.post_process(dict(record), context)
            if processed is None:
                continue
            processed = {**(context or {}), **processed}
            if not self.stream_maps[0].get_filter_result(processed):
                continue
            for child_context in self.generate_child_contexts(processed, context):
                if child_context is None:
                    continue
                for child in children:
                    child.queue_first_page(child_context)

    def queue_first_page(self, context: Context) -> bool:
        """Fetch ahead the first page of the partition ``context`` (its sync takes it)."""
        run = next(iter(self.paging(context)), None)
        if run is None:
            return False
        return self.first_pages_ahead.put(context_key(context), (context, run))

    @cached_property
    def first_pages_ahead(
        self,
    ) -> PrefetchQueue[tuple[Context, PageRun[_TToken]], _StartedRun[_TToken]]:
        """First pages of partitions this stream is about to sync, queued by its parent.

        A first page that failed raises inside that partition's own sync, so
        the partition handling decides (skip it, stop the stream or the run)
        exactly as for a page the partition fetched itself.
        """
        workers = self.max_concurrent_requests
        return PrefetchQueue(
            self._start_queued_run,
            max_workers=workers,
            budget=PendingBudget(max_pending=2 * workers, max_weight=MAX_BUFFERED_PAGE_BYTES),
            weigh=_started_run_bytes,
            thread_name_prefix=f"{self.name}-first-pages",
            max_queued=MAX_QUEUED_CHILD_CONTEXTS,
        )

    def _queue_children_ahead(
        self,
        read: _PartitionRead,
        item: tuple[Context, PageRun[_TToken]],
        started: _StartedRun[_TToken],
    ) -> bool:
        """Queue the children of a later partition's prefetched first page, if it is its only.

        A partition with later pages stops the walk: their children are queued
        when those pages are emitted, and must not come after a later partition's.
        """
        context, run = item
        first = started.first
        if first is None or run.following(first):
            return False
        self.queue_child_partitions(run.records(first), context, read.children)
        return True

    def _start_queued_run(self, item: tuple[Context, PageRun[_TToken]]) -> _StartedRun[_TToken]:
        """A queued partition's first page, unless the stream was found unreadable meanwhile."""
        if self.unavailable_reason is not None:
            # Its sync will not even ask (``get_records`` returns at once): no request.
            raise StreamUnavailableError(self.unavailable_reason)
        return self._start_run(*item)


def _chain_first(
    first: PageRun[t.Any], rest: t.Iterator[PageRun[t.Any]]
) -> t.Iterator[PageRun[t.Any]]:
    yield first
    yield from rest


def _started_run_bytes(started: _StartedRun[t.Any]) -> int:
    return page_bytes(started.first) if started.first is not None else 0


__all__ = [
    "MAX_BUFFERED_PAGE_BYTES",
    "ConcurrentPagesStream",
    "PageRun",
    "ResultSetShiftedError",
]
