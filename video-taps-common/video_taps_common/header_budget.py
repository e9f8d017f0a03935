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

Requests already sent when a response arrives are not in its ``Remaining``
count yet (the server counts them when they reach it), so the budget subtracts
them: it may wait a little early, never late. One budget is shared by every
stream and thread of a tap, like :class:`~video_taps_common.rate_budget.RateBudget`,
and offers the same ``acquire``/``release``/``observe``/``throttled`` calls.
"""

from __future__ import annotations

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
        #: Requests the current window still allows, ``None`` until a response said.
        self._remaining: int | None = None
        #: When the current window resets, on ``clock``.
        self._reset_at: float | None = None
        self._in_flight = 0
        #: The window's size as the API last announced it.
        self.limit: int | None = None

    def release(self) -> None:
        """The request ``acquire`` admitted is over (answered or failed)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

    def observe(self, response: requests.Response) -> None:
        """Learn the window's state from one response's headers."""
        remaining = _int_header(response, self.headers.remaining)
        reset_at = self._reset_moment(response)
        limit = _int_header(response, self.headers.limit)
        with self._lock:
            if limit is not None:
                self.limit = limit
            if remaining is None or reset_at is None:
                return
            # This response's request is still counted in flight; the others
            # may not have reached the server when it counted.
            unseen = max(0, self._in_flight - 1)
            estimate = max(0, remaining - unseen)
            current = self._reset_at
            if current is None or reset_at > current + SAME_WINDOW_TOLERANCE_SECONDS:
                self._reset_at = reset_at
                self._remaining = estimate
            elif reset_at >= current - SAME_WINDOW_TOLERANCE_SECONDS:
                known = self._remaining if self._remaining is not None else estimate
                self._remaining = min(known, estimate)
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
            self._remaining = 0
            self._reset_at = until

    def _reserve(self, now: float) -> float:
        if self._remaining is not None and self._remaining <= 0:
            if self._reset_at is not None and now < self._reset_at:
                return self._reset_at - now
            # The window reset: unknown again until the next response says.
            self._remaining = None
            self._reset_at = None
        if self._remaining is not None:
            self._remaining -= 1
        self._in_flight += 1
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
