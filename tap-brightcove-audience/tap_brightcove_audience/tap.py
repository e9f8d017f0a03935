"""tap-brightcove-audience: settings and the stream list."""

from __future__ import annotations

from functools import cached_property

from singer_sdk import typing as th

from tap_brightcove_audience import streams
from video_taps_common import RateBudget
from video_taps_common.brightcove_oauth import BRIGHTCOVE_OAUTH_URL, BrightcoveOAuthAuthenticator
from video_taps_common.settings import (
    account_ids_property,
    client_credentials_properties,
    max_concurrent_requests_property,
    request_timeout_property,
)
from video_taps_common.tap_base import VideoTap

DEFAULT_API_URL = "https://audience.api.brightcove.com/v1"
#: "Usage of the API is limited to 50 requests per second per account [and] per
#: IP address" (docs/vendors/brightcove-audience.md#rate-limits): one budget for the whole process.
DOCUMENTED_REQUESTS_PER_SECOND = 50
#: "limit ... maximum: 100" (docs/vendors/brightcove-audience.md#paging).
MAX_PAGE_SIZE = 100
#: View events appear "only once processed" (docs/vendors/brightcove-audience.md#processing-lag) and
#: the docs give no figure for the delay; responses are also cached for about five minutes. Six
#: hours covers the delays the emulator models (minutes, a tail of hours) with room to spare; a
#: nightly sync then re-reads a quarter of a day.
DEFAULT_LOOKBACK_MINUTES = 360
#: The overview shows responses served from a cache (docs/vendors/brightcove-audience.md#caching)
#: and gives no slow operation; a response 30 s late is a stuck one, worth retrying.
REQUEST_TIMEOUT_SECONDS = 30


class TapBrightcoveAudience(VideoTap):
    """Singer tap for Brightcove Audience view events and leads."""

    name = "tap-brightcove-audience"

    config_jsonschema = th.PropertiesList(
        *client_credentials_properties(
            vendor="Brightcove OAuth",
            client_id_description="Brightcove OAuth client id with Audience Read permission.",
            oauth_url=BRIGHTCOVE_OAUTH_URL,
        ),
        account_ids_property(),
        th.Property(
            "start_date",
            th.DateTimeType,
            required=True,
            title="Start Date",
            description="Earliest updated_at (view events) or created_at (leads) to sync.",
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            title="End Date",
            description="Latest timestamp to sync; defaults to the moment the sync starts.",
        ),
        th.Property(
            "api_url",
            th.StringType,
            default=DEFAULT_API_URL,
            title="API URL",
            description="Audience API root, without the /accounts/... part.",
        ),
        th.Property(
            "page_size",
            th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
            default=MAX_PAGE_SIZE,
            title="Page Size",
            description="Items per request (the API's `limit`), 1 to 100.",
        ),
        th.Property(
            "where",
            th.StringType,
            title="Where",
            description="Filter passed through as the API's `where`, e.g. video_id==123.",
        ),
        th.Property(
            "max_requests_per_second",
            th.IntegerType(minimum=1),
            default=DOCUMENTED_REQUESTS_PER_SECOND,
            title="Max Requests Per Second",
            description="Request budget shared by all streams and accounts (API limit: 50).",
        ),
        th.Property(
            "lookback_minutes",
            th.IntegerType(minimum=0, maximum=7 * 24 * 60),
            default=DEFAULT_LOOKBACK_MINUTES,
            title="Lookback Minutes",
            description=(
                "Each sync re-reads this many minutes before the bookmark, for events the "
                "API processes late; the cost is re-reading that much every sync."
            ),
        ),
        max_concurrent_requests_property(),
        request_timeout_property(REQUEST_TIMEOUT_SECONDS),
    ).to_dict()

    # The SDK's ArrayType has no minItems; an empty list would sync nothing silently.
    config_jsonschema["properties"]["account_ids"]["minItems"] = 1

    def discover_streams(self) -> list[streams.AudienceStream]:
        """Every stream of ``streams.STREAMS``: view events and leads."""
        return [stream_class(self) for stream_class in streams.STREAMS]

    @cached_property
    def account_ids(self) -> list[str]:
        """Configured accounts as strings, duplicates dropped, order kept."""
        return list(dict.fromkeys(str(account) for account in self.config["account_ids"]))

    @cached_property
    def rate_budget(self) -> RateBudget:
        """The one request budget every stream and thread draws from."""
        return RateBudget(int(self.config["max_requests_per_second"]))

    @cached_property
    def authenticator(self) -> BrightcoveOAuthAuthenticator:
        """One token shared by all streams, renewed before it expires."""
        return BrightcoveOAuthAuthenticator(
            client_id=self.config["client_id"],
            client_secret=self.config["client_secret"],
            auth_endpoint=self.config["oauth_url"],
            timeout_seconds=float(self.config["request_timeout_seconds"]),
        )


if __name__ == "__main__":
    TapBrightcoveAudience.cli()
