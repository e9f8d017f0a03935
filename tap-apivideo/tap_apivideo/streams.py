"""api.video's streams: media lists, plays, player sessions and events, and ``/data``.

Which stream needs which API generation (docs/vendors/apivideo.md#api-generations): ``videos`` and
``live_streams`` work on every one; ``video_plays`` and ``live_stream_plays``
need the plays endpoints (2023-06 to 2024); ``video_sessions``,
``live_stream_sessions`` and ``session_events`` need the raw statistics
endpoints (until 2023-09); ``metrics``, ``buckets`` and ``timeseries`` need the
``/data`` endpoints (2024-07 on). A retired endpoint's 404 stops only its
stream, naming the ``/data`` streams to select instead.
"""

from __future__ import annotations

import datetime
import re
import typing as t
from functools import cached_property
from http import HTTPStatus

from singer_sdk.exceptions import FatalAPIError

from tap_apivideo.client import (
    DATA_STREAMS,
    ApiVideoStream,
    DayRequest,
    api_datetime,
    day_start,
    raise_for_missing_parent,
)
from tap_apivideo.schemas import (
    BUCKETS_SCHEMA,
    LIVE_STREAM_SCHEMA,
    LIVE_STREAM_SESSION_SCHEMA,
    METRICS_SCHEMA,
    PLAYS_SCHEMA,
    SESSION_EVENT_SCHEMA,
    TIMESERIES_SCHEMA,
    VIDEO_SCHEMA,
    VIDEO_SESSION_SCHEMA,
)
from video_taps_common import json_body, stable_key
from video_taps_common.settings import parse_datetime

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

#: The plays endpoints' dimensions (spec ``dimension`` enum, docs/vendors/apivideo.md#plays).
#: ``videoId`` names the media-id dimension in settings; the live-stream endpoint calls it
#: ``liveStreamId``.
PLAYS_DIMENSIONS = ("videoId", "emittedAt", "country", "deviceType", "operatingSystem", "browser")

#: ``/data/metrics/{metric}/{aggregation}`` (docs/vendors/apivideo.md#metrics): the pairs the
#: 2025-01 spec's descriptions allow ("You can use the aggregations count, rate, and total with the
#: play metric", ...). For ``ccv`` the aggregation's text says peak and live are "only with the ccv
#: metric"; for ``view`` the spec names none, and ``count`` is the reading taken (an open question:
#: a 400 for it would stop only that day's partition with the API's message). ``play/total`` and
#: ``ccv/live`` ignore the time range: their rows are the value at sync time.
METRIC_AGGREGATIONS = (
    ("play", "count"),
    ("play", "rate"),
    ("play", "total"),
    ("start", "count"),
    ("end", "count"),
    ("impression", "count"),
    ("impression-time", "average"),
    ("impression-time", "sum"),
    ("watch-time", "average"),
    ("watch-time", "sum"),
    ("ccv", "peak"),
    ("ccv", "live"),
    ("view", "count"),
)
#: ``/data/buckets/{metric}/{breakdown}`` (2025-01 spec enums, docs/vendors/apivideo.md#metrics);
#: ``play-total`` "You can only use the media-id breakdown with this metric".
BUCKET_METRICS = (
    "play",
    "play-rate",
    "play-total",
    "start",
    "end",
    "impression",
    "ccv-peak",
    "ccv-average",
    "view",
)
BREAKDOWNS = (
    "media-id",
    "media-type",
    "continent",
    "country",
    "device-type",
    "operating-system",
    "browser",
    "referrer",
)
#: ``/data/timeseries/{metric}`` (2025-01 spec enum, docs/vendors/apivideo.md#metrics).
TIMESERIES_METRICS = (
    "play",
    "play-rate",
    "start",
    "end",
    "impression",
    "ccv-peak",
    "ccv-average",
    "view",
)


def bucket_pairs() -> list[tuple[str, str]]:
    """Every metric × breakdown the spec allows."""
    return [
        (metric, breakdown)
        for metric in BUCKET_METRICS
        for breakdown in BREAKDOWNS
        if metric != "play-total" or breakdown == "media-id"
    ]


# Media lists -------------------------------------------------------------------


class MediaListStream(ApiVideoStream):
    """``/videos`` or ``/live-streams``: a full table, parent of a sessions stream.

    Listed by ``createdAt`` ascending so media created while paging land on
    the last page instead of pushing earlier ones across page boundaries.
    """

    #: The id field, also the child context key.
    id_field: str
    #: The setting that limits the stream to some ids.
    ids_setting: str

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        """Paging, oldest first."""
        params = super().get_url_params(context, next_page_token)
        params.update(sortBy="createdAt", sortOrder="asc")
        return params

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:  # noqa: ARG002
        """Only the configured ids, if any."""
        wanted = self.config.get(self.ids_setting)
        if wanted and row.get(self.id_field) not in wanted:
            return None
        return row

    def get_child_context(self, record: dict, context: Context | None) -> dict:  # noqa: ARG002
        """The media id, for its sessions."""
        return {self.id_field: record[self.id_field]}


class VideosStream(MediaListStream):
    """Every video of the project (``GET /videos``)."""

    name = "videos"
    path = "/videos"
    primary_keys = ("project_id", "videoId")
    schema = VIDEO_SCHEMA
    id_field = "videoId"
    ids_setting = "video_ids"


class LiveStreamsStream(MediaListStream):
    """Every live stream of the project (``GET /live-streams``)."""

    name = "live_streams"
    path = "/live-streams"
    primary_keys = ("project_id", "liveStreamId")
    schema = LIVE_STREAM_SCHEMA
    id_field = "liveStreamId"
    ids_setting = "live_stream_ids"


# Player sessions ---------------------------------------------------------------


class SessionsStream(ApiVideoStream):
    """One media's player sessions over a ``period`` of whole days (raw statistics).

    State is per media. Each sync asks ``period=<bookmark day>/<yesterday>``:
    the bookmark's day again, because sessions of that day may have been
    processed after it was read, and today not until it is over. Sessions read
    twice upsert on ``sessionId``. A media deleted since it was listed is
    skipped with a WARNING (its 404 names the media id).
    """

    primary_keys = ("project_id", "sessionId")
    replication_key = "loadedAt"
    explicit_bookmarks = True
    is_sorted = True
    check_sorted = False
    retired_in_favour_of = DATA_STREAMS
    #: Retired endpoint: on today's API every request answers 404, so a run without
    #: a catalog leaves it out; a project that still answers selects it.
    selected_by_default = False
    #: The parent's id field (``videoId`` / ``liveStreamId``).
    parent_field: str

    def period(self, context: Context | None) -> tuple[datetime.date, datetime.date] | None:
        """First and last day to ask for, or ``None`` when no whole day is new."""
        start = self.saved_bookmark(context) or str(self.config["start_date"])
        first = parse_datetime(start).date()
        last = self.sync_end.date() - datetime.timedelta(days=1)
        return (first, last) if first <= last else None

    def runs(self, context: Context | None) -> list[Context]:
        """One run over the period, or none when no whole day is new."""
        period = self.period(context)
        if period is None:
            return []
        return [{**(context or {}), "period": period}]

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        """Paging and ``period=first/last`` (the run's)."""
        params = super().get_url_params(context, next_page_token)
        period = (context or {}).get("period")
        if period:
            params["period"] = f"{period[0].isoformat()}/{period[1].isoformat()}"
        return params

    def run_done(self, context: Context | None, run: Context | None) -> None:
        """Every session of the period is out: the bookmark moves to its last day."""
        period = t.cast("tuple[datetime.date, datetime.date]", (run or {})["period"])
        self.save_bookmark(context, day_start(period[1]).isoformat())

    def bookmark_reached(self, value: str) -> str:
        """The bookmark is the start of the last whole day read: that day, read to its end."""
        return parse_datetime(value).date().isoformat()

    def validate_response(self, response: requests.Response) -> None:
        """A 404 naming the media id: it was deleted meanwhile."""
        if response.status_code == HTTPStatus.NOT_FOUND:
            raise_for_missing_parent(response, self.parent_field)
        super().validate_response(response)

    def post_process(self, row: dict, context: Context | None = None) -> dict:
        """The parent's id, and ``sessionId``/``loadedAt`` at the top level."""
        session = row.get("session") if isinstance(row.get("session"), dict) else {}
        row["sessionId"] = session.get("sessionId")
        row["loadedAt"] = session.get("loadedAt")
        row[self.parent_field] = (context or {}).get(self.parent_field)
        return row

    def get_child_context(self, record: dict, context: Context | None) -> dict:  # noqa: ARG002
        """The session, for its events."""
        return {"sessionId": record["sessionId"]}


class VideoSessionsStream(SessionsStream):
    """Sessions of each video (``GET /analytics/videos/{videoId}``), child of ``videos``."""

    name = "video_sessions"
    path = "/analytics/videos/{videoId}"
    schema = VIDEO_SESSION_SCHEMA
    parent_stream_type = VideosStream
    parent_field = "videoId"

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        """Plus the ``metadata`` filter, as ``metadata[key]=value`` (deepObject)."""
        params = super().get_url_params(context, next_page_token)
        for key, value in (self.config.get("video_metadata") or {}).items():
            params[f"metadata[{key}]"] = value
        return params


class LiveStreamSessionsStream(SessionsStream):
    """Sessions of each live stream (``GET /analytics/live-streams/{liveStreamId}``)."""

    name = "live_stream_sessions"
    path = "/analytics/live-streams/{liveStreamId}"
    schema = LIVE_STREAM_SESSION_SCHEMA
    parent_stream_type = LiveStreamsStream
    parent_field = "liveStreamId"


class SessionEventsStream(ApiVideoStream):
    """Each session's player events (``GET /analytics/sessions/{sessionId}/events``).

    A child of both session streams (the tap attaches it to the second). Events
    have no id: the key is the session and the event's place in its list,
    which the API returns in order. No state of its own: the sessions' bookmarks
    decide which sessions are read, and every session's events are read whole.
    """

    name = "session_events"
    path = "/analytics/sessions/{sessionId}/events"
    schema = SESSION_EVENT_SCHEMA
    primary_keys = ("project_id", "sessionId", "position")
    #: Incremental, not full table: a full-table child would send ACTIVATE_VERSION
    #: and targets would drop every earlier sync's events. No bookmark is saved.
    replication_key = "emittedAt"
    explicit_bookmarks = True
    state_partitioning_keys: t.ClassVar[list[str]] = []
    parent_stream_type = VideoSessionsStream
    retired_in_favour_of = DATA_STREAMS
    #: Retired endpoint: on today's API every request answers 404, so a run without
    #: a catalog leaves it out; a project that still answers selects it.
    selected_by_default = False

    def parse_response(self, response: requests.Response) -> list[dict]:
        """Events with their position in the session's list, across pages.

        From the answer's own ``pagination`` (``currentPage``, ``pageSize``;
        docs/vendors/apivideo.md#paging), so a page placed anywhere numbers its events right.
        """
        body = json_body(response)
        pagination = (body.get("pagination") if isinstance(body, dict) else None) or {}
        page = pagination.get("currentPage") or 1
        offset = (page - 1) * (pagination.get("pageSize") or self.page_size)
        events = super().parse_response(response)
        for index, event in enumerate(events):
            event["position"] = offset + index
        return events

    def post_process(self, row: dict, context: Context | None = None) -> dict:
        """The session id."""
        row["sessionId"] = (context or {}).get("sessionId")
        return row


# Analytics by day --------------------------------------------------------------


#: ``mediaId`` of rows about the whole project. Not ``""``: some targets load an
#: empty string as NULL, which a key column refuses; ids start with vi/li.
WHOLE_PROJECT = "all"


def media_filters(config: t.Mapping[str, t.Any], *settings: str) -> list[str]:
    """The ids of the given settings, or the whole project when none."""
    ids = [media_id for setting in settings for media_id in config.get(setting) or []]
    return list(dict.fromkeys(ids)) or [WHOLE_PROJECT]


class PlaysStream(ApiVideoStream):
    """Plays per day by one dimension (``/analytics/{videos,live-streams}/plays``).

    Each day is asked alone (``from`` = ``to``), so counts are per day and add
    up; ``emittedAt`` rows then keep the API's hourly grain ("grouped in hourly
    intervals" for ranges up to 2 days). One partition per dimension and
    filtered id, each with its own bookmark.
    """

    primary_keys = ("project_id", "day", "dimension", "value", "mediaId")
    schema = PLAYS_SCHEMA
    retired_in_favour_of = DATA_STREAMS
    #: Retired endpoint: on today's API every request answers 404, so a run without
    #: a catalog leaves it out; a project that still answers selects it.
    selected_by_default = False
    by_day = True
    replication_key = "day"
    explicit_bookmarks = True
    is_sorted = True
    check_sorted = False
    #: ``videoId`` or ``liveStreamId``: the media-id dimension and filter prefix.
    media_dimension: str
    ids_setting: str

    @property
    def partitions(self) -> list[dict]:
        """Dimension × filtered id."""
        dimensions = self.video_tap.plays_dimensions
        return [
            {"dimension": dimension, "mediaId": media_id}
            for dimension in dimensions
            for media_id in media_filters(self.config, self.ids_setting)
        ]

    def requests_for_day(self, context: Context | None, day: datetime.date) -> list[DayRequest]:
        """One request: the day, the dimension, the filter."""
        context = context or {}
        dimension = context["dimension"]
        api_dimension = self.media_dimension if dimension == "videoId" else dimension
        params = [("from", day.isoformat()), ("to", day.isoformat()), ("dimension", api_dimension)]
        if context["mediaId"] != WHOLE_PROJECT:
            params.append(("filter", f"{self.media_dimension}:{context['mediaId']}"))
        labels = (("dimension", api_dimension), ("mediaId", context["mediaId"]))
        return [DayRequest(path=self.path, params=tuple(params), labels=labels)]


class VideoPlaysStream(PlaysStream):
    """Plays of videos."""

    name = "video_plays"
    path = "/analytics/videos/plays"
    media_dimension = "videoId"
    ids_setting = "video_ids"


class LiveStreamPlaysStream(PlaysStream):
    """Plays of live streams."""

    name = "live_stream_plays"
    path = "/analytics/live-streams/plays"
    media_dimension = "liveStreamId"
    ids_setting = "live_stream_ids"


class DataStream(ApiVideoStream):
    """A ``/data`` endpoint per day: ``from`` = midnight UTC, ``to`` = the next (exclusive).

    Always the whole project, never filtered by media: the 2025-01 spec (parameter ``filterBy``,
    docs/vendors/apivideo.md#filters) says "The API only accepts the `mediaId` and `mediaType`
    filters when you call `/data/metrics/play/total` or `/data/buckets/play-total/media-id`".
    Per-media figures are the rows of the ``media-id`` breakdown (``buckets``), which hold every
    media's value; with ``video_ids``/``live_stream_ids`` set, only those media's rows are kept.
    """

    by_day = True
    replication_key = "day"
    explicit_bookmarks = True
    is_sorted = True
    check_sorted = False
    #: The endpoint's path, filled from each request's labels.
    path_template: str
    #: Query parameters every request of the stream sends.
    fixed_params: tuple[tuple[str, str], ...] = ()

    def label_sets(self) -> list[dict[str, str]]:
        """The path labels of one day's requests (metric, aggregation, breakdown)."""
        raise NotImplementedError

    @property
    def partitions(self) -> list[dict]:
        """One: the whole project (the ``mediaId`` of its rows, see ``WHOLE_PROJECT``)."""
        return [{"mediaId": WHOLE_PROJECT}]

    def requests_for_day(self, context: Context | None, day: datetime.date) -> list[DayRequest]:  # noqa: ARG002
        """One request per label set, each for the whole day."""
        params = (
            ("from", api_datetime(day_start(day))),
            ("to", api_datetime(day_start(day + datetime.timedelta(days=1)))),
            *self.fixed_params,
        )
        return [
            DayRequest(
                path=self.path_template.format(**labels),
                params=params,
                labels=(*labels.items(), ("mediaId", WHOLE_PROJECT)),
            )
            for labels in self.label_sets()
        ]


class MetricsStream(DataStream):
    """Every metric × aggregation, per day (``/data/metrics/{metric}/{aggregation}``)."""

    name = "metrics"
    path = "/data/metrics"
    path_template = "/data/metrics/{metric}/{aggregation}"
    primary_keys = ("project_id", "day", "metric", "aggregation", "mediaId")
    schema = METRICS_SCHEMA
    is_paged = False

    def label_sets(self) -> list[dict[str, str]]:
        """Every pair the spec allows."""
        return [{"metric": m, "aggregation": a} for m, a in METRIC_AGGREGATIONS]

    def parse_response(self, response: requests.Response) -> list[dict]:
        """The one number under ``data``, with the timeframe the API echoed."""
        body = json_body(response)
        if not isinstance(body, dict):
            return []
        timeframe = (body.get("context") or {}).get("timeframe") or {}
        row = {"metricValue": body.get("data")}
        return [{**row, "from": timeframe.get("from"), "to": timeframe.get("to")}]


class BucketsStream(DataStream):
    """Every metric × breakdown, per day (``/data/buckets/{metric}/{breakdown}``)."""

    name = "buckets"
    path = "/data/buckets"
    path_template = "/data/buckets/{metric}/{breakdown}"
    primary_keys = ("project_id", "bucketKey")
    schema = BUCKETS_SCHEMA
    #: What identifies a bucket; its digest is the key (see ``post_process``).
    BUCKET_IDENTITY = ("day", "metric", "breakdown", "dimensionValue", "mediaId")

    def label_sets(self) -> list[dict[str, str]]:
        """Every pair the spec allows."""
        return [{"metric": m, "breakdown": b} for m, b in bucket_pairs()]

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Keyed by a digest: ``dimensionValue`` may be ``""``, which no key column can hold.

        The spec: "View events from Android and iOS return empty strings as the value for referrer"
        (docs/vendors/apivideo.md#metrics). Some targets (target-duckdb) load an empty string as
        NULL, and a NULL in a key column fails the load.
        """
        row = super().post_process(row, context)
        if not self.is_wanted_media(row):
            return None
        row["bucketKey"] = stable_key(row, self.BUCKET_IDENTITY)
        return row

    def is_wanted_media(self, row: dict) -> bool:
        """Rows of the ``media-id`` breakdown: only the configured media's, when some are set."""
        if row.get("breakdown") != "media-id" or not self.wanted_media:
            return True
        return row.get("dimensionValue") in self.wanted_media

    @cached_property
    def wanted_media(self) -> frozenset[str]:
        """``video_ids`` and ``live_stream_ids`` together (the breakdown mixes both kinds)."""
        ids = media_filters(self.config, "video_ids", "live_stream_ids")
        return frozenset(ids) - {WHOLE_PROJECT}


class TimeseriesStream(DataStream):
    """Every metric by hour, per day (``/data/timeseries/{metric}?interval=hour``)."""

    name = "timeseries"
    path = "/data/timeseries"
    path_template = "/data/timeseries/{metric}"
    fixed_params = (("interval", "hour"),)
    primary_keys = ("project_id", "metric", "emittedAt", "mediaId")
    schema = TIMESERIES_SCHEMA

    def label_sets(self) -> list[dict[str, str]]:
        """Every metric."""
        return [{"metric": metric} for metric in TIMESERIES_METRICS]

    def parse_response(self, response: requests.Response) -> list[dict]:
        """The hours, ``emittedAt`` as RFC 3339 whichever of the spec's two forms the API sent.

        Here rather than in ``post_process``: an error is then the partition's
        (skipped, bookmark kept), not the run's.
        """
        rows = super().parse_response(response)
        for row in rows:
            row["emittedAt"] = rfc3339_emitted_at(row.get("emittedAt"))
        return rows


#: The 2025-01 spec's timeseries example (docs/vendors/apivideo.md#timeseries) writes hours as
#: ``2024-05-29T07+00:00:00:00``
#: (GET_metrics-over-time, "Impression time from a certain date": rows 07, 08, 09
#: of a request by hour). Read as: the date, the hour, the UTC offset, then
#: minutes and seconds - an ATOM format string with the offset put after the
#: hour - so it is 2024-05-29T07:00:00+00:00. The schema text says "ATOM
#: date-time format", which every other row follows.
SPEC_EXAMPLE_HOUR = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})T(?P<hour>\d{2})"
    r"(?P<offset>[+-]\d{2}:\d{2}):(?P<min>\d{2}):(?P<sec>\d{2})"
)


def rfc3339_emitted_at(value: t.Any) -> str:  # noqa: ANN401
    """An ``emittedAt`` as an RFC 3339 date-time; raises if it is neither documented form.

    A value in no known form fails its partition (bookmark kept) rather than
    landing as a key the schema's ``date-time`` does not hold.
    """
    text = str(value)
    odd = SPEC_EXAMPLE_HOUR.fullmatch(text)
    if odd:
        return f"{odd['day']}T{odd['hour']}:{odd['min']}:{odd['sec']}{odd['offset']}"
    try:
        parse_datetime(text)
    except ValueError:
        msg = f"timeseries emittedAt {text!r} is neither ATOM nor the spec example's form"
        raise FatalAPIError(msg) from None
    return text


#: The tap's stream registry: every stream, declared once (its class, and on the class
#: whether a run without a catalog selects it: ``selected_by_default``). Everything else
#: that names streams (discovery, meltano.yml's ``select``, the READMEs, the emulator,
#: the dbt sources, the tests) derives from it or is checked against it
#: (tests/unit/test_registry.py). ``session_events`` is also attached to
#: ``live_stream_sessions`` by the tap.
STREAMS: tuple[type[ApiVideoStream], ...] = (
    VideosStream,
    LiveStreamsStream,
    VideoSessionsStream,
    LiveStreamSessionsStream,
    SessionEventsStream,
    VideoPlaysStream,
    LiveStreamPlaysStream,
    MetricsStream,
    BucketsStream,
    TimeseriesStream,
)
