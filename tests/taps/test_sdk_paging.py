"""Any SDK paging works through the family's base stream, over real HTTP on loopback.

Five tiny streams, each written as in any SDK tap and nothing more: a cursor in
the body (the SDK's ``JSONPathPaginator``), a ``Link`` header (its
``HeaderLinkPaginator``), a ``next`` URL in the body with an empty page in the
middle (a ``BaseHATEOASPaginator`` that continues past empty pages), a POST
whose JSON body carries the cursor (only ``next_page_token_jsonpath`` and
``prepare_request_payload`` declared: the SDK's default paginator), and page
numbers whose first answer announces the page count (the family's
``AnnouncedPageNumberPaginator``). A small HTTP server in this module serves
them (no vendor has these shapes, so no emulator route: the emulator serves
only what the vendors document). The first four are paged one page after
another, as the SDK's loop pages them, under the tap's rate budget; the last
has its later pages fetched concurrently, which the server sees as requests
overlapping in time (counted, not timed).
"""

from __future__ import annotations

import json
import threading
import typing as t
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from singer_sdk import typing as th
from singer_sdk.pagination import BaseHATEOASPaginator, HeaderLinkPaginator, JSONPathPaginator

from tests.taprun import TapRun, run_tap_class
from video_taps_common import AnnouncedPageNumberPaginator, VideoStream, json_body
from video_taps_common.rate_budget import UnlimitedBudget
from video_taps_common.tap_base import VideoTap

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.streams.rest import HTTPRequest, PageContext

ITEMS = [{"id": number, "name": f"item {number}"} for number in range(23)]
PAGE_SIZE = 5
#: Pages of the numbered endpoint: 23 items in fives.
NUMBERED_PAGES = 5
#: How long a later numbered page waits for the others to arrive before answering anyway.
GATHER_SECONDS = 10.0


class Server:
    """The four endpoints' data, and what was asked of them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        self.posted: list[dict] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.later_pages_arrived = 0
        self.later_pages_gathered = threading.Event()
        self.url = ""

    def asked(self, path: str) -> list[str]:
        """The query strings of the requests for ``path``, in the order they came."""
        with self.lock:
            return [query for asked, query in self.requests if asked == path]

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[t.Any, dict[str, str]]:
        """The body and extra headers for one request."""
        if path in ("/cursor/items", "/posted/items"):
            start = int(query.get("cursor", ["c0"])[0][1:])
            more = start + PAGE_SIZE < len(ITEMS)
            body = {
                "items": ITEMS[start : start + PAGE_SIZE],
                "next_cursor": f"c{start + PAGE_SIZE}" if more else None,
            }
            return body, {}
        page = int(query.get("page", ["1"])[0])
        if path == "/linked/items":
            start = (page - 1) * PAGE_SIZE
            headers = {}
            if start + PAGE_SIZE < len(ITEMS):
                headers["Link"] = f'<{self.url}/linked/items?page={page + 1}>; rel="next"'
            return ITEMS[start : start + PAGE_SIZE], headers
        if path == "/hateoas/items":
            # Page 2 is empty, yet links on: the paginator's continue_if_empty decides.
            start = 0 if page == 1 else (page - 2) * PAGE_SIZE
            items = [] if page == 2 else ITEMS[start : start + PAGE_SIZE]  # noqa: PLR2004
            more = page == 2 or start + PAGE_SIZE < len(ITEMS)  # noqa: PLR2004
            next_url = f"{self.url}/hateoas/items?page={page + 1}" if more else None
            return {"items": items, "next": next_url}, {}
        if path == "/numbered/items":
            if page > 1:
                self.gather_later_pages()
            start = (page - 1) * PAGE_SIZE
            return {"items": ITEMS[start : start + PAGE_SIZE], "total_pages": NUMBERED_PAGES}, {}
        raise LookupError(path)

    def gather_later_pages(self) -> None:
        """Answer a later page only once every later page was asked for (or after a while)."""
        with self.lock:
            self.later_pages_arrived += 1
            if self.later_pages_arrived == NUMBERED_PAGES - 1:
                self.later_pages_gathered.set()
        self.later_pages_gathered.wait(GATHER_SECONDS)


def handler_for(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            """The query of a POST is in its JSON body: ``{"cursor": ...}``."""
            posted = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with server.lock:
                server.posted.append(posted)
            self.do_GET({key: [value] for key, value in posted.items() if value})

        def do_GET(self, query: dict[str, list[str]] | None = None) -> None:  # noqa: N802
            url = urlsplit(self.path)
            with server.lock:
                server.requests.append((url.path, url.query))
                server.in_flight += 1
                server.most_in_flight = max(server.most_in_flight, server.in_flight)
            try:
                body, headers = server.answer(url.path, query or parse_qs(url.query))
                status = HTTPStatus.OK
            except LookupError:
                body, headers, status = {"error": "no such path"}, {}, HTTPStatus.NOT_FOUND
            finally:
                with server.lock:
                    server.in_flight -= 1
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: t.Any) -> None:  # noqa: ANN401
            """Quiet."""

    return Handler


# The tap: streams written as in any SDK tap ------------------------------------------

ITEM_SCHEMA = th.PropertiesList(
    th.Property("id", th.IntegerType), th.Property("name", th.StringType)
).to_dict()


class CursorStream(VideoStream):
    """A cursor in the body: ``{"items": [...], "next_cursor": "c5"}``."""

    name = "cursor_items"
    path = "/cursor/items"
    primary_keys = ("id",)
    schema = ITEM_SCHEMA
    records_jsonpath = "$.items[*]"

    def get_new_paginator(self) -> JSONPathPaginator:
        return JSONPathPaginator("$.next_cursor")

    def get_url_params(self, context: dict | None, next_page_token: str | None) -> dict:  # noqa: ARG002
        return {"cursor": next_page_token} if next_page_token else {}


class LinkedStream(VideoStream):
    """A JSON array per page, the next page in a ``Link`` header."""

    name = "linked_items"
    path = "/linked/items"
    primary_keys = ("id",)
    schema = ITEM_SCHEMA

    def get_new_paginator(self) -> HeaderLinkPaginator:
        return HeaderLinkPaginator()

    def get_url_params(self, context: dict | None, next_page_token: t.Any) -> dict:  # noqa: ANN401, ARG002
        return dict(parse_qsl(next_page_token.query)) if next_page_token else {}


class NextInBody(BaseHATEOASPaginator):
    """The ``next`` URL of the body; an empty page does not end the result."""

    def get_next_url(self, response: requests.Response) -> str | None:
        return response.json().get("next")

    def continue_if_empty(self, response: requests.Response) -> bool:  # noqa: ARG002
        return True


class HateoasStream(VideoStream):
    """``{"items": [...], "next": "<absolute URL>"}``, followed as the SDK's docs show."""

    name = "hateoas_items"
    path = "/hateoas/items"
    primary_keys = ("id",)
    schema = ITEM_SCHEMA
    records_jsonpath = "$.items[*]"

    def get_new_paginator(self) -> NextInBody:
        return NextInBody()

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        request = super().get_http_request(page=page)
        if page.next_page_token:
            request.url = page.next_page_token.geturl()
        return request


class PostedStream(VideoStream):
    """A POST whose JSON body carries the cursor; the SDK's default paginator reads the next."""

    name = "posted_items"
    path = "/posted/items"
    http_method = "POST"
    primary_keys = ("id",)
    schema = ITEM_SCHEMA
    records_jsonpath = "$.items[*]"
    next_page_token_jsonpath = "$.next_cursor"  # noqa: S105 - a JSONPath, not a secret

    def prepare_request_payload(self, context: dict | None, next_page_token: str | None) -> dict:  # noqa: ARG002
        return {"cursor": next_page_token}


class TotalPages(AnnouncedPageNumberPaginator):
    """Page numbers; every answer says how many pages there are."""

    def page_count(self, response: requests.Response) -> int:
        return json_body(response)["total_pages"]


class NumberedStream(VideoStream):
    """``?page=N``: its first answer announces the others, fetched together."""

    name = "numbered_items"
    path = "/numbered/items"
    primary_keys = ("id",)
    schema = ITEM_SCHEMA
    records_jsonpath = "$.items[*]"

    def get_new_paginator(self) -> TotalPages:
        return TotalPages()

    def get_url_params(self, context: dict | None, next_page_token: int | None) -> dict:  # noqa: ARG002
        return {"page": next_page_token, "per_page": PAGE_SIZE}


class CountingBudget(UnlimitedBudget):
    """No limit, but every request's slot counted: proof the requests went through the budget."""

    def __init__(self) -> None:
        super().__init__()
        self.acquired = 0
        self.count_lock = threading.Lock()

    def acquire(self) -> None:
        with self.count_lock:
            self.acquired += 1
        super().acquire()


class PagingTap(VideoTap):
    name = "tap-sdk-paging"
    config_jsonschema = th.PropertiesList(th.Property("api_url", th.StringType)).to_dict()
    budget = CountingBudget()

    def discover_streams(self) -> list[VideoStream]:
        return [
            CursorStream(self),
            LinkedStream(self),
            HateoasStream(self),
            PostedStream(self),
            NumberedStream(self),
        ]

    @property
    def rate_budget(self) -> CountingBudget:  # type: ignore[override]
        return self.budget


@pytest.fixture(scope="module")
def synced() -> t.Iterator[tuple[Server, TapRun]]:
    """One sync of the four streams against the loopback server."""
    server = Server()
    http = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(server))
    server.url = f"http://127.0.0.1:{http.server_address[1]}"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    PagingTap.budget = CountingBudget()
    try:
        yield server, run_tap_class(PagingTap, {"api_url": server.url})
    finally:
        http.shutdown()
        http.server_close()


def test_the_sync_succeeds_and_every_request_took_a_slot_of_the_rate_budget(synced):
    server, run = synced
    assert run.returncode == 0, run.stderr[-3000:]
    assert PagingTap.budget.acquired == len(server.requests)


def test_a_cursor_in_the_body_pages_one_page_after_another(synced):
    server, run = synced
    assert [record["id"] for record in run.records["cursor_items"]] == list(range(23))
    assert server.asked("/cursor/items") == [
        "",
        "cursor=c5",
        "cursor=c10",
        "cursor=c15",
        "cursor=c20",
    ]


def test_a_link_header_is_followed_to_the_last_page(synced):
    server, run = synced
    assert run.records["linked_items"] == ITEMS
    assert server.asked("/linked/items") == ["", "page=2", "page=3", "page=4", "page=5"]


def test_a_next_url_in_the_body_continues_past_an_empty_page_when_the_paginator_says_so(synced):
    server, run = synced
    assert run.records["hateoas_items"] == ITEMS
    assert server.asked("/hateoas/items") == ["", *(f"page={page}" for page in range(2, 7))]


def test_a_post_body_cursor_pages_with_the_sdks_default_paginator(synced):
    server, run = synced
    assert run.records["posted_items"] == ITEMS
    cursors = [f"c{start}" for start in range(5, 23, 5)]
    assert server.posted == [{"cursor": None}, *({"cursor": cursor} for cursor in cursors)]


def test_announced_page_numbers_are_fetched_concurrently_and_emitted_in_order(synced):
    server, run = synced
    assert run.records["numbered_items"] == ITEMS
    asked = server.asked("/numbered/items")
    assert asked[0] == "page=1&per_page=5"  # the first answer announces the others
    assert sorted(asked[1:]) == sorted(f"page={page}&per_page=5" for page in range(2, 6))
    # Every later page was in flight at once (the server holds each until all have
    # come; paged one after another, each would be alone and answered late).
    assert server.most_in_flight >= NUMBERED_PAGES - 1
