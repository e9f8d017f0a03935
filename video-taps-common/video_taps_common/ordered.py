"""Run calls concurrently but hand back their results in submission order.

Incremental bookmarks are only safe when records are emitted in replication-key
order, while throughput against a rate limit needs several requests in flight.
This keeps a bounded window of calls running ahead of the consumer, so memory
stays flat however many pages a sync has. A count alone does not bound memory
when results are large (10,000-row pages of several MB each), so the window can
also be bounded by weight: at most ``max_pending_weight`` of results, each
assumed as heavy as the heaviest seen so far, are running or waiting.
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
    weigh: t.Callable[[_Out], int] | None = None,
    max_pending_weight: int | None = None,
    expected_weight: int = 0,
) -> t.Iterator[_Out]:
    """Yield ``func(item)`` for each item, in order, computing up to ``prefetch`` ahead.

    With ``weigh`` and ``max_pending_weight``, fewer run ahead when results are
    heavy: never more than fit in ``max_pending_weight`` at the weight of the
    heaviest result so far (``expected_weight`` before the first), and always
    at least one.

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
    heaviest = expected_weight
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

    def room() -> int:
        if weigh is None or not max_pending_weight or heaviest <= 0:
            return window
        return max(1, min(window, max_pending_weight // heaviest))

    def fill() -> None:
        while len(pending) < room() and submit_next():
            pass

    try:
        fill()
        while pending:
            result = pending.popleft().result()
            if weigh is not None:
                heaviest = max(heaviest, weigh(result))
            fill()  # keep the window full while the consumer works
            yield result
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
