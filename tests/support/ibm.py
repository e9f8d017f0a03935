"""The IBM Video emulator's ground truth as the tap tests reconcile with it."""

from __future__ import annotations

import datetime

from tests.support.registry import all_streams
from video_api_emulator.process import EmulatorProcess

TAP = "tap-ibm-video"
#: Every stream of the tap, from its registry.
STREAMS = all_streams(TAP)
START = "2026-01-01T00:00:00+00:00"
CLIENT_ID = "emulator-ibm-client-id"
CLIENT_SECRET = "emulator-ibm-client-secret"
#: Far beyond the emulator's data, so truth covers every view a sync can see.
END_OF_TIME = "2100-01-01T00:00:00+00:00"


def ibm_config(emulator: EmulatorProcess, **overrides: object) -> dict:
    """The tap's settings against the emulator; weekly windows keep syncs short."""
    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "start_date": START,
        "api_url": f"{emulator.url}/ibm-analytics/v1",
        "oauth_url": f"{emulator.url}/oauth2/token",
        "window_hours": 24 * 7,
    }
    config.update(overrides)
    return config


def views_truth(
    emulator: EmulatorProcess,
    start: str = START,
    end: str = END_OF_TIME,
    **params: object,
) -> list[dict]:
    """Every view the API shows now overlapping [start, end), in the API's order.

    Of the first client's account, or of ``client=<client_id>``'s.
    """
    answer = emulator.truth(
        "ibm_video", stream="views", from_=start, to=end, records=True, **params
    )
    assert answer["count"] == len(answer["records"])
    return answer["records"]


def viewers_truth(emulator: EmulatorProcess, client: str = CLIENT_ID) -> list[dict]:
    """Every viewer as ``GET /viewers`` lists them, of ``client``'s account."""
    answer = emulator.truth("ibm_video", stream="viewers", client=client, records=True)
    assert answer["count"] == len(answer["records"])
    return answer["records"]


def as_emitted_view(api_view: dict, declared: set[str], account_id: str = CLIENT_ID) -> dict:
    """What the tap must emit for an API view: one type per field, every declared field.

    And the account it was read from (by default the ``client_id`` that read it).
    """
    record = dict.fromkeys(declared)
    record.update(api_view)
    record["account_id"] = account_id
    content_id = record.get("content_id")
    if isinstance(content_id, str):
        record["content_id"] = int(content_id)
    return record


def parse_time(value: str) -> datetime.datetime:
    """An API or bookmark timestamp as an aware datetime."""
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
