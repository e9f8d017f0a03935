"""End to end as a user runs it: `meltano run tap-apivideo <target>`, one or several projects.

Real meltano CLI, real targets (JSONL, DuckDB, a real PostgreSQL started here),
real HTTP to the emulator. Every table's rows equal the API's ground truth for
the demo environment's days, in the tap's own schema; after two more days, a
second run adds exactly the new days' rows (the bookmark's own day is read
again and upserts). Two api.video projects run as two `inherit_from`
extractors, each with its own state and rows.
"""

from __future__ import annotations

import datetime

import pytest

from tests.support.apivideo import (
    ALL_STREAMS,
    API_KEY,
    SCHEMA,
    SECOND_API_KEY,
    TAP,
    VOLUME,
    expected_rows,
    today,
    truth,
)
from tests.support.meltano import (
    INSTALL_TIMEOUT_S,
    isolated_env,
    jsonl_row_counts,
    loaded_column_types,
    loaded_row_counts,
    meltano,
    meltano_run,
    meltano_state,
    read_jsonl_output,
    run_state_id,
    users_project,
)

#: The demo environment's start_date for tap-apivideo in meltano.yml.
DEMO_START = datetime.date(2026, 1, 24)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("meltano_plugins")]


def truth_counts(emulator) -> dict[str, int]:
    return {stream: expected_rows(emulator, stream, DEMO_START) for stream in ALL_STREAMS}


@pytest.mark.parametrize("target", ["target-duckdb", "target-postgres"])
def test_meltano_run_into_a_database_reconciles_and_adds_the_new_days(
    target, emulator, postgres, tmp_path
):
    emulator.reset(**VOLUME)
    env = {
        **isolated_env(tmp_path, postgres_env=postgres.target_postgres_env()),
        "EMULATOR_URL": emulator.url,
    }

    def loaded() -> dict[str, int]:
        return loaded_row_counts(target, tmp_path, postgres, SCHEMA)

    meltano_run(TAP, target, env=env, state_id=target)
    assert loaded() == truth_counts(emulator)
    types = loaded_column_types(target, tmp_path, postgres, SCHEMA, "video_plays")
    assert types["plays"] == "BIGINT"
    # target-duckdb 0.8 types only date-times; a `date` lands as text there.
    assert types["day"] == ("VARCHAR" if target == "target-duckdb" else "DATE")

    emulator.advance(2 * 86_400)
    meltano_run(TAP, target, env=env, state_id=target)
    # Re-read rows (the bookmark's day) upserted; only the new days added rows.
    assert loaded() == truth_counts(emulator)


def test_meltano_run_into_jsonl_then_a_second_run_adds_exactly_the_new_days(emulator, tmp_path):
    emulator.reset(**VOLUME)
    env = {**isolated_env(tmp_path), "EMULATOR_URL": emulator.url}
    meltano_run(TAP, "target-jsonl", env=env, state_id="jsonl")
    first_counts = jsonl_row_counts(tmp_path / "jsonl")
    assert first_counts == truth_counts(emulator)
    state = meltano_state(run_state_id(TAP, "target-jsonl", suffix="jsonl"), env=env)
    bookmark_day = today(emulator) - datetime.timedelta(days=1)
    sessions_state = state["singer_state"]["bookmarks"]["video_sessions"]["partitions"]
    assert {p["replication_key_value"][:10] for p in sessions_state} == {bookmark_day.isoformat()}

    emulator.advance(2 * 86_400)
    meltano_run(TAP, "target-jsonl", env=env, state_id="jsonl")
    rows = read_jsonl_output(tmp_path / "jsonl")
    for stream in ALL_STREAMS - {"videos", "live_streams"}:
        second = len(rows[stream]) - first_counts[stream]
        assert second == expected_rows(emulator, stream, bookmark_day), stream
    # Media are full tables: the second run lists all of them again.
    assert len(rows["videos"]) == 2 * len(truth(emulator, "videos"))


def test_two_projects_via_inherit_from_each_with_its_own_state(emulator, tmp_path):
    """The README's multi-project setup: one inherited extractor per API key."""
    emulator.reset(**VOLUME)
    children = {"main": API_KEY, "second": SECOND_API_KEY}
    project = users_project(tmp_path / "project", TAP, [f"{TAP}--{name}" for name in children])
    env = {
        **isolated_env(tmp_path),
        "MELTANO_PROJECT_ROOT": str(project),
        # Shared settings, set once on the parent and inherited by both.
        "TAP_APIVIDEO_API_URL": f"{emulator.url}/apivideo",
        "TAP_APIVIDEO_START_DATE": DEMO_START.isoformat(),
    }
    for name, key in children.items():
        env[f"TAP_APIVIDEO__{name.upper()}_API_KEY"] = key
    meltano("install", env=env, environment=None, timeout=INSTALL_TIMEOUT_S)

    for name, key in children.items():
        out = tmp_path / name
        meltano_run(
            f"{TAP}--{name}",
            "target-jsonl",
            env={**env, "TARGET_JSONL_DESTINATION_PATH": str(out)},
            environment="prod",
        )
        rows = read_jsonl_output(out)
        assert [r["videoId"] for r in rows["videos"]] == [
            v["videoId"] for v in truth(emulator, "videos", project=key)
        ]
        assert len(rows["session_events"]) == expected_rows(
            emulator, "session_events", DEMO_START, project=key
        )
    listed = meltano("state", "list", env=env, environment="prod").stdout.split()
    assert sorted(listed) == sorted(
        run_state_id(f"{TAP}--{name}", "target-jsonl", environment="prod") for name in children
    )
    main_ids = {v["videoId"] for v in truth(emulator, "videos")}
    assert main_ids.isdisjoint(
        v["videoId"] for v in truth(emulator, "videos", project=SECOND_API_KEY)
    )
