"""tap-apivideo: settings and the stream list."""

from __future__ import annotations

import datetime
import hashlib
import re
import typing as t
from functools import cached_property

from singer_sdk import typing as th

from tap_apivideo import streams
from tap_apivideo.auth import ApiVideoAuthenticator
from tap_apivideo.client import MAX_PAGE_SIZE
from tap_apivideo.schemas import PROJECT
from video_taps_common.header_budget import HeaderRateBudget, RateLimitHeaders
from video_taps_common.settings import (
    max_concurrent_requests_property,
    parse_datetime,
    request_timeout_property,
)
from video_taps_common.tap_base import RenamedSetting, VideoTap

if t.TYPE_CHECKING:
    from singer_sdk import Stream

DEFAULT_API_URL = "https://ws.api.video"
#: One request per session's events: enough in flight to cover 100 ms of
#: latency at the production limit of 500 reads a minute (about 8 a second).
DEFAULT_MAX_CONCURRENT_REQUESTS = 8
#: The docs give no response-time figure (docs/vendors/apivideo.md#response-times); list and
#: analytics calls are small.
REQUEST_TIMEOUT_SECONDS = 60
#: The 2024-07 spec's response headers (docs/vendors/apivideo.md#rate-limits):
#: X-RateLimit-Limit/-Remaining, and X-RateLimit-Retry-After in seconds from now.
RATE_LIMIT_HEADERS = RateLimitHeaders(
    limit="X-RateLimit-Limit",
    remaining="X-RateLimit-Remaining",
    reset="X-RateLimit-Retry-After",
    reset_is_timestamp=False,
)

#: Media id settings: the prefix and kind of their ids (docs/vendors/apivideo.md#sample-values). The
#: spec gives no pattern; every id it shows is its prefix (``vi`` videos, ``li`` live streams) then
#: letters and digits (``vi4k0jvEUuaTdRAEjQ4Prklg``), 18 to 23 of them across its examples, so the
#: length is not checked.
MEDIA_ID_SETTINGS = {"video_ids": ("vi", "video"), "live_stream_ids": ("li", "live stream")}


def media_id_errors(ids: t.Any, setting: str, prefix: str, kind: str) -> list[str]:  # noqa: ANN401
    """One message per id of ``setting`` that is not ``prefix`` followed by letters and digits."""
    if not isinstance(ids, list):
        return []  # absent; a wrong type is the schema's message
    pattern = re.compile(rf"{prefix}[A-Za-z0-9]+")
    return [
        f"setting `{setting}`: item {index + 1} ({media_id!r}) is not an api.video {kind} id "
        f"(`{prefix}` followed by letters and digits, e.g. {prefix}4k0jvEUuaTdRAEjQ4Prklg)"
        for index, media_id in enumerate(ids)
        if not (isinstance(media_id, str) and pattern.fullmatch(media_id))
    ]


def key_label(api_key: str) -> str:
    """``key-`` and 12 hex digits of the key's SHA-256: stable per key, reveals nothing of it."""
    return "key-" + hashlib.sha256(api_key.encode()).hexdigest()[:12]


def empty_range_errors(config: t.Mapping[str, t.Any], today: datetime.date) -> list[str]:
    """A ``start_date`` today (or an ``end_date`` on its day): no whole day to read.

    Analytics are read by whole UTC days, up to the start of today (a day is
    complete once it is over) or of ``end_date``; such a run synced no
    analytics and ended 0, night after night for a start_date that stayed.
    """
    try:
        start = parse_datetime(str(config["start_date"])).date()
        end = parse_datetime(str(config["end_date"])).date() if config.get("end_date") else None
    except (KeyError, ValueError):
        return []  # reported by the date checks
    yesterday = today - datetime.timedelta(days=1)
    if start >= today and (end is None or end > start):
        return [
            f"setting `start_date` ({config['start_date']}) is today: api.video analytics are "
            "read in whole UTC days and a run reads up to the start of today, so it would sync "
            f"no analytics; the earliest day it can read is yesterday, {yesterday.isoformat()}. "
            f"Set `start_date` to {yesterday.isoformat()} or earlier (the API keeps 30 days)"
        ]
    if end is not None and end <= start:
        return [
            f"setting `end_date` ({config['end_date']}) is on the day of `start_date` "
            f"({config['start_date']}): the days before `end_date` are synced, so none would "
            f"be; set `end_date` to {(start + datetime.timedelta(days=1)).isoformat()} or later"
        ]
    return []


class TapApiVideo(VideoTap):
    """Singer tap for api.video: media, plays, player sessions and events, /data analytics."""

    name = "tap-apivideo"
    tenant = PROJECT

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_key",
            th.StringType(min_length=1),
            required=True,
            secret=True,
            title="API Key",
            description="The api.video project's API key; one key is one project.",
        ),
        PROJECT.setting_property(),
        th.Property(
            "start_date",
            th.DateTimeType,
            required=True,
            title="Start Date",
            description=(
                "First day to sync. Plays and /data analytics reach back only 30 days: an older "
                "date is moved up with a WARNING."
            ),
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            title="End Date",
            description="Sync days before this one; defaults to today (days are synced once over).",
        ),
        th.Property(
            "api_url",
            th.StringType,
            default=DEFAULT_API_URL,
            title="API URL",
            description="https://ws.api.video, or the sandbox https://sandbox.api.video.",
        ),
        th.Property(
            "dimensions",
            th.ArrayType(th.StringType),
            default=list(streams.PLAYS_DIMENSIONS),
            title="Dimensions",
            description=(
                "Dimensions of video_plays and live_stream_plays (default all six); videoId "
                "means the media id (liveStreamId for live streams)."
            ),
        ),
        th.Property(
            "video_ids",
            th.ArrayType(th.StringType),
            title="Video IDs",
            description=(
                "Only these videos, ids vi... (videos, their sessions, plays, their media-id "
                "rows in buckets)."
            ),
        ),
        th.Property(
            "live_stream_ids",
            th.ArrayType(th.StringType),
            title="Live Stream IDs",
            description=(
                "Only these live streams, ids li... (live_streams, their sessions, plays, their "
                "media-id rows in buckets)."
            ),
        ),
        th.Property(
            # Not `metadata`: Meltano reads TAP_APIVIDEO_METADATA as its own `metadata`
            # extra (catalog metadata rules), so a setting of that name could not be
            # given by its environment variable.
            "video_metadata",
            th.ObjectType(additional_properties=th.StringType),
            title="Video Metadata",
            description=(
                "Only video sessions whose video metadata has these key/value pairs "
                "(the API's metadata[key]=value filter)."
            ),
        ),
        th.Property(
            "page_size",
            th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
            default=MAX_PAGE_SIZE,
            title="Page Size",
            description="Items per request (the API's pageSize), 1 to 100.",
        ),
        request_timeout_property(REQUEST_TIMEOUT_SECONDS),
        max_concurrent_requests_property(default=DEFAULT_MAX_CONCURRENT_REQUESTS, maximum=32),
    ).to_dict()

    # A typo such as "devicetype" must fail before any request, naming the setting.
    config_jsonschema["properties"]["dimensions"]["items"]["enum"] = [
        *streams.PLAYS_DIMENSIONS,
        "liveStreamId",
    ]

    #: `video_metadata` was first called `metadata` (see its Property's comment); a
    #: configuration that still says so would otherwise sync every video's sessions.
    renamed_settings = (RenamedSetting("metadata", "video_metadata"),)

    def cross_setting_errors(self, config: t.Mapping[str, t.Any]) -> list[str]:
        """Media ids that cannot name a video or live stream, and days that read nothing.

        Unchecked, an empty string or a typo reached the API only after every
        media list and day before it (965 requests in one report) and then
        failed one partition at a time.
        """
        return [
            problem
            for setting, (prefix, kind) in MEDIA_ID_SETTINGS.items()
            for problem in media_id_errors(config.get(setting), setting, prefix, kind)
        ] + empty_range_errors(config, datetime.datetime.now(datetime.UTC).date())

    def default_tenant_label(self) -> tuple[str, str]:
        """The project id the access token names; else a digest of the key (with a WARNING)."""
        self.authenticator.ensure_token()
        named = self.authenticator.project_id
        if named:
            return named, "unset `project_id`: the project id the API's access token names"
        label = key_label(str(self.config["api_key"]))
        self.logger.warning(
            "The API's access token names no project: rows are labelled project_id=%r, from "
            "a digest of the API key, which changes when the key is rotated. Set `project_id` "
            "to keep one label.",
            label,
        )
        return label, "unset `project_id`, and no project in the access token: a digest of the key"

    def discover_streams(self) -> list[Stream]:
        """Every stream of ``streams.STREAMS``: media, sessions and events, plays, ``/data``."""
        return [stream_class(self) for stream_class in streams.STREAMS]

    def load_streams(self) -> list[Stream]:
        """The SDK's, with ``session_events`` also a child of ``live_stream_sessions``.

        The SDK links a child to one parent class; events belong to sessions of
        both kinds.
        """
        loaded = super().load_streams()
        by_name = {stream.name: stream for stream in loaded}
        events = by_name["session_events"]
        live_sessions = by_name["live_stream_sessions"]
        if events not in live_sessions.child_streams:
            live_sessions.child_streams.append(events)
        return loaded

    #: Days are complete, and 30 days old, by the API's clock: a machine whose
    #: clock is off must never ask for a day the API refuses or has not finished.
    clock_from_token_answer = True

    @cached_property
    def plays_dimensions(self) -> list[str]:
        """Configured dimensions; ``liveStreamId`` is the same dimension as ``videoId``."""
        names = [
            "videoId" if d == "liveStreamId" else d for d in self.config.get("dimensions") or []
        ]
        return list(dict.fromkeys(names or streams.PLAYS_DIMENSIONS))

    @cached_property
    def rate_budget(self) -> HeaderRateBudget:
        """Paced by X-RateLimit-Limit/-Remaining/-Retry-After (500 reads a minute in production)."""
        return HeaderRateBudget(RATE_LIMIT_HEADERS)

    @cached_property
    def authenticator(self) -> ApiVideoAuthenticator:
        """One bearer token shared by all streams, refreshed before it expires."""
        return ApiVideoAuthenticator(
            api_key=self.config["api_key"],
            api_url=self.config["api_url"],
            timeout_seconds=float(self.config["request_timeout_seconds"]),
        )


if __name__ == "__main__":
    TapApiVideo.cli()
