"""Run calls concurrently but hand back their results in submission order.

Incremental bookmarks are only safe when records are emitted in replication-key
order, while throughput against a rate limit needs several requests in flight.
This keeps a bounded window of calls running ahead of the consumer, so memory
stays flat however many pages a sync has.
"""

from __future__ import annotations

import threading
import typing as t
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

_EXHAUSTED = object()


class SkippedAfterFailureError(RuntimeError):
    """A queued call that never ran because an earlier-started call failed."""


_In = t.TypeVar("_In")
_Out = t.TypeVar("_Out")


def map_in_order(
    func: t.Callable[[_In], _Out],
    items: t.Iterable[_In],
    *,
    max_workers: int,
    prefetch: int | None = None,
    thread_name_prefix: str = "pages",
) -> t.Iterator[_Out]:
    """Yield ``func(item)`` for each item, in order, computing up to ``prefetch`` ahead.

    If a call raises, the exception surfaces when its turn comes, after every
    earlier result was yielded. From the moment any call fails no new call
    starts: calls already queued are skipped, so a fault that never ends costs
    the retries of the pages in flight, not of every page in the window.
    Closing the iterator early cancels pending work too.
    """
    if max_workers < 1:
        msg = f"max_workers must be at least 1, got {max_workers}"
        raise ValueError(msg)
    window = max(prefetch or 2 * max_workers, max_workers)
    pending: deque[Future[_Out]] = deque()
    source = iter(items)
    executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
    failed = threading.Event()

    def guarded(item: _In) -> _Out:
        if failed.is_set():
            raise SkippedAfterFailureError
        try:
            return func(item)
        except BaseException:
            failed.set()
            raise

    def submit_next() -> bool:
        if failed.is_set():
            return False
        item = next(source, _EXHAUSTED)
        if item is _EXHAUSTED:
            return False
        pending.append(executor.submit(guarded, item))
        return True

    try:
        while len(pending) < window and submit_next():
            pass
        while pending:
            result = pending.popleft().result()
            submit_next()  # keep the window full while the consumer works
            yield result
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
