"""End to end as a user runs it: `meltano run tap-ibm-video <target>`.

Real meltano CLI, real targets (JSONL, DuckDB, a real PostgreSQL started here),
real HTTP to the emulator. Every table's rows must equal the API's ground
truth, in the tap's own schema; after new views arrive and running ones
finish, a second run must add exactly the views from its resume point on, and
upsert the ones that finished.
"""

from __future__ import annotations

import datetime

import pytest

from tests.support.ibm import TAP, parse_time, viewers_truth, views_truth
from tests.support.meltano import (
    DatabaseLoad,
    isolated_env,
    jsonl_row_counts,
    meltano_run,
    meltano_state,
    read_jsonl_output,
    run_state_id,
)

#: The extractor's load_schema in meltano.yml.
SCHEMA = "ibm_video"
#: Emulator volume: a few weeks of views, some still running at the horizon.
VOLUME = {"ibm_views": 3000, "ibm_viewers": 400}

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("meltano_plugins")]


def truth_counts(emulator) -> dict[str, int]:
    return {"views": len(views_truth(emulator)), "viewers": len(viewers_truth(emulator))}


@pytest.mark.parametrize("target", ["target-duckdb", "target-postgres"])
def test_meltano_run_into_a_database_reconciles_and_upserts(target, emulator, postgres, tmp_path):
    emulator.reset(**VOLUME)
    load = DatabaseLoad(TAP, target, SCHEMA, workdir=tmp_path, emulator=emulator, postgres=postgres)
    load.run()
    assert load.row_counts() == truth_counts(emulator)
    types = load.column_types("views")
    assert types["content_id"] == types["from"] == types["to"] == "BIGINT"
    assert types["client_id"] in {"VARCHAR", "TEXT", "CHARACTER VARYING"}
    assert types["is_mobile_view"] == "BOOLEAN"
    assert types["started_at"].startswith("TIMESTAMP")

    emulator.advance(86_400)  # a day of new views; the running ones finish
    load.run()
    # Finished views were upserted on view_id; only new views add rows.
    assert load.row_counts() == truth_counts(emulator)


def test_meltano_run_into_jsonl_then_a_second_run_adds_exactly_the_new_and_finished(
    emulator, tmp_path
):
    emulator.reset(**VOLUME)
    env = isolated_env(tmp_path, emulator_url=emulator.url)
    state_id = run_state_id(TAP, "target-jsonl", suffix="jsonl")

    meltano_run(TAP, "target-jsonl", env=env, state_id="jsonl")
    first_counts = jsonl_row_counts(tmp_path / "jsonl")
    assert first_counts == truth_counts(emulator)
    first_rows = read_jsonl_output(tmp_path / "jsonl")
    running = {r["view_id"] for r in first_rows["views"] if r["finished_at"] is None}
    assert running, "some views are still running at the first sync"
    bookmark = meltano_state(state_id, env=env)["singer_state"]["bookmarks"]["views"][
        "replication_key_value"
    ]

    emulator.advance(86_400)
    meltano_run(TAP, "target-jsonl", env=env, state_id="jsonl")

    all_rows = read_jsonl_output(tmp_path / "jsonl")
    second_views = all_rows["views"][first_counts["views"] :]
    # The second run reads from the bookmark minus the default look-back (2 h).
    resume = parse_time(bookmark) - datetime.timedelta(hours=2)
    expected = views_truth(emulator, start=resume.isoformat())
    assert sorted(r["view_id"] for r in second_views) == sorted(v["view_id"] for v in expected)
    finished = {r["view_id"]: r for r in second_views}
    assert all(finished[view_id]["finished_at"] is not None for view_id in running)
    # viewers is a full table: the second run lists every viewer again.
    assert len(all_rows["viewers"]) - first_counts["viewers"] == len(viewers_truth(emulator))
