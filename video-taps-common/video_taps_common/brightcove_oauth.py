"""Brightcove OAuth client-credentials authentication, shared by the Brightcove taps.

Brightcove's OAuth service (``POST https://oauth.brightcove.com/v4/access_token``) takes
``Authorization: Basic base64(client_id:client_secret)`` and ``grant_type=client_credentials`` in a
form body, and answers ``{"access_token", "token_type", "expires_in": 300}``
(docs/vendors/brightcove-oauth.md#token-request and docs/vendors/brightcove-oauth.md#token-answer,
from the OAuth API reference and the "Getting Access Tokens" guide). Everything else (renewal,
thread safety, retries, errors) is the shared client-credentials flow.
"""

from __future__ import annotations

import requests

from video_taps_common.client_credentials import ClientCredentialsAuthenticator

#: The token endpoint every Brightcove API takes tokens from.
BRIGHTCOVE_OAUTH_URL = "https://oauth.brightcove.com/v4/access_token"


class BrightcoveOAuthAuthenticator(ClientCredentialsAuthenticator):
    """Client-credentials tokens for Brightcove APIs, sent as ``Bearer``."""

    vendor_label = "Brightcove OAuth"

    def describe_error(self, response: requests.Response) -> str:
        """RFC 6749 ``error``/``error_description``, or Brightcove's array shape.

        The exact body of a refused token request is undocumented
        (docs/vendors/brightcove-oauth.md#errors), so both shapes Brightcove APIs use are read.
        """
        described = super().describe_error(response)
        if described:
            return described
        try:
            body = response.json()
        except ValueError:
            return ""
        if isinstance(body, list) and body and isinstance(body[0], dict):
            first = body[0]
            return f"{first.get('error_code', '')}: {first.get('message', '')}"
        return ""
