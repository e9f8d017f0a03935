"""A response's JSON body, decoded once and read by everyone who needs it.

A page is read by its paginator (how many pages follow, has the result set
moved) and by ``parse_response`` (its records); an IBM page is 34 MB decoded,
so decoding it twice costs as much CPU as the rest of the sync. The family's
request path decodes a JSON answer once, inside the retried call (an
unreadable body is retried like a dropped connection), and keeps the result on
the response; :func:`json_body` hands it out, decoding on first use for a
response that did not come that way.
"""

from __future__ import annotations

import decimal
import typing as t

import msgspec

if t.TYPE_CHECKING:
    import requests

#: msgspec decodes three times faster than ``json``; Decimal keeps numbers
#: exactly as the API wrote them (as the SDK's ``parse_response`` does), and
#: integers of any size stay integers.
JSON_DECODER = msgspec.json.Decoder(float_hook=decimal.Decimal)

#: The attribute of a ``requests.Response`` that holds its decoded body.
_DECODED = "_video_taps_json_body"


def json_body(response: requests.Response) -> t.Any:  # noqa: ANN401 - any JSON value
    """The response's body as JSON (str, int, Decimal, bool, None, list, dict), decoded once.

    Raises ``ValueError`` (``msgspec.DecodeError``) if the body is not JSON.
    """
    try:
        return getattr(response, _DECODED)
    except AttributeError:
        body = JSON_DECODER.decode(response.content)
        setattr(response, _DECODED, body)
        return body


def says_json(response: requests.Response) -> bool:
    """Whether the answer declares a JSON body (``application/json``, ``...+json``)."""
    return "json" in response.headers.get("Content-Type", "")
