"""A request budget paced by the rate-limit headers the API sends back.

Some APIs publish their limits only through response headers
(``X-RateLimit-Limit``/``-Remaining`` and a reset time) and a 429 once the
window is spent, some with no numbers in their docs at all. A fixed budget
would either waste the allowance or overrun it, so this one learns it: each
response says how many requests the window has left and when it resets, and
callers wait for the reset once the count runs out.

APIs differ in the headers' names and in how the reset is written (a Unix
timestamp, or seconds from now): :class:`RateLimitHeaders` names both, and each
tap declares its API's (e.g. ``tap_ibm_video.tap.RATE_LIMIT_HEADERS``).

Requests already sent when a response arrives may not be in its ``Remaining``
count yet (the server counts them when they reach it), so the budget counts them
as spent until they are answered. The lowest count the window's answers gave is
what the server had left after every request answered so far; requests the
server admitted after that one are still unanswered. So the allowance is that
count less the requests still unanswered: it may hold callers a little early,
never late. Once the allowance reaches nought with answers still to come,
callers wait for those answers (each may show that the window has room left),
and only then for the reset: a window's allowance is used to its last request,
where waiting for the reset at once would leave a few unused and push the last
requests of a sync into one more window. One budget is shared by every stream and
thread of a tap, like :class:`~video_taps_common.rate_budget.RateBudget`, and
offers the same ``acquire``/``release``/``observe``/``throttled`` calls.
"""

from __future__ import annotations

import threading
import time
import typing as t
from dataclasses import dataclass

from video_taps_common.rate_budget import BlockingBudget

if t.TYPE_CHECKING:
    import requests

#: Added to every wait for a reset: the server's clock and its one-second
#: resolution may put the reset a little after the moment the header names.
RESET_MARGIN_SECONDS = 0.25
#: Two responses whose resets lie closer than this describe the same window
#: (``Retry-After`` is rounded to whole seconds and read at different moments).
SAME_WINDOW_TOLERANCE_SECONDS = 1.5
#: Waited after a 429 that says nothing about when to come back.
FALLBACK_PAUSE_SECONDS = 1.0
#: How often callers look again while the allowance is spent but answers are
#: still to come (a request's answer takes milliseconds to a few seconds).
ANSWERS_POLL_SECONDS = 0.02


@dataclass(frozen=True, slots=True)
class RateLimitHeaders:
    """Which headers carry the limit, the remaining count and the reset."""

    limit: str = "X-RateLimit-Limit"
    remaining: str = "X-RateLimit-Remaining"
    reset: str = "X-RateLimit-Reset"
    #: ``True``: the reset header is a Unix timestamp; ``False``: seconds from now.
    reset_is_timestamp: bool = True


class HeaderRateBudget(BlockingBudget):
    """Blocks callers once the API's window is spent, until the window resets."""

    def __init__(
        self,
        headers: RateLimitHeaders,
        *,
        clock: t.Callable[[], float] = time.monotonic,
        wall_clock: t.Callable[[], float] = time.time,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(clock=clock, sleep=sleep)
        self.headers = headers
        self._wall_clock = wall_clock
        #: The lowest ``Remaining`` the current window's answers gave, ``None`` until
        #: one did: what the server had left after every request answered so far.
        self._reported: int | None = None
        #: When the current window resets, on ``clock``.
        self._reset_at: float | None = None
        #: Requests admitted and not answered yet (nor failed without an answer).
        self._unanswered = 0
        #: Whether this thread's request in flight was answered (``observe``) already.
        self._answered = threading.local()
        #: The window's size as the API last announced it.
        self.limit: int | None = None

    def release(self) -> None:
        """The request ``acquire`` admitted is over (answered or failed)."""
        answered = getattr(self._answered, "value", False)
        self._answered.value = False
        if answered:
            return
        with self._lock:
            # No answer (the connection failed): the server may have counted it.
            self._unanswered = max(0, self._unanswered - 1)
            if self._reported is not None:
                self._reported -= 1

    def observe(self, response: requests.Response) -> None:
        """Learn the window's state from one response's headers."""
        remaining = _int_header(response, self.headers.remaining)
        reset_at = self._reset_moment(response)
        limit = _int_header(response, self.headers.limit)
        with self._lock:
            if not getattr(self._answered, "value", False):
                self._answered.value = True
                self._unanswered = max(0, self._unanswered - 1)
            if limit is not None:
                self.limit = limit
            if remaining is None or reset_at is None:
                return
            current = self._reset_at
            if current is None or reset_at > current + SAME_WINDOW_TOLERANCE_SECONDS:
                self._reset_at = reset_at
                self._reported = remaining
            elif reset_at >= current - SAME_WINDOW_TOLERANCE_SECONDS:
                known = self._reported
                self._reported = remaining if known is None else min(known, remaining)
            # Otherwise the response describes a window that already ended.

    def throttled(self, response: requests.Response) -> None:
        """A 429: every caller waits for the reset the response names."""
        reset_at = self._reset_moment(response)
        with self._lock:
            now = self._clock()
            until = reset_at if reset_at is not None and reset_at > now else None
            if until is None:
                until = now + FALLBACK_PAUSE_SECONDS
            self._paused_until = max(self._paused_until, until)
            self._reported = 0
            self._reset_at = until

    def _reserve(self, now: float) -> float:
        if self._reset_at is not None and now >= self._reset_at:
            # The window reset: unknown again until the next response says.
            self._reported = None
            self._reset_at = None
        if self._reported is not None and self._reported - self._unanswered <= 0:
            assert self._reset_at is not None  # set with every count
            if self._unanswered:
                # Answers still to come may show room left in this window.
                return min(ANSWERS_POLL_SECONDS, self._reset_at - now)
            return self._reset_at - now
        self._unanswered += 1
        return 0.0

    def _reset_moment(self, response: requests.Response) -> float | None:
        """When the response's window resets, on ``clock``, margin included."""
        value = _int_header(response, self.headers.reset)
        if value is None:
            return None
        seconds_left = value - self._wall_clock() if self.headers.reset_is_timestamp else value
        return self._clock() + max(0.0, seconds_left) + RESET_MARGIN_SECONDS


def _int_header(response: requests.Response, name: str) -> int | None:
    """An integer header, or ``None`` when absent or not a number."""
    raw = response.headers.get(name)
    if raw is None:
        return None
    try:
        return int(float(raw))
    except ValueError:
        return None
