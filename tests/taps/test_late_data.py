"""Late-processed view events: the look-back is what keeps them from being lost.

The Audience API shows a view event "only once processed" and serves cached
answers for about five minutes, so a request can return rows older than rows an
earlier request already returned. The emulator models that lag (minutes, a tail
of up to three hours). Several syncs spaced in emulator time must together
deliver every event the API eventually shows, in its final version; with the
look-back turned off the same syncs lose events for good.
"""

from __future__ import annotations

import datetime

import pytest

from tap_brightcove_audience.schemas import VIEW_EVENT_IDENTITY
from tests.support.audience import TAP, tap_config
from tests.taprun import discover, run_tap, select_only
from video_taps_common import stable_key

ACCOUNT = "6415818918001"
#: The emulator's longest processing lag (see its brightcove_audience module).
MAX_LAG_MS = 3 * 3_600_000


def iso(ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).isoformat()


def run_spaced_syncs(emulator, lookback_minutes: int) -> tuple[dict[str, dict], int]:
    """Five syncs 40 minutes apart; the last emitted version of every key, and the last horizon."""
    # One view event a minute, so every sync boundary has events still in processing.
    emulator.reset(
        audience_view_events_per_account=43_200,
        audience_leads_per_account=0,
        brightcove_accounts=[ACCOUNT],
    )
    horizon = emulator.horizon()["horizon_ms"]
    config = tap_config(
        emulator,
        account_ids=[ACCOUNT],
        start_date=iso(horizon - 86_400_000),
        lookback_minutes=lookback_minutes,
    )
    catalog = select_only(discover(TAP, config), {"view_events"})
    latest: dict[str, dict] = {}
    state = None
    for _ in range(5):
        run = run_tap(TAP, config, catalog=catalog, state=state)
        assert run.returncode == 0, run.stderr[-2000:]
        for record in run.records["view_events"]:
            latest[record["view_event_key"]] = record  # what an upserting target keeps
        state = run.final_state
        horizon = emulator.horizon()["horizon_ms"]
        emulator.advance(40 * 60)
    return latest, horizon


def settled_events(emulator, config_start_ms: int, last_sync_ms: int) -> dict[str, dict]:
    """Every event the API eventually shows whose processing was over by the last sync."""
    answer = emulator.truth(
        account_id=ACCOUNT, stream="view_events", from_=config_start_ms, visible="all", records=True
    )
    settled = {}
    for record in answer["records"]:
        updated = datetime.datetime.fromisoformat(record["updated_at"].replace("Z", "+00:00"))
        if updated.timestamp() * 1000 < last_sync_ms - MAX_LAG_MS:
            key = stable_key({**record, "account_id": ACCOUNT}, VIEW_EVENT_IDENTITY)
            settled[key] = record
    return settled


@pytest.mark.parametrize("lookback_minutes", [360, 0], ids=["default-lookback", "no-lookback"])
def test_every_late_processed_event_arrives_only_with_the_lookback(emulator, lookback_minutes):
    latest, last_sync_ms = run_spaced_syncs(emulator, lookback_minutes)
    first_start = min(
        datetime.datetime.fromisoformat(r["updated_at"].replace("Z", "+00:00")).timestamp()
        for r in latest.values()
    )

    settled = settled_events(emulator, int(first_start * 1000), last_sync_ms)
    missing = [key for key in settled if key not in latest]
    stale = [
        key
        for key, record in settled.items()
        if key in latest and latest[key]["updated_at"] != record["updated_at"]
    ]

    assert len(settled) > 1000
    if lookback_minutes:
        assert missing == []
        assert stale == []
    else:
        # Without the look-back, events processed after a sync passed them are lost.
        assert missing or stale
