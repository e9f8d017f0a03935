"""The Analytics API's base stream: auth, ``_page``/``_limit`` paging, envelopes, errors.

API facts used here (docs/vendors/ibm-video.md, from the v1.0.3 reference, "the doc",
and IBM's current pages):
- ``GET {api_url}/views`` or ``/views/{content_type}`` (``live``, ``recorded``),
  the same for ``/viewers``; ``content_id`` (comma-separated) only on the
  ``/{content_type}`` paths (docs/vendors/ibm-video.md#endpoints).
- A JWT in the ``Authorization`` header, bare (see ``IbmVideoOAuthAuthenticator``).
- Paging: ``_page`` (from 1) and ``_limit`` (1 to 10,000); the envelope's
  ``pagination.count`` is the total of matching items, and its links
  (``first``/``prev``/``next``/``last``) are relative hrefs without ``/v1``,
  ``null`` where there is none. Pages are computed from ``count``, never by
  following an href (docs/vendors/ibm-video.md#paging).
- The list is under ``data`` (current docs and examples) or ``resources``
  (the v1.0.3 reference); each item is ``{"type", "attributes": {...}}``
  (docs/vendors/ibm-video.md#envelope).
- A 400 carries a JSON:API body ``{"errors": [{"status", "title", "detail",
  "source": {"pointer"}}]}`` (docs/vendors/ibm-video.md#errors).
- "Depending on your query and the underlying data size the response might take
  a minute" (docs/vendors/ibm-video.md#response-times): the request timeout defaults to 120 s.
"""

from __future__ import annotations

import json
import math
import typing as t
from dataclasses import dataclass

from singer_sdk.exceptions import FatalAPIError

from video_taps_common import AnnouncedPageNumberPaginator, VideoStream, json_body

if t.TYPE_CHECKING:
    import datetime

    import requests
    from singer_sdk.helpers.types import Context

#: The doc's ``_limit`` bound: "1 ≤ x ≤ 10000" (docs/vendors/ibm-video.md#paging).
MAX_PAGE_SIZE = 10_000
#: Envelope keys of the item list: current docs first, then v1.0.3's.
LIST_KEYS = ("data", "resources")
#: Partition value of a stream that reads ``/views`` or ``/viewers`` itself.
ALL_CONTENT = "all"


class UnexpectedValueError(FatalAPIError):
    """The API sent a value the docs rule out, which no declared type can hold."""


@dataclass(frozen=True, slots=True)
class Window:
    """A ``date_time_from``/``date_time_to`` range, half-open as the windows tile."""

    start: datetime.datetime
    end: datetime.datetime


class IbmPaginator(AnnouncedPageNumberPaginator):
    """``_page``/``_limit`` paging: page 1 says how many pages follow.

    The hrefs are relative and lack ``/v1``, so they are never followed; a
    missing or null ``next`` on page 1 ends the result whatever ``count``
    says, the safe reading of a disagreement. With ``detect_shifts`` a page
    whose ``pagination.count`` differs from page 1's means items moved
    between pages while we paged.
    """

    def __init__(self, page_size: int, *, detect_shifts: bool = False) -> None:
        """Pages from 1 of ``page_size`` items."""
        super().__init__(1, detect_shifts=detect_shifts)
        self.page_size = page_size

    def page_count(self, response: requests.Response) -> int:
        """``ceil(count / _limit)``, or this page when the answer has no ``next``."""
        pagination = json_body(response).get("pagination") or {}
        if not pagination.get("next"):
            return self.current_value
        return math.ceil(int(pagination.get("count") or 0) / self.page_size)

    def total_records(self, response: requests.Response) -> int | None:
        """``pagination.count``, the items of the whole request."""
        count = (json_body(response).get("pagination") or {}).get("count")
        return count if isinstance(count, int) else None


def format_api_time(moment: datetime.datetime) -> str:
    """ISO-8601 with an explicit ``+00:00``: without an offset the API reads Los Angeles time."""
    return moment.isoformat(timespec="seconds")


class IbmVideoStream(VideoStream[int]):
    """A list endpoint of the Analytics API, optionally per content type."""

    #: ``/views`` or ``/viewers``; ``/{content_type}`` is appended per partition.
    path: str
    url_setting = "api_url"

    @property
    def partitions(self) -> list[dict] | None:
        """One partition per configured content type; none reads the all-content path."""
        content_types = self.video_tap.content_types
        if not content_types:
            return None
        return [{"content_type": content_type} for content_type in content_types]

    @property
    def page_size(self) -> int:
        """``_limit`` of every request (setting ``page_size``)."""
        return int(self.config.get("page_size") or 1000)

    def get_new_paginator(self) -> IbmPaginator:
        """Pages 2 to ``ceil(count / _limit)`` fetched concurrently once page 1 says ``count``."""
        return IbmPaginator(self.page_size)

    def parse_response(self, response: requests.Response) -> t.Iterator[dict]:
        """Each item's ``attributes``, from ``data`` or ``resources``."""
        for item in items_of(json_body(response)):
            attributes = item.get("attributes") if isinstance(item, dict) else None
            if isinstance(attributes, dict):
                yield attributes

    def get_url(self, context: Context | None) -> str:
        """``/views`` or ``/views/{content_type}`` for the partition."""
        content_type = content_type_of(context)
        suffix = "" if content_type == ALL_CONTENT else f"/{content_type}"
        return f"{self.url_base}{self.path}{suffix}"

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        """Paging, the unfinished-segments flag and, on typed paths, ``content_id``."""
        params: dict[str, t.Any] = {
            "_page": next_page_token or 1,
            "_limit": self.page_size,
            # The doc's default is true (docs/vendors/ibm-video.md#range-semantics); sent always so
            # the behaviour is explicit.
            "list_unfinished_segments": str(
                bool(self.config.get("list_unfinished_segments", True))
            ).lower(),
        }
        content_ids = self.config.get("content_ids")
        if content_ids and content_type_of(context) != ALL_CONTENT:
            params["content_id"] = ",".join(str(content_id) for content_id in content_ids)
        return params

    # Errors -------------------------------------------------------------------

    def describe_error_body(self, response: requests.Response) -> str:
        """The JSON:API errors' ``title``, ``detail`` and ``source.pointer``."""
        return describe_jsonapi_errors(response)


def content_type_of(context: Context | None) -> str:
    """The partition's content type, or ``all`` for the all-content paths."""
    return str((context or {}).get("content_type") or ALL_CONTENT)


def items_of(body: t.Any) -> list:  # noqa: ANN401
    """The envelope's item list under ``data``, else ``resources``."""
    if not isinstance(body, dict):
        return []
    for key in LIST_KEYS:
        items = body.get(key)
        if isinstance(items, list):
            return items
    return []


def describe_jsonapi_errors(response: requests.Response) -> str:
    """``title: detail (at pointer)`` for each JSON:API error of a response body."""
    try:
        body = response.json()
    except ValueError:
        return ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return ""
    described = []
    for error in errors:
        if not isinstance(error, dict):
            continue
        text = ": ".join(str(error[key]) for key in ("title", "detail") if error.get(key))
        pointer = (error.get("source") or {}).get("pointer")
        described.append(f"{text} (at {pointer})" if pointer else text)
    return "; ".join(part for part in described if part)


def normalise_segment(attributes: dict) -> dict:
    """One type per field where the API's examples disagree with its schema (see schemas.py)."""
    content_id = attributes.get("content_id")
    if isinstance(content_id, str):
        try:
            attributes["content_id"] = int(content_id)
        except ValueError:
            # A "numeric identifier of the media" (docs/vendors/ibm-video.md#view-fields) that is
            # not a number: fail loudly rather than land a null in its place.
            msg = f"content_id {content_id!r} is not the documented numeric id"
            raise UnexpectedValueError(msg) from None
    client_id = attributes.get("client_id")
    if client_id is not None and not isinstance(client_id, str):
        attributes["client_id"] = str(client_id)
    session = attributes.get("view_session_id")
    if session is not None and not isinstance(session, str):
        attributes["view_session_id"] = json.dumps(session, sort_keys=True, default=str)
    return attributes
