"""End to end as a user runs it: `meltano run tap-brightcove-interactivity <target>`.

Real meltano CLI, real targets (JSONL, DuckDB, a real PostgreSQL started here),
real HTTP to the emulator, the demo environment's settings. Every table holds
what the API holds; the report column the tap does not declare (`player_id`)
reaches the warehouse as a text column; a day later a second run adds exactly
the new rows (the bookmark's day is read again and upserts; the summaries'
new 30-day window lands beside the old one).
"""

from __future__ import annotations

import pytest

from tap_brightcove_interactivity.schemas import REPORTS_BY_NAME
from tests.support.interactivity import FAST, TAP, expected_row_count
from tests.support.meltano import (
    DatabaseLoad,
    isolated_env,
    meltano_run,
    meltano_state,
    read_jsonl_output,
    run_state_id,
)

SCHEMA = "brightcove_interactivity"
#: Emulator knobs the demo environment's tap settings fit: quick reports, 60 a minute.
KNOBS = {**FAST, "interactivity_reports_per_minute": 60}

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("meltano_plugins")]


def truth_counts(emulator) -> dict[str, int]:
    return {report: expected_row_count(emulator, report) for report in REPORTS_BY_NAME}


@pytest.mark.parametrize("target", ["target-duckdb", "target-postgres"])
def test_meltano_run_into_a_database_reconciles_and_a_day_later_adds_the_new_rows(
    target, emulator, postgres, tmp_path
):
    emulator.reset(**KNOBS)
    load = DatabaseLoad(TAP, target, SCHEMA, workdir=tmp_path, emulator=emulator, postgres=postgres)
    load.run()
    first = truth_counts(emulator)
    assert load.row_counts() == first
    types = load.column_types("project_stream_raw")
    text = "VARCHAR" if target == "target-duckdb" else "TEXT"
    assert types["player_id"] == text
    summary_types = load.column_types("project_engagement_summary_raw")
    assert summary_types["plays"] == "BIGINT"
    # Durations: the hh:mm:ss text, and whole seconds beside it that sum.
    for table, column in [
        ("project_engagement_summary_raw", "total_view_time"),
        ("experience_engagement_summary_raw", "total_view_time"),
        ("user_engagement_summary_raw", "time_watched"),
        ("chapter_summary", "chapter_time"),
    ]:
        columns = load.column_types(table)
        assert (columns[column], columns[f"{column}_seconds"]) == (text, "BIGINT"), table

    emulator.advance(86_400)
    load.run()
    second = truth_counts(emulator)
    expected = {
        report: second[report] + (first[report] if spec.grain == "summary" else 0)
        for report, spec in REPORTS_BY_NAME.items()
    }
    assert load.row_counts() == expected


def test_meltano_run_into_jsonl_lands_every_row_and_keeps_the_budget_in_state(emulator, tmp_path):
    emulator.reset(**KNOBS)
    env = isolated_env(tmp_path, emulator_url=emulator.url)
    meltano_run(TAP, "target-jsonl", env=env)
    rows = read_jsonl_output(tmp_path / "jsonl")
    assert {report: len(rows[report]) for report in REPORTS_BY_NAME} == truth_counts(emulator)
    state = meltano_state(run_state_id(TAP, "target-jsonl"), env=env)["singer_state"]
    reports = state["interactivity_reports"]
    # 12 reports for each of the 2 accounts, none left pending.
    assert len(reports["submitted"]) == 24
    assert reports["pending"] == []
