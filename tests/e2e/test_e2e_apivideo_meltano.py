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
    DEFAULT_STREAMS,
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
    DatabaseLoad,
    isolated_env,
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
    load = DatabaseLoad(TAP, target, SCHEMA, workdir=tmp_path, emulator=emulator, postgres=postgres)
    load.run()
    assert load.row_counts() == truth_counts(emulator)
    types = load.column_types("video_plays")
    assert types["plays"] == "BIGINT"
    # target-duckdb 0.8 types only date-times; a `date` lands as text there.
    assert types["day"] == ("VARCHAR" if target == "target-duckdb" else "DATE")

    emulator.advance(2 * 86_400)
    load.run()
    # Re-read rows (the bookmark's day) upserted; only the new days added rows.
    assert load.row_counts() == truth_counts(emulator)


def test_two_projects_via_inherit_from_into_jsonl_each_resuming_from_its_own_state(
    emulator, tmp_path
):
    """The README's multi-project setup: one inherited extractor per API key.

    The plugin's block is copied as the README says, with its `select` of the
    streams today's API has, and runs clean against today's API (the retired
    endpoints answering 404). Each project's rows reconcile with its own
    truth; two days later a second run of one project adds exactly the rows
    from its bookmark day on, and the other project's state is left alone.
    """
    # Today's API: the retired raw statistics and plays endpoints answer 404.
    emulator.reset(**{**VOLUME, "apivideo_retired": True})
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

    def run(name: str, out: str) -> dict[str, list[dict]]:
        meltano_run(
            f"{TAP}--{name}",
            "target-jsonl",
            env={**env, "TARGET_JSONL_DESTINATION_PATH": str(tmp_path / out)},
            environment="prod",
        )
        return read_jsonl_output(tmp_path / out)

    def state(name: str) -> dict:
        state_id = run_state_id(f"{TAP}--{name}", "target-jsonl", environment="prod")
        return meltano_state(state_id, env=env, environment="prod")["singer_state"]

    for name, key in children.items():
        rows = run(name, name)
        assert set(rows) == DEFAULT_STREAMS
        assert {stream: len(rows[stream]) for stream in DEFAULT_STREAMS} == {
            stream: expected_rows(emulator, stream, DEMO_START, project=key)
            for stream in DEFAULT_STREAMS
        }
    listed = meltano("state", "list", env=env, environment="prod").stdout.split()
    assert sorted(listed) == sorted(
        run_state_id(f"{TAP}--{name}", "target-jsonl", environment="prod") for name in children
    )
    second_ids = {v["videoId"] for v in truth(emulator, "videos", project=SECOND_API_KEY)}
    assert second_ids.isdisjoint(v["videoId"] for v in truth(emulator, "videos"))

    bookmark_day = today(emulator) - datetime.timedelta(days=1)
    metrics_state = state("main")["bookmarks"]["metrics"]["partitions"]
    assert {p["replication_key_value"] for p in metrics_state} == {bookmark_day.isoformat()}
    second_before = state("second")

    emulator.advance(2 * 86_400)
    rows = run("main", "main-again")
    for stream in DEFAULT_STREAMS - {"videos", "live_streams"}:
        assert len(rows[stream]) == expected_rows(emulator, stream, bookmark_day), stream
    # Media are full tables: the second run lists all of them again.
    assert len(rows["videos"]) == len(truth(emulator, "videos"))
    assert state("second") == second_before
