"""tap-ibm-video: settings and the stream list."""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import typing as th

from tap_ibm_video import streams
from tap_ibm_video.auth import IbmVideoOAuthAuthenticator
from tap_ibm_video.client import MAX_PAGE_SIZE
from tap_ibm_video.schemas import ACCOUNT
from video_taps_common.header_budget import HeaderRateBudget, RateLimitHeaders
from video_taps_common.settings import (
    client_credentials_properties,
    max_concurrent_requests_property,
    request_timeout_property,
)
from video_taps_common.tap_base import VideoTap

DEFAULT_API_URL = "https://analytics-api.video.ibm.com/v1"
DEFAULT_OAUTH_URL = "https://video.ibm.com/oauth2/token"
#: The doc's ``content_type`` path values (docs/vendors/ibm-video.md#endpoints).
CONTENT_TYPES = ("live", "recorded")
#: "Depending on your query and the underlying data size the response might
#: take a minute" (docs/vendors/ibm-video.md#response-times): two minutes before a try is retried.
REQUEST_TIMEOUT_SECONDS = 120
#: Slow responses of up to 10,000 rows each: a few in flight keep the sync
#: moving without holding many large pages at once.
DEFAULT_MAX_CONCURRENT_REQUESTS = 4
#: The docs say nothing about late processing (docs/vendors/ibm-video.md#processing-lag); views are
#: final when they finish, so a short look-back covers a delay of minutes. Raise it if views appear
#: later than that.
DEFAULT_LOOKBACK_HOURS = 2
#: docs/vendors/ibm-video.md#rate-limits: X-RateLimit-Limit/-Remaining, and
#: X-RateLimit-Reset as a Unix timestamp; the docs give no numbers.
RATE_LIMIT_HEADERS = RateLimitHeaders(
    limit="X-RateLimit-Limit",
    remaining="X-RateLimit-Remaining",
    reset="X-RateLimit-Reset",
    reset_is_timestamp=True,
)


class TapIbmVideo(VideoTap):
    """Singer tap for IBM Video Streaming analytics: views and viewers."""

    name = "tap-ibm-video"
    tenant = ACCOUNT

    config_jsonschema = th.PropertiesList(
        *client_credentials_properties(
            vendor="IBM Video Streaming API",
            client_id_description="IBM Video Streaming API client id (client-credentials flow).",
            oauth_url=DEFAULT_OAUTH_URL,
        ),
        ACCOUNT.setting_property(),
        th.Property(
            "start_date",
            th.DateTimeType,
            required=True,
            title="Start Date",
            description="Earliest view start to sync; views overlapping it are included.",
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            title="End Date",
            description="End of the range to sync; defaults to the moment the sync starts.",
        ),
        th.Property(
            "api_url",
            th.StringType,
            default=DEFAULT_API_URL,
            title="API URL",
            description="Analytics API root, including /v1.",
        ),
        th.Property(
            "content_types",
            th.ArrayType(th.StringType),
            title="Content Types",
            description=(
                "Read /views/{content_type} and /viewers/{content_type} for each of these "
                "(live, recorded), each with its own bookmark; unset reads /views and /viewers."
            ),
        ),
        th.Property(
            "content_ids",
            th.ArrayType(th.IntegerType(minimum=1)),
            title="Content IDs",
            description="Only these channel or video ids (needs content_types).",
        ),
        th.Property(
            "window_hours",
            th.IntegerType(minimum=1, maximum=24 * 31),
            default=24,
            title="Window Hours",
            description="Hours of views asked for in one request range.",
        ),
        th.Property(
            "lookback_hours",
            th.IntegerType(minimum=0, maximum=24 * 31),
            default=DEFAULT_LOOKBACK_HOURS,
            title="Lookback Hours",
            description=(
                "Each sync re-reads this many hours before the bookmark, for views the API "
                "processes late; the cost is re-reading that much every sync."
            ),
        ),
        th.Property(
            "list_unfinished_segments",
            th.BooleanType,
            default=True,
            title="List Unfinished Segments",
            description=(
                "Include views still in progress (the API's default); they are emitted again "
                "with their final values by a later sync."
            ),
        ),
        th.Property(
            "page_size",
            th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
            default=1000,
            title="Page Size",
            description="Items per request (the API's `_limit`), 1 to 10000.",
        ),
        request_timeout_property(REQUEST_TIMEOUT_SECONDS),
        max_concurrent_requests_property(default=DEFAULT_MAX_CONCURRENT_REQUESTS, maximum=16),
    ).to_dict()

    # The SDK's helpers cannot put an enum on array items; a typo such as
    # "recordings" must fail before any request, naming the setting.
    config_jsonschema["properties"]["content_types"]["items"]["enum"] = list(CONTENT_TYPES)

    def discover_streams(self) -> list[streams.IbmVideoStream]:
        """Every stream of ``streams.STREAMS``: views and viewers."""
        return [stream_class(self) for stream_class in streams.STREAMS]

    def cross_setting_errors(self, config: t.Mapping[str, t.Any]) -> list[str]:
        """``content_id`` exists only on the ``/{content_type}`` paths."""
        if config.get("content_ids") and not config.get("content_types"):
            return [
                "setting `content_ids` needs `content_types`: the API filters by content id "
                "only on /views/{content_type} and /viewers/{content_type}"
            ]
        return []

    def default_tenant_label(self) -> tuple[str, str]:
        """The ``client_id``: not secret, and one client reads one account."""
        return str(self.config["client_id"]), "unset `account_id`: the `client_id`"

    def prepare_run(self) -> None:
        """Warn of bookmarks the configured content types leave unread."""
        for warning in self.ignored_bookmark_warnings():
            self.logger.warning("%s", warning)

    def ignored_bookmark_warnings(self) -> list[str]:
        """Bookmarks in the state that ``content_types`` makes the tap ignore.

        Content types are partitions with bookmarks of their own, and the
        all-content paths have one too; a state written with other
        ``content_types`` would otherwise be passed over without a word, the
        sync starting over from ``start_date`` or from an older bookmark.
        """
        bookmarks = self.state.get("bookmarks") or {}
        configured = ", ".join(self.content_types)
        warnings = []
        for stream in self.streams.values():
            stream_state = bookmarks.get(stream.tap_stream_id)
            if not stream.replication_key or not isinstance(stream_state, dict):
                continue
            where = f"stream `{stream.name}`"
            ignored = {
                content_type: value
                for content_type, value in content_type_bookmarks(stream_state).items()
                if content_type not in self.content_types
            }
            if ignored:
                listed = ", ".join(f"{kind} (at {value})" for kind, value in ignored.items())
                reads = (
                    f"`content_types` is {configured}"
                    if self.content_types
                    else f"`content_types` is unset, so the tap reads {stream.path} for all "
                    "content from its own bookmark"
                )
                warnings.append(
                    f"{where}: the state's bookmarks for content type partitions {listed} are "
                    f"ignored: setting {reads}. Set `content_types` to include them to resume "
                    "those partitions."
                )
            all_content = stream_state.get("replication_key_value")
            if self.content_types and all_content:
                warnings.append(
                    f"{where}: the state's bookmark for all content (at {all_content}) is "
                    f"ignored: setting `content_types` is {configured}, and each content type "
                    "has a bookmark of its own (one without starts at `start_date`)."
                )
        return warnings

    @cached_property
    def content_types(self) -> list[str]:
        """Configured content types, duplicates dropped, order kept."""
        return list(dict.fromkeys(self.config.get("content_types") or []))

    @cached_property
    def rate_budget(self) -> HeaderRateBudget:
        """Paced by the API's X-RateLimit headers; it publishes no numbers."""
        return HeaderRateBudget(RATE_LIMIT_HEADERS)

    #: Windows end at the API's "now": views the API holds end there, and a
    #: machine clock ahead of it would read empty windows against the rate limit.
    clock_from_token_answer = True

    @cached_property
    def authenticator(self) -> IbmVideoOAuthAuthenticator:
        """One JWT shared by all streams, renewed before it expires."""
        return IbmVideoOAuthAuthenticator(
            client_id=self.config["client_id"],
            client_secret=self.config["client_secret"],
            auth_endpoint=self.config["oauth_url"],
            timeout_seconds=float(self.config["request_timeout_seconds"]),
        )


def content_type_bookmarks(stream_state: dict) -> dict[str, str]:
    """``content_type`` -> bookmark of a stream state's partitions that hold one."""
    return {
        str((entry.get("context") or {}).get("content_type")): str(entry["replication_key_value"])
        for entry in stream_state.get("partitions") or []
        if isinstance(entry, dict) and entry.get("replication_key_value")
    }


if __name__ == "__main__":
    TapIbmVideo.cli()
