"""Client-credentials tokens shared by every stream and thread of a tap.

Vendors of the family hand out short-lived tokens for a client id and secret
(Brightcove: five minutes; IBM Video: a JWT). A long sync renews them many
times, from several threads at once, so renewal is serialised behind a lock and
happens a little before expiry; a token the API rejects mid-sync (401) is
forgotten so the next try fetches a fresh one.

Every token request happens inside the caller's retried request (see
``VideoStream.send_request``), so an unavailable token endpoint (429, 5xx, a
dropped connection) raises :class:`TokenEndpointUnavailableError` and is retried
with the same backoff as data requests; only a refusal of the credentials
(any other 4xx) is final, and it stops the run before any data request.

Subclasses say how their vendor differs: the request body and headers, how the
token is written into the ``Authorization`` header, and how to read an error.
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import threading
import time
import typing as t
from functools import partial
from http import HTTPStatus

import backoff
import requests
from singer_sdk.authenticators import OAuthAuthenticator

from video_taps_common.api_health import (
    NEVER_CONNECTED_TRIES,
    describe_connection_failure,
    retrying_cannot_help,
)
from video_taps_common.errors import (
    CredentialsRejectedError,
    EndpointUnreachableError,
    TokenEndpointUnavailableError,
)

#: Renew when less than this share of the token's lifetime is left ...
RENEW_WHEN_REMAINING_FRACTION = 0.2
#: ... but never later than this many seconds before expiry.
RENEW_AT_LEAST_SECONDS_BEFORE_EXPIRY = 30.0
#: Tries of the up-front token request before the run gives up on the endpoint.
TOKEN_TRIES = 8
#: Token endpoint answers that mean "try again later" rather than "wrong credentials".
TRANSIENT_TOKEN_STATUSES = frozenset(
    {HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.REQUEST_TIMEOUT}
    | {status for status in HTTPStatus if status >= HTTPStatus.INTERNAL_SERVER_ERROR}
)


def basic_client_auth_headers(client_id: str, client_secret: str) -> dict[str, str]:
    """RFC 6749 §2.3.1 client authentication: HTTP Basic over a form body."""
    pair = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
    return {
        "Authorization": f"Basic {pair}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


class ClientCredentialsAuthenticator(OAuthAuthenticator):
    """OAuth2 client-credentials grant, renewed early and safe to share between threads."""

    #: Shown in messages, e.g. "Brightcove OAuth".
    vendor_label: t.ClassVar[str] = "OAuth"
    #: The settings a user fixes when the credentials are refused.
    credential_settings: t.ClassVar[tuple[str, ...]] = ("client_id", "client_secret")
    #: The setting that holds the token endpoint's URL.
    endpoint_setting: t.ClassVar[str] = "oauth_url"
    #: Lifetime assumed when the answer has no ``expires_in``.
    default_lifetime_seconds: t.ClassVar[float] = 300.0

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        auth_endpoint: str,
        timeout_seconds: float = 60.0,
        oauth_headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            auth_endpoint=auth_endpoint,
            client_id=client_id,
            client_secret=client_secret,
        )
        #: Headers of every token request (client authentication, content type).
        self.token_request_headers: dict[str, str] = oauth_headers or basic_client_auth_headers(
            client_id, client_secret
        )
        #: The session token requests go through (data requests use the stream's).
        self.token_session = requests.Session()
        self._timeout_seconds = timeout_seconds
        self._lock = threading.Lock()
        self._renew_at = 0.0
        self._server_time: datetime.datetime | None = None
        self._server_time_seen_at = 0.0

    def __repr__(self) -> str:
        """Never show the credentials, even in a debugger or a traceback."""
        return f"{type(self).__name__}(auth_endpoint={self.auth_endpoint!r})"

    # What subclasses adapt ---------------------------------------------------

    @property
    def oauth_request_body(self) -> dict:
        """The form body of the token request."""
        return {"grant_type": "client_credentials"}

    def authorization_header(self, token: str) -> str:
        """The ``Authorization`` header value that carries ``token``."""
        return f"Bearer {token}"

    def describe_error(self, response: requests.Response) -> str:
        """The vendor's error name and description from a refused token request."""
        try:
            body = response.json()
        except ValueError:
            return ""
        if isinstance(body, dict):
            parts = [str(body[key]) for key in ("error", "error_description") if body.get(key)]
            return ": ".join(parts)
        return ""

    def send_token_request(self) -> requests.Response:
        """POST the token request; connection errors propagate to be retried."""
        return self.token_session.post(
            self.auth_endpoint,
            headers=self.token_request_headers,
            data=self.oauth_request_body,
            timeout=self._timeout_seconds,
        )

    def token_received(self, payload: dict, response: requests.Response) -> None:
        """Hook: keep more of a token answer than the access token (e.g. a refresh token)."""

    def credential_hint(self) -> str:
        """Which credential was refused, without its secret part."""
        return f" (client_id={self.client_id!r})"

    # Shared machinery ----------------------------------------------------------

    def is_token_valid(self) -> bool:
        """Valid until shortly before expiry, so no request leaves with a dying token."""
        return self.access_token is not None and time.monotonic() < self._renew_at

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Attach the current token, renewing it first if needed (once for all threads)."""
        with self._lock:
            if not self.is_token_valid():
                self.update_access_token()
            token = t.cast("str", self.access_token)
        request.headers["Authorization"] = self.authorization_header(token)
        return request

    def ensure_token(self, max_tries: int = TOKEN_TRIES) -> None:
        """Fetch a token now unless one is held: proves the credentials before any data request.

        An unavailable endpoint is retried with backoff, an address where
        nothing listens or a host name that does not resolve only a few times;
        refused credentials stop at once (``CredentialsRejectedError``).
        """
        hopeless_tries = 0

        def fetch() -> None:
            with self._lock:
                if not self.is_token_valid():
                    self.update_access_token()

        def give_up(error: Exception) -> bool:
            nonlocal hopeless_tries
            hopeless_tries += retrying_cannot_help(error)
            return hopeless_tries >= NEVER_CONNECTED_TRIES

        tries = 0

        def count_tries(details: t.Any) -> None:  # noqa: ANN401
            nonlocal tries
            tries = details.get("tries") or 0

        retrying = backoff.on_exception(
            backoff.expo,
            TokenEndpointUnavailableError,
            max_tries=max_tries,
            giveup=give_up,
            factor=1,
            max_value=30,
            on_backoff=partial(self._log_token_retry, max_tries),
            on_giveup=count_tries,
            # One line per retry, ours: the library's own would repeat it.
            logger=None,
        )
        try:
            retrying(fetch)()
        except TokenEndpointUnavailableError as error:
            msg = f"{error}; gave up after {tries or max_tries} tries"
            raise EndpointUnreachableError(msg) from error

    def _log_token_retry(self, max_tries: int, details: t.Any) -> None:  # noqa: ANN401
        self.logger.warning(
            "%s token request: retrying in %.1f s after try %d of %d: %s",
            self.vendor_label,
            details.get("wait") or 0.0,
            details.get("tries") or 0,
            max_tries,
            details.get("exception"),
        )

    def forget_token(self, rejected_authorization: str | None) -> None:
        """Drop the token the API just rejected, unless another thread already renewed it."""
        with self._lock:
            current = self.access_token
            if current is not None and rejected_authorization == self.authorization_header(current):
                self.access_token = None

    def update_access_token(self) -> None:
        """Request a token; refused credentials are final, outages are retried by the caller."""
        self.logger.info(
            "Requesting %s %s access token from %s",
            _indefinite_article(self.vendor_label),
            self.vendor_label,
            self.endpoint,
        )
        requested_at = time.monotonic()
        try:
            response = self.send_token_request()
        except requests.exceptions.RequestException as error:
            msg = (
                f"Could not reach the {self.vendor_label} token endpoint {self.endpoint} "
                f"(setting `{self.endpoint_setting}`): {describe_token_failure(error)}"
            )
            raise TokenEndpointUnavailableError(msg) from error
        self._raise_for_token_error(response)
        try:
            payload = response.json()
            token = payload["access_token"]
        except (ValueError, KeyError, TypeError) as error:
            msg = f"{self.vendor_label} answered without an access_token ({self.endpoint})"
            raise TokenEndpointUnavailableError(msg, response) from error
        lifetime = float(payload.get("expires_in") or self.default_lifetime_seconds)
        margin = min(RENEW_AT_LEAST_SECONDS_BEFORE_EXPIRY, lifetime * RENEW_WHEN_REMAINING_FRACTION)
        self.access_token = token
        self.expires_in = int(lifetime)
        self._renew_at = requested_at + lifetime - margin
        self._note_server_clock(response)
        self.token_received(payload, response)
        self.logger.info("Got a %s access token valid for %d s", self.vendor_label, int(lifetime))

    def server_now(self) -> datetime.datetime | None:
        """The API's clock now, from the last token answer's ``Date``; ``None`` if unknown.

        Vendors count days and limits by their own clock; a machine whose clock
        is off would otherwise ask for a day the API refuses or has not finished.
        """
        if self._server_time is None:
            return None
        elapsed = time.monotonic() - self._server_time_seen_at
        return self._server_time + datetime.timedelta(seconds=elapsed)

    def _note_server_clock(self, response: requests.Response) -> None:
        server_time = _http_date(response.headers.get("Date"))
        if server_time is not None:
            self._server_time = server_time
            self._server_time_seen_at = time.monotonic()

    @property
    def endpoint(self) -> str:
        """The token URL without its query string, safe to log."""
        return self.auth_endpoint.split("?", 1)[0]

    def _raise_for_token_error(self, response: requests.Response) -> None:
        if response.ok:
            return
        described = self.describe_error(response)
        detail = f"{response.status_code} {described}".strip()
        if response.status_code in TRANSIENT_TOKEN_STATUSES:
            msg = (
                f"{self.vendor_label} token endpoint is unavailable ({detail}) at "
                f"{self.endpoint} (setting `{self.endpoint_setting}`)"
            )
            raise TokenEndpointUnavailableError(msg, response)
        settings = " and ".join(f"`{name}`" for name in self.credential_settings)
        noun = "setting" if len(self.credential_settings) == 1 else "settings"
        msg = (
            f"{self.vendor_label} refused the credentials ({detail}) at {self.endpoint}: "
            f"check the {settings} {noun}{self.credential_hint()} and that the "
            "credential has the required permissions."
        )
        raise CredentialsRejectedError(msg)


def _indefinite_article(label: str) -> str:
    """The article before ``label``: "an" before a vowel letter (an IBM, an OAuth), else "a"."""
    return "an" if label[:1].lower() in "aeiou" else "a"


def describe_token_failure(error: requests.exceptions.RequestException) -> str:
    """Why the token request got no answer: refused, a name that does not resolve, a timeout."""
    if isinstance(error, requests.exceptions.Timeout) and not isinstance(
        error, requests.exceptions.ConnectTimeout
    ):
        return f"no answer in time ({type(error).__name__})"
    if isinstance(error, requests.exceptions.ConnectionError):
        return describe_connection_failure(error)
    return type(error).__name__


def _http_date(value: str | None) -> datetime.datetime | None:
    """An HTTP ``Date`` header as an aware UTC datetime; ``None`` when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.astimezone(datetime.UTC)
