"""Calls run ahead on a small pool and taken back in the order they were queued.

Incremental bookmarks are only safe when records are emitted in replication-key
order, while throughput against a rate limit needs several requests in flight.
A :class:`PrefetchQueue` keeps a bounded window of calls running ahead of its
consumer, so memory stays flat however many pages a sync has. A count alone does
not bound memory when results are large (10,000-row pages of several MB each),
so the window is also bounded by weight (:class:`PendingBudget`): at most
``max_weight`` of results, each assumed as heavy as the heaviest seen so far,
are running or waiting.
"""

from __future__ import annotations

import threading
import typing as t
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass

_EXHAUSTED = object()


class SkippedAfterFailureError(RuntimeError):
    """A queued call that never ran because an earlier-started call failed."""


_In = t.TypeVar("_In")
_Out = t.TypeVar("_Out")


class PendingBudget:
    """How many calls may be running or waiting ahead of their consumer, by count and weight.

    Shared by the queues of one read (a partition's runs of pages and the
    pages of the run being emitted), so together they hold at most
    ``max_weight`` of results, each assumed as heavy as the heaviest seen so
    far; the result being consumed is not counted, and at least one call may
    always run. Used from the consuming thread only.
    """

    def __init__(
        self, *, max_pending: int, max_weight: int | None = None, expected_weight: int = 0
    ) -> None:
        """At most ``max_pending`` calls and ``max_weight`` of results (``None``: unbounded)."""
        self.max_pending = max(1, max_pending)
        self.max_weight = max_weight
        self.heaviest = expected_weight
        self.pending = 0

    def room(self) -> bool:
        """Whether one more call may start."""
        if self.pending == 0:
            return True
        limit = self.max_pending
        if self.max_weight and self.heaviest > 0:
            limit = max(1, min(limit, self.max_weight // self.heaviest))
        return self.pending < limit

    def started(self) -> None:
        """A call was submitted."""
        self.pending += 1

    def settled(self, weight: int) -> None:
        """A submitted call's result was taken (or dropped) weighing ``weight``."""
        self.pending -= 1
        self.heaviest = max(self.heaviest, weight)


class MissingType:
    """The type of :data:`MISSING`."""

    def __repr__(self) -> str:
        """``MISSING``."""
        return "MISSING"


#: What :meth:`PrefetchQueue.take` answers for a key that was never queued.
MISSING = MissingType()


@dataclass
class _Entry(t.Generic[_In, _Out]):
    item: _In
    future: Future[_Out] | None = None
    announced: bool = False


class PrefetchQueue(t.Generic[_In, _Out]):
    """Calls queued by key in order, run ahead on a small pool, taken back in the same order.

    The one mechanism behind every read ahead of the family: the pages of a
    run, the first pages of a partition's later runs, and the first pages of
    a child stream's partitions queued by its parent. Items come either by
    key (:meth:`put`, then :meth:`take` of that key: keys queued before it and
    never taken are dropped, their calls cancelled) or from an iterable pulled
    lazily as room allows (:meth:`feed`, then :meth:`take_next`). A call's
    exception is raised by the take of its key. With ``stop_after_failure``,
    once a call fails no queued call starts (each raises
    :class:`SkippedAfterFailureError` at its turn): a fault that never heals
    costs the retries of the calls in flight, not of every call queued.

    Calls start while the shared :class:`PendingBudget` has room; with
    ``autofill=False`` only when :meth:`top_up` says so (or when a take needs
    one), so another queue sharing the budget goes first. Bookkeeping happens
    in the consuming thread only; the pool runs ``func``.
    """

    def __init__(
        self,
        func: t.Callable[[_In], _Out],
        *,
        max_workers: int,
        budget: PendingBudget,
        weigh: t.Callable[[_Out], int] | None = None,
        thread_name_prefix: str = "ahead",
        max_queued: int | None = None,
        stop_after_failure: bool = False,
        autofill: bool = True,
    ) -> None:
        """Run ``func`` on up to ``max_workers`` threads, as ``budget`` allows."""
        if max_workers < 1:
            msg = f"max_workers must be at least 1, got {max_workers}"
            raise ValueError(msg)
        self._func = func
        self._max_workers = max_workers
        self._budget = budget
        self._weigh = weigh
        self._thread_name_prefix = thread_name_prefix
        self._max_queued = max_queued
        self._autofill = autofill
        self._entries: dict[t.Hashable, _Entry[_In, _Out]] = {}
        self._unsubmitted: deque[t.Hashable] = deque()
        self._source: t.Iterator[_In] | None = None
        self._next_key = 0
        self._executor: ThreadPoolExecutor | None = None
        self._failed = threading.Event() if stop_after_failure else None

    def __len__(self) -> int:
        """Keys queued and not yet taken."""
        return len(self._entries)

    def put(self, key: t.Hashable, item: _In) -> bool:
        """Queue ``func(item)`` under ``key``; ``False`` (not queued) when the queue is full."""
        if key in self._entries or (
            self._max_queued is not None and len(self._entries) >= self._max_queued
        ):
            return False
        self._entries[key] = _Entry(item)
        self._unsubmitted.append(key)
        if self._autofill:
            self.top_up()
        return True

    def feed(self, items: t.Iterable[_In]) -> None:
        """Queue every item of ``items``, pulled only as room allows (keys 0, 1, ...)."""
        self._source = iter(items)
        if self._autofill:
            self.top_up()

    def has_more(self) -> bool:
        """Whether a key is queued or the fed items hold another."""
        return bool(self._entries) or self._pull_from_source()

    def all_started(self) -> bool:
        """Whether every call queued or fed so far was started (nothing waits for room)."""
        return not self._unsubmitted and (self._source is None or not self._pull_from_source())

    def take(self, key: t.Hashable) -> _Out | MissingType:
        """The result of ``key``'s call (waiting for it), or :data:`MISSING` if never queued."""
        if key not in self._entries:
            return MISSING
        for earlier in list(self._entries):
            if earlier == key:
                break
            self._drop(earlier)
        entry = self._entries.pop(key)
        if entry.future is None:
            self._unsubmitted.remove(key)
            self._budget.started()
            entry.future = self._pool().submit(self._call, entry.item)
        future, entry = entry.future, None
        try:
            result = future.result()
        except BaseException:
            self._budget.settled(0)
            raise
        finally:
            del future
        self._budget.settled(self._weigh(result) if self._weigh else 0)
        if self._autofill:  # keep the pool busy while the consumer works on this result
            self.top_up()
        return result

    def take_next(self) -> _Out | MissingType:
        """The next result in order, or :data:`MISSING` when every item was taken."""
        if not self.has_more():
            return MISSING
        return self.take(next(iter(self._entries)))

    def top_up(self) -> None:
        """Start queued calls, oldest first, while the budget has room."""
        while self._budget.room():
            if self._failed is not None and self._failed.is_set():
                return
            if not self._unsubmitted and not self._pull_from_source():
                return
            key = self._unsubmitted.popleft()
            entry = self._entries[key]
            self._budget.started()
            entry.future = self._pool().submit(self._call, entry.item)

    def announce_ready(self, announce: t.Callable[[_In, _Out], bool]) -> None:
        """Call ``announce(item, result)`` once for each leading call already done, in order.

        Stops at the first call not done yet (or failed), and where ``announce``
        answers ``False``. Lets a consumer act on results ahead of their turn
        (a parent's pages fetched ahead queue their own children) without
        changing the order anything is taken in.
        """
        for entry in self._entries.values():
            future = entry.future
            if future is None or not future.done() or future.exception() is not None:
                return
            if entry.announced:
                continue
            entry.announced = True
            if not announce(entry.item, future.result()):
                return

    def clear(self) -> None:
        """Drop every queued key, cancelling calls not yet started."""
        for key in list(self._entries):
            self._drop(key)

    def close(self) -> None:
        """Drop everything and stop the pool (waiting for calls already running)."""
        self.clear()
        self._source = None
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    # Internals ---------------------------------------------------------------

    def _drop(self, key: t.Hashable) -> None:
        entry = self._entries.pop(key)
        if entry.future is None:
            self._unsubmitted.remove(key)
            return
        entry.future.cancel()
        weight = 0
        if entry.future.done() and not entry.future.cancelled() and self._weigh:
            with suppress(BaseException):
                weight = self._weigh(entry.future.result())
        self._budget.settled(weight)

    def _pull_from_source(self) -> bool:
        """Queue the next fed item (not started); ``False`` when there is none."""
        if self._source is None:
            return False
        item = next(self._source, _EXHAUSTED)
        if item is _EXHAUSTED:
            self._source = None
            return False
        key = self._next_key
        self._next_key += 1
        self._entries[key] = _Entry(t.cast("_In", item))
        self._unsubmitted.append(key)
        return True

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self._max_workers, thread_name_prefix=self._thread_name_prefix
            )
        return self._executor

    def _call(self, item: _In) -> _Out:
        """``func(item)`` in a worker; with ``stop_after_failure``, not after a failure."""
        failed = self._failed
        if failed is not None and failed.is_set():
            raise SkippedAfterFailureError
        try:
            return self._func(item)
        except BaseException:
            if failed is not None:
                failed.set()
            raise
