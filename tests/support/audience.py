"""The Audience API's ground truth as the tap and end-to-end tests reconcile with it.

The tap's settings against the emulator, the demo environment's accounts and start
date, what the API holds per account and stream (the emulator's truth), the bookmarks
meltano stored, and where a run resumed from them starts reading.
"""

from __future__ import annotations

import datetime

from tests.support.registry import all_streams
from tests.taprun import TapRun
from video_api_emulator import truth as emulator_truth
from video_api_emulator.process import EmulatorProcess

TAP = "tap-brightcove-audience"
ACCOUNTS = ["6415818918001", "6415818919001"]  # the emulator's and the demo environment's
START = "2026-01-01T00:00:00Z"
START_MS = 1_767_225_600_000  # START, and the demo environment's start_date (2026-01-01)
CLIENT_SECRET = "emulator-client-secret"
#: Every stream of the tap, from its registry.
STREAMS = all_streams(TAP)
ADDED_FIELDS = {"account_id", "view_event_key", "lead_key"}
REPLICATION_KEY = {"view_events": "updated_at", "leads": "created_at"}
PRIMARY_KEY = {"view_events": "view_event_key", "leads": "lead_key"}


def tap_config(emulator: EmulatorProcess, **overrides: object) -> dict:
    """The tap's settings against the emulator: both accounts from START."""
    config = {
        "client_id": "emulator-client-id",
        "client_secret": CLIENT_SECRET,
        "account_ids": ACCOUNTS,
        "start_date": START,
        "api_url": f"{emulator.url}/audience/v1",
        "oauth_url": f"{emulator.url}/oauth/v4/access_token",
    }
    config.update(overrides)
    return config


#: The tap's default ``lookback_minutes``: a resumed sync re-reads this much.
LOOKBACK_MS = 360 * 60_000


def resume_point(bookmark: str) -> int:
    """Where a sync resumed from ``bookmark`` starts: the look-back before it, not before START."""
    return max(epoch_ms(bookmark) - LOOKBACK_MS, epoch_ms(START))


def truth(
    emulator: EmulatorProcess, account: str, stream: str, start: str | int = START
) -> list[dict]:
    """What the API holds for one account and stream from ``start`` (ISO or epoch ms) on."""
    answer = emulator.truth(
        "brightcove_audience",
        account_id=account,
        stream=stream,
        from_=start if isinstance(start, int) else epoch_ms(start),
        records=True,
    )
    assert answer["count"] == len(answer["records"])
    return answer["records"]


def epoch_ms(timestamp: str) -> int:
    """The emulator, like the API, takes epoch milliseconds for exact bounds."""
    moment = datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return round(moment.timestamp() * 1000)


def as_api_record(record: dict) -> dict:
    """The emitted record without the fields the tap adds."""
    return {key: value for key, value in record.items() if key not in ADDED_FIELDS}


def as_emitted(run: TapRun, stream: str, api_record: dict) -> dict:
    """What the tap must emit for an API record: every declared field, null where absent."""
    declared = set(run.schemas[stream]["schema"]["properties"]) - ADDED_FIELDS
    assert set(api_record) <= declared, set(api_record) - declared
    return {field: api_record.get(field) for field in declared}


def assert_matches_truth(
    run: TapRun, emulator: EmulatorProcess, streams: tuple[str, ...] = STREAMS, start: str = START
) -> None:
    """Every stream's records of every account exactly as the API holds them, in its order."""
    assert run.returncode == 0, run.stderr[-3000:]
    for stream in streams:
        for account in ACCOUNTS:
            expected = [as_emitted(run, stream, r) for r in truth(emulator, account, stream, start)]
            emitted = run.records_for(stream, account)
            assert [as_api_record(r) for r in emitted] == expected, (stream, account)


def data_requests(stats: dict) -> int:
    """Requests the Audience API answered (its data routes and its 404s)."""
    return sum(n for route, n in stats["requests_by_route"].items() if "audience" in route)


# What meltano stored ------------------------------------------------------------


def default_lookback_ms() -> int:
    """The tap's default ``lookback_minutes``: a resumed run re-reads this much."""
    from tap_brightcove_audience.tap import TapBrightcoveAudience  # noqa: PLC0415

    properties = TapBrightcoveAudience.config_jsonschema["properties"]
    return int(properties["lookback_minutes"]["default"]) * 60_000


def truth_counts(
    emulator: EmulatorProcess,
    accounts: list[str] = ACCOUNTS,
    since_ms: dict[tuple[str, str], int] | None = None,
) -> dict[str, int]:
    """Rows per stream the API holds for ``accounts`` from the start date (or ``since_ms``) on."""
    return {
        stream: sum(
            emulator_truth.audience_rows(
                emulator,
                stream,
                accounts=[account],
                since_ms=(since_ms or {}).get((stream, account), START_MS),
            )
            for account in accounts
        )
        for stream in STREAMS
    }


def bookmarks_ms(state: dict) -> dict[tuple[str, str], int]:
    """(stream, account) -> bookmark in epoch ms from a meltano-stored state, where one is set."""
    found = {}
    for stream in STREAMS:
        for partition in state["singer_state"]["bookmarks"][stream]["partitions"]:
            value = partition.get("replication_key_value")
            if value is None:
                continue
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            found[(stream, partition["context"]["account_id"])] = round(moment.timestamp() * 1000)
    return found


def resumed_from(state: dict, lookback_ms: int) -> dict[tuple[str, str], int]:
    """Where a run that starts from ``state`` reads from: each bookmark minus the look-back."""
    return {slot: max(ms - lookback_ms, START_MS) for slot, ms in bookmarks_ms(state).items()}
