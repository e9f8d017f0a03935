"""The read of one partition: runs and pages fetched ahead of need, records emitted in order.

What ``VideoStream.request_records`` returns. A partition is read as one or
more runs (``runs(context)``), each paged by a fresh SDK paginator:

- a paginator offering :class:`~video_taps_common.paginators.AnnouncedPages`
  has every page its first answer announces fetched concurrently, and each
  checked (``check_page``) before its records are emitted;
- any other paginator is driven as the SDK's own loop drives it: ``advance``
  on each answer until ``finished``, an empty page ending it unless
  ``continue_if_empty``;
- the first pages of a partition's later runs are fetched while earlier runs
  are emitted;
- a parent stream queues its children's partitions as it emits a page, so each
  child fetches the first pages of the partitions it is about to sync while the
  SDK syncs them one by one, as usual (``Stream.sync`` per parent record)
  (:class:`FirstPagesAhead`).

All of it is one mechanism, :class:`~video_taps_common.prefetch.PrefetchQueue`,
bounded by the bytes of pages running or waiting (:data:`MAX_BUFFERED_PAGE_BYTES`).
Nothing of a partition is kept on the stream: it all lives in this read.
"""

from __future__ import annotations

import json
import typing as t
from dataclasses import dataclass
from functools import partial
from itertools import chain

from singer_sdk.pagination import SinglePagePaginator

from video_taps_common.errors import StreamUnavailableError
from video_taps_common.paginators import AnnouncedPages, ResultSetShiftedError
from video_taps_common.prefetch import PendingBudget, PrefetchQueue

if t.TYPE_CHECKING:
    import logging

    import requests
    from singer_sdk import metrics
    from singer_sdk.helpers.types import Context
    from singer_sdk.mapper import StreamMap
    from singer_sdk.pagination import BaseAPIPaginator

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

_NOTHING = object()


class PagedStream(t.Protocol):
    """What a read needs of its stream: a ``VideoStream`` (the SDK's stream, the family's runs)."""

    name: str
    logger: logging.Logger
    parent_stream_type: type | None
    child_streams: list[t.Any]
    stream_maps: list[StreamMap]
    unavailable_reason: str | None
    first_pages_ahead: FirstPagesAhead

    @property
    def max_concurrent_requests(self) -> int:
        """Requests of the stream in flight at once."""
        ...

    @property
    def selected(self) -> bool:
        """The SDK's: whether the catalog selects the stream."""
        ...

    @property
    def has_selected_descendents(self) -> bool:
        """The SDK's: whether a child (or theirs) is selected."""
        ...

    def runs(self, context: Context | None) -> t.Iterable[Context | None]:
        """The runs of a partition."""
        ...

    def get_new_paginator(self) -> BaseAPIPaginator | None:
        """The SDK's: a fresh paginator."""
        ...

    def fetch_page(self, context: Context | None, token: t.Any) -> requests.Response:  # noqa: ANN401
        """One page of a run."""
        ...

    def run_records(self, run: Context | None, response: requests.Response) -> t.Iterable[dict]:
        """The records of one page of a run."""
        ...

    def run_done(self, context: Context | None, run: Context | None) -> None:
        """A run's records are all out."""
        ...

    def run_shifted(
        self,
        context: Context | None,
        run: Context | None,
        shift: ResultSetShiftedError,
        last_record: dict | None,
        rereads: int,
    ) -> Context | None:
        """The run to read instead of one whose result set moved."""
        ...

    def get_http_request_counter(self) -> metrics.Counter:
        """The SDK's request counter."""
        ...

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """The SDK's."""
        ...

    def generate_child_contexts(
        self, record: dict, context: Context | None
    ) -> t.Iterable[Context | None]:
        """The SDK's."""
        ...


@dataclass
class StartedRun:
    """A run, its paginator, and its first page (``None`` once that page's records are out)."""

    run: Context | None
    paginator: BaseAPIPaginator
    first: requests.Response | None


class PartitionRead:
    """Every record of one partition's runs, in order, pages fetched ahead (iterate it once).

    :attr:`on_total` is told the partition's size when a first answer
    announces it (``AnnouncedPages.total_records``) and the partition is read
    in one run.
    """

    def __init__(self, stream: PagedStream, context: Context | None) -> None:
        """The read of partition ``context`` of ``stream``; nothing is requested until iterated."""
        self.stream = stream
        self.context = context
        #: Called with the partition's record count once a first answer announces it.
        self.on_total: t.Callable[[int | None], None] | None = None
        workers = stream.max_concurrent_requests
        # One budget for the partition: its runs' first pages and the current
        # run's later pages together hold at most MAX_BUFFERED_PAGE_BYTES. The
        # current run goes first: later runs start only when it has nothing
        # left waiting for room (``autofill=False``, see ``top_up``).
        self.budget = PendingBudget(max_pending=2 * workers, max_weight=MAX_BUFFERED_PAGE_BYTES)
        self.runs_ahead: PrefetchQueue[tuple[Context | None, BaseAPIPaginator], StartedRun] = (
            PrefetchQueue(
                self._start_run,
                max_workers=workers,
                budget=self.budget,
                weigh=_started_run_bytes,
                thread_name_prefix=f"{stream.name}-runs",
                stop_after_failure=True,
                autofill=False,
            )
        )
        self.children = children_to_feed(stream)
        self.runs_started = 0
        self.request_counter: metrics.Counter | None = None

    def __iter__(self) -> t.Iterator[dict]:
        """The records, as the SDK's sync loop takes them."""
        return self._records()

    def _records(self) -> t.Iterator[dict]:
        stream = self.stream
        with stream.get_http_request_counter() as request_counter:
            request_counter.with_context(self.context)
            self.request_counter = request_counter
            try:
                for started in self._started_runs():
                    yield from self._read_run(started)
            finally:
                self.runs_ahead.close()
                if stream.parent_stream_type is None:
                    close_descendant_queues(stream)

    def _started_runs(self) -> t.Iterator[StartedRun]:
        """Each run with its first page: the parent's prefetch for the first, then ahead."""
        handed = self.stream.first_pages_ahead.take(self.context)
        runs = iter(self.stream.runs(self.context))
        if isinstance(handed, StartedRun):
            first_run = next(runs, _NOTHING)
            if first_run is _NOTHING:
                return
            if handed.run == first_run:
                self.runs_ahead.feed(self._with_paginators(runs))
                yield handed
            else:
                self.runs_ahead.feed(self._with_paginators(chain([first_run], runs)))
        else:
            self.runs_ahead.feed(self._with_paginators(runs))
        while self.runs_ahead.has_more():
            yield t.cast("StartedRun", self.runs_ahead.take_next())

    def _with_paginators(
        self, runs: t.Iterable[Context | None]
    ) -> t.Iterator[tuple[Context | None, BaseAPIPaginator]]:
        """Each run with a fresh paginator, made in the syncing thread as runs are pulled."""
        for run in runs:
            yield run, new_paginator(self.stream)

    def _start_run(self, item: tuple[Context | None, BaseAPIPaginator]) -> StartedRun:
        run, paginator = item
        return StartedRun(run, paginator, self.stream.fetch_page(run, paginator.current_value))

    def _read_run(self, started: StartedRun) -> t.Iterator[dict]:
        """One run's records; read again (``run_shifted``) if its result set moves."""
        stream = self.stream
        self.runs_started += 1
        rereads = 0
        while True:
            last_record: dict | None = None
            if isinstance(started.paginator, AnnouncedPages):
                pages = self._pages_announced(started)
            else:
                pages = self._pages_in_turn(started)
            try:
                for record in pages:
                    last_record = record
                    yield record
            except ResultSetShiftedError as shift:
                rereads += 1
                run = stream.run_shifted(self.context, started.run, shift, last_record, rereads)
                started = self._start_run((run, new_paginator(stream)))
                continue
            stream.run_done(self.context, started.run)
            return

    def _pages_announced(self, started: StartedRun) -> t.Iterator[dict]:
        """The first page's records, then those of the pages it announced, fetched concurrently."""
        run, first = started.run, t.cast("requests.Response", started.first)
        paginator = t.cast("AnnouncedPages[t.Any]", started.paginator)
        started.first = None  # released once its records are out
        self._count_request()
        tokens = list(paginator.pages_after(first))
        if self.on_total is not None and self.runs_started == 1 and not self.runs_ahead.has_more():
            # Read in one run: the run's total is the partition's.
            self.on_total(paginator.total_records(first))
        pages: PrefetchQueue[t.Any, requests.Response] = PrefetchQueue(
            partial(self.stream.fetch_page, run),
            max_workers=self.stream.max_concurrent_requests,
            budget=self.budget,
            weigh=_response_bytes,
            thread_name_prefix=self.stream.name,
            stop_after_failure=True,
        )
        try:
            pages.feed(tokens)
            if pages.all_started():
                self.runs_ahead.top_up()
            yield from self._page_records(run, first, last=self._last_page(pages))
            del first
            for token in tokens:
                page = t.cast("requests.Response", pages.take_next())
                if pages.all_started():
                    self.runs_ahead.top_up()
                self._count_request()
                paginator.check_page(token, page)
                yield from self._page_records(run, page, last=self._last_page(pages))
                del page  # not held while the next one is awaited
        finally:
            pages.close()

    def _pages_in_turn(self, started: StartedRun) -> t.Iterator[dict]:
        """The SDK's loop: a page, its records, ``advance``, until the paginator is ``finished``."""
        run, paginator = started.run, started.paginator
        response = t.cast("requests.Response", started.first)
        started.first = None
        self.runs_ahead.top_up()  # nothing of this run waits for room: later runs may start
        pages = 0
        while True:
            self._count_request()
            records = iter(self._page_records(run, response, last=False))
            first_record = next(records, _NOTHING)
            if first_record is _NOTHING:
                if not paginator.continue_if_empty(response):
                    self.stream.logger.debug(
                        "%s: pagination stopped after %d pages because no records were "
                        "found in the last response",
                        self.stream.name,
                        pages,
                    )
                    return
            else:
                yield t.cast("dict", first_record)
                yield from records
                pages += 1
            paginator.advance(response)
            if paginator.finished:
                return
            response = self.stream.fetch_page(run, paginator.current_value)

    def _page_records(
        self, run: Context | None, page: requests.Response, *, last: bool
    ) -> t.Iterable[dict]:
        """A page's records; a parent first queues its children's partitions.

        After the partition's last page, the partitions that follow it (queued
        by this stream's own parent) whose first pages are already here queue
        their children too, in order: grandchildren are fetched ahead across
        parents, not only within one.
        """
        records = self.stream.run_records(run, page)
        if not self.children:
            return records
        records = list(records)
        queue_child_partitions(self.stream, records, self.context, self.children)
        if last:
            self.stream.first_pages_ahead.announce_ready(self.children)
        return records

    def _last_page(self, pages: PrefetchQueue[t.Any, t.Any]) -> bool:
        return not pages.has_more() and not self.runs_ahead.has_more()

    def _count_request(self) -> None:
        if self.request_counter is not None:
            self.request_counter.increment()


# Child streams -----------------------------------------------------------------


class FirstPagesAhead:
    """First pages of partitions a stream is about to sync, queued by its parent as it emits.

    A first page that failed raises inside that partition's own sync, so the
    partition handling decides (skip it, stop the stream or the run) exactly
    as for a page the partition fetched itself.
    """

    def __init__(self, stream: PagedStream) -> None:
        """The queue of ``stream``'s partitions, started on its own small pool."""
        self.stream = stream
        workers = stream.max_concurrent_requests
        self.queue: PrefetchQueue[tuple[Context, Context | None, BaseAPIPaginator], StartedRun] = (
            PrefetchQueue(
                self._start,
                max_workers=workers,
                budget=PendingBudget(max_pending=2 * workers, max_weight=MAX_BUFFERED_PAGE_BYTES),
                weigh=_started_run_bytes,
                thread_name_prefix=f"{stream.name}-first-pages",
                max_queued=MAX_QUEUED_CHILD_CONTEXTS,
            )
        )

    def put(self, context: Context) -> bool:
        """Fetch ahead the first page of partition ``context``'s first run (its sync takes it)."""
        run = next(iter(self.stream.runs(context)), _NOTHING)
        if run is _NOTHING:
            return False
        item = (context, t.cast("Context | None", run), new_paginator(self.stream))
        return self.queue.put(context_key(context), item)

    def take(self, context: Context | None) -> StartedRun | None:
        """The prefetched first run of ``context``, if it was queued (earlier ones are dropped)."""
        started = self.queue.take(context_key(context))
        return started if isinstance(started, StartedRun) else None

    def announce_ready(self, children: list[PagedStream]) -> None:
        """Queue, in order, the children of partitions whose only page is already here.

        A partition with later pages stops the walk: their children are queued
        when those pages are emitted, and must not come after a later partition's.
        """

        def queue_their_children(
            item: tuple[Context, Context | None, BaseAPIPaginator], started: StartedRun
        ) -> bool:
            context, run, paginator = item
            first = started.first
            if first is None or not is_only_page(paginator, first):
                return False
            records = self.stream.run_records(run, first)
            queue_child_partitions(self.stream, records, context, children)
            return True

        self.queue.announce_ready(queue_their_children)

    def close(self) -> None:
        """Drop what is queued and stop the pool."""
        self.queue.close()

    def _start(self, item: tuple[Context, Context | None, BaseAPIPaginator]) -> StartedRun:
        """A queued partition's first page, unless the stream was found unreadable meanwhile."""
        if self.stream.unavailable_reason is not None:
            # Its sync will not even ask (``get_records`` returns at once): no request.
            raise StreamUnavailableError(self.stream.unavailable_reason)
        _context, run, paginator = item
        return StartedRun(run, paginator, self.stream.fetch_page(run, paginator.current_value))


def children_to_feed(stream: PagedStream) -> list[PagedStream]:
    """Child streams of the family that will sync, and can take first pages fetched ahead."""
    return [
        child
        for child in stream.child_streams
        if isinstance(getattr(child, "first_pages_ahead", None), FirstPagesAhead)
        and (child.selected or child.has_selected_descendents)
        and child.unavailable_reason is None
    ]


def queue_child_partitions(
    stream: PagedStream,
    records: t.Iterable[dict],
    context: Context | None,
    children: list[PagedStream],
) -> None:
    """Queue, in order, the child partitions the SDK will sync for these records.

    Computed as the SDK will: ``post_process`` (so parent streams keep it free
    of side effects), the primary stream map's filter, then
    ``generate_child_contexts``. A context the SDK does not sync after all is
    dropped when a later one is taken, and one never queued is fetched by the
    child itself: a guess here costs a request, never a record.
    """
    for record in records:
        processed = stream.post_process(dict(record), context)
        if processed is None:
            continue
        processed = {**(context or {}), **processed}
        if not stream.stream_maps[0].get_filter_result(processed):
            continue
        for child_context in stream.generate_child_contexts(processed, context):
            if child_context is None:
                continue
            for child in children:
                child.first_pages_ahead.put(child_context)


def close_descendant_queues(stream: PagedStream) -> None:
    """Drop what children and grandchildren still hold queued, and stop their pools.

    At the end of a top-level partition: every child partition it led to has
    synced, so anything left was never asked for (a record a stream map
    filtered out). A child's own partitions leave the queues alone: they hold
    its siblings' grandchildren, queued ahead.
    """
    for child in stream.child_streams:
        queued = getattr(child, "first_pages_ahead", None)
        if isinstance(queued, FirstPagesAhead):
            queued.close()
            close_descendant_queues(child)


def new_paginator(stream: PagedStream) -> BaseAPIPaginator:
    """The stream's ``get_new_paginator()``, or a single page when it gives none (as the SDK)."""
    return stream.get_new_paginator() or SinglePagePaginator()


def is_only_page(paginator: BaseAPIPaginator, first: requests.Response) -> bool:
    """Whether ``first`` is known, from itself, to be its run's only page."""
    if isinstance(paginator, AnnouncedPages):
        return not paginator.pages_after(first)
    return isinstance(paginator, SinglePagePaginator)


def context_key(context: Context | None) -> str:
    """A hashable key for a partition context (the same dict gives the same key)."""
    return json.dumps(dict(context or {}), sort_keys=True, default=str)


def _response_bytes(response: requests.Response) -> int:
    """The size of a page's body as it came over the wire."""
    return len(response.content)


def _started_run_bytes(started: StartedRun) -> int:
    return _response_bytes(started.first) if started.first is not None else 0


__all__ = ["MAX_BUFFERED_PAGE_BYTES", "FirstPagesAhead", "PartitionRead"]
