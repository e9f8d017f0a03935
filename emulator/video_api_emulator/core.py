"""The emulator's core: its state, stats, clock and the request pipeline every API shares.

Each vendor API under :mod:`video_api_emulator.apis` imports this module (and the
shared helpers beside it), never the application or another API; :mod:`.app`
wires them together. Vendor routes are wrapped by :meth:`Emulator.vendor_route`,
which does what is common to all of them (stats, concurrency tracking, injected
latency, faults) so that each API module only implements what its docs describe.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

from . import faults as faults_mod
from .config import build_config, parse_data_start
from .data import iso_ms
from .ratelimit import SlidingWindowLimiter

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiModule(Protocol):
    """What each emulated vendor API provides."""

    #: Short name, used in admin URLs (``/_emulator/truth/<name>``) and route names.
    name: str
    #: The data streams it serves, named as the taps name them (empty for a token
    #: endpoint): what its truth answers for, and what a tap's stream registry is
    #: checked against (tests/unit/test_registry.py).
    streams: frozenset[str]

    def create_state(self, emu: Emulator) -> Any:
        """Build this API's data/state from ``emu.config`` (called on every reset)."""
        ...

    def register(self, app: web.Application, emu: Emulator) -> None:
        """Add this API's routes to ``app``."""
        ...

    def error_response(self, status: int, message: str | None = None) -> web.Response:
        """Render this API's own error response for ``status`` (used by faults)."""
        ...

    def truth(self, emu: Emulator, query: Mapping[str, str]) -> dict[str, Any]:
        """Answer ``GET /_emulator/truth/<name>``; raise ``ValueError`` on bad input."""
        ...


@dataclass
class Stats:
    """Counters served by ``GET /_emulator/stats``; replaced on every reset."""

    requests_total: int = 0
    requests_by_route: Counter[str] = field(default_factory=Counter)
    status_counts: Counter[str] = field(default_factory=Counter)
    throttled: int = 0
    tokens_issued: int = 0
    #: Tokens issued since the reset (first 10,000), so tests can prove no
    #: token leaks into a tap's logs or output.
    tokens: list[str] = field(default_factory=list)
    in_flight: int = 0
    max_concurrent: int = 0
    faults_injected: int = 0
    faults_by_kind: Counter[str] = field(default_factory=Counter)
    #: The last data requests' paths and queries, so tests can check what a
    #: client asked for (e.g. which ``period`` a resumed sync requested).
    recent_requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=5000))

    def token_issued(self, token: str) -> None:
        """Count an issued token and keep the first 10,000 for leak checks."""
        self.tokens_issued += 1
        if len(self.tokens) < 10_000:
            self.tokens.append(token)

    def snapshot(self, limiter: SlidingWindowLimiter) -> dict[str, Any]:
        """Render the stats as JSON-ready data."""
        max_in_1s = dict(sorted(limiter.max_in_window.items()))
        ip_values = [v for k, v in max_in_1s.items() if k.startswith("ip:")]
        # "ip" = the busiest client address; the emulator binds loopback only, so
        # in practice it equals "ip:127.0.0.1".
        max_in_1s["ip"] = max(ip_values, default=0)
        return {
            "requests_total": self.requests_total,
            "requests_by_route": dict(sorted(self.requests_by_route.items())),
            "status_counts": dict(sorted(self.status_counts.items())),
            "throttled": self.throttled,
            "max_in_1s": max_in_1s,
            "tokens_issued": self.tokens_issued,
            "tokens": list(self.tokens),
            "max_concurrent": self.max_concurrent,
            "in_flight": self.in_flight,
            "faults_injected": self.faults_injected,
            "faults_by_kind": dict(sorted(self.faults_by_kind.items())),
            "recent_requests": list(self.recent_requests),
        }


class Emulator:
    """All mutable emulator state; ``reset`` swaps it atomically."""

    def __init__(self, apis: list[ApiModule], config: Mapping[str, Any] | None = None) -> None:
        self.apis = {api.name: api for api in apis}
        self.config: dict[str, Any] = {}
        self.stats = Stats()
        self.limiter = SlidingWindowLimiter()
        self.faults = faults_mod.FaultEngine()
        self.horizon_ms = 0
        self.state: dict[str, Any] = {}
        self._rng = random.Random(0)
        self.reset(config)

    # ------------------------------------------------------------------ admin ops

    def reset(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Replace config, regenerate data, clear stats, faults and tokens.

        Raises ``ConfigError`` (and changes nothing) when the config is invalid.
        """
        config = build_config(overrides)
        rules = faults_mod.parse_rules(config["faults"])
        self.config = config
        self.stats = Stats()
        self.limiter = SlidingWindowLimiter()
        self.faults = faults_mod.FaultEngine(rules)
        start_ms = parse_data_start(config["data_start"])
        self.horizon_ms = start_ms + int(round(config["data_span_seconds"] * 1000))
        self._reset_mono = monotonic()
        self._rng = random.Random(config["seed"])
        self.state = {name: api.create_state(self) for name, api in self.apis.items()}
        return self.config

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the data horizon (the emulator's "now") forward."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self.horizon_ms += int(round(seconds * 1000))
        return self.horizon_info()

    def running_clock(self) -> float:
        """Seconds since the epoch: the horizon plus the real time since the last reset.

        The horizon stands still between ``/advance`` calls, which is what data
        needs (the rows that exist "now"). An API whose limits count real time
        (the Interactivity report budget, reports generated in real seconds)
        needs a clock that ticks; both move together on ``/advance``.
        """
        return self.horizon_ms / 1000 + (monotonic() - self._reset_mono)

    def horizon_info(self) -> dict[str, Any]:
        """Describe the current horizon for admin responses."""
        return {"horizon": iso_ms(self.horizon_ms), "horizon_ms": self.horizon_ms}

    # ------------------------------------------------------------------ pipeline

    def vendor_route(
        self,
        api: ApiModule,
        route_name: str,
        handler: Handler,
        *,
        admit: Callable[[web.Request], web.Response | None] | None = None,
        data: bool = True,
        explicit_fault_markers: tuple[str, ...] = (),
    ) -> Handler:
        """Wrap a vendor handler with stats, admission, faults and latency.

        Order, modelled on an API gateway in front of a backend: ``admit``
        (e.g. the rate limiter) decides on arrival and its refusal is
        immediate; admitted requests are then matched against the fault rules,
        wait the injected latency (the backend's processing time) and are
        answered by the fault or the handler. Deciding admission on arrival
        means server-side scheduling jitter can't push a well-paced client
        over a rate limit.

        ``data=False`` marks auxiliary endpoints (the OAuth token endpoint):
        no injected latency, not counted as in-flight data requests, and only
        faulted by rules whose path names one of ``explicit_fault_markers``.
        """
        qualified = f"{api.name}.{route_name}"

        async def wrapped(request: web.Request) -> web.StreamResponse:
            stats = self.stats
            stats.requests_total += 1
            stats.requests_by_route[qualified] += 1
            if data:
                stats.in_flight += 1
                stats.max_concurrent = max(stats.max_concurrent, stats.in_flight)
                stats.recent_requests.append({"path": request.path, "query": dict(request.query)})
            try:
                resp = admit(request) if admit is not None else None
                if resp is None:
                    rule = self.faults.pick(request.path, () if data else explicit_fault_markers)
                    if data:
                        await self._inject_latency()
                    resp = await self._respond(api, request, handler, rule)
                if resp.status != 499:
                    stats.status_counts[str(resp.status)] += 1
                # RFC 9110 §6.6.1: Date is the server's clock, here the emulator's now
                # (unless the API's handler dated its answer by its own clock).
                if not resp.prepared and "Date" not in resp.headers:
                    resp.headers["Date"] = email.utils.formatdate(
                        self.horizon_ms / 1000, usegmt=True
                    )
                return resp
            finally:
                if data:
                    stats.in_flight -= 1

        return wrapped

    async def _inject_latency(self) -> None:
        """Sleep the configured latency without blocking other requests."""
        base = self.config["latency_ms"]
        jitter = self.config["latency_jitter_ms"]
        if base <= 0 and jitter <= 0:
            return
        delay = base + (self._rng.uniform(0, jitter) if jitter > 0 else 0)
        await asyncio.sleep(delay / 1000.0)

    async def _respond(
        self,
        api: ApiModule,
        request: web.Request,
        handler: Handler,
        rule: faults_mod.FaultRule | None,
    ) -> web.StreamResponse:
        if rule is None:
            return await handler(request)
        self.stats.faults_injected += 1
        self.stats.faults_by_kind[rule.kind] += 1
        if rule.kind == "status":
            return api.error_response(int(rule.status or 500))
        if rule.kind == "drop":
            return await faults_mod.drop_connection(request)
        if rule.kind == "revoke_token":
            self.revoke_bearer(request)
            return api.error_response(401)
        # A streaming handler applies truncate/malformed itself (faults.pending_fault).
        announced = faults_mod.STREAM_FAULT.set(rule.kind)
        try:
            full = await handler(request)
        finally:
            faults_mod.STREAM_FAULT.reset(announced)
        if not isinstance(full, web.Response):  # streamed: the handler spoiled it already
            return full
        if rule.kind == "truncate":
            return await faults_mod.truncated(request, full)
        return faults_mod.malformed(full)

    def revoke_bearer(self, request: web.Request) -> None:
        """Invalidate the request's token in every API that issues tokens.

        ``Authorization: Bearer <token>``, or a bare ``Authorization: <token>``
        (IBM's Analytics API takes its JWT without a scheme).
        """
        auth = request.headers.get("Authorization", "").strip()
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer":
            token = token.strip()
        elif auth and not token:
            token = auth
        else:
            return
        if not token:
            return
        for state in self.state.values():
            revoke = getattr(state, "revoke_token", None)
            if callable(revoke):
                revoke(token)


def monotonic() -> float:
    """Clock used for token expiry; a function so tests of the module can patch it."""
    return time.monotonic()
