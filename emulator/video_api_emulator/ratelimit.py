"""Sliding one-second window rate limiter, shared by the emulated APIs.

Why a sliding window of accepted requests: vendor docs state limits as "N
requests per second" (e.g. docs/vendors/brightcove-audience.md#rate-limits) without saying
how the window is measured. A sliding window is the strictest reasonable
reading, so a client that survives it survives a fixed-window server too.
The limiter also records, per key, the most requests it ever accepted within
one second, which lets tests prove a client stayed under a limit.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence


class SlidingWindowLimiter:
    """Admit a request only if every one of its keys is under its per-second limit."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, window: float = 1.0) -> None:
        self._clock = clock
        self._window = window
        self._hits: dict[str, deque[float]] = {}
        #: key -> most accepted requests seen in any window of ``window`` seconds.
        self.max_in_window: dict[str, int] = {}

    def try_acquire(self, keys: Sequence[str], limit: float) -> bool:
        """Record and admit a request for ``keys``, or refuse it without recording.

        A refused (throttled) request does not count as accepted, so a client
        that backs off recovers after one window. ``limit <= 0`` disables the
        check but still records the request, so stats stay meaningful.
        """
        now = self._clock()
        horizon = now - self._window
        windows = []
        for key in keys:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
            while hits and hits[0] <= horizon:
                hits.popleft()
            windows.append(hits)
        if limit > 0 and any(len(hits) >= limit for hits in windows):
            return False
        for key, hits in zip(keys, windows, strict=True):
            hits.append(now)
            if len(hits) > self.max_in_window.get(key, 0):
                self.max_in_window[key] = len(hits)
        return True
