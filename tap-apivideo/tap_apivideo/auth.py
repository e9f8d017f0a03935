"""api.video: an API key exchanged for a one-hour bearer token, renewed by refresh token.

What differs from the shared client-credentials flow (docs/vendors/apivideo.md#authentication):
- ``POST {api_url}/auth/api-key`` takes JSON ``{"apiKey": ...}``, not a form
  with client credentials; the answer adds a ``refresh_token``;
- renewal goes through ``POST {api_url}/auth/refresh`` with JSON
  ``{"refreshToken": ...}``, so the key itself is sent once per run; a refresh
  token the API refuses (400) falls back to the key;
- a refused key is a 400 problem body ``{type, title, name, status}``
  (docs/vendors/apivideo.md#unauthorized).

The answer's HTTP ``Date`` header is kept as the API's clock: the analytics
endpoints accept only the last 30 days *by the API's clock*
(docs/vendors/apivideo.md#analytics-window), and a machine
whose clock is off by an hour would otherwise ask for a day the API refuses.
"""

from __future__ import annotations

import base64
import binascii
import json
import typing as t

from tap_apivideo.problems import describe_problem
from video_taps_common.client_credentials import (
    TRANSIENT_TOKEN_STATUSES,
    ClientCredentialsAuthenticator,
)

if t.TYPE_CHECKING:
    import requests

API_KEY_PATH = "/auth/api-key"
REFRESH_PATH = "/auth/refresh"
#: docs/vendors/apivideo.md#authentication: a token lasts an hour; used when ``expires_in`` is
#: missing.
TOKEN_LIFETIME_SECONDS = 3600.0


class ApiVideoAuthenticator(ClientCredentialsAuthenticator):
    """Bearer tokens for one api.video project (one API key), shared by every thread."""

    vendor_label = "api.video"
    credential_settings = ("api_key",)
    endpoint_setting = "api_url"
    default_lifetime_seconds = TOKEN_LIFETIME_SECONDS

    def __init__(self, *, api_key: str, api_url: str, timeout_seconds: float = 60.0) -> None:
        base = api_url.rstrip("/")
        super().__init__(
            client_id="",
            client_secret=api_key,
            auth_endpoint=f"{base}{API_KEY_PATH}",
            timeout_seconds=timeout_seconds,
            oauth_headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        self._refresh_endpoint = f"{base}{REFRESH_PATH}"
        self._refresh_token: str | None = None

    def send_token_request(self) -> requests.Response:
        """Refresh when a refresh token is held; the key when it is refused or absent."""
        if self._refresh_token is not None:
            response = self._post(self._refresh_endpoint, {"refreshToken": self._refresh_token})
            if response.ok or response.status_code in TRANSIENT_TOKEN_STATUSES:
                return response
            self.logger.info(
                "api.video refused the refresh token (%d); asking with the API key",
                response.status_code,
            )
            self._refresh_token = None
        return self._post(self.auth_endpoint, {"apiKey": self.client_secret})

    def _post(self, url: str, body: dict) -> requests.Response:
        return self.token_session.post(
            url, headers=self.token_request_headers, json=body, timeout=self._timeout_seconds
        )

    #: The project the access token names, if it names one (see :func:`project_in_token`).
    project_id: str | None = None

    def token_received(self, payload: dict, response: requests.Response) -> None:
        """Keep the refresh token and the project the token names (the base keeps the clock)."""
        refresh = payload.get("refresh_token")
        self._refresh_token = str(refresh) if refresh else None
        self.project_id = project_in_token(payload.get("access_token"))

    def describe_error(self, response: requests.Response) -> str:
        """The problem body's ``title``, ``detail`` and ``name``."""
        return describe_problem(response)

    def credential_hint(self) -> str:
        """The key is the whole credential: nothing of it may be shown."""
        return ""


def project_in_token(access_token: t.Any) -> str | None:  # noqa: ANN401
    """The project id an access token (a JWT) names, or None.

    No answer of the API names the project, but its access tokens do: the
    docs' sample token (raw statistics doc, "Authorization: Bearer eyJ...")
    carries ``"projectId": "prRzIJJA7BLsqHjS45KVpB1"``, and the 2023-09 spec's
    ``access-token`` example ``"context": {"project": "prMonitor", ...}``. The
    token is read, not verified: it labels rows, it grants nothing.
    """
    parts = access_token.split(".") if isinstance(access_token, str) else []
    if len(parts) != 3:  # noqa: PLR2004 - header, claims, signature
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(claims, dict):
        return None
    context = claims.get("context")
    nested = context.get("project") if isinstance(context, dict) else None
    for value in (claims.get("projectId"), nested):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
