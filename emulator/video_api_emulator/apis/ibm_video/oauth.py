"""IBM Video Streaming OAuth2 token endpoint (client credentials, JWT access tokens).

Sources: docs/vendors/ibm-video.md, cited by section (token requests:
docs/vendors/ibm-video.md#token-endpoint and docs/vendors/ibm-video.md#token-errors).

Real endpoint: ``POST https://video.ibm.com/oauth2/token``
(docs/vendors/ibm-video.md#token-endpoint); the emulator serves it at ``{emulator}/oauth2/token``.
Only what a client of the Analytics API needs is emulated: the client-credentials grant with
``token_type=jwt``, and the refresh-token grant (docs/vendors/ibm-video.md#token-endpoint: "Refresh
tokens last 30 days (grant_type=refresh_token)").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from ...core import Emulator
from ...data import json_seconds
from ...oauth_common import JSON, basic_pair, oauth_error, secret_matches, wrong_form_content_type
from ...tokens import JwtTokenStore

TOKEN_PATH = "/oauth2/token"
# docs/vendors/ibm-video.md#token-endpoint: "Refresh tokens last 30 days".
REFRESH_TTL_SECONDS = 30 * 86_400


def jwt_claims(client_id: str) -> dict[str, str]:
    """The claims of an IBM access token, before the store's ``iat``/``exp``/``jti``.

    docs/vendors/ibm-video.md#authentication and docs/vendors/ibm-video.md#token-endpoint: with
    ``token_type=jwt``
    the access token is a JWT (``eyJ...``). Its claims are undocumented; the
    emulator's are the registered ``iss`` plus ``client_id`` (the store adds
    ``iat``, ``exp`` and a unique ``jti`` and signs it). The refresh token's
    format is undocumented: an opaque random string.
    """
    return {"iss": "https://video.ibm.com", "client_id": client_id}


def _client_from_basic(
    header: str, body_client_id: str | None, clients: Mapping[str, str]
) -> str | None:
    """Return the authenticated client id, or None.

    docs/vendors/ibm-video.md#token-endpoint: client authentication is HTTP Basic, but which
    value is an open question - the doc example is a raw 40-hex value, IBM's npm SDK
    sends ``Basic <client_secret>`` raw (client_id in the body), other clients
    send base64(client_id:client_secret); the emulator accepts both. A body
    ``client_id`` that names another client than the Basic credentials is
    refused ("client mismatch", a documented cause of invalid_client,
    docs/vendors/ibm-video.md#token-errors).
    """
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "basic" or not value:
        return None
    pair = basic_pair(header)
    if pair is not None and secret_matches(clients, *pair):
        client_id = pair[0]
        if body_client_id is not None and body_client_id != client_id:
            return None
        return client_id
    # The raw form: the header value is the secret of the body's client_id.
    if body_client_id is not None and secret_matches(clients, body_client_id, value):
        return body_client_id
    return None


def _form_value(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


class IbmOAuth:
    """The token endpoint as an :class:`~video_api_emulator.core.ApiModule`."""

    name = "ibm_oauth"
    streams: frozenset[str] = frozenset()

    def create_state(self, emu: Emulator) -> JwtTokenStore:
        """Start with no tokens; a reset invalidates every token issued before it."""
        return JwtTokenStore(
            float(emu.config["ibm_token_ttl_seconds"]), refresh_ttl_seconds=REFRESH_TTL_SECONDS
        )

    def error_response(self, status: int, message: str | None = None) -> web.Response:
        """Map a status to a documented token error, for faults on the endpoint.

        400 invalid_request, 501 unsupported_grant_type and 503 server_error
        are the documented pairs (docs/vendors/ibm-video.md#token-errors). Docs
        are silent on other statuses: 401 gets
        invalid_client (the documented name for bad client credentials), the
        rest server_error.
        """
        if status == 400:
            return oauth_error(400, "invalid_request", message or "invalid request")
        if status == 401:
            return oauth_error(401, "invalid_client", message or "client authentication failed")
        if status == 501:
            return oauth_error(501, "unsupported_grant_type", message or "unsupported grant type")
        return oauth_error(status, "server_error", message or "server error")

    def truth(self, emu: Emulator, query: Mapping[str, str]) -> dict[str, Any]:
        """No data to reconcile for the token endpoint."""
        raise ValueError("ibm_oauth has no ground truth; it serves no data")

    def register(self, app: web.Application, emu: Emulator) -> None:
        """Add ``POST /oauth2/token``."""

        async def token(request: web.Request) -> web.Response:
            store: JwtTokenStore = emu.state[self.name]
            # docs/vendors/ibm-video.md#token-endpoint: "POST ... with Content-Type:
            # application/x-www-form-urlencoded". Docs are silent on the answer without it; the
            # documented name for a malformed request is 400 invalid_request
            # (docs/vendors/ibm-video.md#token-errors). Parameters such as "; charset=utf-8" are
            # accepted.
            wrong = wrong_form_content_type(request)
            if wrong is not None:
                return wrong
            # docs/vendors/ibm-video.md#token-endpoint: token_type "must be set as HTTP
            # POST parameter"; docs/vendors/ibm-video.md#token-endpoint: the client-credentials
            # params are form params. Only the body is read (query ignored).
            form = await request.post()
            client_id = _client_from_basic(
                request.headers.get("Authorization", ""),
                _form_value(form, "client_id"),
                emu.config["ibm_clients"],
            )
            if client_id is None:
                # docs/vendors/ibm-video.md#token-errors: 400 invalid_client "(missing client,
                # wrong secret, or client mismatch)".
                return oauth_error(400, "invalid_client", "client authentication failed")
            grant_type = _form_value(form, "grant_type")
            if not grant_type:
                # docs/vendors/ibm-video.md#token-errors: 400 invalid_request
                # "(missing params)".
                return oauth_error(400, "invalid_request", "grant_type is required")
            if grant_type not in ("client_credentials", "refresh_token"):
                # docs/vendors/ibm-video.md#token-errors: 501 unsupported_grant_type. (The
                # authorization-code and password flows are not emulated.)
                return oauth_error(
                    501, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported"
                )
            # docs/vendors/ibm-video.md#token-endpoint: a JWT - the only token the
            # Analytics API takes (docs/vendors/ibm-video.md#authentication) - comes "by setting the
            # token_type parameter to jwt". Without it the real endpoint would
            # issue an opaque bearer token the Analytics API refuses; the
            # emulator answers 400 invalid_request instead (docs silent), so a
            # client that forgets the parameter fails at once, visibly.
            if _form_value(form, "token_type") != "jwt":
                return oauth_error(
                    400, "invalid_request", "token_type=jwt is required for the Analytics API"
                )
            if grant_type == "refresh_token":
                refresh = _form_value(form, "refresh_token")
                if not refresh:
                    return oauth_error(400, "invalid_request", "refresh_token is required")
                if store.redeem_refresh(refresh, client_id) is None:
                    # docs/vendors/ibm-video.md#token-errors: 400 invalid_grant.
                    return oauth_error(400, "invalid_grant", "refresh_token is invalid or expired")
            access, refresh_token = store.issue(client_id, jwt_claims(client_id))
            emu.stats.token_issued(access)
            ttl = store.ttl_seconds
            # docs/vendors/ibm-video.md#token-endpoint: the body has access_token, refresh_token,
            # token_type, expires_in (id_token only with the openid scope, not
            # emulated). With token_type=jwt the token_type field's value is
            # an open question; the emulator says "jwt". expires_in: the doc examples'
            # 86400 ("expire in a day"); the JWT's own lifetime is undocumented.
            body = {
                "access_token": access,
                "token_type": "jwt",
                "expires_in": json_seconds(ttl),
                "refresh_token": refresh_token,
            }
            return web.Response(body=orjson.dumps(body), content_type=JSON)

        app.router.add_post(
            TOKEN_PATH,
            emu.vendor_route(self, "token", token, data=False, explicit_fault_markers=("oauth2",)),
        )


API = IbmOAuth()
