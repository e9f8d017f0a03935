"""api.video API routes: handlers, envelope, errors, rate limit, truth.

Sources as in the package docstring: sections of docs/vendors/apivideo.md.

Real host https://ws.api.video (docs/vendors/apivideo.md#servers); the emulator serves
it under ``{emulator}/apivideo``, and any other path under ``/apivideo`` stands
for another path on that host (404).

Two generations of analytics: the raw statistics and plays endpoints (the
2023-09 and 2024-07 specs, removed from the API since) and ``/data/*`` (the
2025-01 spec); docs/vendors/apivideo.md#api-generations. Whether the live service still
answers the old ones is unknown (an open question there); the emulator
serves both generations at once (a choice), unless ``apivideo_retired``, which
turns the old five into the 404 of a path the API does not have.

Order of checks on a request (docs silent; modelled on a gateway): the rate
limit on arrival, then (after any injected latency/fault) routing and
retirement (404), authentication (401), the project's analytics switch (403),
the path's resource (404), the parameters (400).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import orjson
from aiohttp import web
from multidict import MultiDict

from ...core import Emulator
from ...fixed_window import Decision, QuotaHeaders
from ...oauth_common import basic_pair
from ...tokens import JwtTokenStore
from .auth import HOST_PREFIX, error_body
from .data import Project, Sessions
from .params import (
    BREAKDOWNS,
    BUCKET_METRICS,
    DAY_MS,
    JSON,
    LIVE_DIMENSIONS,
    METRIC_AGGREGATIONS,
    TIMESERIES_METRICS,
    VIDEO_DIMENSIONS,
    ApiError,
    DataQuery,
    Paging,
    analytics_disabled,
    atom,
    day_ms,
    deep_object,
    not_found,
    parse_buckets,
    parse_live_streams,
    parse_metrics,
    parse_paging,
    parse_period,
    parse_plays,
    parse_timeseries,
    parse_videos,
    query_error,
    too_many_requests,
    unauthorized,
    unrecognized_url,
)
from .state import DATA_API, ApiVideoState

_AUTH_API = "apivideo_auth"


def _rate_headers(decision: Decision) -> dict[str, str]:
    """The rate-limit headers, on every response (docs/vendors/apivideo.md#rate-limits).

    X-RateLimit-Limit ("The request limit per minute"), X-RateLimit-Remaining
    ("The number of available requests left for the current time window"),
    X-RateLimit-Retry-After ("The number of seconds left until the current
    rate limit window resets", an integer).
    """
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Retry-After": str(decision.retry_after),
    }


_RATE_HEADERS = QuotaHeaders("apivideo_rate", _rate_headers)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a request authenticates as: the API key, or why it can't (a 401 reason)."""

    key: str | None
    reason: str = "missing"


_CALLER: Any = (
    web.RequestKey("apivideo_caller", Caller) if hasattr(web, "RequestKey") else "apivideo_caller"
)


def _identify(request: web.Request, emu: Emulator) -> Caller:
    """The caller's API key from ``Authorization``, or the 401 reason.

    docs/vendors/apivideo.md#authentication: ``Authorization: Bearer <access_token>``
    (the Python client sends "{token_type} {access_token}"), or HTTP Basic
    with the API key as username and an empty password (the spec's ``apiKey``
    security scheme is http basic). A Basic password that is not empty is
    refused (the documented form has none; strict). A bare token without scheme
    (a doc slip) is an invalid header.
    """
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return Caller(None, "missing")
    scheme, _, value = header.partition(" ")
    projects = emu.config["apivideo_projects"]
    if scheme.lower() == "bearer" and value.strip():
        store: JwtTokenStore = emu.state[_AUTH_API]
        key = store.subject_of(value.strip())
        return Caller(key) if key in projects else Caller(None, "token")
    if scheme.lower() == "basic":
        pair = basic_pair(header)
        if pair is not None and pair[1] == "" and pair[0] in projects:
            return Caller(pair[0])
        return Caller(None, "key")
    return Caller(None, "header")


def _pagination(request: web.Request, paging: Paging, total: int, count: int) -> dict[str, Any]:
    """The ``pagination`` object (the 2023-09 spec's pagination / pagination-link).

    docs/vendors/apivideo.md#paging: itemsTotal, pagesTotal, pageSize, currentPage,
    currentPageItems (schema order) and ``links``, an array (the schema
    example's object keyed by rel is wrong) of ``{rel, uri}``: self, first,
    previous (only past page 1), next (only before the last page), last - the
    order and presence of the spec's examples (e.g. the 2023-09 plays
    "Dimension is country": self, first, next, last). ``uri`` is relative to the host as in
    the examples (``/analytics/videos/plays?dimension=videoId&currentPage=1&
    pageSize=25``), with the emulator's mount prefix so it resolves against
    the emulator; the request's other parameters come first, percent-encoded
    as in the /data/buckets example (``from=2024-04-28T09%3A15%3A05%2B02%3A00``),
    then currentPage and pageSize.
    """
    pages = paging.pages_total(total)
    others = [(k, v) for k, v in request.query.items() if k not in ("currentPage", "pageSize")]

    def link(rel: str, page: int) -> dict[str, str]:
        pairs = [*others, ("currentPage", str(page)), ("pageSize", str(paging.size))]
        query = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote, safe="")
        return {"rel": rel, "uri": f"{request.path}?{query}"}

    links = [link("self", paging.page), link("first", 1)]
    if paging.page > 1:
        links.append(link("previous", paging.page - 1))
    if paging.page < pages:
        links.append(link("next", paging.page + 1))
    links.append(link("last", pages))
    return {
        "itemsTotal": total,
        "pagesTotal": pages,
        "pageSize": paging.size,
        "currentPage": paging.page,
        "currentPageItems": count,
        "links": links,
    }


def _paged(request: web.Request, paging: Paging, rows: list[Any]) -> dict[str, Any]:
    """``{"data": page, "pagination"}`` for a fully computed row list."""
    start, stop = paging.bounds(len(rows))
    page = rows[start:stop]
    return {"data": page, "pagination": _pagination(request, paging, len(rows), len(page))}


def _timeframe(q: DataQuery) -> dict[str, str]:
    """``context.timeframe``: from/to as ATOM UTC ("2024-05-28T11:15:07+00:00").

    docs/vendors/apivideo.md#timeframe.

    The example shows a request's ``from=...+02:00`` as its UTC instant.
    """
    return {"from": atom(q.from_ms), "to": atom(q.to_ms)}


def _today(horizon_ms: int) -> date:
    """The emulator's "today": the horizon's UTC date."""
    return datetime.fromtimestamp(horizon_ms / 1000, UTC).date()


def _now_ms(horizon_ms: int) -> int:
    """The /data endpoints' "now": the horizon at whole seconds, as ATOM shows it."""
    return horizon_ms // 1000 * 1000


def _media_of_kind(project: Project, media_id: str, live: bool) -> int | None:
    m = project.media_index.get(media_id)
    if m is None or (m >= project.n_videos) != live:
        return None
    return m


#: The data endpoints: (route and stream name, path under the host, ``_Handlers`` attribute).
#: The plays paths come before the ``{videoId}``/``{liveStreamId}`` ones they would match.
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("videos", "/videos", "videos"),
    ("live_streams", "/live-streams", "live_streams"),
    ("video_plays", "/analytics/videos/plays", "video_plays"),
    ("live_stream_plays", "/analytics/live-streams/plays", "live_stream_plays"),
    ("video_sessions", "/analytics/videos/{videoId}", "video_sessions"),
    ("live_stream_sessions", "/analytics/live-streams/{liveStreamId}", "live_sessions"),
    ("session_events", "/analytics/sessions/{sessionId}/events", "session_events"),
    ("metrics", "/data/metrics/{metric}/{aggregation}", "metrics"),
    ("buckets", "/data/buckets/{metric}/{breakdown}", "buckets"),
    ("timeseries", "/data/timeseries/{metric}", "timeseries"),
)

#: Per-day streams: the requests one day of a complete sync makes, as the labels its
#: rows carry (every dimension, metric pair or metric the API accepts).
DAY_LABELS: dict[str, tuple[dict[str, str], ...]] = {
    "video_plays": tuple({"dimension": d} for d in VIDEO_DIMENSIONS),
    "live_stream_plays": tuple({"dimension": d} for d in LIVE_DIMENSIONS),
    "metrics": tuple(
        {"metric": m, "aggregation": a} for m, pairs in METRIC_AGGREGATIONS.items() for a in pairs
    ),
    "buckets": tuple(
        {"metric": m, "breakdown": b}
        for m in BUCKET_METRICS
        for b in BREAKDOWNS
        if m != "play-total" or b == "media-id"
    ),
    "timeseries": tuple({"metric": m} for m in TIMESERIES_METRICS),
}


class ApiVideo:
    """The api.video data API as an :class:`~video_api_emulator.core.ApiModule`."""

    name = DATA_API
    streams = frozenset(route for route, _path, _handler in ROUTES)

    def create_state(self, emu: Emulator) -> ApiVideoState:
        """Build every project's catalogue and the quota for the current config."""
        return ApiVideoState(emu)

    def error_response(self, status: int, message: str | None = None) -> web.Response:
        """The API's problem body for ``status`` (faults).

        400: the analytics 400 shape with the request-invalid-query-parameter
        type; 401: the assumed 401 body; 403: the 403-error-schema example;
        404: unrecognized-request-url; 429: too-many-requests; others as
        :func:`.auth.error_body` (guessed shape).
        """
        if status == 400:
            return query_error("", message or "This request is invalid.").response()
        if status == 401:
            return unauthorized("token").response()
        if status == 403:
            return analytics_disabled().response()
        if status == 404:
            return unrecognized_url().response()
        return error_body(status, message)

    # ------------------------------------------------------------------ truth

    def truth(self, emu: Emulator, query: Mapping[str, str]) -> dict[str, Any]:
        """Ground truth for ``GET /_emulator/truth/apivideo`` (see the README).

        ``project`` (an API key; default the first), ``stream``: one of :data:`ROUTES`.
        Always ``{"count", "records", "project_id"}``: ``project_id`` is the id the
        project's access tokens carry (claim ``projectId``).

        Sessions and events take the days ``from``/``to`` (inclusive); a per-day
        stream (plays, ``/data``) takes one ``day`` and its dimension or metric
        (pair), or, with ``from``/``to`` instead of ``day``, answers every row a
        complete sync of those days lands: each day, every dimension or metric
        (pair) the API accepts (:data:`DAY_LABELS`), each row with its labels.
        Media lists ignore the days.
        """
        state: ApiVideoState = emu.state[self.name]
        key = query.get("project") or state.dataset.keys[0]
        project = state.dataset.projects.get(key)
        if project is None:
            raise ValueError(f"unknown project (API key) {key!r}")
        horizon = emu.horizon_ms
        stream = query.get("stream", "")
        try:
            records = self._truth_records(project, stream, query, horizon)
        except ApiError as exc:
            raise ValueError(orjson.dumps(exc.body).decode()) from exc
        return {"count": len(records), "records": records, "project_id": project.project_id}

    def _truth_records(
        self, project: Project, stream: str, query: Mapping[str, str], horizon: int
    ) -> list[Any]:
        if stream in DAY_LABELS and "day" not in query and "from" in query:
            return self._truth_days_of(project, stream, query, horizon)
        if stream == "videos":
            return [md.record for md in project.videos]
        if stream == "live_streams":
            return [md.record for md in project.live_streams]
        if stream in ("video_sessions", "live_stream_sessions"):
            live = stream == "live_stream_sessions"
            lo, hi = _truth_days(query)
            return self._truth_sessions(project, live, lo, hi, query.get("media_id"), horizon)
        if stream == "session_events":
            lo, hi = _truth_days(query)
            kind = query.get("kind")
            if kind not in (None, "", "video", "live_stream"):
                raise ValueError("kind must be video or live_stream")
            out: list[Any] = []
            for live in (False, True):
                if kind and (kind == "live_stream") != live:
                    continue
                for m in project.kind_media(live).tolist():
                    ss = project.sessions([m], lo, hi, horizon)
                    for row in range(len(ss)):
                        sid = ss.ids(np.array([row]))[0]
                        events = project.session_events(ss, row)
                        out += [
                            {"sessionId": sid, "position": i, **e} for i, e in enumerate(events)
                        ]
            return out
        if stream in ("video_plays", "live_stream_plays"):
            live = stream == "live_stream_plays"
            day = _truth_day(query, "day")
            dimension = query.get("dimension", "")
            if dimension not in (LIVE_DIMENSIONS if live else VIDEO_DIMENSIONS):
                raise ValueError(f"dimension {dimension!r} is not a plays dimension here")
            return project.plays(live, day_ms(day), day_ms(day) + DAY_MS, dimension, None, horizon)
        if stream in ("metrics", "buckets", "timeseries"):
            return self._truth_data(project, stream, query, horizon)
        raise ValueError(f"stream must be one of {', '.join(route for route, *_ in ROUTES)}")

    def _truth_days_of(
        self, project: Project, stream: str, query: Mapping[str, str], horizon: int
    ) -> list[dict[str, Any]]:
        """A per-day stream's rows over the days ``from``..``to``, labelled by day and request."""
        lo, hi = _truth_days(query)
        rows: list[dict[str, Any]] = []
        for start in range(lo, hi, DAY_MS):
            day = _today(start).isoformat()
            for labels in DAY_LABELS[stream]:
                one = {**query, "day": day, **labels}
                rows += [
                    {"day": day, **labels, **row}
                    for row in self._truth_records(project, stream, one, horizon)
                ]
        return rows

    @staticmethod
    def _truth_sessions(
        project: Project, live: bool, lo: int, hi: int, media_id: str | None, horizon: int
    ) -> list[dict[str, Any]]:
        if media_id:
            m = _media_of_kind(project, media_id, live)
            if m is None:
                raise ValueError(f"unknown {'live stream' if live else 'video'} {media_id!r}")
            media = [m]
        else:
            media = project.kind_media(live).tolist()
        parent = "liveStreamId" if live else "videoId"
        out: list[dict[str, Any]] = []
        for m in media:
            ss = project.sessions([m], lo, hi, horizon)
            rows = project.render_sessions(ss, np.arange(len(ss)), live=live)
            out += [{parent: project.media[m].id, **r} for r in rows]
        return out

    @staticmethod
    def _truth_data(
        project: Project, stream: str, query: Mapping[str, str], horizon: int
    ) -> list[Any]:
        day = _truth_day(query, "day")
        lo = day_ms(day)
        own = {"project", "stream", "day", "metric", "aggregation", "breakdown", "records"}
        q: MultiDict[str] = MultiDict((k, v) for k, v in query.items() if k not in own)
        q["from"], q["to"] = atom(lo), atom(lo + DAY_MS)
        metric = query.get("metric", "")
        now = _now_ms(horizon)
        # Parsed as if "now" were the day's end, so any day has a truth (the
        # API itself only answers for the last 30 days).
        if stream == "metrics":
            dq = parse_metrics(metric, query.get("aggregation", ""), q, lo + DAY_MS)
            return [{"metricValue": project.aggregate(dq, horizon, now)}]
        if stream == "buckets":
            dq = parse_buckets(metric, query.get("breakdown", ""), q, lo + DAY_MS)
            return project.breakdown_rows(dq, horizon, now)
        q.setdefault("interval", "hour")
        dq = parse_timeseries(metric, q, lo + DAY_MS)
        return project.timeseries_rows(dq, horizon)

    # ------------------------------------------------------------------ routes

    def register(self, app: web.Application, emu: Emulator) -> None:
        """Add the API's GET endpoints, the host's 404, and the response hooks."""
        admit = self._make_admit(emu)
        h = _Handlers(emu, self.name)
        for route, path, handler in ROUTES:
            app.router.add_get(
                HOST_PREFIX + path,
                emu.vendor_route(self, route, getattr(h, handler), admit=admit),
            )

        async def not_found_route(_request: web.Request) -> web.Response:
            # A path the API does not have: the 2025-01 spec's unrecognized-request-url
            # (docs/vendors/apivideo.md#problem-bodies).
            # Routing precedes authentication (docs silent).
            return unrecognized_url().response()

        wrapped = emu.vendor_route(self, "not_found", not_found_route, admit=admit)
        app.router.add_route("*", HOST_PREFIX + "/{tail:.*}", wrapped)
        app.router.add_route("*", HOST_PREFIX, wrapped)
        app.on_response_prepare.append(_RATE_HEADERS.on_response_prepare)

    def _make_admit(self, emu: Emulator) -> Callable[[web.Request], web.Response | None]:
        def admit(request: web.Request) -> web.Response | None:
            # docs/vendors/apivideo.md#rate-limits: production reads, 500 per minute; every
            # response carries X-RateLimit-Limit, -Remaining and -Retry-After;
            # over the limit, 429 with the 2024-07 spec's too-many-requests body.
            # The docs don't say what the window is keyed on or whether it is
            # fixed: the emulator counts per API key (project) in fixed windows
            # of wall time, and per client address for requests that carry no
            # valid credentials. Decided on arrival, before authentication
            # answers and before the injected latency, like a gateway.
            caller = _identify(request, emu)
            request[_CALLER] = caller
            state: ApiVideoState = emu.state[self.name]
            if not state.quota.enabled:
                return None
            bucket = f"key:{caller.key}" if caller.key else f"ip:{request.remote}"
            decision = state.quota.acquire(bucket)
            _RATE_HEADERS.remember(request, decision)
            if decision.admitted:
                return None
            emu.stats.throttled += 1
            return too_many_requests().response()

        return admit


Endpoint = Callable[[web.Request, Project], Any]


class _Handlers:
    """The GET handlers; each runs the shared checks, then its own parsing and rendering."""

    def __init__(self, emu: Emulator, name: str) -> None:
        self.emu = emu
        self.name = name
        self.videos = self._wrap(self._videos, analytics=False, old=False)
        self.live_streams = self._wrap(self._live_streams, analytics=False, old=False)
        self.video_plays = self._wrap(lambda r, p: self._plays(r, p, live=False))
        self.live_stream_plays = self._wrap(lambda r, p: self._plays(r, p, live=True))
        self.video_sessions = self._wrap(lambda r, p: self._sessions(r, p, live=False))
        self.live_sessions = self._wrap(lambda r, p: self._sessions(r, p, live=True))
        self.session_events = self._wrap(self._events)
        self.metrics = self._wrap(self._metrics, old=False)
        self.buckets = self._wrap(self._buckets, old=False)
        self.timeseries = self._wrap(self._timeseries, old=False)

    def _wrap(
        self, endpoint: Endpoint, *, analytics: bool = True, old: bool = True
    ) -> Callable[[web.Request], Any]:
        """Retirement (404), authentication (401), disabled analytics (403), then ``endpoint``.

        ``old``: one of the five endpoints removed from the API
        (docs/vendors/apivideo.md#api-generations), 404 under ``apivideo_retired``.
        ``analytics``: /analytics/* or /data/*, refused for a project in
        ``apivideo_analytics_disabled`` with the 2023-09 spec's 403 "Analytics is
        disabled" example (docs/vendors/apivideo.md#problem-bodies; the spec documents it
        on the plays endpoints; the emulator applies it to every analytics
        endpoint). /videos and /live-streams are not analytics.
        """

        async def handler(request: web.Request) -> web.Response:
            state: ApiVideoState = self.emu.state[self.name]
            try:
                if old and state.retired:
                    raise unrecognized_url()
                caller = request.get(_CALLER) or _identify(request, self.emu)
                if caller.key is None:
                    raise unauthorized(caller.reason)
                if analytics and caller.key in state.disabled:
                    raise analytics_disabled()
                body = endpoint(request, state.dataset.projects[caller.key])
            except ApiError as exc:
                return exc.response()
            return web.Response(body=orjson.dumps(body), content_type=JSON)

        return handler

    @property
    def horizon(self) -> int:
        return self.emu.horizon_ms

    # ------------------------------------------------------------------ lists

    def _videos(self, request: web.Request, project: Project) -> dict[str, Any]:
        """The 2025-01 spec's LIST-videos -> videos-list-response.

        Filters (docs/vendors/apivideo.md#videos): title "return any videos that
        contain the same term as part of their titles" (substring, case
        sensitive - docs silent on case); tags[] "Only videos that have all
        the tags you list"; metadata[key]=value, every pair; description
        (substring, as title; docs silent); liveStreamId (recorded from it).
        """
        q = request.query
        paging = parse_paging(q, analytics=False)
        vq = parse_videos(q)
        items = project.videos
        if vq.title:
            items = [v for v in items if vq.title in v.record["title"]]
        if vq.description:
            items = [v for v in items if vq.description in v.record["description"]]
        if vq.tags:
            items = [v for v in items if set(vq.tags) <= set(v.tags)]
        if vq.metadata:
            items = [v for v in items if set(vq.metadata) <= set(v.metadata)]
        if vq.live_stream_id:
            items = [
                v
                for v in items
                if v.record["source"].get("liveStream", {}).get("liveStreamId") == vq.live_stream_id
            ]
        records = _sorted([v.record for v in items], vq.sort_by, vq.descending)
        return _paged(request, paging, records)

    def _live_streams(self, request: web.Request, project: Project) -> dict[str, Any]:
        """The 2025-01 spec's LIST-live-streams -> live-stream-list-response.

        docs/vendors/apivideo.md#live-streams.

        streamKey: exact; name: "by their name or a part of their name"
        (substring, case sensitive - docs silent on case).
        """
        q = request.query
        paging = parse_paging(q, analytics=False)
        lq = parse_live_streams(q)
        records = [md.record for md in project.live_streams]
        if lq.stream_key:
            records = [r for r in records if r["streamKey"] == lq.stream_key]
        if lq.name:
            records = [r for r in records if lq.name in r["name"]]
        return _paged(request, paging, _sorted(records, lq.sort_by, lq.descending))

    # ------------------------------------------------------------------ raw statistics

    def _sessions(self, request: web.Request, project: Project, *, live: bool) -> dict[str, Any]:
        """GET /analytics/videos/{videoId} and /analytics/live-streams/{liveStreamId}.

        The 2023-09 spec (docs/vendors/apivideo.md#raw-statistics).

        The media's sessions whose ``loadedAt`` UTC day lies in ``period``, by
        loadedAt (docs silent on order). An unknown id (or one of the other
        kind) is the spec's 404 example with ``name`` videoId / liveStreamId.
        ``metadata[key]=value`` (videos only, deepObject): sessions whose
        metadata has every pair - here, the video's.
        """
        name = "liveStreamId" if live else "videoId"
        m = _media_of_kind(project, request.match_info[name], live)
        if m is None:
            raise not_found(name)
        q = request.query
        paging = parse_paging(q, analytics=False)
        lo, hi = parse_period(q)
        ss = project.sessions([m], lo, hi, self.horizon)
        total = len(ss)
        if not live:
            wanted = {(k, v[-1]) for k, v in deep_object(q, "metadata").items()}
            if not wanted <= set(project.media[m].metadata):
                total = 0
        start, stop = paging.bounds(total)
        rows = project.render_sessions(ss, np.arange(start, stop), live=live)
        return {"data": rows, "pagination": _pagination(request, paging, total, len(rows))}

    def _events(self, request: web.Request, project: Project) -> dict[str, Any]:
        """GET /analytics/sessions/{sessionId}/events (2023-09 spec): the events in order.

        docs/vendors/apivideo.md#session-events: an unknown session (or one not loaded yet) is the
        spec's 404 example, which names ``videoId`` (kept as written, although the parameter is
        sessionId).
        """
        found = project.find_session(request.match_info["sessionId"], self.horizon)
        if found is None:
            raise not_found("videoId")
        paging = parse_paging(request.query, analytics=False)
        ss = Sessions(project, np.array([found[0]]), np.array([found[1]]))
        return _paged(request, paging, project.session_events(ss, 0))

    # ------------------------------------------------------------------ plays

    def _plays(self, request: web.Request, project: Project, *, live: bool) -> dict[str, Any]:
        """GET /analytics/{videos,live-streams}/plays (the 2023-09 and 2024-07 specs).

        docs/vendors/apivideo.md#plays.

        A filter naming no video (live stream) of the project is the "Invalid
        videoId" / "Invalid liveStreamId" example ("This value must refer to an
        existing video" / "... live stream").
        """
        q = request.query
        pq = parse_plays(q, live=live, today=_today(self.horizon))
        paging = parse_paging(q, analytics=True)
        media = None
        if pq.media_id is not None:
            media = _media_of_kind(project, pq.media_id, live)
            if media is None:
                what = "live stream" if live else "video"
                raise query_error("filter", f"This value must refer to an existing {what}")
        lo, hi = day_ms(pq.first), day_ms(pq.last + timedelta(days=1))
        rows = project.plays(live, lo, hi, pq.dimension, media, self.horizon)
        return _paged(request, paging, rows)

    # ------------------------------------------------------------------ /data/*

    def _metrics(self, request: web.Request, project: Project) -> dict[str, Any]:
        """The 2025-01 spec's GET_aggregated-metrics -> analytics-aggregated-metrics-response.

        docs/vendors/apivideo.md#metrics.
        """
        now = _now_ms(self.horizon)
        metric, aggregation = request.match_info["metric"], request.match_info["aggregation"]
        dq = parse_metrics(metric, aggregation, request.query, now)
        value = project.aggregate(dq, self.horizon, now)
        context = {
            "metric": dq.context_metric,
            "aggregation": aggregation,
            "timeframe": _timeframe(dq),
        }
        return {"context": context, "data": value}

    def _buckets(self, request: web.Request, project: Project) -> dict[str, Any]:
        """The 2025-01 spec's GET_metrics-breakdown -> analytics-metrics-breakdown-response.

        docs/vendors/apivideo.md#metrics.
        """
        now = _now_ms(self.horizon)
        metric, breakdown = request.match_info["metric"], request.match_info["breakdown"]
        q = request.query
        dq = parse_buckets(metric, breakdown, q, now)
        paging = parse_paging(q, analytics=True)
        rows = project.breakdown_rows(dq, self.horizon, now)
        context = {"metric": dq.context_metric, "breakdown": breakdown, "timeframe": _timeframe(dq)}
        return {"context": context, **_paged(request, paging, rows)}

    def _timeseries(self, request: web.Request, project: Project) -> dict[str, Any]:
        """The 2025-01 spec's GET_metrics-over-time -> analytics-metrics-over-time-response.

        docs/vendors/apivideo.md#timeseries.
        """
        now = _now_ms(self.horizon)
        q = request.query
        dq = parse_timeseries(request.match_info["metric"], q, now)
        paging = parse_paging(q, analytics=True)
        rows = project.timeseries_rows(dq, self.horizon)
        context = {
            "metric": dq.context_metric,
            "interval": dq.interval,
            "timeframe": _timeframe(dq),
        }
        return {"context": context, **_paged(request, paging, rows)}


def _sorted(records: list[dict[str, Any]], sort_by: str, descending: bool) -> list[dict[str, Any]]:
    """Records by ``sort_by`` (ATOM dates sort as text: all UTC, same width), stable.

    Ties keep creation order. The 2025-01 spec's live-stream sortOrder
    (docs/vendors/apivideo.md#live-streams): "Ascending
    for date and time means that earlier values precede later ones ... For
    title, it is 0-9 and A-Z ascending" (plain code-point order here).
    """
    return sorted(records, key=lambda r: r[sort_by], reverse=descending)


def _truth_day(query: Mapping[str, str], name: str) -> date:
    raw = query.get(name)
    if not raw:
        raise ValueError(f"{name} (YYYY-MM-DD) is required")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be YYYY-MM-DD") from exc


def _truth_days(query: Mapping[str, str]) -> tuple[int, int]:
    """``from``/``to`` days (inclusive) as ``[from_ms, to_ms)``."""
    first, last = _truth_day(query, "from"), _truth_day(query, "to")
    if first > last:
        raise ValueError("from must not be after to")
    return day_ms(first), day_ms(last) + DAY_MS
