"""Brightcove OAuth client-credentials authentication, shared by the Brightcove taps.

Brightcove's OAuth service (``POST https://oauth.brightcove.com/v4/access_token``)
takes ``Authorization: Basic base64(client_id:client_secret)`` and
``grant_type=client_credentials`` and answers ``{"access_token", "token_type",
"expires_in": 300}`` (OAuth API reference and "Getting Access Tokens" guide,
summarised in shared/reference/FINDINGS.md §2). Tokens live five minutes, so a
long sync renews them many times, from several threads at once: renewal is
serialised behind a lock and happens a little before expiry, and a token the
API rejects mid-sync (401) is forgotten so the next request gets a fresh one.
"""

from __future__ import annotations

import base64
import threading
import time
from http import HTTPStatus

import requests
from singer_sdk.authenticators import OAuthAuthenticator
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

#: Renew when less than this share of the token's lifetime is left ...
RENEW_WHEN_REMAINING_FRACTION = 0.2
#: ... but never later than this many seconds before expiry.
RENEW_AT_LEAST_SECONDS_BEFORE_EXPIRY = 30.0
#: Token endpoint answers that mean "try again later" rather than "wrong credentials".
_TRANSIENT_TOKEN_STATUSES = {HTTPStatus.TOO_MANY_REQUESTS} | {
    status for status in HTTPStatus if status >= HTTPStatus.INTERNAL_SERVER_ERROR
}


class BrightcoveOAuthAuthenticator(OAuthAuthenticator):
    """Client-credentials tokens for Brightcove APIs, safe to share between threads."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        auth_endpoint: str,
        timeout_seconds: float = 60.0,
    ) -> None:
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        super().__init__(
            auth_endpoint=auth_endpoint,
            client_id=client_id,
            client_secret=client_secret,
            oauth_headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        self._timeout_seconds = timeout_seconds
        self._lock = threading.Lock()
        self._renew_at = 0.0

    def __repr__(self) -> str:
        """Never show the credentials, even in a debugger or a traceback."""
        return f"{type(self).__name__}(auth_endpoint={self._auth_endpoint!r})"

    @property
    def oauth_request_body(self) -> dict:
        """The guide sends the grant type in the form body."""
        return {"grant_type": "client_credentials"}

    def is_token_valid(self) -> bool:
        """Valid until shortly before expiry, so no request leaves with a dying token."""
        return self.access_token is not None and time.monotonic() < self._renew_at

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Attach the current token, renewing it first if needed (once for all threads)."""
        with self._lock:
            if not self.is_token_valid():
                self.update_access_token()
            token = self.access_token
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    def forget_token(self, rejected_authorization: str | None) -> None:
        """Drop the token the API just rejected, unless another thread already renewed it."""
        with self._lock:
            if rejected_authorization == f"Bearer {self.access_token}":
                self.access_token = None

    def update_access_token(self) -> None:
        """Request a token; wrong credentials fail fast, outages are retried by the caller."""
        self.logger.info("Requesting a Brightcove access token from %s", self.auth_endpoint)
        requested_at = time.monotonic()
        try:
            response = self._session.post(
                self.auth_endpoint,
                headers=self._oauth_headers,
                data=self.oauth_request_body,
                timeout=self._timeout_seconds,
            )
        except requests.exceptions.RequestException as error:
            msg = f"Could not reach the Brightcove OAuth endpoint ({self.auth_endpoint}): {error}"
            raise RetriableAPIError(msg) from error
        self._raise_for_token_error(response)
        try:
            payload = response.json()
            token = payload["access_token"]
        except (ValueError, KeyError, TypeError) as error:
            msg = f"Brightcove OAuth answered without an access_token ({self.auth_endpoint})"
            raise RetriableAPIError(msg, response) from error
        lifetime = float(payload.get("expires_in") or 300)
        margin = min(RENEW_AT_LEAST_SECONDS_BEFORE_EXPIRY, lifetime * RENEW_WHEN_REMAINING_FRACTION)
        self.access_token = token
        self.expires_in = int(lifetime)
        self._renew_at = requested_at + lifetime - margin
        self.logger.info("Got a Brightcove access token valid for %d s", int(lifetime))

    def _raise_for_token_error(self, response: requests.Response) -> None:
        if response.ok:
            return
        detail = _describe_oauth_error(response)
        if response.status_code in _TRANSIENT_TOKEN_STATUSES:
            msg = f"Brightcove OAuth is unavailable ({response.status_code}{detail}); will retry"
            raise RetriableAPIError(msg, response)
        msg = (
            f"Brightcove OAuth refused the credentials ({response.status_code}{detail}) at "
            f"{self.auth_endpoint}: check the `client_id` and `client_secret` settings "
            f"(client_id={self.client_id!r}) and that the credential has the required "
            "permissions."
        )
        raise FatalAPIError(msg)


def _describe_oauth_error(response: requests.Response) -> str:
    """The error name from the body; its exact format is undocumented (FINDINGS §2)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        parts = [str(body[key]) for key in ("error", "error_description") if body.get(key)]
        return f" {': '.join(parts)}" if parts else ""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        first = body[0]
        return f" {first.get('error_code', '')}: {first.get('message', '')}"
    return ""
