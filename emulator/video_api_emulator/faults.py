"""Fault injection: scripted failures that tests use to prove clients recover.

Rules are matched in order against each vendor-API request; a rule that
matches counts the request, lets its first ``after`` matches pass, then fires
for the next ``count`` matches (``-1`` = forever). The first rule that fires
decides the request's fate; every matching rule still counts it, so rules
stacked on the same path have independent, predictable schedules.

Fault bodies are the faulted API's own error bodies (each API module renders
them), because a tap must be tested against what the vendor would send, not
against an emulator-specific shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from .config import ConfigError

FAULT_KINDS = ("status", "drop", "truncate", "malformed", "revoke_token")

#: The ``truncate``/``malformed`` fault picked for the request being handled
#: (set by the server around the handler call; each request runs in its own task,
#: so its own context). See :func:`pending_fault`.
STREAM_FAULT: ContextVar[str | None] = ContextVar("emulator_stream_fault", default=None)


def pending_fault() -> str | None:
    """The ``truncate``/``malformed`` fault the running handler must apply itself, or None.

    Why: those faults normally spoil a finished ``web.Response`` after the
    handler returns, but a handler that streams its body (Interactivity reports
    of millions of rows) has sent it by then. Such a handler reads this and
    spoils its own body; handlers returning a whole ``web.Response`` never look,
    and are faulted afterwards as before.
    """
    return STREAM_FAULT.get()


@dataclass(slots=True)
class FaultRule:
    """One scripted failure and its progress."""

    kind: str
    status: int | None = None
    path: str | None = None
    after: int = 0
    count: int = 1
    matched: int = 0
    applied: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Render the rule and its counters for the admin API."""
        return asdict(self)


def parse_rules(raw: Any) -> list[FaultRule]:
    """Validate admin/config input into rules; raise :class:`ConfigError` on bad input."""
    if not isinstance(raw, list):
        raise ConfigError("faults: 'rules' must be a list")
    rules = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ConfigError(f"faults[{i}]: must be an object")
        unknown = set(item) - {"kind", "status", "path", "after", "count"}
        if unknown:
            raise ConfigError(f"faults[{i}]: unknown key(s) {sorted(unknown)}")
        kind = item.get("kind")
        if kind not in FAULT_KINDS:
            raise ConfigError(f"faults[{i}]: kind must be one of {FAULT_KINDS}")
        status = item.get("status")
        if kind == "status" and not (isinstance(status, int) and 400 <= status <= 599):
            raise ConfigError(f"faults[{i}]: kind=status needs an integer 'status' 400..599")
        path = item.get("path")
        if path is not None and (not isinstance(path, str) or not path):
            raise ConfigError(f"faults[{i}]: path must be a non-empty string")
        after = item.get("after", 0)
        count = item.get("count", 1)
        if not isinstance(after, int) or after < 0:
            raise ConfigError(f"faults[{i}]: after must be an integer >= 0")
        if not isinstance(count, int) or count < -1:
            raise ConfigError(f"faults[{i}]: count must be an integer >= -1")
        rules.append(
            FaultRule(
                kind=kind, status=status if kind == "status" else None, path=path, after=after,
                count=count,
            )
        )  # fmt: skip
    return rules


class FaultEngine:
    """Holds the active rules and decides which (if any) fires for a request."""

    def __init__(self, rules: Iterable[FaultRule] = ()) -> None:
        self.rules = list(rules)

    def pick(self, path: str, explicit_markers: tuple[str, ...] = ()) -> FaultRule | None:
        """Count ``path`` against every matching rule and return the first that fires.

        ``explicit_markers`` is non-empty for endpoints such as the OAuth token
        endpoint, which only a rule whose ``path`` names them (contains one of
        the markers) may fault; a rule without ``path`` targets data requests.
        """
        if not self.rules:
            return None
        fired = None
        for rule in self.rules:
            if not self._matches(rule, path, explicit_markers):
                continue
            rule.matched += 1
            if fired is not None or rule.matched <= rule.after:
                continue
            if rule.count == -1 or rule.applied < rule.count:
                rule.applied += 1
                fired = rule
        return fired

    @staticmethod
    def _matches(rule: FaultRule, path: str, explicit_markers: tuple[str, ...]) -> bool:
        if rule.path is None:
            return not explicit_markers
        if rule.path not in path:
            return False
        return not explicit_markers or any(m in rule.path for m in explicit_markers)


async def drop_connection(request: web.Request) -> web.Response:
    """Close the connection without sending any response bytes."""
    if request.transport is not None:
        request.transport.close()
    # aiohttp won't write this once the transport is closing; it only satisfies
    # the handler contract.
    return web.Response(status=499)


async def truncated(request: web.Request, full: web.Response) -> web.StreamResponse:
    """Send ``full``'s headers with its complete Content-Length but only half its body.

    The connection is then closed, as a proxy dying mid-response would do.
    """
    body = full.body if isinstance(full.body, bytes) else b""
    resp = web.StreamResponse(status=full.status, headers=full.headers)
    resp.content_length = len(body)
    await resp.prepare(request)
    await resp.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    return resp


def malformed(full: web.Response) -> web.Response:
    """Return ``full`` with a well-framed body that is not valid JSON (cut in half)."""
    body = full.body if isinstance(full.body, bytes) else b""
    cut = body[: max(1, len(body) // 2)]
    if cut in (b"[", b"{", b""):
        cut = b'{"count": '
    headers = {k: v for k, v in full.headers.items() if k.lower() != "content-length"}
    return web.Response(status=full.status, body=cut, headers=headers)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
