"""What every emulated OAuth token endpoint shares: the error body, the form check, Basic auth.

Neither vendor documents its token endpoint's error body; we read both as RFC
6749 section 5.2, ``{"error", "error_description"}`` (docs/vendors/brightcove-oauth.md#errors,
docs/vendors/ibm-video.md#token-errors), so the shape lives here once. Each endpoint keeps its
own error names, statuses and doc citations.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping

import orjson
from aiohttp import web

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def oauth_error(status: int, error: str, description: str) -> web.Response:
    """An RFC 6749 section 5.2 error body (the vendors' shape is undocumented)."""
    body = orjson.dumps({"error": error, "error_description": description})
    return web.Response(status=status, body=body, content_type=JSON)


def wrong_form_content_type(request: web.Request) -> web.Response | None:
    """400 invalid_request unless the body is a form; ``; charset=...`` is accepted."""
    media_type = request.headers.get("Content-Type", "").split(";", 1)[0]
    if media_type.strip().lower() == FORM:
        return None
    return oauth_error(400, "invalid_request", f"the Content-Type header must be {FORM}")


def basic_pair(header: str) -> tuple[str, str] | None:
    """``(client_id, secret)`` from ``Basic base64(client_id:secret)``, else None."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def secret_matches(clients: Mapping[str, str], client_id: str, secret: str) -> bool:
    """Whether ``secret`` is ``client_id``'s, compared in constant time."""
    expected = clients.get(client_id)
    return expected is not None and secrets.compare_digest(expected.encode(), secret.encode())
