"""Several api.video projects and IBM clients in ONE schema, on a warehouse of the release before.

Real meltano, real targets (DuckDB, a real PostgreSQL), real dbt, the emulator
serving two api.video projects and two IBM clients with different data. One
flow per target, the upgrade a user makes:

1. The release before loaded one api.video project and one IBM client: its
   Singer output (captured, ``tests/support/before_tenant``) goes into the
   target with ``meltano invoke``, and its state into meltano's database.
2. The README's blocks label those rows ("Upgrading a warehouse loaded before
   ``account_id`` and ``project_id``").
3. A day later, one ``meltano run``: the two taps as before, plus a second
   project and a second client as inherited plugins, all into the taps' one
   schema each (``apivideo``, ``ibm_video``), then ``dbt build``.

Every row of each project and client is there under its own label (a label
setting or the default one), every key unique, the old rows labelled and the
old state resumed, and the marts' figures per project and account equal that
one's truth. With the release before, the second project's per-day analytics
upserted the first's on the same keys.
"""

from __future__ import annotations

import datetime
import json
import re
import sqlite3
import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tap_apivideo.streams import METRIC_AGGREGATIONS
from tests.support import apivideo, before_tenant, ibm
from tests.support.meltano import (
    PROJECT_ROOT,
    demo_url_overrides,
    isolated_env,
    meltano,
    meltano_invoke,
    meltano_run,
    project_with_inherited_extractors,
    run_state_id,
    shared_plugins_env,
)
from tests.support.transform import duckdb_query

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("meltano_plugins")]

#: The second IBM client: another account, with other (and fewer) views.
SUPPORT_CLIENT = ("support-ibm-client-id", "support-ibm-client-secret")
#: The release before's data for the first project and client (the same seed,
#: ids and volumes), a second api.video project and a second IBM client.
EMULATOR = {
    **before_tenant.EMULATOR,
    "ibm_clients": {ibm.CLIENT_ID: ibm.CLIENT_SECRET, SUPPORT_CLIENT[0]: SUPPORT_CLIENT[1]},
    "ibm_client_views": {SUPPORT_CLIENT[0]: 40},
}
#: The label the first project's rows get from now on (and the old rows by the README).
MARKETING = "marketing"
#: plugin -> (the tap it is or inherits from, its own settings). The taps themselves
#: read what the release before read. IBM's first client keeps its default label (its
#: client id); api.video's second project sets its own, or it would inherit "marketing".
PLUGINS = {
    "tap-apivideo": ("tap-apivideo", {"api_key": apivideo.API_KEY, "project_id": MARKETING}),
    "tap-apivideo--app": (
        "tap-apivideo",
        {"api_key": apivideo.SECOND_API_KEY, "project_id": "app"},
    ),
    "tap-ibm-video": ("tap-ibm-video", {}),
    "tap-ibm-video--support": (
        "tap-ibm-video",
        {
            "client_id": SUPPORT_CLIENT[0],
            "client_secret": SUPPORT_CLIENT[1],
            "account_id": "support",
        },
    ),
}
#: The label every plugin's rows carry.
LABELS = {
    "tap-apivideo": MARKETING,
    "tap-apivideo--app": "app",
    "tap-ibm-video": ibm.CLIENT_ID,
    "tap-ibm-video--support": "support",
}
#: Each table's key as the taps declare it.
KEYS = {
    ("apivideo", "videos"): ["project_id", "videoId"],
    ("apivideo", "live_streams"): ["project_id", "liveStreamId"],
    ("apivideo", "metrics"): ["project_id", "day", "metric", "aggregation", "mediaId"],
    ("apivideo", "buckets"): ["project_id", "bucketKey"],
    ("apivideo", "timeseries"): ["project_id", "metric", "emittedAt", "mediaId"],
    ("apivideo", "video_sessions"): ["project_id", "sessionId"],
    ("apivideo", "live_stream_sessions"): ["project_id", "sessionId"],
    ("apivideo", "session_events"): ["project_id", "sessionId", "position"],
    ("apivideo", "video_plays"): ["project_id", "day", "dimension", "value", "mediaId"],
    ("apivideo", "live_stream_plays"): ["project_id", "day", "dimension", "value", "mediaId"],
    ("ibm_video", "views"): ["account_id", "view_id"],
    ("ibm_video", "viewers"): ["account_id", "viewer_identifier", "viewers_scope"],
}
MARTS_SQL = (
    "select vendor, account_id, sum(views), count(*) from analytics.fct_media_daily "
    "where vendor in ('apivideo', 'ibm_video') group by 1, 2"
)


class Warehouse:
    """One database a target loads: DuckDB's file or the module's PostgreSQL database."""

    def __init__(self, target: str, workdir: Path, postgres) -> None:
        self.target, self.workdir, self.postgres = target, workdir, postgres

    @property
    def duckdb_path(self) -> Path:
        return self.workdir / "warehouse.duckdb"

    @property
    def dbt(self) -> str:
        return "dbt-duckdb" if self.target == "target-duckdb" else "dbt-postgres"

    def env(self) -> dict[str, str]:
        """The loader's and dbt's settings pointing at this database, dbt's files in workdir."""
        prefix = self.dbt.upper().replace("-", "_")
        env = {
            f"{prefix}_TARGET_PATH": str(self.workdir / "dbt-target"),
            f"{prefix}_LOG_PATH": str(self.workdir / "dbt-logs"),
        }
        if self.target == "target-duckdb":
            return {**env, "DBT_DUCKDB_PATH": str(self.duckdb_path)}
        pg = self.postgres
        return {
            **env,
            **pg.target_postgres_env(),
            "DBT_POSTGRES_HOST": pg.host,
            "DBT_POSTGRES_PORT": str(pg.port),
            "DBT_POSTGRES_USER": pg.user,
            "DBT_POSTGRES_PASSWORD": "",
            "DBT_POSTGRES_DBNAME": pg.dbname,
            "DBT_POSTGRES_SSLMODE": "disable",
        }

    def query(self, sql: str) -> list[tuple]:
        if self.target == "target-duckdb":
            return duckdb_query(self.duckdb_path, sql)
        # Without parameters: the README's block has format()'s %I and %L.
        with psycopg.connect(self.postgres.dsn, autocommit=True) as connection:
            cursor = connection.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def column(self, name: str) -> str:
        """A loaded column in SQL: DuckDB's loader lower-cases names, PostgreSQL's keeps them."""
        return name.lower() if self.target == "target-duckdb" else f'"{name}"'

    def rows_per_label(self, schema: str, table: str) -> Counter:
        """Rows of a table per label, NULL included; also checks the table's key is unique."""
        keys = [self.column(name) for name in KEYS[(schema, table)]]
        (total, distinct), *_ = self.query(
            f"select count(*), count(distinct ({', '.join(keys)})) from {schema}.{table}"  # noqa: S608
        )
        assert total == distinct, f"{schema}.{table}: {total - distinct} rows share a key"
        return Counter(
            dict(self.query(f"select {keys[0]}, count(*) from {schema}.{table} group by 1"))  # noqa: S608
        )


def readme_block(marker: str) -> str:
    """The fenced block after ``<!-- upgrade:<marker> -->`` in the README."""
    text = (PROJECT_ROOT / "README.md").read_text()
    match = re.search(rf"<!-- upgrade:{marker} -->\n```\w+\n(.*?)```", text, re.DOTALL)
    assert match, marker
    return match[1]


def label_old_rows(warehouse: Warehouse, schema: str, column: str, label: str) -> None:
    """The README's block for this database, run as it says."""
    if warehouse.target == "target-duckdb":
        script = warehouse.workdir / "label_rows.py"
        script.write_text(readme_block("duckdb"))
        python = PROJECT_ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
        args = [str(python), str(script), str(warehouse.duckdb_path), schema, column, label]
        subprocess.run(args, capture_output=True, text=True, check=True)
        return
    block = readme_block("postgres")
    for name, value in {"target_schema": schema, "key_column": column, "label": label}.items():
        block, count = re.subn(rf"({name} text := )'[^']*'", rf"\1'{value}'", block)
        assert count == 1, name
    warehouse.query(block)


def load_the_release_before(warehouse: Warehouse, env: dict[str, str]) -> None:
    """Its output into the target, its state into meltano's database, as its runs left them."""
    schema_setting = f"{warehouse.target.upper().replace('-', '_')}_DEFAULT_TARGET_SCHEMA"
    states = {}
    for tap, schema in ((apivideo.TAP, "apivideo"), (ibm.TAP, "ibm_video")):
        meltano_invoke(
            warehouse.target, input=before_tenant.text(tap), env={**env, schema_setting: schema}
        )
        completed = {"singer_state": before_tenant.final_state(tap)}
        states[run_state_id(tap, warehouse.target)] = {"completed": completed, "partial": {}}
    # What meltano kept of those runs (as `meltano state export` writes it).
    meltano("state", "import", input=json.dumps(states), env=env)


def plugin_settings(emulator_url: str) -> dict[str, str]:
    """Each plugin's own settings as environment variables; the rest is inherited."""
    env = demo_url_overrides(emulator_url)
    for plugin, (_, settings) in PLUGINS.items():
        for setting, value in settings.items():
            env[re.sub(r"[^A-Z0-9]", "_", f"{plugin}_{setting}".upper())] = value
    return env


@dataclass
class Upgrade:
    """What one target's warehouse held after the upgrade, and what the truth says."""

    warehouse: Warehouse
    labels: dict[str, str]
    found: dict[tuple[str, str], Counter]
    expected: dict[tuple[str, str], Counter]
    marts: dict[tuple[str, str], tuple[int, int]]
    expected_marts: dict[tuple[str, str], tuple[int, int]]
    first_day: datetime.date
    first_day_metrics: list[tuple]
    #: The api.video state meltano kept of the release before, and after the new run.
    states: tuple[dict, dict]
    yesterday: datetime.date


def truth_rows(emulator, labels: dict[str, str], first_day: datetime.date) -> dict:
    """(schema, table) -> rows per label the warehouse must hold."""
    expected: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for plugin, label in labels.items():
        settings = PLUGINS[plugin][1]
        if PLUGINS[plugin][0] == "tap-apivideo":
            for schema, table in KEYS:
                if schema == "apivideo":
                    rows = apivideo.expected_rows(
                        emulator, table, first_day, project=settings["api_key"]
                    )
                    expected[(schema, table)][label] += rows
        else:
            client = settings.get("client_id", ibm.CLIENT_ID)
            expected[("ibm_video", "views")][label] += len(ibm.views_truth(emulator, client=client))
            expected[("ibm_video", "viewers")][label] += len(ibm.viewers_truth(emulator, client))
    return expected


def truth_marts(emulator, labels: dict[str, str], first_day: datetime.date) -> dict:
    """(vendor, account) -> (views, media-days) of fct_media_daily, from the truth.

    api.video: a player session is a view (the raw statistics are selected), by
    media and UTC day of loadedAt; a day without sessions takes the /data plays
    by media id. IBM: one view per view segment, by content and UTC day of its start.
    """
    last = apivideo.today(emulator) - datetime.timedelta(days=1)
    figures = {}
    for plugin, label in labels.items():
        settings = PLUGINS[plugin][1]
        per_media_day: Counter = Counter()
        if PLUGINS[plugin][0] == "tap-apivideo":
            key = settings["api_key"]
            for kind, media in (("video", "videoId"), ("live_stream", "liveStreamId")):
                for row in apivideo.sessions_truth(emulator, kind, first_day, last, project=key):
                    day = apivideo.parse_time(row["session"]["loadedAt"]).date()
                    per_media_day[(row[media], day)] += 1
            session_days = {day for _, day in per_media_day}
            for day in set(apivideo.days_between(first_day, last)) - session_days:
                for row in apivideo.truth(
                    emulator,
                    "buckets",
                    key,
                    day=day.isoformat(),
                    metric="play",
                    breakdown="media-id",
                ):
                    per_media_day[(row["dimensionValue"], day)] += int(row["metricValue"])
            figures[("apivideo", label)] = (sum(per_media_day.values()), len(per_media_day))
        else:
            client = settings.get("client_id", ibm.CLIENT_ID)
            for view in ibm.views_truth(emulator, client=client):
                day = ibm.parse_time(view["started_at"]).astimezone(datetime.UTC).date()
                per_media_day[(int(view["content_id"]), day)] += 1
            figures[("ibm_video", label)] = (sum(per_media_day.values()), len(per_media_day))
    return figures


def stored_state(workdir: Path, target: str) -> dict:
    """tap-apivideo's Singer state in meltano's system database (isolated_env's SQLite file)."""
    with sqlite3.connect(workdir / "meltano.db") as connection:
        (completed,) = connection.execute(
            "select completed_state from state where state_id = ?",
            [run_state_id(apivideo.TAP, target)],
        ).fetchone()
    return json.loads(completed)["singer_state"]


@pytest.fixture(scope="module", params=["target-duckdb", "target-postgres"])
def upgrade(request, session_emulator, postgres, tmp_path_factory) -> Upgrade:
    """The flow of the module docstring into one target; the warehouse and truth after it."""
    emulator = session_emulator
    workdir = tmp_path_factory.mktemp(request.param)
    warehouse = Warehouse(request.param, workdir, postgres)
    if warehouse.target == "target-postgres":  # the module's database, for this flow alone
        for schema in ("apivideo", "ibm_video", "analytics", "analytics_staging"):
            warehouse.query(f"drop schema if exists {schema} cascade")
    emulator.reset(**EMULATOR)
    first_day = min(
        datetime.date.fromisoformat(record["day"])
        for record in before_tenant.records(apivideo.TAP)["metrics"]
    )
    env = {**isolated_env(workdir, emulator_url=emulator.url), **warehouse.env()}
    load_the_release_before(warehouse, env)
    label_old_rows(warehouse, "apivideo", "project_id", MARKETING)
    label_old_rows(warehouse, "ibm_video", "account_id", ibm.CLIENT_ID)

    emulator.advance(86_400)  # the next night, on the new release
    project = project_with_inherited_extractors(
        workdir / "project", {name: parent for name, (parent, _) in PLUGINS.items() if "--" in name}
    )
    env = {
        **env,
        **shared_plugins_env(project),
        **plugin_settings(emulator.url),
        # The second project starts where the first one's data begins.
        "TAP_APIVIDEO_START_DATE": first_day.isoformat(),
    }
    blocks = [block for plugin in PLUGINS for block in (plugin, warehouse.target)]
    meltano_run(*blocks, f"{warehouse.dbt}:build", env=env)

    return Upgrade(
        warehouse=warehouse,
        labels=LABELS,
        found={table: warehouse.rows_per_label(*table) for table in KEYS},
        expected=truth_rows(emulator, LABELS, first_day),
        marts={
            (vendor, account): (int(views), int(days))
            for vendor, account, views, days in warehouse.query(MARTS_SQL)
        },
        expected_marts=truth_marts(emulator, LABELS, first_day),
        first_day=first_day,
        states=(before_tenant.final_state(apivideo.TAP), stored_state(workdir, warehouse.target)),
        yesterday=apivideo.today(emulator) - datetime.timedelta(days=1),
        first_day_metrics=warehouse.query(
            f"select {warehouse.column('project_id')}, count(*) from apivideo.metrics "  # noqa: S608
            f"where cast({warehouse.column('day')} as varchar) = '{first_day}' group by 1"
        ),
    )


def test_every_row_of_two_projects_and_two_ibm_clients_is_in_one_schema_under_its_label(upgrade):
    assert upgrade.found == upgrade.expected
    labels = {label for rows in upgrade.found.values() for label in rows}
    assert labels == set(upgrade.labels.values())
    # The two projects share days, metrics and breakdowns: keys only the label keeps apart.
    metrics = upgrade.found[("apivideo", "metrics")]
    assert set(metrics) == {MARKETING, upgrade.labels["tap-apivideo--app"]}
    assert len(set(metrics.values())) == 1


def test_the_release_befores_rows_are_labelled_and_its_state_moved_on(upgrade):
    # No row without a label: the old ones got the README's.
    assert all(None not in rows for rows in upgrade.found.values())
    # The first day, which only the release before read for marketing (the new
    # run resumed from its bookmark, the day after), is there once, labelled.
    assert dict(upgrade.first_day_metrics) == {
        MARKETING: len(METRIC_AGGREGATIONS),
        "app": len(METRIC_AGGREGATIONS),
    }
    # The old state's partitions moved on in place to the new yesterday.
    before, after = upgrade.states
    for stream, old in before["bookmarks"].items():
        new = after["bookmarks"][stream]
        contexts = [partition["context"] for partition in old.get("partitions", [])]
        assert [partition["context"] for partition in new.get("partitions", [])] == contexts
        for partition in new.get("partitions", []):
            if partition.get("replication_key") == "day":
                assert partition["replication_key_value"] == upgrade.yesterday.isoformat()


def test_the_marts_figures_per_project_and_account_equal_their_truth(upgrade):
    assert upgrade.marts == upgrade.expected_marts
