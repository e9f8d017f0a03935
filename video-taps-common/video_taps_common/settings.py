"""Settings every tap of the family reads the same way, and how their values are checked.

JSON Schema's ``format: date-time`` is only an annotation for the SDK's config
validator, so ``start_date: "yesterday"`` used to pass validation and fail later
with a bare ``ValueError`` after SCHEMA messages were written. These checks run
when the config is read, and every message names the setting and what it takes.
"""

from __future__ import annotations

import datetime
import typing as t
from urllib.parse import urlsplit

from singer_sdk import typing as th

#: What a user may write for a date setting, shown in every date error.
DATE_FORMAT_HINT = "an ISO-8601 date or date-time such as 2026-01-31 or 2026-01-31T00:00:00Z"


def parse_datetime(value: str) -> datetime.datetime:
    """An ISO-8601 date or date-time as an aware UTC datetime (naive means UTC).

    Raises:
        ValueError: the text is not such a date.
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return as_utc(datetime.datetime.fromisoformat(text))


def as_utc(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def date_setting_errors(
    config: t.Mapping[str, t.Any],
    names: t.Iterable[str],
    *,
    ordered: tuple[str, str] | None = ("start_date", "end_date"),
) -> list[str]:
    """Messages for date settings that do not parse, or whose order is impossible."""
    errors: list[str] = []
    parsed: dict[str, datetime.datetime] = {}
    for name in names:
        value = config.get(name)
        if value in (None, ""):
            continue
        try:
            parsed[name] = parse_datetime(str(value))
        except ValueError:
            errors.append(f"setting `{name}`: expected {DATE_FORMAT_HINT}, got {value!r}")
    if ordered and all(name in parsed for name in ordered):
        first, last = ordered
        if parsed[first] > parsed[last]:
            errors.append(
                f"setting `{first}` ({config[first]}) is after `{last}` ({config[last]}): "
                "nothing could be synced; make the start earlier or the end later"
            )
    return errors


def start_date_in_future_errors(
    config: t.Mapping[str, t.Any], now: datetime.datetime, name: str = "start_date"
) -> list[str]:
    """A ``start_date`` later than now: the run would load nothing and exit 0, night after night.

    Meltano turns free text into dates for ``date_iso8601`` settings
    ("next tuesday" becomes a date in the future), so such a date is not
    always a typo a user would see.
    """
    value = config.get(name)
    if value in (None, ""):
        return []
    try:
        start = parse_datetime(str(value))
    except ValueError:
        return []  # reported by date_setting_errors
    if start <= now:
        return []
    return [
        f"setting `{name}` ({value}) is in the future (now is {now.isoformat(timespec='seconds')}):"
        " nothing could be synced; set a date in the past (Meltano turns free text such as "
        "'next tuesday' into a date, so check what `meltano config list` shows)"
    ]


def url_setting_errors(config: t.Mapping[str, t.Any], names: t.Iterable[str]) -> list[str]:
    """Messages for URL settings that are not absolute http(s) URLs.

    Without this, an unset variable in a meltano.yml value such as
    ``${HOST}/v1`` became the URL ``/v1``, and the run failed at its first
    request with "Invalid URL '/v1/...': No scheme supplied", naming no setting.
    """
    errors: list[str] = []
    for name in names:
        value = config.get(name)
        if value is None:
            continue
        parts = urlsplit(str(value).strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(
                f"setting `{name}`: expected an absolute http(s) URL such as "
                f"https://api.example.com/v1, got {value!r}"
            )
    return errors


def request_timeout_property(default_seconds: int) -> th.Property:
    """``request_timeout_seconds``: how long one request may take before it is retried.

    The SDK waits 300 s per try; with retries a hung server then took 41 minutes
    to fail. Each tap picks a default that fits how fast its API answers.
    """
    return th.Property(
        "request_timeout_seconds",
        th.IntegerType(minimum=1, maximum=600),
        default=default_seconds,
        title="Request Timeout Seconds",
        description=(
            "Seconds to wait for one response before the request is retried "
            f"(default {default_seconds})."
        ),
    )


def max_concurrent_requests_property(default: int = 8, maximum: int = 64) -> th.Property:
    """``max_concurrent_requests``: pages in flight at once, under the tap's rate budget."""
    return th.Property(
        "max_concurrent_requests",
        th.IntegerType(minimum=1, maximum=maximum),
        default=default,
        title="Max Concurrent Requests",
        description="Requests in flight at once; enough to cover latency at the rate limit.",
    )


def client_credentials_properties(
    *,
    vendor: str,
    client_id_description: str,
    oauth_url: str,
    required: bool = True,
) -> list[th.Property]:
    """``client_id``, ``client_secret`` and ``oauth_url``: the OAuth client-credentials flow.

    Declared once so every tap that gets tokens this way marks the same
    setting secret; ``required=False`` for a tap that also takes another kind
    of credential and checks that exactly one is given.
    """
    return [
        th.Property(
            "client_id",
            th.StringType(min_length=1),
            required=required,
            title="Client ID",
            description=client_id_description,
        ),
        th.Property(
            "client_secret",
            th.StringType(min_length=1),
            required=required,
            secret=True,
            title="Client Secret",
            description=f"{vendor} client secret.",
        ),
        th.Property(
            "oauth_url",
            th.StringType,
            default=oauth_url,
            title="OAuth URL",
            description=f"{vendor} access token endpoint.",
        ),
    ]


def account_ids_property() -> th.Property:
    """``account_ids``: the Brightcove accounts, each its own state partition."""
    return th.Property(
        "account_ids",
        th.ArrayType(th.StringType(min_length=1)),
        required=True,
        title="Account IDs",
        description="Video Cloud account ids; each is synced with its own bookmark.",
    )
