"""Fixed-window request quotas that announce themselves in response headers.

Why a second limiter next to :mod:`video_api_emulator.ratelimit`: some APIs
publish their quota per response (``X-RateLimit-Limit`` / ``-Remaining`` /
``-Reset``, the reset being a Unix timestamp). A client that honours those
numbers can only be exact against a server whose windows are what the headers
say: fixed windows aligned on the wall clock (``time.time()``, which the
client can read too), each ending at the announced reset instant.

A refused request is not counted (the quota it asked for was not granted), so
a client that waits for the reset always gets its full quota back.

:class:`QuotaHeaders` puts a request's decision on its response, whatever
answers it (the handler, an error, the 429 itself or an injected fault); each
API says which headers and in which form.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one request against a quota, and what to announce."""

    admitted: bool
    limit: int
    remaining: int
    #: Unix time (whole seconds, rounded up) at which the window ends.
    reset: int
    #: Seconds from now until the window ends, rounded up (at least 1).
    retry_after: int = 1


class FixedWindowQuota:
    """At most ``limit`` requests per key in each window ``[k*W, (k+1)*W)`` of wall time."""

    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._windows: dict[str, tuple[int, int]] = {}

    @property
    def enabled(self) -> bool:
        """False when ``limit <= 0``: every request is admitted, nothing announced."""
        return self.limit > 0

    def acquire(self, key: str) -> Decision:
        """Count a request for ``key`` if its window has room; refuse it otherwise.

        The announced reset is rounded UP to a whole second: a client waiting
        until then is always past the window's true end (float division of a
        later instant never yields an earlier window index).
        """
        now = self._clock()
        index = math.floor(now / self.window_seconds)
        end = (index + 1) * self.window_seconds
        reset = math.ceil(end)
        retry_after = max(1, math.ceil(end - now))
        window, used = self._windows.get(key, (index, 0))
        if window != index:
            used = 0
        if used >= self.limit:
            self._windows[key] = (index, used)
            return Decision(False, self.limit, 0, reset, retry_after)
        used += 1
        self._windows[key] = (index, used)
        if len(self._windows) > 10_000:  # forget stale keys (long benchmark runs)
            self._windows = {k: v for k, v in self._windows.items() if v[0] == index}
        return Decision(True, self.limit, self.limit - used, reset, retry_after)


class QuotaHeaders:
    """Announce each request's :class:`Decision` in the headers of whatever answers it.

    The API's admission step calls :meth:`remember`; :meth:`on_response_prepare`
    (appended to ``app.on_response_prepare``) writes ``render(decision)`` as the
    response is prepared, so errors, the 429 and injected faults carry the
    headers too. Requests without a decision (limiter off) get none.
    """

    def __init__(self, name: str, render: Callable[[Decision], Mapping[str, str]]) -> None:
        # web.RequestKey exists from aiohttp 3.12; older versions take a str key.
        self._key: Any = web.RequestKey(name, Decision) if hasattr(web, "RequestKey") else name
        self._render = render

    def remember(self, request: web.Request, decision: Decision) -> None:
        """Keep ``decision`` until ``request``'s response is prepared."""
        request[self._key] = decision

    async def on_response_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        """Write the remembered decision's headers (signal handler)."""
        decision = request.get(self._key)
        if decision is not None:
            response.headers.update(self._render(decision))
