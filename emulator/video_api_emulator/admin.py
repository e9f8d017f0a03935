"""Admin API under ``/_emulator/`` (not part of any vendor API).

Tests, the demo and benchmarks drive the emulator through these endpoints:
reset it to a config, move its clock, script faults, read stats and ask for
the ground truth a tap's output must reconcile with. Admin requests are not
counted in stats, never faulted and never rate limited, so observing the
emulator can't change what it measures.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from aiohttp import web

from . import faults as faults_mod
from .config import ConfigError
from .core import Emulator

ADMIN_PREFIX = "/_emulator"


def _json(data: Any, status: int = 200) -> web.Response:
    # orjson: truth responses with records=1 can hold very many rows.
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(message: str, status: int = 400) -> web.Response:
    return _json({"error": message}, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    """Parse a JSON object body; an empty body means ``{}``."""
    raw = await request.read()
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ConfigError("body must be a JSON object")
    return data


def register(app: web.Application, emu: Emulator) -> None:
    """Add the admin routes to ``app``."""

    async def health(_request: web.Request) -> web.Response:
        return _json({"ok": True})

    async def reset(request: web.Request) -> web.Response:
        try:
            config = emu.reset(await _body(request))
        except (ConfigError, ValueError) as exc:
            return _error(str(exc))
        return _json(config)

    async def get_config(_request: web.Request) -> web.Response:
        return _json({"config": emu.config, **emu.horizon_info()})

    async def advance(request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            seconds = body.get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise ValueError("'seconds' must be a number")
            return _json(emu.advance(seconds))
        except (ConfigError, ValueError) as exc:
            return _error(str(exc))

    async def set_faults(request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            rules = faults_mod.parse_rules(body.get("rules", []))
        except (ConfigError, ValueError) as exc:
            return _error(str(exc))
        emu.faults = faults_mod.FaultEngine(rules)
        return _json({"rules": [r.to_dict() for r in rules]})

    async def get_faults(_request: web.Request) -> web.Response:
        return _json({"rules": [r.to_dict() for r in emu.faults.rules]})

    async def stats(_request: web.Request) -> web.Response:
        return _json(emu.stats.snapshot(emu.limiter))

    async def truth(request: web.Request) -> web.Response:
        api = emu.apis.get(request.match_info["api"])
        if api is None:
            return _error(f"unknown api {request.match_info['api']!r}", status=404)
        try:
            return _json(api.truth(emu, request.query))
        except ValueError as exc:
            return _error(str(exc))

    app.router.add_get(f"{ADMIN_PREFIX}/health", health)
    app.router.add_post(f"{ADMIN_PREFIX}/reset", reset)
    app.router.add_get(f"{ADMIN_PREFIX}/config", get_config)
    app.router.add_post(f"{ADMIN_PREFIX}/advance", advance)
    app.router.add_post(f"{ADMIN_PREFIX}/faults", set_faults)
    app.router.add_get(f"{ADMIN_PREFIX}/faults", get_faults)
    app.router.add_get(f"{ADMIN_PREFIX}/stats", stats)
    app.router.add_get(f"{ADMIN_PREFIX}/truth/{{api}}", truth)
