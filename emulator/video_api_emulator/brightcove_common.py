"""What the Brightcove APIs share: the OAuth token store and the error codes.

Sources: docs/vendors/brightcove-oauth.md (the token endpoint) and
docs/vendors/brightcove-audience.md (the error codes), cited by section.

Brightcove's OAuth service is one for all its APIs
(docs/vendors/brightcove-oauth.md#one-service-for-every-api): the token endpoint
(:mod:`.apis.brightcove_oauth`) issues into a :class:`TokenStore`, and the Audience and
Interactivity APIs read it through :func:`brightcove_tokens`. Both data APIs answer errors with the
error codes of the Audience overview (docs/vendors/brightcove-audience.md#errors), kept here as
:func:`error_code_for`.

A shared module, not an API: it imports only the core, so no Brightcove API
imports another.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from http import HTTPStatus

from .core import Emulator, monotonic

#: The token endpoint's ``ApiModule.name``, under which its ``TokenStore`` is the
#: emulator's state.
TOKEN_API = "brightcove_oauth"


class TokenStore:
    """Issued bearer tokens with their client and expiry (monotonic seconds).

    Shared by every Brightcove API module: one token works for all of them, as
    the OAuth service is shared by all Brightcove APIs
    (docs/vendors/brightcove-oauth.md#one-service-for-every-api).
    """

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}

    def issue(self, client_id: str) -> str:
        """Create a random opaque token for ``client_id``.

        The OpenAPI example shows an opaque string; its structure is undocumented
        (docs/vendors/brightcove-oauth.md#token-answer), so a random URL-safe string is the honest
        stand-in.
        """
        now = self._clock()
        if len(self._tokens) > 10_000:
            # Forget expired tokens so long benchmark runs don't grow memory.
            self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}
        token = secrets.token_urlsafe(48)
        self._tokens[token] = (client_id, now + self.ttl_seconds)
        return token

    def is_valid(self, token: str) -> bool:
        """Tell whether ``token`` was issued here, is unexpired and not revoked."""
        entry = self._tokens.get(token)
        if entry is None:
            return False
        if entry[1] <= self._clock():
            del self._tokens[token]
            return False
        return True

    def revoke_token(self, token: str) -> None:
        """Invalidate ``token`` (used by the ``revoke_token`` fault)."""
        self._tokens.pop(token, None)


def brightcove_tokens(emu: Emulator) -> TokenStore:
    """The token store the OAuth endpoint issues into (one for every Brightcove API)."""
    return emu.state[TOKEN_API]


# ----------------------------------------------------------------------------- errors

# docs/vendors/brightcove-audience.md#errors: the status -> error_code table.
ERROR_CODES = {
    400: "BAD_REQUEST_ERROR",
    401: "UNAUTHORIZED_ERROR",
    404: "RESOURCE_NOT_FOUND",
    429: "REQUEST_THROTTLED_ERROR",
    500: "INTERNAL_ERROR",
    504: "GATEWAY_TIMEOUT_ERROR",
}
# Default messages: 401's is the overview's sample (docs/vendors/brightcove-audience.md#errors); the
# others reuse that table's descriptions (docs show no sample body for them).
ERROR_MESSAGES = {
    400: "Query parameters are invalid",
    401: "Permission denied",
    404: "The URL does not exist",
    429: "The user has exceeded the rate limiting policy",
    500: "An internal error has occurred",
    504: "The server timed out while fulfilling your request",
}
# Statuses outside the table (only faults produce them: the emulator's own logic never answers
# them). docs/vendors/brightcove-audience.md#errors: "If an error occurs, the API will respond with
# [...] a corresponding error code in the response body", so every error keeps the documented JSON
# shape. The codes themselves are guesses, the docs being silent: 403 -> ACCESS_DENIED ("access
# denied" is the only such name in the reference set, among Brightcove's OAuth error names,
# docs/vendors/brightcove-oauth.md#errors); any other status -> its HTTP reason + "_ERROR", the
# pattern of BAD_REQUEST_ERROR / UNAUTHORIZED_ERROR / GATEWAY_TIMEOUT_ERROR.
EXTRA_ERROR_CODES = {403: ("ACCESS_DENIED", "Access to this resource is denied")}


def error_code_for(status: int) -> tuple[str, str]:
    """``(error_code, default message)`` for ``status``: the overview's table, else a guess.

    See ``EXTRA_ERROR_CODES`` for why statuses outside the table get a code at all.
    """
    if status in ERROR_CODES:
        return ERROR_CODES[status], ERROR_MESSAGES[status]
    if status in EXTRA_ERROR_CODES:
        return EXTRA_ERROR_CODES[status]
    try:
        known = HTTPStatus(status)
    except ValueError:
        return f"HTTP_{status}_ERROR", f"HTTP error {status}"
    return f"{known.name}_ERROR", known.phrase
