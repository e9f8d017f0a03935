"""The Audience API's ground truth as the end-to-end tests reconcile with it.

Shared by every test that runs the real meltano CLI against the emulator: the
demo environment's accounts and start date, rows per stream the API holds, the
bookmarks meltano stored, and where a run resumed from them starts reading.
"""

from __future__ import annotations

import datetime

ACCOUNTS = ["6415818918001", "6415818919001"]  # the demo environment's accounts
START_MS = 1_767_225_600_000  # the demo environment's start_date, 2026-01-01
STREAMS = ("view_events", "leads")


def default_lookback_ms() -> int:
    """The tap's default ``lookback_minutes``: a resumed run re-reads this much."""
    from tap_brightcove_audience.tap import TapBrightcoveAudience

    properties = TapBrightcoveAudience.config_jsonschema["properties"]
    return int(properties["lookback_minutes"]["default"]) * 60_000


def truth_counts(
    emulator, accounts=ACCOUNTS, since_ms: dict[tuple[str, str], int] | None = None
) -> dict[str, int]:
    """Rows per stream the API holds for ``accounts`` from the start date (or ``since_ms``) on."""
    return {
        stream: sum(
            emulator.truth(
                "brightcove_audience",
                account_id=account,
                stream=stream,
                from_=(since_ms or {}).get((stream, account), START_MS),
            )["count"]
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
