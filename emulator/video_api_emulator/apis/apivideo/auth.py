"""api.video token endpoints: ``POST /auth/api-key`` and ``POST /auth/refresh``.

Sources as in the package docstring: docs/vendors/apivideo.md#authentication and
docs/vendors/apivideo.md#unauthorized (the 2023-09 spec's POST_auth-api-key and
POST_auth-refresh, the same operations in the later specs).

Real endpoints: ``https://ws.api.video/auth/...``; the emulator serves them at
``{emulator}/apivideo/auth/...``. The data API (``routes``) reads this module's
token store. These endpoints are not rate limited and carry no
``X-RateLimit-*`` headers: the docs state the limits and headers for the API's
operations and are silent on the auth endpoints, so the emulator leaves them
out of the count (a choice).
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from aiohttp import web

from ...core import Emulator
from ...data import json_seconds
from ...tokens import JwtTokenStore
from .params import (
    ATTRIBUTE_INVALID_OLD,
    ATTRIBUTE_REQUIRED,
    INVALID_CREDENTIALS,
    JSON,
    ApiError,
    bad_request,
    too_many_requests,
    unauthorized,
)
from .state import DATA_API, ApiVideoState

#: The emulator's mount of https://ws.api.video.
HOST_PREFIX = "/apivideo"
#: Docs silent on how long a refresh token lives: 30 days (a choice; long
#: enough that only an expiry test would notice).
REFRESH_TTL_SECONDS = 30 * 86_400


def error_body(status: int, message: str | None = None) -> web.Response:
    """An api.video problem body for ``status`` (faults; also used by ``routes``).

    400 and 401 use the auth bodies (see :mod:`.params`), 429 the spec's
    too-many-requests. Docs are silent on other statuses (5xx especially): the
    emulator answers ``{type, title, status}``, the shape of the spec's 403/429
    bodies, with the HTTP reason as title and a type URL of its own.
    """
    if status == 400:
        body: dict[str, Any] = dict(INVALID_CREDENTIALS)
        if message:
            body["title"] = message
        return ApiError(400, body).response()
    if status == 401:
        return unauthorized("token").response()
    if status == 429:
        return too_many_requests().response()
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    body = {
        "type": f"https://docs.api.video/reference/http-{status}",
        "title": message or f"{reason}.",
        "status": status,
    }
    return ApiError(status, body).response()


async def _json_field(request: web.Request, name: str) -> str:
    """The string ``name`` of the JSON request body, or the 400 that refuses it.

    docs/vendors/apivideo.md#authentication: requestBody ``application/json``, required, schema
    authenticate-payload {apiKey} / refresh-token-payload {refreshToken}, both required. The body is
    read as JSON whatever its Content-Type (docs silent; lenient). Missing (or an unreadable body):
    the bad-request attributerequired problem; not a string: attributeinvalid (the 2023-09 spec's
    POST /videos 400 example's two problem types, docs/vendors/apivideo.md#problem-bodies; the
    second's title is the emulator's).
    """
    raw = await request.read()
    try:
        data = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        data = {}
    value = data.get(name) if isinstance(data, dict) else None
    if value is None or value == "":
        raise bad_request([(*ATTRIBUTE_REQUIRED, name)])
    if not isinstance(value, str):
        raise bad_request([(ATTRIBUTE_INVALID_OLD, "This attribute must be a string.", name)])
    return value


class ApiVideoAuth:
    """The two token endpoints as an :class:`~video_api_emulator.core.ApiModule`."""

    name = "apivideo_auth"
    streams: frozenset[str] = frozenset()

    def create_state(self, emu: Emulator) -> JwtTokenStore:
        """Start with no tokens; a reset invalidates every token issued before it."""
        return JwtTokenStore(
            float(emu.config["apivideo_token_ttl_seconds"]),
            refresh_ttl_seconds=REFRESH_TTL_SECONDS,
        )

    def error_response(self, status: int, message: str | None = None) -> web.Response:
        """The endpoint's error body for ``status`` (faults aimed at it)."""
        return error_body(status, message)

    def truth(self, emu: Emulator, query: Mapping[str, str]) -> dict[str, Any]:
        """No data to reconcile for the token endpoints."""
        raise ValueError("apivideo_auth has no ground truth; it serves no data")

    def register(self, app: web.Application, emu: Emulator) -> None:
        """Add ``POST /apivideo/auth/api-key`` and ``POST /apivideo/auth/refresh``."""

        def issue(store: JwtTokenStore, api_key: str) -> web.Response:
            state: ApiVideoState = emu.state[DATA_API]
            project = state.dataset.projects[api_key]
            # The docs' sample token (the raw statistics guide,
            # docs/vendors/apivideo.md#authentication) carries iat, nbf, exp and projectId;
            # the store adds iat/exp/jti.
            access, refresh = store.issue(api_key, {"projectId": project.project_id})
            emu.stats.token_issued(access)
            # docs/vendors/apivideo.md#authentication: access-token, example key order;
            # token_type "Bearer", expires_in 3600 by default.
            body = {
                "token_type": "Bearer",
                "expires_in": json_seconds(store.ttl_seconds),
                "access_token": access,
                "refresh_token": refresh,
            }
            return web.Response(body=orjson.dumps(body), content_type=JSON)

        async def api_key(request: web.Request) -> web.Response:
            store: JwtTokenStore = emu.state[self.name]
            try:
                key = await _json_field(request, "apiKey")
            except ApiError as exc:
                return exc.response()
            if key not in emu.config["apivideo_projects"]:
                # docs/vendors/apivideo.md#unauthorized: the 400 example, a bad key.
                return ApiError(400, INVALID_CREDENTIALS).response()
            return issue(store, key)

        async def refresh(request: web.Request) -> web.Response:
            store: JwtTokenStore = emu.state[self.name]
            try:
                token = await _json_field(request, "refreshToken")
            except ApiError as exc:
                return exc.response()
            # docs/vendors/apivideo.md#authentication: refresh-token-payload, "either the first
            # refresh token you received ... or it's the refresh token from the last time you used
            # the auth/refresh endpoint": each refresh hands out a new one, and the emulator retires
            # the one redeemed (rotation; the docs don't say the old one dies - the strict reading).
            # The old access token stays valid until it expires (docs silent).
            key = store.redeem_refresh(token, consume=True)
            if key is None or key not in emu.config["apivideo_projects"]:
                # docs/vendors/apivideo.md#unauthorized: the /auth/refresh 400 example, the same
                # body as a bad key (the errors page's 401 "The refresh token is
                # invalid." is not what the spec documents for this endpoint).
                return ApiError(400, INVALID_CREDENTIALS).response()
            return issue(store, key)

        for route, path, handler in (
            ("auth_api_key", "/auth/api-key", api_key),
            ("auth_refresh", "/auth/refresh", refresh),
        ):
            app.router.add_post(
                HOST_PREFIX + path,
                emu.vendor_route(
                    self, route, handler, data=False, explicit_fault_markers=("/auth/",)
                ),
            )


API = ApiVideoAuth()
