"""End to end as a user runs it: `meltano run tap-brightcove-audience <target>`.

Real meltano CLI, real targets (JSONL, DuckDB, a real PostgreSQL started here),
real HTTP to the emulator. For every stream the destination's row count must
equal the API's ground truth; after new data arrives, a second run must add
exactly the new and changed rows.
"""

from __future__ import annotations

import pytest

from tests.support.audience import (
    STREAMS,
    default_lookback_ms,
    resumed_from,
    truth_counts,
)
from tests.support.meltano import (
    DatabaseLoad,
    isolated_env,
    jsonl_row_counts,
    meltano_run,
    meltano_state,
    read_jsonl_output,
    run_state_id,
)

TAP = "tap-brightcove-audience"
#: The extractor's load_schema in meltano.yml.
SCHEMA = "brightcove_audience"

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("meltano_plugins")]


@pytest.mark.parametrize("target", ["target-duckdb", "target-postgres"])
def test_meltano_run_into_a_database_reconciles_and_upserts(target, emulator, postgres, tmp_path):
    load = DatabaseLoad(TAP, target, SCHEMA, workdir=tmp_path, emulator=emulator, postgres=postgres)
    load.run()
    assert load.row_counts() == truth_counts(emulator)
    types = load.column_types("view_events")
    # Counts and seconds are ordinary 64-bit integers, not HUGEINT or NUMERIC.
    assert types["watched"] == types["time_watched"] == "BIGINT"
    assert types["is_synced"] == "BOOLEAN"
    assert "is_synched" not in types
    assert types["updated_at"].startswith("TIMESTAMP")

    emulator.advance(3 * 86_400)
    load.run()
    # Changed view events were upserted in place; only new ones add rows.
    assert load.row_counts() == truth_counts(emulator)


def test_meltano_run_into_jsonl_then_a_second_run_adds_exactly_the_new_and_changed(
    emulator, tmp_path
):
    env = isolated_env(tmp_path, emulator_url=emulator.url)
    state_id = run_state_id(TAP, "target-jsonl", suffix="jsonl")

    meltano_run(TAP, "target-jsonl", env=env, state_id="jsonl")
    first_counts = jsonl_row_counts(tmp_path / "jsonl")
    assert first_counts == truth_counts(emulator)
    first_state = meltano_state(state_id, env=env)
    first_rows = read_jsonl_output(tmp_path / "jsonl")

    emulator.advance(3 * 86_400)
    meltano_run(TAP, "target-jsonl", env=env, state_id="jsonl")

    # target-jsonl appends: what the second run wrote is everything after the first run's rows.
    all_rows = read_jsonl_output(tmp_path / "jsonl")
    second_rows = {stream: all_rows[stream][first_counts[stream] :] for stream in STREAMS}
    # The second run starts lookback_minutes before each bookmark.
    since = resumed_from(first_state, default_lookback_ms())
    expected = truth_counts(emulator, since_ms=since)
    assert {stream: len(rows) for stream, rows in second_rows.items()} == expected
    assert all(all_rows[stream][: first_counts[stream]] == first_rows[stream] for stream in STREAMS)
    new_keys = {r["view_event_key"] for r in second_rows["view_events"]}
    old_keys = {r["view_event_key"] for r in first_rows["view_events"]}
    assert new_keys - old_keys, "new view events arrived"
    assert new_keys & old_keys, "revised view events came back under their old keys"
