"""Several api.video projects and IBM clients in ONE schema, and a warehouse of the release before.

Real meltano, real targets (DuckDB, a real PostgreSQL), real dbt, the emulator
serving two api.video projects and two IBM clients with different data.

- Two projects and two clients as inherited plugins load into the taps' one
  schema each (``apivideo``, ``ibm_video``): every row of each is there under
  its own label (the default one or the label setting), every key is unique,
  and the marts' figures per project and account equal that one's truth.
  Before every row carried ``project_id``, the second project's per-day
  analytics upserted the first's on the same keys.
- A warehouse loaded by the release before (its captured Singer output,
  ``tests/support/before_tenant``), labelled by the README's two blocks
  ("Upgrading a warehouse loaded before ..."), then loaded by ``meltano run``
  from that release's state: every row once, keys unique, old rows labelled.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import psycopg
import pytest

from tap_apivideo.streams import METRIC_AGGREGATIONS
from tests.support import apivideo, before_tenant, ibm
from tests.support.meltano import (
    PROJECT_ROOT,
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

TARGETS = ("target-duckdb", "target-postgres")
#: The second IBM client: another account, with other (and fewer) views.
OTHER_CLIENT = ("support-ibm-client-id", "support-ibm-client-secret")
#: Two api.video projects and two IBM clients; volumes small, every per-day stream.
EMULATOR = {
    **apivideo.VOLUME,
    "ibm_clients": {ibm.CLIENT_ID: ibm.CLIENT_SECRET, OTHER_CLIENT[0]: OTHER_CLIENT[1]},
    "ibm_views": 150,
    "ibm_client_views": {OTHER_CLIENT[0]: 90},
    "ibm_viewers": 30,
}
API_DAYS = 3
#: Inherited plugin -> (parent, its settings); one of each pair keeps the default label.
PLUGINS = {
    "tap-apivideo--marketing": ("tap-apivideo", {"api_key": apivideo.API_KEY}),
    "tap-apivideo--app": (
        "tap-apivideo",
        {"api_key": apivideo.SECOND_API_KEY, "project_id": "app"},
    ),
    "tap-ibm-video--main": (
        "tap-ibm-video",
        {"client_id": ibm.CLIENT_ID, "client_secret": ibm.CLIENT_SECRET},
    ),
    "tap-ibm-video--support": (
        "tap-ibm-video",
        {"client_id": OTHER_CLIENT[0], "client_secret": OTHER_CLIENT[1], "account_id": "support"},
    ),
}
#: Each table's key (the taps' catalog, with the loaders' spelling in DuckDB: lower case).
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


class Warehouse:
    """One database a target loaded: DuckDB's file or the module's PostgreSQL database."""

    def __init__(self, target: str, workdir: Path, postgres) -> None:
        self.target, self.workdir, self.postgres = target, workdir, postgres

    @property
    def duckdb_path(self) -> Path:
        return self.workdir / "warehouse.duckdb"

    def env(self) -> dict[str, str]:
        """The loader's and dbt's settings pointing at this database."""
        if self.target == "target-duckdb":
            return {"DBT_DUCKDB_PATH": str(self.duckdb_path)}
        pg = self.postgres
        return {
            **pg.target_postgres_env(),
            "DBT_POSTGRES_HOST": pg.host,
            "DBT_POSTGRES_PORT": str(pg.port),
            "DBT_POSTGRES_USER": pg.user,
            "DBT_POSTGRES_PASSWORD": "",
            "DBT_POSTGRES_DBNAME": pg.dbname,
            "DBT_POSTGRES_SSLMODE": "disable",
        }

    @property
    def dbt(self) -> str:
        return "dbt-duckdb" if self.target == "target-duckdb" else "dbt-postgres"

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
        """Rows of a table per label; also checks the table's key is unique and never NULL."""
        keys = [self.column(name) for name in KEYS[(schema, table)]]
        label = keys[0]
        (total, distinct), *_ = self.query(
            f"select count(*), count(distinct ({', '.join(keys)})) from {schema}.{table}"  # noqa: S608
        )
        assert total == distinct, f"{schema}.{table}: {total - distinct} rows share a key"
        rows = self.query(f"select {label}, count(*) from {schema}.{table} group by 1")  # noqa: S608
        found = Counter(dict(rows))
        assert None not in found, f"{schema}.{table}: rows without a label"
        return found

    def drop_analytics(self) -> None:
        """The marts and staging views, for a module reusing the PostgreSQL database."""
        for schema in ("analytics", "analytics_staging", "apivideo", "ibm_video"):
            self.query(f"drop schema if exists {schema} cascade")


@pytest.fixture
def warehouse(request, tmp_path, postgres) -> Warehouse:
    found = Warehouse(request.param, tmp_path, postgres)
    if found.target == "target-postgres":
        found.drop_analytics()
    return found


def project_labels(emulator) -> dict[str, str]:
    """The label each api.video and IBM plugin's rows must carry."""
    default_project = emulator.truth("apivideo", stream="videos")["project_id"]
    return {
        "tap-apivideo--marketing": default_project,
        "tap-apivideo--app": "app",
        "tap-ibm-video--main": ibm.CLIENT_ID,
        "tap-ibm-video--support": "support",
    }


def api_key_of(plugin: str) -> str:
    return PLUGINS[plugin][1]["api_key"]


def client_of(plugin: str) -> str:
    return PLUGINS[plugin][1]["client_id"]


def expected_rows(emulator, first_day: datetime.date) -> dict[tuple[str, str], Counter]:
    """(schema, table) -> rows per label, from each project's and client's truth."""
    labels = project_labels(emulator)
    expected: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for plugin, label in labels.items():
        if plugin.startswith("tap-apivideo"):
            for stream in apivideo.DEFAULT_STREAMS:
                rows = apivideo.expected_rows(
                    emulator, stream, first_day, project=api_key_of(plugin)
                )
                expected[("apivideo", stream)][label] += rows
        else:
            client = client_of(plugin)
            views = ibm.views_truth(emulator, client=client)
            expected[("ibm_video", "views")][label] += len(views)
            expected[("ibm_video", "viewers")][label] += len(ibm.viewers_truth(emulator, client))
    return expected


def expected_marts(emulator, first_day: datetime.date) -> dict[tuple[str, str], tuple[int, int]]:
    """(vendor, account) -> (views, media-days) in fct_media_daily, from the truth.

    IBM: one view per view segment, by content and UTC day of its start.
    api.video without raw statistics selected: the /data plays by media id.
    """
    labels = project_labels(emulator)
    last = apivideo.today(emulator) - datetime.timedelta(days=1)
    days = apivideo.days_between(first_day, last)
    figures: dict[tuple[str, str], tuple[int, int]] = {}
    for plugin, label in labels.items():
        per_media_day: Counter = Counter()
        if plugin.startswith("tap-apivideo"):
            for day in days:
                for row in apivideo.truth(
                    emulator,
                    "buckets",
                    project=api_key_of(plugin),
                    day=day.isoformat(),
                    metric="play",
                    breakdown="media-id",
                ):
                    per_media_day[(row["dimensionValue"], day)] += int(row["metricValue"])
            figures[("apivideo", label)] = (sum(per_media_day.values()), len(per_media_day))
        else:
            for view in ibm.views_truth(emulator, client=client_of(plugin)):
                day = ibm.parse_time(view["started_at"]).astimezone(datetime.UTC).date()
                per_media_day[(int(view["content_id"]), day)] += 1
            figures[("ibm_video", label)] = (sum(per_media_day.values()), len(per_media_day))
    return figures


MARTS_SQL = (
    "select vendor, account_id, sum(views), count(*) from analytics.fct_media_daily "
    "where vendor in ('apivideo', 'ibm_video') group by 1, 2"
)


@pytest.mark.parametrize("warehouse", TARGETS, indirect=True)
def test_two_projects_and_two_ibm_clients_keep_every_row_in_one_schema(
    warehouse, emulator, tmp_path
):
    emulator.reset(**EMULATOR)
    first_day = apivideo.today(emulator) - datetime.timedelta(days=API_DAYS)
    project = project_with_inherited_extractors(
        tmp_path / "project", {name: parent for name, (parent, _) in PLUGINS.items()}
    )
    env = {
        **isolated_env(tmp_path, emulator_url=emulator.url),
        **shared_plugins_env(project),
        **warehouse.env(),
        "TAP_APIVIDEO_START_DATE": first_day.isoformat(),
        # The streams of today's API (the demo environment selects every stream).
        "TAP_APIVIDEO__SELECT": json.dumps([f"{s}.*" for s in sorted(apivideo.DEFAULT_STREAMS)]),
        f"{warehouse.dbt.upper().replace('-', '_')}_TARGET_PATH": str(tmp_path / "dbt-target"),
        f"{warehouse.dbt.upper().replace('-', '_')}_LOG_PATH": str(tmp_path / "dbt-logs"),
    }
    for plugin, (_, settings) in PLUGINS.items():
        for setting, value in settings.items():
            env[re.sub(r"[^A-Z0-9]", "_", f"{plugin}_{setting}".upper())] = value

    blocks = [block for plugin in PLUGINS for block in (plugin, warehouse.target)]
    meltano_run(*blocks, f"{warehouse.dbt}:build", env=env)

    expected = expected_rows(emulator, first_day)
    found = {table: warehouse.rows_per_label(*table) for table in expected}
    assert found == expected
    labels = project_labels(emulator)
    assert {label for rows in found.values() for label in rows} == set(labels.values())
    # The two projects share days, metrics and breakdowns: the keys the label keeps apart.
    per_day = found[("apivideo", "metrics")]
    assert len(per_day) == 2
    assert len(set(per_day.values())) == 1

    marts = {
        (vendor, account): (int(views), int(days))
        for vendor, account, views, days in warehouse.query(MARTS_SQL)
    }
    assert marts == expected_marts(emulator, first_day)


# The release before: its warehouse and its state --------------------------------------

LABEL = "marketing"


def readme_block(marker: str) -> str:
    """The fenced block after ``<!-- upgrade:<marker> -->`` in the README."""
    text = (PROJECT_ROOT / "README.md").read_text()
    match = re.search(rf"<!-- upgrade:{marker} -->\n```\w+\n(.*?)```", text, re.DOTALL)
    assert match, marker
    return match[1]


def label_old_rows(warehouse: Warehouse, schema: str, column: str, label: str) -> None:
    """Run the README's block for this database, as it says."""
    if warehouse.target == "target-duckdb":
        script = warehouse.workdir / "label_rows.py"
        script.write_text(readme_block("duckdb"))
        python = PROJECT_ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
        args = [str(python), str(script), str(warehouse.duckdb_path), schema, column, label]
        subprocess.run(args, capture_output=True, text=True, check=True)
        return
    block = readme_block("postgres")
    values = {"target_schema": schema, "key_column": column, "label": label}
    for name, value in values.items():
        block, count = re.subn(rf"({name} text := )'[^']*'", rf"\1'{value}'", block)
        assert count == 1, name
    warehouse.query(block)


@pytest.mark.parametrize("warehouse", TARGETS, indirect=True)
def test_a_warehouse_of_the_release_before_is_labelled_and_loads_again(warehouse, emulator):
    emulator.reset(**before_tenant.EMULATOR)
    old_days = {
        record["day"] for record in before_tenant.records(apivideo.TAP)["metrics"]
    }  # the two days the release before loaded
    env = {**isolated_env(warehouse.workdir, emulator_url=emulator.url), **warehouse.env()}
    schema_env = f"{warehouse.target.upper().replace('-', '_')}_DEFAULT_TARGET_SCHEMA"
    states = {}
    for tap, schema in ((apivideo.TAP, "apivideo"), (ibm.TAP, "ibm_video")):
        meltano_invoke(
            warehouse.target, input=before_tenant.text(tap), env={**env, schema_env: schema}
        )
        completed = {"singer_state": before_tenant.final_state(tap)}
        states[run_state_id(tap, warehouse.target)] = {"completed": completed, "partial": {}}
    # What meltano stored after those runs (as `meltano state export` writes it).
    meltano("state", "import", input=json.dumps(states), env=env)

    # The README's step 2, with the labels the taps write from now on.
    label_old_rows(warehouse, "apivideo", "project_id", LABEL)
    label_old_rows(warehouse, "ibm_video", "account_id", ibm.CLIENT_ID)

    emulator.advance(86_400)  # the next night
    meltano_run(
        apivideo.TAP,
        warehouse.target,
        ibm.TAP,
        warehouse.target,
        env={**env, "TAP_APIVIDEO_PROJECT_ID": LABEL},
    )

    first_day = min(datetime.date.fromisoformat(day) for day in old_days)
    for table in (t for t in KEYS if t[0] == "apivideo"):
        rows = warehouse.rows_per_label(*table)
        assert rows == {LABEL: apivideo.expected_rows(emulator, table[1], first_day)}, table
    ibm_views = warehouse.rows_per_label("ibm_video", "views")
    assert ibm_views == {ibm.CLIENT_ID: len(ibm.views_truth(emulator))}
    ibm_viewers = warehouse.rows_per_label("ibm_video", "viewers")
    assert ibm_viewers == {ibm.CLIENT_ID: len(ibm.viewers_truth(emulator))}
    # The old rows the new run did not read again kept their place, labelled.
    oldest = warehouse.query(
        f"select count(*) from apivideo.metrics where {warehouse.column('day')} = '{first_day}'"  # noqa: S608
    )
    assert oldest == [(len(METRIC_AGGREGATIONS),)]
