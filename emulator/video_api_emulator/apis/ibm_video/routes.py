"""IBM Analytics API routes: handlers, envelope, errors, rate-limit headers, truth.

Sources as in the package docstring: sections of docs/vendors/ibm-video.md.

Real base URL https://analytics-api.video.ibm.com/v1 docs/vendors/ibm-video.md#base-url; the
emulator serves it under ``{emulator}/ibm-analytics/v1``, and any other path
under ``/ibm-analytics`` stands for another path on that host (404).
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from ...core import Emulator
from ...fixed_window import Decision, FixedWindowQuota, QuotaHeaders
from ...tokens import JwtTokenStore
from .data import Dataset
from .params import (
    CONTENT_TYPES,
    Paging,
    ParamError,
    ViewersQuery,
    ViewsQuery,
    parse_datetime,
    parse_viewers,
    parse_views,
)

HOST_PREFIX = "/ibm-analytics"
BASE_PATH = f"{HOST_PREFIX}/v1"
# docs/vendors/ibm-video.md#base-url: "Default response content-types: application/json".
_JSON = "application/json"
_TOKEN_API = "ibm_oauth"

# Error titles. 400's "Validation failed" and the meanings of 401/404/503 are
# docs/vendors/ibm-video.md#errors: the docs list 400 (validation failed), 401
# (token missing, revoked, expired or malformed), 404 and 503; 429 is
# docs/vendors/ibm-video.md#rate-limits. Only 400's body is documented; the
# others' are not: the emulator's guess is the same JSON:API shape, with the
# HTTP reason as title.
_TITLES = {
    400: "Validation failed",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    503: "Service Unavailable",
}
_DETAILS = {
    401: "The token is missing, revoked, expired or malformed",
    404: "The requested resource does not exist",
    429: "Rate limit exceeded; retry after X-RateLimit-Reset",
    503: "The service is temporarily unavailable",
}


def _rate_headers(decision: Decision) -> dict[str, str]:
    """X-RateLimit-Limit, -Remaining and -Reset (docs/vendors/ibm-video.md#rate-limits).

    X-RateLimit-Reset is a Unix timestamp in seconds.
    """
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset),
    }


#: Puts the headers on every answer of a rate-limited request, as the response
#: is prepared, so the 429 itself, errors and injected faults carry them too.
_RATE_HEADERS = QuotaHeaders("ibm_video_rate", _rate_headers)


def jsonapi_error(
    status: int, detail: str | None = None, problems: list[tuple[str, str]] | None = None
) -> web.Response:
    """An error body ``{"errors": [{status, title, detail, source: {pointer}}]}``.

    docs/vendors/ibm-video.md#errors: BadRequest, errors of {status (number),
    title, detail, source {pointer}}. ``problems`` are ``(pointer, detail)``
    pairs, one error each; the pointer is the parameter's name (docs silent on
    its form; JSON:API would put a query parameter in ``source.parameter``, but
    the doc's schema has only ``pointer``). Errors not about a parameter carry
    no ``source`` (undocumented statuses: a guess, see ``_TITLES``).
    """
    title = _TITLES.get(status, "Error")
    if problems:
        errors = [
            {"status": status, "title": title, "detail": d, "source": {"pointer": p}}
            for p, d in problems
        ]
    else:
        errors = [
            {"status": status, "title": title, "detail": detail or _DETAILS.get(status, title)}
        ]
    return web.Response(status=status, body=orjson.dumps({"errors": errors}), content_type=_JSON)


class IbmVideoState:
    """Per-reset state: each client's dataset (with its query cache) and the rate quota."""

    def __init__(self, emu: Emulator) -> None:
        cfg = emu.config
        #: client id -> that client's account data (see ``Dataset``).
        self.datasets = {client_id: Dataset(cfg, client_id) for client_id in cfg["ibm_clients"]}
        self.quota = FixedWindowQuota(
            int(cfg["ibm_rate_limit"]), float(cfg["ibm_rate_limit_window_seconds"])
        )
        self.envelope = str(cfg["ibm_envelope"])


def _hrefs(request: web.Request, paging: Paging, count: int) -> dict[str, Any]:
    """The pagination object: count and self/first/prev/next/last links.

    docs/vendors/ibm-video.md#envelope: the examples' ``{"count", "first":
    {"href"}, "last", "next", "prev": null, "self"}``, hrefs relative and
    without ``/v1`` (``/views?_page=2&_limit=1``). ``count`` is the total
    number of matching items (apparently: count 10 with _limit=1 has last page
    10). Links
    keep the request's other query parameters (docs silent; the examples have
    none), after _page and _limit as in the examples, percent-encoded so a
    "+01:00" offset survives. A missing link is null, also ``next`` on the
    last page (null or absent is an open question; the examples show
    ``"prev": null``). ``last`` is page 1 when nothing matches.
    """
    path = request.path[len(BASE_PATH) :]
    others = [(k, v) for k, v in request.query.items() if k not in ("_page", "_limit")]
    last = max(1, math.ceil(count / paging.limit))

    def link(page: int) -> dict[str, str]:
        query = [("_page", str(page)), ("_limit", str(paging.limit)), *others]
        encoded = urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe="")
        return {"href": f"{path}?{encoded}"}

    return {
        "count": count,
        "self": link(paging.page),
        "first": link(1),
        "prev": link(paging.page - 1) if paging.page > 1 else None,
        "next": link(paging.page + 1) if paging.page < last else None,
        "last": link(last),
    }


def _envelope(state: IbmVideoState, items: str, pagination: dict[str, Any]) -> bytes:
    """The list envelope: ``{"data": [...], "pagination": {...}}``.

    The current docs and their samples use ``data``; the older reference uses
    ``resources`` (docs/vendors/ibm-video.md#envelope); ``ibm_envelope`` picks.
    """
    key = state.envelope
    return (
        f'{{"{key}":['.encode()
        + items.encode()
        + b'],"pagination":'
        + orjson.dumps(pagination)
        + b"}"
    )


def _token_client(request: web.Request, emu: Emulator) -> str | None:
    """The client whose valid JWT the request carries, bare, in Authorization; else None.

    docs/vendors/ibm-video.md#authentication: "Authorization: eyJhbGciOi..." - the token with no
    scheme (security scheme JWTHeader, apiKey in header). Whether ``Bearer
    <jwt>`` is also accepted is an open question
    (docs/vendors/ibm-video.md#authentication): the
    emulator answers 401 to it, the safe choice that proves a client sends
    the token bare. Missing, unknown, expired or revoked -> 401. The client
    decides whose data the answer holds (see ``Dataset``).
    """
    value = request.headers.get("Authorization", "").strip()
    if not value or " " in value:
        return None
    store: JwtTokenStore = emu.state[_TOKEN_API]
    return store.subject_of(value)


def _page_bounds(paging: Paging, count: int) -> tuple[int, int]:
    start = min(count, (paging.page - 1) * paging.limit)
    return start, min(count, start + paging.limit)


#: The four documented GET endpoints: (route name, path under the API, the stream it serves).
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("views", "/views", "views"),
    ("views_content_type", "/views/{content_type}", "views"),
    ("viewers", "/viewers", "viewers"),
    ("viewers_content_type", "/viewers/{content_type}", "viewers"),
)


class IbmVideoAnalytics:
    """The Analytics API as an :class:`~video_api_emulator.core.ApiModule`."""

    name = "ibm_video"
    streams = frozenset(stream for _route, _path, stream in ROUTES)

    def create_state(self, emu: Emulator) -> IbmVideoState:
        """Build the dataset and quota for the current config."""
        return IbmVideoState(emu)

    def error_response(self, status: int, message: str | None = None) -> web.Response:
        """JSON:API error body for ``status`` (used by faults)."""
        return jsonapi_error(status, message)

    # ------------------------------------------------------------------ truth

    def truth(self, emu: Emulator, query: Mapping[str, str]) -> dict[str, Any]:
        """Ground truth for ``GET /_emulator/truth/ibm_video``.

        ``stream=views`` (default): ``from``/``to`` (ISO 8601; default the
        whole data up to the horizon), ``content_type``, ``inclusive_range``
        and ``list_unfinished_segments`` (true/false, default true) as the API
        reads them; ``visible=now`` (default: what the API shows at the
        horizon, processing lag included) or ``all`` (every view started
        before the horizon, in its state at the horizon, lag ignored).
        Returns ``{"count", "finished", "unfinished"}`` plus, with
        ``records=1``, ``records``: the attributes exactly as the API renders
        them, in API order.

        ``stream=viewers``: ``{"count", "records"?}`` - every viewer as
        ``/viewers`` renders it with no filters (``visible`` as above).

        ``client``: whose account (a client id of ``ibm_clients``; default the first).
        """
        state: IbmVideoState = emu.state[self.name]
        client_id = query.get("client") or next(iter(state.datasets))
        ds = state.datasets.get(client_id)
        if ds is None:
            raise ValueError(f"unknown client {client_id!r} (not in ibm_clients)")
        horizon = emu.horizon_ms
        visible = query.get("visible", "now")
        if visible not in ("now", "all"):
            raise ValueError("visible must be now or all")
        lagged = visible == "now"
        records = query.get("records", "0") in ("1", "true", "True")
        stream = query.get("stream", "views")
        if stream == "viewers":
            selection = ds.select_viewers(
                horizon, ViewersQuery(ViewsQuery(None, None)), lagged=lagged
            )
            out: dict[str, Any] = {"count": len(selection[0])}
            if records:
                out["records"] = ds.viewer_records(selection, horizon, lagged)
            return out
        if stream != "views":
            raise ValueError("stream must be views or viewers")
        bounds = [parse_datetime(query[k], k) if query.get(k) else None for k in ("from", "to")]
        content_type = query.get("content_type") or None
        if content_type is not None and content_type not in CONTENT_TYPES:
            raise ValueError("content_type must be live or recorded")
        flags = []
        for name in ("inclusive_range", "list_unfinished_segments"):
            raw = query.get(name, "true")
            if raw not in ("true", "false"):
                raise ValueError(f"{name} must be true or false")
            flags.append(raw == "true")
        q = ViewsQuery(bounds[0], bounds[1], flags[0], flags[1], content_type)
        ks = ds.select(horizon, q, lagged=lagged)
        finished = ds.finished_count(ks, horizon, lagged)
        out = {"count": len(ks), "finished": finished, "unfinished": len(ks) - finished}
        if records:
            out["records"] = ds.view_records(ks, horizon, lagged)
        return out

    # ------------------------------------------------------------------ routes

    def register(self, app: web.Application, emu: Emulator) -> None:
        """Add the four documented GET endpoints and the host's 404."""
        admit = self._make_admit(emu)
        handlers = dict(zip(("views", "viewers"), self._make_handlers(emu), strict=True))
        for route, path, stream in ROUTES:
            app.router.add_get(
                BASE_PATH + path, emu.vendor_route(self, route, handlers[stream], admit=admit)
            )

        async def not_found(_request: web.Request) -> web.Response:
            # docs/vendors/ibm-video.md#errors: the docs list 404; its body is
            # undocumented (JSON:API guess). Routing precedes authentication
            # (docs silent).
            return jsonapi_error(404)

        wrapped = emu.vendor_route(self, "not_found", not_found)
        app.router.add_route("*", HOST_PREFIX + "/{tail:.*}", wrapped)
        app.router.add_route("*", HOST_PREFIX, wrapped)
        app.on_response_prepare.append(_RATE_HEADERS.on_response_prepare)

    def _make_admit(self, emu: Emulator) -> Any:
        def admit(request: web.Request) -> web.Response | None:
            # docs/vendors/ibm-video.md#rate-limits: limits on
            # "some" endpoints, announced by X-RateLimit-Limit/-Remaining/-Reset
            # (Unix timestamp), 429 when hit; the numbers are NOT documented
            # (ibm_rate_limit / ibm_rate_limit_window_seconds are the emulator's
            # choice), nor is the window's kind or key: fixed windows of wall
            # time per client IP, so Reset is exact and a client honouring
            # Remaining/Reset never sees a 429. Decided on arrival, before
            # authentication and the injected latency, like an API gateway.
            state: IbmVideoState = emu.state[self.name]
            if not state.quota.enabled:
                return None
            decision = state.quota.acquire(f"ip:{request.remote}")
            _RATE_HEADERS.remember(request, decision)
            if decision.admitted:
                return None
            emu.stats.throttled += 1
            return jsonapi_error(429)

        return admit

    def _make_handlers(self, emu: Emulator) -> tuple[Any, Any]:
        def content_type_of(request: web.Request) -> tuple[bool, str | None]:
            # docs/vendors/ibm-video.md#endpoints: contentTypeParameter, x ∈ {live,
            # recorded}. Docs are silent on another value: 404, as for a path
            # the API does not have (checked before authentication, like the
            # host's other 404s).
            value = request.match_info.get("content_type")
            return value is None or value in CONTENT_TYPES, value

        def admitted(
            request: web.Request, parse: Any
        ) -> web.Response | tuple[Dataset, tuple[Any, Any]]:
            """The caller's account data and the parsed query, or the 404/401/400 refusing it."""
            known, content_type = content_type_of(request)
            if not known:
                return jsonapi_error(404)
            client_id = _token_client(request, emu)
            state: IbmVideoState = emu.state[self.name]
            dataset = state.datasets.get(client_id) if client_id is not None else None
            if dataset is None:
                return jsonapi_error(401)
            try:
                return dataset, parse(request.query, content_type)
            except ParamError as exc:
                return jsonapi_error(400, problems=exc.problems)

        async def views(request: web.Request) -> web.Response:
            parsed = admitted(request, parse_views)
            if isinstance(parsed, web.Response):
                return parsed
            dataset, (q, paging) = parsed
            state: IbmVideoState = emu.state[self.name]
            ks = dataset.select(emu.horizon_ms, q)
            # A page past the end answers 200 with an empty list and the true
            # count (docs silent; no documented error fits).
            start, stop = _page_bounds(paging, len(ks))
            items = dataset.render_views(ks[start:stop], emu.horizon_ms)
            body = _envelope(state, items, _hrefs(request, paging, len(ks)))
            return web.Response(body=body, content_type=_JSON)

        async def viewers(request: web.Request) -> web.Response:
            parsed = admitted(request, parse_viewers)
            if isinstance(parsed, web.Response):
                return parsed
            dataset, (vq, paging) = parsed
            state: IbmVideoState = emu.state[self.name]
            found, segs, bounds = dataset.select_viewers(emu.horizon_ms, vq)
            start, stop = _page_bounds(paging, len(found))
            items = dataset.render_viewers(
                found[start:stop], segs[bounds[start] : bounds[stop]], bounds[start : stop + 1],
                emu.horizon_ms,
            )  # fmt: skip
            body = _envelope(state, items, _hrefs(request, paging, len(found)))
            return web.Response(body=body, content_type=_JSON)

        return views, viewers
