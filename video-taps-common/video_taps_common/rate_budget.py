"""A request budget shared by every stream and thread of one tap process.

Vendors publish limits such as "50 requests per second per account and per IP"
(Brightcove Audience). A token bucket would allow a burst on top of the steady
rate and so exceed a strict sliding window; this budget instead never lets more
than ``max_requests`` request starts fall inside any window of ``period`` plus a
small safety margin, which absorbs network jitter between our clock and the
server's.

Streams call ``acquire`` before each request, ``release`` after it, ``observe``
with each response and ``throttled`` on a 429; the header-driven
:class:`~video_taps_common.header_budget.HeaderRateBudget` offers the same calls.
"""

from __future__ import annotations

import logging
import threading
import time
import typing as t
from collections import deque

if t.TYPE_CHECKING:
    import requests

#: Extra seconds added to the window so requests that leave us evenly spaced but
#: reach the server bunched together (scheduler or network jitter) still fit.
DEFAULT_SAFETY_MARGIN_SECONDS = 0.03
#: Seconds every caller holds off after the server answered 429.
THROTTLE_PAUSE_SECONDS = 1.0
#: Waits at least this long are logged (once per pause or window): a sync that
#: stops for a minute says why, while pacing between requests stays quiet.
LOGGED_WAIT_SECONDS = 2.0

logger = logging.getLogger(__name__)


class BlockingBudget:
    """What every budget shares: callers block until it admits them, and a pause stops all.

    Subclasses say, under the lock, whether one more request may start now
    (:meth:`_reserve`); waiting, pausing and the lock are here once.
    """

    def __init__(
        self,
        *,
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._paused_until = 0.0
        self._lock = threading.Lock()
        #: The end of the last wait that was logged, so each is logged once.
        self._announced_until = 0.0

    def acquire(self) -> None:
        """Wait until one more request may start, then count it."""
        while True:
            with self._lock:
                now = self._clock()
                paused = self._paused_until - now
                wait = paused if paused > 0 else self._reserve(now)
                announce = self._first_to_wait(now, wait)
            if wait <= 0:
                return
            if announce:
                logger.info(
                    "Rate limit: requests wait %.1f s, %s",
                    wait,
                    "after a 429 (Too Many Requests), until the API's rate window resets"
                    if paused > 0
                    else "until the API's rate window resets (its allowance is spent)",
                )
            self._sleep(wait)

    def _first_to_wait(self, now: float, wait: float) -> bool:
        """Whether this wait is long and not logged yet (lock held)."""
        if wait < LOGGED_WAIT_SECONDS or now + wait <= self._announced_until + 1.0:
            return False
        self._announced_until = now + wait
        return True

    def pause_remaining(self) -> float:
        """Seconds until a pause (e.g. after a 429) lets callers through again."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        """Stop every caller for ``seconds``, e.g. after the server said 429.

        One thread being throttled means the shared budget is exhausted on the
        server's side too, so all threads back off rather than each finding out.
        """
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def release(self) -> None:
        """A request is over."""

    def observe(self, response: requests.Response) -> None:
        """Learn from a response's headers."""

    def throttled(self, response: requests.Response) -> None:  # noqa: ARG002
        """A 429 although we kept to the budget: the server's view differs, so back off."""
        self.pause(THROTTLE_PAUSE_SECONDS)

    def _reserve(self, now: float) -> float:
        """Count one request and return 0, or return how long to wait (lock held)."""
        raise NotImplementedError


class RateBudget(BlockingBudget):
    """Blocks callers so at most ``max_requests`` start in any sliding window."""

    def __init__(
        self,
        max_requests: int,
        period_seconds: float = 1.0,
        *,
        safety_margin_seconds: float = DEFAULT_SAFETY_MARGIN_SECONDS,
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        if max_requests < 1:
            msg = f"max_requests must be at least 1, got {max_requests}"
            raise ValueError(msg)
        super().__init__(clock=clock, sleep=sleep)
        self.max_requests = max_requests
        self.window_seconds = period_seconds + safety_margin_seconds
        self._starts: deque[float] = deque()

    def _reserve(self, now: float) -> float:
        """The documented limit is fixed, so responses teach it nothing; starts decide."""
        window_start = now - self.window_seconds
        while self._starts and self._starts[0] <= window_start:
            self._starts.popleft()
        if len(self._starts) < self.max_requests:
            self._starts.append(now)
            return 0.0
        return self._starts[0] - window_start


class UnlimitedBudget(BlockingBudget):
    """For an API that publishes no limit: every request starts at once, unless a 429 paused all."""

    def _reserve(self, now: float) -> float:  # noqa: ARG002
        return 0.0


class RequestBudget(t.Protocol):
    """What streams need from a budget: the calls both kinds of budget offer."""

    def acquire(self) -> None:
        """Wait until one more request may start."""
        ...

    def release(self) -> None:
        """The request is over."""
        ...

    def observe(self, response: requests.Response) -> None:
        """Learn from a response's headers."""
        ...

    def throttled(self, response: requests.Response) -> None:
        """The server answered 429."""
        ...

    def pause_remaining(self) -> float:
        """Seconds every caller still waits before it may start a request."""
        ...
