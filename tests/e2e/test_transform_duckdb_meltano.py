"""The dbt project in DuckDB as a user runs it: `meltano run <tap> target-duckdb dbt-duckdb:build`.

Real meltano, the four real taps against the emulator, target-duckdb, real dbt (the
dbt-duckdb utility of meltano.yml). The marts must equal what the APIs' ground truth
says, the staging columns must have the contract's types in DuckDB's own catalog, a
nightly load after dbt built in the DuckDB file must still open and append to it (the
loader's duckdb 1.0.0 and dbt's newer one share it), and the report page must show
the marts' figures. Apart from test_transform_meltano.py (PostgreSQL) so the two, the
suite's longest, run on two workers side by side.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from orchestration.video_taps_orchestration import report as views_report
from tests.support.meltano import PROJECT_ROOT, isolated_env, meltano, meltano_run
from tests.support.transform import (
    CATALOG_TYPES_SQL,
    MEDIA_DAILY_SQL,
    VOLUME,
    assert_marts_reconcile,
    contract_breaches,
    dbt_paths,
    duckdb_query,
    media_daily_from_rows,
    pipeline,
    types_from_rows,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("meltano_plugins")]


def duckdb_version(venv: str) -> str:
    """The duckdb version installed in one of meltano's plugin virtualenvs."""
    python = PROJECT_ROOT / ".meltano" / venv / "venv" / "bin" / "python"
    return subprocess.run(
        [str(python), "-c", "import duckdb; print(duckdb.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_duckdb_build_reconciles_a_nightly_load_appends_after_dbt_and_adds_the_new_days(
    emulator, tmp_path
):
    # Two duckdb versions really share the file: each utility has its own venv.
    assert duckdb_version("loaders/target-duckdb") == "1.0.0"
    assert not duckdb_version("utilities/dbt-duckdb").startswith("1.0.")
    emulator.reset(**VOLUME)
    warehouse = tmp_path / "warehouse.duckdb"
    env = {
        **isolated_env(tmp_path, emulator_url=emulator.url),
        "DBT_DUCKDB_PATH": str(warehouse),
        **dbt_paths(tmp_path, "dbt-duckdb"),
    }

    meltano_run(*pipeline("target-duckdb", "dbt-duckdb"), env=env)
    first = media_daily_from_rows(duckdb_query(warehouse, MEDIA_DAILY_SQL))
    assert_marts_reconcile(first, emulator)
    assert contract_breaches(types_from_rows(duckdb_query(warehouse, CATALOG_TYPES_SQL))) == {}
    raw_rows_sql = "select count(*) from brightcove_interactivity.project_stream_raw"
    raw_rows_before = duckdb_query(warehouse, raw_rows_sql)[0][0]

    # The next night: target-duckdb (duckdb 1.0.0) opens the file dbt (duckdb
    # 2.x) built its views and tables in, and appends the new day.
    emulator.advance(86_400)
    meltano_run(*pipeline("target-duckdb", "dbt-duckdb"), env=env)
    assert duckdb_query(warehouse, raw_rows_sql)[0][0] > raw_rows_before
    second = media_daily_from_rows(duckdb_query(warehouse, MEDIA_DAILY_SQL))
    assert_marts_reconcile(second, emulator)
    # The same marts plus the new days: every day before the first run's last
    # (which may still have grown: running views finished, late events) is unchanged.
    first_last_day = max(day for *_, day in first)
    settled = {key: figures for key, figures in first.items() if key[3] < first_last_day}
    assert {key: second.get(key) for key in settled} == settled
    assert {key for key in second if key[3] < first_last_day} == set(settled)
    new_days = {day for *_, day in second} - {day for *_, day in first}
    assert new_days == {first_last_day + datetime.timedelta(days=1)}

    # The demo's page: self-contained, and it shows exactly the mart's figures.
    page = tmp_path / "report.html"
    views_report.print_marts_and_report(warehouse, page)
    shown = ShownFigures.read(page)
    assert shown.external_references == []
    assert shown.daily_views == {
        (vendor, day.isoformat()): int(views)
        for vendor, day, views in duckdb_query(
            warehouse,
            "select vendor, activity_date, sum(views) from analytics.fct_media_daily group by all",
        )
    }
    assert shown.top_media == top_media_by_seconds(second)

    # `dbt docs generate` works, and documents every model and every built column.
    meltano("invoke", "dbt-duckdb:docs-generate", env=env)
    assert undocumented(tmp_path / "dbt-target") == {}


class ShownFigures(HTMLParser):
    """What the report page shows (its data-* attributes) and anything it would fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.daily_views: dict[tuple[str, str], int] = {}
        self.top_media: list[tuple[str, str, int, int]] = []
        self.external_references: list[str] = []

    @classmethod
    def read(cls, page: Path) -> ShownFigures:
        text = page.read_text(encoding="utf-8")
        shown = cls()
        shown.feed(text)
        shown.external_references += re.findall(r"(?i)(?:https?:|ftp:)?//[^\s\"'<>]+", text)
        return shown

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in {"script", "link", "img", "iframe", "object"} or "src" in found:
            self.external_references.append(f"<{tag}>")
        if tag == "circle" and "data-day" in found:
            key = (str(found["data-vendor"]), str(found["data-day"]))
            self.daily_views[key] = int(str(found["data-views"]))
        if tag == "tr" and "data-media-id" in found:
            self.top_media.append(
                (
                    str(found["data-vendor"]),
                    str(found["data-media-id"]),
                    int(str(found["data-seconds"])),
                    int(str(found["data-views"])),
                )
            )


def top_media_by_seconds(media_daily: dict) -> list[tuple[str, str, int, int]]:
    """The ten media with most seconds watched: (vendor, media, seconds, views)."""
    totals: dict[tuple[str, str, str], list[int]] = {}
    for (vendor, account, media, _day), (views, seconds) in media_daily.items():
        if seconds is None:
            continue
        total = totals.setdefault((vendor, account, media), [0, 0])
        total[0] += seconds
        total[1] += views
    ranked = sorted(totals.items(), key=lambda item: (-item[1][0], item[0][0], item[0][2]))
    return [(vendor, media, seconds, views) for (vendor, _, media), (seconds, views) in ranked[:10]]


def undocumented(target: Path) -> dict[str, list[str]]:
    """``{model: [columns without a description]}`` from dbt's manifest and catalog.

    A model without a description is listed with ``["(model)"]``.
    """
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    models = {
        node_id: node
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
    }
    assert len(models) == 26 + 3  # a staging model per tap stream, three marts
    assert set(catalog["nodes"]) == set(models)
    missing = {}
    for node_id, node in models.items():
        columns = [
            column
            for column in catalog["nodes"][node_id]["columns"]
            if not node["columns"].get(column, {}).get("description")
        ]
        if not node["description"]:
            columns.insert(0, "(model)")
        if columns:
            missing[node["name"]] = columns
    return missing
