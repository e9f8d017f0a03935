"""IBM Video Streaming OAuth: client-credentials JWTs for the Analytics API.

What differs from the shared client-credentials flow (docs/vendors/ibm-video.md#token-endpoint,
docs/vendors/ibm-video.md#authentication):
- the token request carries ``token_type=jwt`` as a POST body parameter,
  which makes ``access_token`` a JWT;
- the Analytics API takes that JWT bare, ``Authorization: eyJ...``, with no
  ``Bearer`` in front (the doc's header example and its ``JWTHeader`` scheme).

Client authentication is HTTP Basic; the docs' example value is ambiguous (an
open question, docs/vendors/ibm-video.md#token-endpoint), so the standard form,
``base64(client_id:client_secret)``, is sent with ``client_id`` in the body too.
"""

from __future__ import annotations

from video_taps_common.client_credentials import ClientCredentialsAuthenticator

#: The docs say access tokens "expire in a day" but not how long a JWT lives
#: (docs/vendors/ibm-video.md#token-endpoint);
#: without an ``expires_in`` the token is renewed after an hour, to be safe.
UNDOCUMENTED_JWT_LIFETIME_SECONDS = 3600.0


class IbmVideoOAuthAuthenticator(ClientCredentialsAuthenticator):
    """Client-credentials JWTs for IBM Video Analytics, sent bare."""

    vendor_label = "IBM Video OAuth"
    default_lifetime_seconds = UNDOCUMENTED_JWT_LIFETIME_SECONDS

    @property
    def oauth_request_body(self) -> dict:
        """``token_type=jwt``: the Analytics API accepts only JWTs."""
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "token_type": "jwt",
        }

    def authorization_header(self, token: str) -> str:
        """The JWT itself, as the Analytics API doc shows the header.

        docs/vendors/ibm-video.md#authentication.
        """
        return token
