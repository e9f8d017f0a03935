"""Brightcove OAuth API v4: ``POST /oauth/v4/access_token`` (client credentials).

Sources: docs/vendors/brightcove-oauth.md, the facts this module relies on (the OAuth
OpenAPI, the "Getting Access Tokens" guide and the Audience overview's
"Authentication"), each with its public URL; comments cite its sections.

The real endpoint is https://oauth.brightcove.com/v4/access_token; clients
point at ``{emulator}/oauth/v4/access_token`` instead.
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from ..brightcove_common import TOKEN_API, TokenStore
from ..core import Emulator
from ..data import json_seconds
from ..oauth_common import JSON, basic_pair, oauth_error, secret_matches, wrong_form_content_type

TOKEN_PATH = "/oauth/v4/access_token"
# docs/vendors/brightcove-oauth.md#errors: the OpenAPI's 404 on every operation,
# "RESOURCE_NOT_FOUND: The api could not find the resource you requested".
_NOT_FOUND_MESSAGE = "The api could not find the resource you requested"


class BrightcoveOAuth:
    """The OAuth token endpoint as an :class:`~video_api_emulator.core.ApiModule`."""

    name = TOKEN_API
    streams: frozenset[str] = frozenset()

    def create_state(self, emu: Emulator) -> TokenStore:
        """Start with no tokens; a reset invalidates every token issued before it."""
        return TokenStore(float(emu.config["token_ttl_seconds"]))

    def error_response(self, status: int, message: str | None = None) -> web.Response:
        """Map a status to an OAuth error, for faults aimed at the token endpoint.

        Docs are silent beyond 400 invalid_client and 404 RESOURCE_NOT_FOUND
        (docs/vendors/brightcove-oauth.md#errors); other statuses use RFC 6749 error names
        (server_error, temporarily_unavailable), the first among Brightcove's
        access-token error names - a guess, like the body shape.
        """
        if status == 400:
            return oauth_error(400, "invalid_request", message or "invalid request")
        if status == 401:
            # The OpenAPI documents no 401 for access_token (docs silent); the
            # description is its 400 invalid_client one (docs/vendors/brightcove-oauth.md#errors).
            return oauth_error(401, "invalid_client", message or "credential is not valid")
        if status == 404:
            # docs/vendors/brightcove-oauth.md#errors: "404 RESOURCE_NOT_FOUND: The api could not
            # find the resource you requested". The body shape is undocumented
            # (docs silent): the emulator's guess is the {error_code, message}
            # array of the other Brightcove APIs (docs/vendors/brightcove-audience.md#errors), as
            # the "CODE: message" form of the OpenAPI's descriptions matches it.
            body = orjson.dumps(
                [{"error_code": "RESOURCE_NOT_FOUND", "message": message or _NOT_FOUND_MESSAGE}]
            )
            return web.Response(status=404, body=body, content_type=JSON)
        if status in (429, 503, 504):
            return oauth_error(status, "temporarily_unavailable", message or "try again later")
        return oauth_error(status, "server_error", message or "internal error")

    def truth(self, emu: Emulator, query: Mapping[str, str]) -> dict[str, Any]:
        """No data to reconcile for the token endpoint."""
        raise ValueError("brightcove_oauth has no ground truth; it serves no data")

    def register(self, app: web.Application, emu: Emulator) -> None:
        """Add ``POST /oauth/v4/access_token`` and a 404 for other paths under ``/oauth``."""

        async def access_token(request: web.Request) -> web.Response:
            store: TokenStore = emu.state[self.name]
            # docs/vendors/brightcove-oauth.md#token-request: Token_Authorization, "Authorization:
            # Basic client_id:client_secret (... must be BASE64-encoded)".
            client_id = _basic_client(request.headers.get("Authorization", ""), emu)
            if client_id is None:
                # docs/vendors/brightcove-oauth.md#errors: 400 "invalid_client: credential is not
                # valid". Docs are
                # silent on check order; authenticating first reveals nothing to
                # unauthenticated callers.
                return oauth_error(400, "invalid_client", "credential is not valid")
            # docs/vendors/brightcove-oauth.md#token-request: Token_Content-Type (header, required:
            # true), "Content-Type: application/x-www-form-urlencoded"; the guide sends the same.
            # Docs are silent on the answer without it: the closest documented one is the endpoint's
            # only error, 400; the error name is RFC 6749's invalid_request ("invalid request" is
            # among Brightcove's error names, docs/vendors/brightcove-oauth.md#errors). Checked
            # after the credentials (order undocumented). Parameters such as "; charset=utf-8" are
            # accepted.
            wrong = wrong_form_content_type(request)
            if wrong is not None:
                return wrong
            # docs/vendors/brightcove-oauth.md#token-request: grant_type may be sent in the form
            # body or as a URL param (the OpenAPI declares it as a query param).
            grant_type = request.query.get("grant_type")
            if grant_type is None:
                form = await request.post()
                value = form.get("grant_type")
                grant_type = value if isinstance(value, str) else None
            if not grant_type:
                # Docs silent; RFC 6749 5.2 invalid_request for a missing parameter.
                return oauth_error(400, "invalid_request", "grant_type is required")
            if grant_type != "client_credentials":
                # The OpenAPI's grant_type enum: [client_credentials]; "unsupported grant type" is
                # among Brightcove's error names (docs/vendors/brightcove-oauth.md#errors).
                return oauth_error(
                    400, "unsupported_grant_type", "only client_credentials is supported"
                )
            token = store.issue(client_id)
            emu.stats.token_issued(token)
            ttl = store.ttl_seconds
            # docs/vendors/brightcove-oauth.md#token-answer: {"access_token", "token_type":
            # "Bearer", "expires_in": 300}. The schema names the type property
            # "type", but every example uses "token_type" (a quirk) - emit token_type.
            body = {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": json_seconds(ttl),
            }
            # Date: Brightcove's clock, which the Interactivity report budget
            # counts by (``Emulator.running_clock``); a client reads "now" from it.
            date = email.utils.formatdate(emu.running_clock(), usegmt=True)
            return web.Response(body=orjson.dumps(body), content_type=JSON, headers={"Date": date})

        async def not_found(_request: web.Request) -> web.Response:
            return self.error_response(404)

        app.router.add_post(
            TOKEN_PATH,
            emu.vendor_route(
                self,
                "access_token",
                access_token,
                data=False,
                explicit_fault_markers=("oauth", "access_token"),
            ),
        )
        # Everything else under /oauth stands for other paths on the OAuth host.
        app.router.add_route(
            "*",
            "/oauth/{tail:.*}",
            emu.vendor_route(
                self, "not_found", not_found, data=False, explicit_fault_markers=("oauth",)
            ),
        )


def _basic_client(header: str, emu: Emulator) -> str | None:
    """Return the client id if ``header`` carries valid Basic credentials."""
    pair = basic_pair(header)
    if pair is None or not secret_matches(emu.config["brightcove_clients"], *pair):
        return None
    return pair[0]


API = BrightcoveOAuth()
