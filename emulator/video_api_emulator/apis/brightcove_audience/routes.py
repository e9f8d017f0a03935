"""Brightcove Audience routes: the ``ApiModule``, its handlers, admission and error bodies.

Citations: sections of docs/vendors/brightcove-audience.md (see the package docstring).

Response cache (docs/vendors/brightcove-audience.md#caching, config ``audience_cache_seconds``): see
``BrightcoveAudience._make_handler``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from ...brightcove_common import brightcove_tokens, error_code_for
from ...core import Emulator
from ...data import FilterValueError, iso_ms
from .params import (
    LIMIT_DEFAULT,
    LIMIT_MAX,
    REPLICATION_FIELD,
    STREAMS,
    BadRequestError,
    StreamSpec,
    parse_fields,
    parse_int,
    parse_sort,
    parse_where,
    resolve_range,
)
from .state import AudienceState

BASE_PATH = "/audience/v1"
#: The overview's sample headers (docs/vendors/brightcove-audience.md#caching).
_CONTENT_TYPE = "application/json; charset=utf-8"

# ----------------------------------------------------------------------------- errors


def audience_error(status: int, message: str | None = None) -> web.Response:
    """Render an Audience error: a JSON array of ``{error_code, message}``.

    The shape and the codes: docs/vendors/brightcove-audience.md#errors.

    Every status gets this shape, including those only faults produce. Errors
    are never cached (docs/vendors/brightcove-audience.md#caching speaks of cached responses; docs
    are silent on errors - caching them would hide recoveries), hence MISS.
    """
    code, default_message = error_code_for(status)
    body = orjson.dumps([{"error_code": code, "message": message or default_message}])
    return web.Response(
        status=status, body=body, headers={"Content-Type": _CONTENT_TYPE, "X-Cache": "MISS"}
    )


class BrightcoveAudience:
    """The Audience API as an :class:`~video_api_emulator.core.ApiModule`."""

    name = "brightcove_audience"
    streams = frozenset(STREAMS)

    def create_state(self, emu: Emulator) -> AudienceState:
        """Build the per-account tables for the current config."""
        return AudienceState(emu)

    def error_response(self, status: int, message: str | None = None) -> web.Response:
        """Audience error body for ``status`` (used by faults)."""
        return audience_error(status, message)

    def truth(self, emu: Emulator, query: Mapping[str, str]) -> dict[str, Any]:
        """Ground truth: rows whose replication field is in [from, to], ascending.

        Same from/to formats as the API; sorted by the stream's replication
        field (ties by created_at then k, like ``sort=updated_at``), records
        rendered exactly as the API renders them.

        ``visible=now`` (default): what the API shows at the horizon - only
        processed rows and revisions (the response cache aside: a cached
        answer may be up to ``audience_cache_seconds`` older). ``visible=all``:
        the eventual truth at the horizon - every row and revision whose
        timestamp is before the horizon, processed or not; what the API will
        show once processing catches up (if nothing newer happens).
        """
        state: AudienceState = emu.state[self.name]
        account = query.get("account_id", "")
        stream = query.get("stream", "view_events")
        visible = query.get("visible", "now")
        if account not in state.accounts:
            raise ValueError(f"unknown account_id {account!r}")
        if stream not in STREAMS:
            raise ValueError("stream must be view_events or leads")
        if visible not in ("now", "all"):
            raise ValueError("visible must be now or all")
        try:
            from_ms, to_ms = resolve_range(query.get("from"), query.get("to"), emu.horizon_ms)
        except BadRequestError as exc:
            raise ValueError(str(exc)) from exc
        field = REPLICATION_FIELD[stream]
        settled = visible == "all"
        ks, _ = state.ordered(account, stream, from_ms, to_ms, (), (field, False), settled=settled)
        table = state.table(account, stream, settled=settled)
        out: dict[str, Any] = {"count": int(len(ks))}
        if len(ks):
            ends = table.view(ks[[0, -1]], emu.horizon_ms).column(field).values.tolist()
            out["min_replication_value"] = iso_ms(ends[0])
            out["max_replication_value"] = iso_ms(ends[1])
        else:
            out["min_replication_value"] = out["max_replication_value"] = None
        if query.get("records", "0") in ("1", "true", "True"):
            out["records"] = table.items(ks, emu.horizon_ms)
        return out

    def register(self, app: web.Application, emu: Emulator) -> None:
        """Add the two data endpoints and a 404 for every other path on the Audience host.

        The real API has a host of its own; here ``/audience`` stands for that
        host, so any other path under it (``/audience/v9/...`` too) is the
        host's 404.
        """
        admit = self._make_admit(emu)
        for stream in STREAMS:
            handler = self._make_handler(emu, STREAMS[stream])
            app.router.add_get(
                f"{BASE_PATH}/accounts/{{account_id}}/{stream}",
                emu.vendor_route(self, stream, handler, admit=admit),
            )

        async def not_found(_request: web.Request) -> web.Response:
            # docs/vendors/brightcove-audience.md#errors: 404 RESOURCE_NOT_FOUND "The URL does not
            # exist". Routing precedes authentication here (docs silent).
            return audience_error(404)

        wrapped_not_found = emu.vendor_route(self, "not_found", not_found)
        app.router.add_route("*", "/audience/{tail:.*}", wrapped_not_found)
        app.router.add_route("*", "/audience", wrapped_not_found)

    def _make_admit(self, emu: Emulator) -> Any:
        def admit(request: web.Request) -> web.Response | None:
            # docs/vendors/brightcove-audience.md#rate-limits: 50 requests/s per account and per IP.
            # Docs are silent on ordering; like an API gateway, the limiter decides on arrival,
            # before authentication and before the (injected) backend latency. Unknown accounts get
            # no account bucket.
            state: AudienceState = emu.state[self.name]
            account = request.match_info["account_id"]
            keys = [f"ip:{request.remote}"]
            if account in state.accounts:
                keys.append(f"account:{account}")
            limit = float(emu.config["audience_rate_limit_per_second"])
            if emu.limiter.try_acquire(keys, limit):
                return None
            emu.stats.throttled += 1
            return audience_error(429)

        return admit

    def _make_handler(self, emu: Emulator, spec: StreamSpec) -> Any:
        async def handler(request: web.Request) -> web.Response:
            state: AudienceState = emu.state[self.name]
            account = request.match_info["account_id"]
            # docs/vendors/brightcove-audience.md#authentication: "Authorization: Bearer
            # {access_token}"; the token expires after five minutes. 401
            # UNAUTHORIZED_ERROR when "absent, has expired, or is invalid".
            auth = request.headers.get("Authorization", "")
            scheme, _, token = auth.partition(" ")
            tokens = brightcove_tokens(emu)
            if scheme.lower() != "bearer" or not tokens.is_valid(token.strip()):
                return audience_error(401)
            if account not in state.accounts:
                # Docs are silent on an account the credentials don't cover. The emulator's guess:
                # credentials are account-scoped, so it is the 401 UNAUTHORIZED_ERROR, not a 404
                # (docs/vendors/brightcove-audience.md#authentication).
                return audience_error(401)
            # docs/vendors/brightcove-audience.md#content-type-header: the OpenAPI's parameter
            # "Content-Type" (header, required: true) on both GETs, described as
            # "Content-Type: application/json". Docs are silent on the answer
            # when it is missing or different; the closest documented one is
            # 400 BAD_REQUEST_ERROR (docs/vendors/brightcove-audience.md#errors; the
            # table's only code for a malformed request). Parameters such as
            # "; charset=utf-8" are accepted. Checked after authentication
            # (order undocumented), before the cache: a request the API would
            # refuse is never answered from it.
            if _media_type(request.headers.get("Content-Type")) != "application/json":
                return audience_error(400, "The Content-Type header must be application/json")
            # docs/vendors/brightcove-audience.md#caching: "API responses are cached for
            # approximately 5 minutes", and X-Cache says HIT (from the cache) or MISS. The emulator
            # caches each successful answer for audience_cache_seconds (default 300) of emulator
            # time - the horizon, which does not move with the wall clock, only with
            # /_emulator/advance - keyed on the request's path and raw query string. Docs are silent
            # on the key: it ignores the token (a shared cache in front of the API, checked after
            # authentication so it never answers an unauthorised caller), and on what is cached:
            # only 200s are; errors and injected faults never are (a truncate/malformed fault spoils
            # the copy it sends, not the answer the API cached).
            cache_key = request.raw_path
            cached = state.responses.get(cache_key, emu.horizon_ms)
            if cached is not None:
                return _ok(cached, "HIT")
            try:
                body = self._query(emu, state, account, spec, request.query)
            except BadRequestError as exc:
                return audience_error(400, str(exc))
            state.responses.put(cache_key, emu.horizon_ms, body)
            return _ok(body, "MISS")

        return handler

    def _query(
        self,
        emu: Emulator,
        state: AudienceState,
        account: str,
        spec: StreamSpec,
        q: Mapping[str, str],
    ) -> bytes:
        """Answer one query: the response body of a 200."""
        # Unknown query parameters are ignored (docs silent).
        limit = parse_int(q.get("limit"), "limit", LIMIT_DEFAULT, 1, LIMIT_MAX)
        # docs/vendors/brightcove-audience.md#paging: offset = items to skip, default 0.
        offset = parse_int(q.get("offset"), "offset", 0, 0, None)
        sort = parse_sort(q.get("sort"), spec)
        fields = parse_fields(q.get("fields"), spec)
        where = parse_where(q.get("where"), spec)
        from_ms, to_ms = resolve_range(q.get("from"), q.get("to"), emu.horizon_ms)
        try:
            ks, query_key = state.ordered(account, spec.name, from_ms, to_ms, where, sort)
        except FilterValueError as exc:
            raise BadRequestError(f"Invalid value for where: {exc}") from exc
        if fields is None:
            rows = state.page_json(query_key, ks, offset, limit).encode()
        else:
            table = state.table(account, spec.name)
            page = ks[offset : offset + limit]
            rows = orjson.dumps(table.items(page, emu.horizon_ms, fields))[1:-1]
        # docs/vendors/brightcove-audience.md#paging and
        # docs/vendors/brightcove-audience.md#envelope: {"count", "limit", "offset", "result"};
        # count is the total number of matching items. An offset at or past count answers 200 with
        # an empty result and the true count: docs are silent on rows past the end (no error code
        # fits it).
        head = f'{{"count":{len(ks)},"limit":{limit},"offset":{offset},"result":['
        return head.encode() + rows + b"]}"


def _media_type(header: str | None) -> str:
    """The media type of a Content-Type header value, lower-cased, without parameters."""
    return (header or "").split(";", 1)[0].strip().lower()


def _ok(body: bytes, cache: str) -> web.Response:
    """A 200 with the overview's sample headers, Content-Type and X-Cache.

    docs/vendors/brightcove-audience.md#caching.
    """
    return web.Response(body=body, headers={"Content-Type": _CONTENT_TYPE, "X-Cache": cache})
