"""IBM Video Streaming OAuth2 token endpoint (client credentials, JWT access tokens).

Sources, cited in comments as:
- [IBM "section"] shared/reference/api-docs/ibm-video-analytics.txt (the
  Analytics API doc), e.g. [IBM "Obtaining the Access token"]
- [FND §3 "heading"] shared/reference/FINDINGS.md section 3 (IBM Video
  Streaming), e.g. [FND §3 "Token endpoint"]

Real endpoint: ``POST https://video.ibm.com/oauth2/token`` [FND §3 "Token
endpoint"]; the emulator serves it at ``{emulator}/oauth2/token``. Only what a
client of the Analytics API needs is emulated: the client-credentials grant
with ``token_type=jwt``, and the refresh-token grant [FND §3 "Token endpoint"]
("Refresh tokens last 30 days (grant_type=refresh_token)").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from aiohttp import web

from ...data import json_seconds
from ...oauth_common import JSON, basic_pair, oauth_error, secret_matches, wrong_form_content_type
from ...server import Emulator, monotonic

TOKEN_PATH = "/oauth2/token"
# [FND §3 "Token endpoint"]: "Refresh tokens last 30 days".
REFRESH_TTL_SECONDS = 30 * 86_400


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class JwtTokenStore:
    """Issued JWT access tokens and refresh tokens with their expiry (monotonic seconds).

    The server's state for ``ibm_oauth``; the Analytics API module reads it,
    and :meth:`revoke_token` is what the ``revoke_token`` fault calls (via
    ``Emulator.revoke_bearer``).
    """

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        # Per reset: a reset makes every earlier token's signature unknown too.
        self._key = secrets.token_bytes(32)
        self._tokens: dict[str, tuple[str, float]] = {}
        self._refresh: dict[str, tuple[str, float]] = {}

    def issue(self, client_id: str) -> tuple[str, str]:
        """Create ``(jwt access token, refresh token)`` for ``client_id``.

        [IBM "Authentication"] / [FND §3 "Token endpoint"]: with
        ``token_type=jwt`` the access token is a JWT (``eyJ...``). Its claims
        are undocumented; the emulator's are the registered ``iss``, ``iat``,
        ``exp`` and ``jti`` (unique per issue) plus ``client_id``, signed
        HS256 with a key that lives until the next reset. The refresh token's
        format is undocumented: an opaque random string.
        """
        now = self._clock()
        if len(self._tokens) > 10_000:
            # Forget expired tokens so long benchmark runs don't grow memory.
            self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}
            self._refresh = {t: v for t, v in self._refresh.items() if v[1] > now}
        issued_at = int(time.time())
        header = _b64url(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
        claims = {
            "iss": "https://video.ibm.com",
            "client_id": client_id,
            "iat": issued_at,
            "exp": issued_at + int(round(self.ttl_seconds)),
            "jti": secrets.token_hex(16),
        }
        payload = _b64url(orjson.dumps(claims))
        signing_input = f"{header}.{payload}".encode("ascii")
        signature = _b64url(hmac.new(self._key, signing_input, hashlib.sha256).digest())
        token = f"{header}.{payload}.{signature}"
        refresh = secrets.token_hex(20)
        self._tokens[token] = (client_id, now + self.ttl_seconds)
        self._refresh[refresh] = (client_id, now + REFRESH_TTL_SECONDS)
        return token, refresh

    def is_valid(self, token: str) -> bool:
        """Tell whether ``token`` was issued here, is unexpired and not revoked."""
        entry = self._tokens.get(token)
        if entry is None:
            return False
        if entry[1] <= self._clock():
            del self._tokens[token]
            return False
        return True

    def redeem_refresh(self, refresh: str, client_id: str) -> bool:
        """Tell whether ``refresh`` is a live refresh token of ``client_id``."""
        entry = self._refresh.get(refresh)
        return entry is not None and entry[0] == client_id and entry[1] > self._clock()

    def revoke_token(self, token: str) -> None:
        """Invalidate access token ``token`` (used by the ``revoke_token`` fault)."""
        self._tokens.pop(token, None)


def _client_from_basic(
    header: str, body_client_id: str | None, clients: Mapping[str, str]
) -> str | None:
    """Return the authenticated client id, or None.

    [FND §3 "Token endpoint"]: client authentication is HTTP Basic, but which
    value is UNCERTAIN - the doc example is a raw 40-hex value, IBM's npm SDK
    sends ``Basic <client_secret>`` raw (client_id in the body), other clients
    send base64(client_id:client_secret). FINDINGS: "an emulator should
    accept both". A body ``client_id`` that names another client than the
    Basic credentials is refused ("client mismatch", FINDINGS' invalid_client).
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
    """The token endpoint as an :class:`~video_api_emulator.server.ApiModule`."""

    name = "ibm_oauth"

    def create_state(self, emu: Emulator) -> JwtTokenStore:
        """Start with no tokens; a reset invalidates every token issued before it."""
        return JwtTokenStore(float(emu.config["ibm_token_ttl_seconds"]))

    def error_response(self, status: int, message: str | None = None) -> web.Response:
        """Map a status to a [FND §3 "Token endpoint"] error, for faults on the endpoint.

        400 invalid_request, 501 unsupported_grant_type and 503 server_error
        are FINDINGS' pairs. Docs are silent on other statuses: 401 gets
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
            # [FND §3 "Token endpoint"]: "POST ... with Content-Type:
            # application/x-www-form-urlencoded". Docs are silent on the answer
            # without it; FINDINGS' name for a malformed request is 400
            # invalid_request. Parameters such as "; charset=utf-8" are accepted.
            wrong = wrong_form_content_type(request)
            if wrong is not None:
                return wrong
            # [IBM "Obtaining the Access token"]: token_type "must be set as HTTP
            # POST parameter"; [FND §3 "Token endpoint"]: the client-credentials
            # params are form params. Only the body is read (query ignored).
            form = await request.post()
            client_id = _client_from_basic(
                request.headers.get("Authorization", ""),
                _form_value(form, "client_id"),
                emu.config["ibm_clients"],
            )
            if client_id is None:
                # [FND §3 "Token endpoint"]: 400 invalid_client "(missing client,
                # wrong secret, or client mismatch)".
                return oauth_error(400, "invalid_client", "client authentication failed")
            grant_type = _form_value(form, "grant_type")
            if not grant_type:
                # [FND §3 "Token endpoint"]: 400 invalid_request "(missing params)".
                return oauth_error(400, "invalid_request", "grant_type is required")
            if grant_type not in ("client_credentials", "refresh_token"):
                # [FND §3 "Token endpoint"]: 501 unsupported_grant_type. (The
                # authorization-code and password flows are not emulated.)
                return oauth_error(
                    501, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported"
                )
            # [IBM "Obtaining the Access token"]: a JWT - the only token the
            # Analytics API takes [IBM "Authentication"] - comes "by setting the
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
                if not store.redeem_refresh(refresh, client_id):
                    # [FND §3 "Token endpoint"]: 400 invalid_grant.
                    return oauth_error(400, "invalid_grant", "refresh_token is invalid or expired")
            access, refresh_token = store.issue(client_id)
            emu.stats.token_issued(access)
            ttl = store.ttl_seconds
            # [FND §3 "Token endpoint"]: the body has access_token, refresh_token,
            # token_type, expires_in (id_token only with the openid scope, not
            # emulated). With token_type=jwt the token_type field's value is
            # UNCERTAIN; the emulator says "jwt". expires_in: the doc examples'
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
