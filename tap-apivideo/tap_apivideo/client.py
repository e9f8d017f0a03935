"""api.video's base streams: auth, ``currentPage``/``pageSize`` paging, problem errors, days.

API facts used here (docs/vendors/apivideo.md, from the OpenAPI specs it names):
- Every list answers ``{"data": [...], "pagination": {"itemsTotal",
  "pagesTotal", "pageSize", "currentPage", "currentPageItems", "links"}}``;
  ``pageSize`` allows 1 to 100. Pages are computed from ``pagesTotal``; the
  ``links`` are never followed (docs/vendors/apivideo.md#paging).
- Errors are problem bodies ``{type, title, status, detail, name}``. Two mean
  the stream cannot be read at all: 403 ``.../authorization-disabled-analytics``
  (analytics switched off for the project) and, on the endpoints the vendor
  retired, a 404 for the route itself, whose body names nothing
  (docs/vendors/apivideo.md#problem-bodies).
- The analytics endpoints serve only the last 30 days, counted on the API's
  clock (see ``tap_apivideo.auth``; docs/vendors/apivideo.md#analytics-window).
"""

from __future__ import annotations

import datetime
import typing as t
from dataclasses import dataclass
from functools import cached_property
from http import HTTPStatus

from singer_sdk.pagination import BaseAPIPaginator, SinglePagePaginator
from singer_sdk.streams.rest import HTTPRequest

from tap_apivideo.problems import describe_problem
from video_taps_common import AnnouncedPageNumberPaginator, VideoStream, json_body
from video_taps_common.errors import PartitionGoneError, StreamUnavailableError
from video_taps_common.settings import parse_datetime

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams.rest import PageContext

#: "Results per page. Allowed values 1-100" (every list endpoint; docs/vendors/apivideo.md#paging).
MAX_PAGE_SIZE = 100
#: plays: "The date you set must be within the last 30 days"; /data: "The
#: maximum value is 30 days ago" (docs/vendors/apivideo.md#analytics-window).
ANALYTICS_DAYS = 30
#: How much later than the sync's start the oldest day must still be served.
WINDOW_SAFETY_MARGIN = datetime.timedelta(minutes=10)
#: The problem type of a 403 for a project whose analytics are off (spec
#: ``403-error-schema``, docs/vendors/apivideo.md#problem-bodies).
ANALYTICS_DISABLED_TYPE = "authorization-disabled-analytics"
#: The 2025-01 spec's 404 type for a route the API does not know
#: (docs/vendors/apivideo.md#problem-bodies).
UNRECOGNIZED_URL_TYPE = "unrecognized-request-url"
#: The ``/data`` streams that replace the retired endpoints (the migration guide,
#: docs/vendors/apivideo.md#api-generations).
DATA_STREAMS = "`metrics`, `buckets` and `timeseries`"


@dataclass(frozen=True, slots=True)
class DayRequest:
    """One request of a day: its path, query and the labels its rows carry."""

    path: str
    params: tuple[tuple[str, str], ...]
    labels: tuple[tuple[str, str], ...]


class ApiVideoPaginator(AnnouncedPageNumberPaginator):
    """``currentPage``/``pageSize`` paging: pages 2 to ``pagesTotal`` known from page 1."""

    def page_count(self, response: requests.Response) -> int:
        """``pagination.pagesTotal``."""
        return pages_total(json_body(response))

    def total_records(self, response: requests.Response) -> int | None:
        """``pagination.itemsTotal``."""
        body = json_body(response)
        pagination = body.get("pagination") if isinstance(body, dict) else None
        total = (pagination or {}).get("itemsTotal")
        return total if isinstance(total, int) else None


class ApiVideoStream(VideoStream[int]):
    """A list endpoint of api.video; an analytics stream (``by_day``) reads a day at a time.

    A stream read by day says which requests one day needs
    (:meth:`requests_for_day`): every request of every day, from the bookmark's
    day to yesterday, is a run of the partition (known up front, so they run
    concurrently under the rate budget and are emitted in order); its rows get
    the day and the request's labels, and the bookmark moves to a day once the
    day's last request is out. A day is complete once it is over: the range
    ends with yesterday (by the API's clock, or the day before ``end_date``).
    It begins at the bookmark's day, read again because the API may still have
    been processing it, or at ``start_date``; never before the oldest day the
    API serves (30 days), with one WARNING when that cuts the range.
    """

    url_setting = "api_url"
    #: Set on streams whose endpoint the vendor retired: what to select instead
    #: (such streams are declared ``selected_by_default = False`` in ``streams.py``).
    retired_in_favour_of: str | None = None
    #: Analytics read one UTC day at a time (:meth:`requests_for_day`).
    by_day: t.ClassVar[bool] = False
    #: Whether the endpoint pages (``/data/metrics`` answers one number).
    is_paged: t.ClassVar[bool] = True

    @cached_property
    def page_size(self) -> int:
        """``pageSize`` of every request (setting ``page_size``)."""
        return int(self.config.get("page_size") or MAX_PAGE_SIZE)

    def get_new_paginator(self) -> BaseAPIPaginator:
        """Pages 2 to ``pagesTotal``, fetched concurrently once page 1 says it; or one page."""
        return ApiVideoPaginator() if self.is_paged else SinglePagePaginator()

    def parse_response(self, response: requests.Response) -> list[dict]:
        """The items under ``data``."""
        return items_under_data(json_body(response))

    def get_url_params(
        self,
        context: Context | None,  # noqa: ARG002
        next_page_token: int | None,
    ) -> dict:
        """Paging; streams add their filters."""
        return {"currentPage": next_page_token or 1, "pageSize": self.page_size}

    # Days ---------------------------------------------------------------------

    def requests_for_day(self, context: Context | None, day: datetime.date) -> list[DayRequest]:
        """For a stream read ``by_day``: the requests one day of one partition needs."""
        raise NotImplementedError

    def runs(self, context: Context | None) -> t.Iterable[Context | None]:
        """The partition; read ``by_day``, every request of every day, in order."""
        if not self.by_day:
            return super().runs(context)
        return self.day_runs(context)

    def day_runs(self, context: Context | None) -> t.Iterator[Context]:
        """Each request of each day as a run; a day's last request closes it."""
        for day in self.days(context):
            requests_ = self.requests_for_day(context, day)
            for index, request in enumerate(requests_):
                yield {
                    **(context or {}),
                    "day": day,
                    "request": request,
                    "closes_day": index == len(requests_) - 1,
                }

    def days(self, context: Context | None) -> list[datetime.date]:
        """Bookmark (or ``start_date``) day to yesterday, within the API's 30 days."""
        last = self.sync_end.date() - datetime.timedelta(days=1)
        first = self._resume_day(context)
        oldest = self.oldest_served_day
        if first < oldest:
            self._warn_clamped(first, oldest)
            first = oldest
        count = (last - first).days + 1
        return [first + datetime.timedelta(days=offset) for offset in range(max(count, 0))]

    @cached_property
    def oldest_served_day(self) -> datetime.date:
        """The first day whose midnight lies within 30 days of the API's now.

        Counted from a little after the sync's start: the oldest day is asked
        first, but a day right at the edge would fall out of the window while
        the request waits for the rate limit.
        """
        now = self.video_tap.sync_started_at + WINDOW_SAFETY_MARGIN
        limit = now - datetime.timedelta(days=ANALYTICS_DAYS)
        oldest = limit.date()
        return oldest if day_start(oldest) >= limit else oldest + datetime.timedelta(days=1)

    def _resume_day(self, context: Context | None) -> datetime.date:
        start = self.saved_bookmark(context) or str(self.config["start_date"])
        return parse_datetime(start).date()

    _clamp_reported = False

    def _warn_clamped(self, first: datetime.date, oldest: datetime.date) -> None:
        if self._clamp_reported:  # once per stream, not per partition
            return
        self._clamp_reported = True
        self.logger.warning(
            "%s: the API serves only the last %d days; starting at %s instead of %s "
            "(start_date or bookmark). Days before %s can no longer be read.",
            self.name,
            ANALYTICS_DAYS,
            oldest.isoformat(),
            first.isoformat(),
            oldest.isoformat(),
        )

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        """A day's request: its own path and query; any other request as the SDK builds it."""
        request: DayRequest | None = (page.stream_context or {}).get("request")
        if request is None:
            return super().get_http_request(page=page)
        params: dict[str, t.Any] = dict(request.params)
        if self.is_paged:
            params.update(currentPage=page.next_page_token or 1, pageSize=self.page_size)
        return HTTPRequest(
            url=f"{self.url_base}{request.path}",
            method="GET",
            headers=self.http_headers,
            params=params,
        )

    def run_records(self, run: Context | None, response: requests.Response) -> t.Iterable[dict]:
        """A day's request's rows carry its labels (the day, metric, breakdown...)."""
        request: DayRequest | None = (run or {}).get("request")
        if request is None:
            return self.parse_response(response)
        labels = {"day": t.cast("Context", run)["day"].isoformat(), **dict(request.labels)}
        return [{**row, **labels} for row in self.parse_response(response)]

    def run_done(self, context: Context | None, run: Context | None) -> None:
        """A day's last request is out: the day is done, the bookmark moves to it."""
        if (run or {}).get("closes_day"):
            self.save_bookmark(context, t.cast("Context", run)["day"].isoformat())

    # Errors -----------------------------------------------------------------

    def describe_error_body(self, response: requests.Response) -> str:
        """The problem body's title, detail and name."""
        return describe_problem(response)

    def validate_response(self, response: requests.Response) -> None:
        """A project without analytics, or a retired endpoint, stops this stream only."""
        if response.status_code == HTTPStatus.FORBIDDEN and problem_type(response).endswith(
            ANALYTICS_DISABLED_TYPE
        ):
            self.rate_budget.observe(response)
            msg = (
                f"{self.response_error_message(response)}. Analytics are disabled for this "
                f"api.video project: enable them, or deselect stream `{self.name}`"
            )
            raise StreamUnavailableError(msg)
        if (
            response.status_code == HTTPStatus.NOT_FOUND
            and self.retired_in_favour_of
            and names_no_resource(response)
        ):
            self.rate_budget.observe(response)
            msg = (
                f"{response.request.method} {response.request.path_url} answered 404: api.video "
                f"retired this endpoint. Select the {self.retired_in_favour_of} streams instead "
                f"and deselect `{self.name}`"
            )
            raise StreamUnavailableError(msg)
        super().validate_response(response)


def items_under_data(body: t.Any) -> list[dict]:  # noqa: ANN401
    """The list every api.video list answer holds under ``data``."""
    data = body.get("data") if isinstance(body, dict) else None
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def pages_total(body: t.Any) -> int:  # noqa: ANN401
    """``pagination.pagesTotal``, 1 when absent."""
    pagination = body.get("pagination") if isinstance(body, dict) else None
    total = (pagination or {}).get("pagesTotal")
    return total if isinstance(total, int) and total > 0 else 1


def problem_type(response: requests.Response) -> str:
    """The problem body's ``type``, or ``""``."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("type") or "") if isinstance(body, dict) else ""


def names_no_resource(response: requests.Response) -> bool:
    """A 404 for the route itself, not for a missing video or session.

    The 2023-09 spec's 404 for an unknown route has every field null; the
    2025-01 spec's is typed ``.../unrecognized-request-url``. A missing
    resource's 404 names it (``name: videoId``). docs/vendors/apivideo.md#problem-bodies.
    """
    try:
        body = response.json()
    except ValueError:
        return True
    if not isinstance(body, dict):
        return True
    if str(body.get("type") or "").endswith(UNRECOGNIZED_URL_TYPE):
        return True
    return not (body.get("title") or body.get("name"))


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight UTC of ``day``."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


def api_datetime(moment: datetime.datetime) -> str:
    """ATOM date-time with an explicit offset, as the ``/data`` endpoints take it."""
    return moment.isoformat(timespec="seconds")


def raise_for_missing_parent(response: requests.Response, id_name: str) -> None:
    """Raise :class:`ParentGoneError` for a 404 naming the parent's id."""
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict) and body.get("name") == id_name:
        msg = f"the {id_name} was deleted after it was listed ({describe_problem(response)})"
        raise ParentGoneError(msg)


class ParentGoneError(PartitionGoneError):
    """The video or live stream was deleted between listing it and reading its sessions.

    The partition is skipped with a WARNING (``VideoStream.get_records``), not failed.
    """
