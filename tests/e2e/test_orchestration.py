"""Dagster materialises the taps' tables, the dbt models and the report as assets (orchestration/).

Real parts only: the code location in its own venv (.venv-dagster, `make dev`) served by
one `dagster dev` (webserver, daemon and code server) for the whole module, a Dagster
instance whose storage is the suite's PostgreSQL (its dagster.yaml written by
`video-taps-dagster-instance`, as the README says), real meltano with its system
database (the bookmarks) in PostgreSQL too, target-postgres, dbt through dagster-dbt,
and the emulator as the APIs. The night's loads are the runs the nightly schedules
make: their jobs' partitions (a backfill of each job), runs that name no assets of
their own. The other loads are launched as a user launches them from the UI: an asset
backfill of the tables' partitions (what the UI's "Materialize" sends). Both go through
GraphQL's launchPartitionBackfill; the daemon queues one run per partition and starts
them within the run-queue limits; the sensor ``marts_after_loads`` builds the marts
once after the loads.

Two rounds, each a set of backfills launched together (every run costs seconds of CPU
to start, so every round counts):
1. the nightly partitions (yesterday) of two Audience accounts and two api.video
   projects (both into the one ``apivideo`` schema), the second Audience account
   answering 403 on its leads; then the marts, once;
2. a three-day Audience backfill of the first account, and the failed account's
   nightly partition again with the fault cleared.

The emulator's data ends now (its ``data_start`` a month ago), so a bookmark a load
reaches is as fresh as a real night's. The meltano project is a user's: this
repository's meltano.yml plus an inherited api.video plugin for a second project, in a
folder of its own; no VIDEO_TAPS_MELTANO is set, so the code location must find the
meltano `make dev` built (a bare `meltano` is not on the Dagster venv's PATH).
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from psycopg import sql

from tests.support import apivideo
from tests.support.audience import ACCOUNTS, STREAMS
from tests.support.ibm import views_truth
from tests.support.meltano import (
    PROJECT_ROOT,
    copy_plugin_definitions,
    demo_url_overrides,
    meltano,
    meltano_install,
)
from tests.support.postgres import PostgresServer
from tests.support.processes import free_port, stop_session

pytestmark = pytest.mark.e2e

DAGSTER_BIN = PROJECT_ROOT / ".venv-dagster" / "bin"
WORKSPACE = PROJECT_ROOT / "orchestration" / "workspace.yaml"
SECOND_PROJECT = "tap-apivideo--second"
RUN_WAIT_S = 420
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}
GOOD, BAD = ACCOUNTS
AUDIENCE = "tap-brightcove-audience"
AUDIENCE_TABLES = [["brightcove_audience", stream] for stream in STREAMS]
IBM = "tap-ibm-video"
APIVIDEO_STREAMS = ["videos", "video_sessions", "metrics"]
MARTS = ["fct_views", "fct_media_daily", "dim_media"]
PIPES_SILENT = "did not receive any messages from external process"


def dagster(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    """A ``dagster`` CLI command of the Dagster venv, in the test project."""
    result = subprocess.run(
        [str(DAGSTER_BIN / "dagster"), *args],
        env=env,
        cwd=env["MELTANO_PROJECT_ROOT"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"dagster {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def new_database(server: PostgresServer, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.dsn, autocommit=True) as connection:
        connection.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return name


def users_project(directory: Path) -> Path:
    """This repository's meltano.yml with a second api.video project as an inherited plugin."""
    document = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    for plugin in document["plugins"]["extractors"] + document["plugins"]["loaders"]:
        if "pip_url" in plugin:
            plugin["pip_url"] = plugin["pip_url"].replace(
                "$MELTANO_PROJECT_ROOT", str(PROJECT_ROOT)
            )
    document["plugins"]["extractors"].append(
        {"name": SECOND_PROJECT, "inherit_from": "tap-apivideo"}
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "meltano.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    copy_plugin_definitions(directory)
    # The dbt project the utility names ($MELTANO_PROJECT_ROOT/transform): this repository's.
    (directory / "transform").symlink_to(PROJECT_ROOT / "transform")
    return directory


@dataclass
class Deployment:
    """One ``dagster dev`` over one meltano project, all state in PostgreSQL."""

    env: dict[str, str]
    url: str
    server: PostgresServer
    dagster_db: str
    meltano_db: str
    warehouse_db: str
    first_day: datetime.date
    report: Path

    def dsn(self, database: str) -> str:
        server = self.server
        return f"postgresql://{server.user}@{server.host}:{server.port}/{database}"

    def graphql(self, query: str, variables: dict | None = None) -> dict[str, Any]:
        """One request to the webserver's GraphQL endpoint, as the UI sends it."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(  # noqa: S310 - http, loopback
            f"{self.url}/graphql", body, {"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 - http, loopback
                document = json.loads(answer.read())
        except urllib.error.HTTPError as error:
            raise AssertionError(
                f"GraphQL answered {error.code}: {error.read()[:3000]!r}"
            ) from error
        assert "errors" not in document, document
        return document["data"]

    def materialize(self, tables: list[list[str]], partitions: list[str]) -> str:
        """An asset backfill of ``partitions`` of ``tables`` (the UI's Materialize); its id."""
        return self._backfill(
            {"assetSelection": [{"path": path} for path in tables], "partitionNames": partitions}
        )

    def run_nightly(self, vendor: str, partitions: list[str]) -> str:
        """The runs the schedule ``<vendor>_nightly`` makes: its job's ``partitions``; an id.

        Launched as one backfill of the job (its page's "Launch backfill"): a run per
        partition of the job ``<vendor>_load``, which names no assets of its own.
        """
        selector = {
            "partitionSetName": f"{vendor}_load_partition_set",
            "repositorySelector": {
                "repositoryName": "__repository__",
                "repositoryLocationName": "video-taps",
            },
        }
        return self._backfill({"selector": selector, "partitionNames": partitions})

    def _backfill(self, params: dict[str, Any]) -> str:
        data = self.graphql(
            """
            mutation Launch($params: LaunchBackfillParams!) {
              launchPartitionBackfill(backfillParams: $params) {
                __typename
                ... on LaunchBackfillSuccess { backfillId }
                ... on PythonError { message stack }
              }
            }
            """,
            {"params": params},
        )
        launched = data["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        return launched["backfillId"]

    def runs(self) -> list[dict[str, Any]]:
        """Every run: job, status, times, tags (from Dagster's own tables)."""
        with psycopg.connect(self.dsn(self.dagster_db), autocommit=True) as connection:
            rows = connection.execute(
                "select run_id, pipeline_name, status, start_time, end_time, "
                "extract(epoch from create_timestamp) from runs"
            ).fetchall()
            tags = connection.execute("select run_id, key, value from run_tags").fetchall()
        by_run: dict[str, dict[str, str]] = {}
        for run_id, key, value in tags:
            by_run.setdefault(run_id, {})[key] = value
        return [
            {"run_id": r[0], "job": r[1], "status": r[2], "start": r[3], "end": r[4],
             "created": float(r[5]), "tags": by_run.get(r[0], {})}
            for r in rows
        ]  # fmt: skip

    def backfill_runs(self, backfill_id: str) -> list[dict[str, Any]]:
        return [run for run in self.runs() if run["tags"].get("dagster/backfill") == backfill_id]

    def wait(self, backfill_id: str, expected: int) -> dict[str, dict[str, Any]]:
        """Runs by partition once all ``expected`` runs of a backfill have ended."""
        deadline = time.monotonic() + RUN_WAIT_S
        while time.monotonic() < deadline:
            runs = self.backfill_runs(backfill_id)
            if len(runs) >= expected and all(run["status"] in TERMINAL for run in runs):
                by_partition = {run["tags"].get("dagster/partition"): run for run in runs}
                assert len(by_partition) == len(runs) == expected, [r["tags"] for r in runs]
                return by_partition
            time.sleep(1)
        raise AssertionError(
            f"runs of {backfill_id} not finished: {self.backfill_runs(backfill_id)}"
        )

    def wait_for_marts(self, count: int) -> list[dict[str, Any]]:
        """The ``marts`` runs, once ``count`` of them exist and have ended."""
        deadline = time.monotonic() + RUN_WAIT_S
        while time.monotonic() < deadline:
            runs = [run for run in self.runs() if run["job"] == "marts"]
            if len(runs) >= count and all(run["status"] in TERMINAL for run in runs):
                return runs
            time.sleep(1)
        raise AssertionError(f"no {count} finished marts run(s): {self.runs()}")

    def events(self, event_type: str) -> list[dict[str, Any]]:
        """Events of one type: asset key, partition, run, and the event as Dagster stored it."""
        with psycopg.connect(self.dsn(self.dagster_db), autocommit=True) as connection:
            rows = connection.execute(
                "select asset_key, partition, run_id, event from event_logs "
                "where dagster_event_type = %s order by id",
                [event_type],
            ).fetchall()
        return [
            {"asset": key_path(key), "partition": partition, "run_id": run_id,
             "event": json.loads(event)}
            for key, partition, run_id, event in rows
        ]  # fmt: skip

    def log_times(self, run_id: str, text: str) -> list[float]:
        """When a run logged lines containing ``text`` (epoch seconds)."""
        with psycopg.connect(self.dsn(self.dagster_db), autocommit=True) as connection:
            rows = connection.execute(
                "select extract(epoch from timestamp) from event_logs "
                "where run_id = %s and event like %s order by id",
                [run_id, f"%{text}%"],
            ).fetchall()
        return [float(row[0]) for row in rows]

    def logged(self, text: str) -> int:
        """How many event-log entries (any run) contain ``text``."""
        with psycopg.connect(self.dsn(self.dagster_db), autocommit=True) as connection:
            return connection.execute(
                "select count(*) from event_logs where event like %s", [f"%{text}%"]
            ).fetchone()[0]

    def states(self) -> dict[str, dict]:
        """Meltano's state per state id, read from its system database (partial over done)."""
        with psycopg.connect(self.dsn(self.meltano_db), autocommit=True) as connection:
            rows = connection.execute(
                "select state_id, completed_state, partial_state from state"
            ).fetchall()
        return {key: merged(loaded(done), loaded(partial)) for key, done, partial in rows}

    def query(self, text: str, params: list | None = None) -> list[tuple]:
        with psycopg.connect(self.dsn(self.warehouse_db), autocommit=True) as connection:
            return connection.execute(text, params or []).fetchall()


def key_path(stored: str | None) -> list[str] | None:
    """An asset key as Dagster stores it (a JSON list, or an object with its path)."""
    if not stored:
        return None
    key = json.loads(stored)
    return key["path"] if isinstance(key, dict) else key


def loaded(value: Any) -> dict:
    return (json.loads(value) if isinstance(value, str) else value) or {}


def merged(base: dict, over: dict) -> dict:
    """``over`` merged into ``base`` key by key (dicts recursively), as meltano merges states."""
    result = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def find(document: Any, key: str) -> list[Any]:
    """Every value stored under ``key`` anywhere in a serialised Dagster event."""
    found = []
    if isinstance(document, dict):
        for name, value in document.items():
            if name == key:
                found.append(value)
            found.extend(find(value, key))
    elif isinstance(document, list):
        for value in document:
            found.extend(find(value, key))
    return found


def metadata(event: dict) -> dict[str, Any]:
    """A materialisation's metadata as plain values (Dagster stores them typed, by label)."""
    (entries,) = find(event, "metadata_entries")
    plain = {}
    for entry in entries:
        data = entry["entry_data"]
        (value,) = [v for k, v in data.items() if k != "__class__"]
        plain[entry["label"]] = value
    return plain


def start(argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
    """A process in a session of its own, so it can be stopped with all its children."""
    with log.open("w") as handle:
        return subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


def recent_data_start() -> datetime.datetime:
    """Midnight UTC thirty days ago: the emulator's data then ends about now."""
    today = datetime.datetime.now(datetime.UTC).date()
    first = today - datetime.timedelta(days=30)
    return datetime.datetime.combine(first, datetime.time(), datetime.UTC)


#: The emulator's data for this module: ending now, a small api.video volume.
RECENT = {**apivideo.VOLUME, "data_start": recent_data_start().strftime("%Y-%m-%dT%H:%M:%SZ")}


@pytest.fixture
def recent(session_emulator):
    """The emulator serving the data the rounds loaded (the tier resets it per test).

    Its data is a function of its config, so the truth read now is what the runs read.
    """
    session_emulator.reset(**RECENT)
    return session_emulator


@pytest.fixture(scope="module")
def deployment(
    postgres: PostgresServer, session_emulator, tmp_path_factory
) -> Iterator[Deployment]:
    """``dagster dev`` over a fresh instance, meltano database and warehouse."""
    if not (DAGSTER_BIN / "dagster").exists():
        pytest.fail("the Dagster venv is missing: run `make dev`")
    meltano_install()
    root = tmp_path_factory.mktemp("orchestration")
    project = users_project(root / "project")
    dagster_home = root / "dagster_home"
    server = postgres
    dagster_db = new_database(server, "dagster")
    meltano_db = new_database(server, "meltano")
    warehouse_db = new_database(server, "warehouse")
    base = f"{server.user}@{server.host}:{server.port}"
    data_start = recent_data_start()
    first_day = data_start.date()
    apivideo_start = datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=3)
    report = root / "report.html"
    env = {
        **{k: v for k, v in os.environ.items() if k != "VIDEO_TAPS_MELTANO"},
        **server.target_postgres_env(),
        "TARGET_POSTGRES_DATABASE": warehouse_db,
        "DBT_POSTGRES_HOST": server.host,
        "DBT_POSTGRES_PORT": str(server.port),
        "DBT_POSTGRES_USER": server.user,
        "DBT_POSTGRES_DBNAME": warehouse_db,
        "DAGSTER_HOME": str(dagster_home),
        "DAGSTER_POSTGRES_URL": f"postgresql+psycopg2://{base}/{dagster_db}",
        "MELTANO_DATABASE_URI": f"postgresql+psycopg://{base}/{meltano_db}",
        "MELTANO_PROJECT_ROOT": str(project),
        "MELTANO_SYS_DIR_ROOT": str(PROJECT_ROOT / ".meltano"),
        "MELTANO_ENVIRONMENT": "demo",
        # The demo environment names the demo emulator's port; this test's listens elsewhere.
        **demo_url_overrides(session_emulator.url),
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TAP_BRIGHTCOVE_AUDIENCE_START_DATE": first_day.isoformat(),
        "TAP_APIVIDEO_START_DATE": apivideo_start.isoformat(),
        "TAP_APIVIDEO__SECOND_API_KEY": apivideo.SECOND_API_KEY,
        # The streams the tests reconcile (an inherited plugin inherits the selection).
        "TAP_APIVIDEO__SELECT": json.dumps([f"{stream}.*" for stream in APIVIDEO_STREAMS]),
        "VIDEO_TAPS_SENSOR_SECONDS": "3",
        "VIDEO_TAPS_REPORT": str(report),
        "PATH": os.pathsep.join(
            p for p in os.environ.get("PATH", "").split(os.pathsep)
            if not Path(p, "meltano").exists()
        ),
    }  # fmt: skip
    # The instance config as the README has a user write it: derived by the code location.
    subprocess.run(
        [str(DAGSTER_BIN / "video-taps-dagster-instance"), str(dagster_home)],
        env=env, check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # Meltano creates its tables on first use, without a lock: concurrent first
    # runs on an empty database race in its migrations. The README's set-up
    # creates them once first, as here. The warehouse is empty: the loads' first
    # runs create its schemas and tables (taking turns, loads.first_load).
    meltano("state", "list", env=env, environment=None)
    port = free_port()
    dev = start(
        [str(DAGSTER_BIN / "dagster"), "dev", "-w", str(WORKSPACE), "-h", "127.0.0.1",
         "-p", str(port)],
        env, project, root / "dagster-dev.log",
    )  # fmt: skip
    try:
        deployment = Deployment(
            env, f"http://127.0.0.1:{port}", server, dagster_db, meltano_db, warehouse_db,
            first_day, report,
        )  # fmt: skip
        wait_for_webserver(deployment, dev, root / "dagster-dev.log")
        yield deployment
    finally:
        stop_session(dev)


def wait_for_webserver(deployment: Deployment, dev: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if dev.poll() is not None:
            raise AssertionError(f"dagster dev exited:\n{log.read_text()[-4000:]}")
        try:
            data = deployment.graphql(
                "{ workspaceOrError { ... on Workspace { locationEntries { name "
                "locationOrLoadError { __typename ... on PythonError { message } } } } } }"
            )
        except OSError:
            time.sleep(1)
            continue
        (entry,) = data["workspaceOrError"]["locationEntries"]
        loaded_as = entry["locationOrLoadError"]
        if loaded_as and loaded_as["__typename"] == "RepositoryLocation":
            return
        if loaded_as and loaded_as["__typename"] == "PythonError":
            raise AssertionError(f"the code location failed to load: {loaded_as['message']}")
        time.sleep(1)
    raise AssertionError(f"dagster dev did not serve the code location:\n{log.read_text()[-4000:]}")


def yesterday() -> str:
    return (datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)).isoformat()


def day_ms(day: datetime.date) -> int:
    moment = datetime.datetime.combine(day, datetime.time(), datetime.UTC)
    return round(moment.timestamp() * 1000)


def audience_truth(emulator, account: str, first: datetime.date, end: datetime.date | None = None):
    params: dict[str, Any] = {
        "account_id": account,
        "stream": "view_events",
        "from_": day_ms(first),
    }
    if end is not None:
        params["to"] = day_ms(end)
    return emulator.truth("brightcove_audience", **params)["count"]


def audience_state_id(account: str, kind: str = "nightly") -> str:
    return f"demo:{AUDIENCE}-to-target-postgres:{kind}-{account}"


def audience_rows(deployment: Deployment, stream: str, account: str) -> int:
    return deployment.query(
        sql.SQL("select count(*) from brightcove_audience.{} where account_id = %s").format(
            sql.Identifier(stream)
        ),
        [account],
    )[0][0]


def bookmarks(state: dict) -> dict[str, str]:
    """stream -> the one account's bookmark in a per-account state."""
    found = {}
    for stream, bookmark in state["singer_state"]["bookmarks"].items():
        for partition in bookmark.get("partitions", []):
            if "replication_key_value" in partition:
                found[stream] = partition["replication_key_value"]
    return found


def checks_by(deployment: Deployment, run_ids: set[str]) -> dict[tuple[str, str], list[bool]]:
    """(table, check) -> whether each evaluation in those runs passed."""
    found: dict[tuple[str, str], list[bool]] = {}
    for record in deployment.events("ASSET_CHECK_EVALUATION"):
        if record["run_id"] not in run_ids:
            continue
        (evaluation,) = [
            e for e in find(record["event"], "event_specific_data") if "check_name" in e
        ]
        table = "/".join(evaluation["asset_key"]["path"])
        # Stored as "success" (AssetCheckEvaluation.passed).
        found.setdefault((table, evaluation["check_name"]), []).append(evaluation["success"])
    return found


# -- the code location ----------------------------------------------------------


def test_dagster_definitions_validate_passes(loaded_twice):
    code, output = loaded_twice["validate"]
    assert code == 0, output[-4000:]
    assert "Validation successful for code location video-taps" in output


GRAPH_SCRIPT = """
import json
from video_taps_orchestration.definitions import defs
definitions = defs()
graph = definitions.resolve_asset_graph()
nodes = {}
for key in graph.get_all_asset_keys():
    node = graph.get(key)
    nodes[key.to_user_string()] = {
        "parents": sorted(p.to_user_string() for p in node.parent_keys),
        "group": node.group_name,
        "partitions": node.partitions_def.get_partition_keys() if node.partitions_def else None,
        "checks": sorted(k.name for k in node.check_keys),
        "materializable": node.is_materializable,
    }
nightly = {}
for declared in definitions.schedules:
    schedule = definitions.resolve_schedule_def(declared.name)
    if schedule.name.endswith("_nightly"):
        job = definitions.resolve_job_def(schedule.job_name)
        nightly[schedule.name] = {
            "job": job.name,
            "ops": sorted(node.name for node in job.graph.node_defs),
            "checks": sorted({key.name for key in job.asset_layer.asset_graph.asset_check_keys}),
        }
print(json.dumps({"nodes": nodes, "nightly": nightly}))
"""


@pytest.fixture(scope="module")
def loaded_twice(deployment) -> dict[str, Any]:
    """``dagster definitions validate`` and the Definitions' asset graph, side by side.

    Each loads the code location in a process of its own (meltano, the taps'
    discovery, dbt's manifest): run at once, they cost one load's wall time.
    """
    env, cwd = deployment.env, deployment.env["MELTANO_PROJECT_ROOT"]
    validate = subprocess.Popen(
        [str(DAGSTER_BIN / "dagster"), "definitions", "validate", "-w", str(WORKSPACE)],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    result = subprocess.run(
        [str(DAGSTER_BIN / "python"), "-c", GRAPH_SCRIPT],
        env=env, cwd=cwd, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    validated, _ = validate.communicate(timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    return {
        "validate": (validate.returncode, validated),
        "graph": json.loads(result.stdout.strip().splitlines()[-1]),
    }


@pytest.fixture(scope="module")
def graph(loaded_twice) -> dict[str, dict[str, Any]]:
    """The asset graph of the Definitions object, as the code location builds it."""
    return loaded_twice["graph"]["nodes"]


def test_a_nightly_run_loads_the_tables_and_checks_their_rows_only(loaded_twice):
    # bookmark_fresh is judged once the night's loads ended (the marts run, the
    # morning's job): the nightly runs carry neither its step nor its events.
    nightly = loaded_twice["graph"]["nightly"]
    vendors = ["apivideo", "brightcove_audience", "brightcove_interactivity", "ibm_video"]
    assert sorted(nightly) == [f"{vendor}_nightly" for vendor in vendors]
    for name, job in nightly.items():
        vendor = name.removesuffix("_nightly")
        assert job == {
            "job": f"{vendor}_load",
            "ops": [f"load_{vendor}"],
            "checks": ["rows_loaded_match_tap"],
        }


def dbt_sources(schema_folder: str) -> dict[str, list[str]]:
    """staging model -> the loaded table it reads.

    The project's convention: ``models/staging/<tap's schema>/stg_<vendor>__<table>.sql``
    reads ``source('<tap's schema>', '<table>')``.
    """
    reads = {}
    for model in (PROJECT_ROOT / "transform" / "models" / "staging").rglob("stg_*.sql"):
        table = model.stem.split("__", 1)[1]
        reads[f"{schema_folder}/{model.stem}"] = [f"{model.parent.name}/{table}"]
    return reads


def dbt_refs(folder: str) -> dict[str, list[str]]:
    """model of ``folder`` -> the models it ``ref``s."""
    refs = {}
    for model in (PROJECT_ROOT / "transform" / "models" / folder).rglob("*.sql"):
        refs[model.stem] = sorted(set(re.findall(r"ref\('(\w+)'\)", model.read_text())))
    return refs


def test_the_asset_graph_runs_from_api_stream_to_table_to_staging_to_mart_to_report(graph):
    # Every loaded table is read from its API stream, partitioned by account x day, with
    # its two checks; every stream of every tap (from its registry) is a table.
    from tests.support.registry import all_streams

    schemas = {
        "tap-brightcove-audience": "brightcove_audience", "tap-ibm-video": "ibm_video",
        "tap-apivideo": "apivideo", "tap-brightcove-interactivity": "brightcove_interactivity",
    }  # fmt: skip
    for tap, schema in schemas.items():
        # The streams the plugins select are the tables they load (api.video: this
        # test's selection); the others are in the graph only as the dbt sources they are.
        loaded = APIVIDEO_STREAMS if schema == "apivideo" else all_streams(tap)
        for stream in all_streams(tap):
            table = graph[f"{schema}/{stream}"]
            assert table["materializable"] == (stream in loaded), stream
            if stream not in loaded:
                continue
            assert table["parents"] == [f"api/{schema}/{stream}"]
            assert table["checks"] == ["bookmark_fresh", "rows_loaded_match_tap"]
            assert table["group"] == schema
            assert table["partitions"]
    audience = graph["brightcove_audience/view_events"]["partitions"]
    assert f"{AUDIENCE}:{GOOD}|{yesterday()}" in audience
    assert f"{AUDIENCE}:{BAD}|{yesterday()}" in audience
    apivideo_keys = graph["apivideo/videos"]["partitions"]
    assert f"{SECOND_PROJECT}|{yesterday()}" in apivideo_keys

    # Staging models: one edge from each table their SQL reads (dbt sources mapped onto
    # the tables' asset keys), and nothing else upstream.
    staging = dbt_sources("analytics_staging")
    assert staging
    for model, tables in staging.items():
        assert graph[model]["parents"] == tables, model
        assert graph[model]["group"] == "staging"
    # Marts: an edge from each staging model (or mart) they ref.
    for mart, refs in dbt_refs("marts").items():
        expected = sorted(
            f"analytics_staging/{r}" if r.startswith("stg_") else f"analytics/{r}" for r in refs
        )
        assert graph[f"analytics/{mart}"]["parents"] == expected, mart
        assert graph[f"analytics/{mart}"]["group"] == "marts"
    # dbt's tests are checks on the models they test.
    assert "unique_fct_views_view_key" in graph["analytics/fct_views"]["checks"]
    # The report page reads the marts.
    assert graph["reports/views_report"]["parents"] == sorted(f"analytics/{m}" for m in MARTS)


def test_dagster_dev_serves_the_asset_graph(deployment, graph):
    data = deployment.graphql("{ assetNodes { assetKey { path } dependencyKeys { path } } }")
    served = {
        "/".join(node["assetKey"]["path"]): sorted(
            "/".join(key["path"]) for key in node["dependencyKeys"]
        )
        for node in data["assetNodes"]
    }
    assert served == {key: node["parents"] for key, node in graph.items()}


# -- nightly, marts, failure, backfill -------------------------------------------


@pytest.fixture(scope="module")
def rounds(deployment, graph, session_emulator) -> dict[str, Any]:
    """Both rounds of runs, and what the warehouse and meltano's state held after each.

    A tap's multi-asset is materialised whole (one ``meltano run`` loads every table the
    plugin selects): each backfill names every table of it.
    """
    emulator = session_emulator
    emulator.reset(**RECENT)
    emulator.configure_faults(
        [{"kind": "status", "status": 403, "path": f"/accounts/{BAD}/leads", "count": -1}]
    )
    night = yesterday()
    # The night: the runs the nightly schedules make (their jobs name no assets).
    audience = deployment.run_nightly(
        "brightcove_audience", [f"{AUDIENCE}:{account}|{night}" for account in ACCOUNTS]
    )
    projects = deployment.run_nightly(
        "apivideo", [f"{p}|{night}" for p in ("tap-apivideo", SECOND_PROJECT)]
    )
    first: dict[str, Any] = {
        "audience": deployment.wait(audience, 2),
        "apivideo": deployment.wait(projects, 2),
    }
    first["marts"] = deployment.wait_for_marts(1)
    time.sleep(4)  # a second marts run, had the sensor requested one, would be queued by now
    first["marts_after"] = [run for run in deployment.runs() if run["job"] == "marts"]
    first["states"] = deployment.states()
    first["rows"] = {
        (stream, account): audience_rows(deployment, stream, account)
        for stream in STREAMS
        for account in ACCOUNTS
    }
    first["videos"] = {row[0] for row in deployment.query('select "videoId" from apivideo.videos')}
    first["sessions"] = deployment.query("select count(*) from apivideo.video_sessions")[0][0]
    first["metrics"] = dict(
        deployment.query("select project_id, count(*) from apivideo.metrics group by 1")
    )
    first["fct_views"] = dict(
        deployment.query(
            "select account_id, count(*) from analytics.fct_views "
            "where vendor = 'brightcove_audience' group by 1"
        )
    )
    first["media"] = dict(
        deployment.query("select vendor, count(*) from analytics.dim_media group by 1")
    )
    first["materializations"] = deployment.events("ASSET_MATERIALIZATION")
    first["report"] = deployment.report.read_text() if deployment.report.exists() else ""

    emulator.configure_faults([])
    # The nightly run loaded the backfill's days already: drop them, so what is
    # there afterwards is what the backfill loaded.
    days = [deployment.first_day + datetime.timedelta(days=n) for n in (10, 11, 12)]
    deployment.query(
        "delete from brightcove_audience.view_events "
        "where account_id = %s and updated_at >= %s and updated_at < %s returning 1",
        [GOOD, f"{days[0]}T00:00:00Z", f"{days[-1] + datetime.timedelta(days=1)}T00:00:00Z"],
    )
    backfill = deployment.materialize(AUDIENCE_TABLES, [f"{AUDIENCE}:{GOOD}|{day}" for day in days])
    rerun = deployment.materialize(AUDIENCE_TABLES, [f"{AUDIENCE}:{BAD}|{night}"])
    ibm_tables = [
        key.split("/") for key, node in graph.items()
        if key.startswith("ibm_video/") and node["materializable"]
    ]  # fmt: skip
    ibm = deployment.materialize(ibm_tables, [f"{IBM}|{day}" for day in days[:2]])
    second: dict[str, Any] = {
        "days": days,
        "backfill": deployment.wait(backfill, 3),
        "rerun": deployment.wait(rerun, 1),
        "ibm": deployment.wait(ibm, 2),
    }
    views = deployment.query("select view_id from ibm_video.views")
    second["ibm_views"] = {row[0] for row in views}
    second["states"] = deployment.states()
    second["rows"] = {
        (stream, account): audience_rows(deployment, stream, account)
        for stream in STREAMS
        for account in ACCOUNTS
    }
    second["backfilled"] = deployment.query(
        "select count(*) from brightcove_audience.view_events "
        "where account_id = %s and updated_at >= %s and updated_at < %s",
        [GOOD, f"{days[0]}T00:00:00Z", f"{days[-1] + datetime.timedelta(days=1)}T00:00:00Z"],
    )[0][0]
    second["materializations"] = deployment.events("ASSET_MATERIALIZATION")
    return {"first": first, "second": second}


def most_at_once(runs: list[dict[str, Any]]) -> int:
    """The largest number of these runs that were running at the same moment."""
    edges = sorted([(run["start"], 1) for run in runs] + [(run["end"], -1) for run in runs])
    running = peak = 0
    for _moment, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def test_nightly_partitions_load_each_account_and_report_rows_and_bookmarks(
    rounds, deployment, recent
):
    emulator = recent
    first = rounds["first"]
    night = yesterday()
    good = first["audience"][f"{AUDIENCE}:{GOOD}|{night}"]
    assert good["status"] == "SUCCESS"
    assert {run["status"] for run in first["apivideo"].values()} == {"SUCCESS"}
    assert most_at_once([*first["audience"].values(), *first["apivideo"].values()]) >= 2

    assert first["rows"][("view_events", GOOD)] == audience_truth(
        emulator, GOOD, deployment.first_day
    )
    keys = (apivideo.API_KEY, apivideo.SECOND_API_KEY)
    assert first["videos"] == {
        video["videoId"]
        for key in keys
        for video in apivideo.truth(emulator, "videos", project=key)
    }
    start = datetime.date.fromisoformat(deployment.env["TAP_APIVIDEO_START_DATE"])
    assert first["sessions"] == sum(
        apivideo.expected_rows(emulator, "video_sessions", start, project=key) for key in keys
    )
    # Both projects' partitions loaded into the one apivideo schema, each under its own label.
    assert first["metrics"] == {
        emulator.truth("apivideo", project=key, stream="videos")["project_id"]: (
            apivideo.expected_rows(emulator, "metrics", start, project=key)
        )
        for key in keys
    }
    # One state id per account, holding only that account.
    for account in ACCOUNTS:
        streams = first["states"][audience_state_id(account)]["singer_state"]["bookmarks"]
        assert {p["context"]["account_id"] for p in streams["view_events"]["partitions"]} == {
            account
        }

    # Each table's materialisation of the good account's partition says what the run did:
    # the rows the tap emitted and the loader loaded (the warehouse's count), the bookmark.
    reported = {
        "/".join(m["asset"]): metadata(m["event"])
        for m in first["materializations"]
        if m["partition"] == f"{AUDIENCE}:{GOOD}|{night}"
    }
    assert set(reported) == {"/".join(t) for t in AUDIENCE_TABLES}
    for stream in STREAMS:
        figures = reported[f"brightcove_audience/{stream}"]
        assert figures["rows_loaded"] == figures["rows_emitted"] == first["rows"][(stream, GOOD)]
        assert figures["sync"] == "nightly"
        assert figures["bookmark"] == bookmarks(first["states"][audience_state_id(GOOD)])[stream]
    # The run-queue limits (dagster.yaml, written by video-taps-dagster-instance) key on
    # Dagster's per-dimension partition tag, which runs launched from the UI carry.
    home = Path(deployment.env["DAGSTER_HOME"])
    limits = yaml.safe_load((home / "dagster.yaml").read_text())["run_queue"]
    keys = {limit["key"] for limit in limits["tag_concurrency_limits"]}
    assert "dagster/partition/account_brightcove_audience" in keys
    assert "dagster/partition/account_apivideo" in keys
    assert good["tags"]["dagster/partition/account_brightcove_audience"] == f"{AUDIENCE}:{GOOD}"
    for partition, run in first["apivideo"].items():
        assert run["tags"]["dagster/partition/account_apivideo"] == partition.split("|")[0]
    # The runs went through Pipes and reported through it: no "did not receive" warning.
    assert deployment.logged(PIPES_SILENT) == 0
    # The first night's loads into one schema took turns (its loader creates the schema
    # and tables without IF NOT EXISTS: at once, one failed with DuplicateTable).
    # (A run that started once the other's tables existed takes no turn: it cannot race.)
    for runs in (first["audience"].values(), first["apivideo"].values()):
        spans = sorted(
            (took_turn[0], deployment.log_times(run["run_id"], "meltano exited")[0])
            for run in runs
            if (took_turn := deployment.log_times(run["run_id"], "first load into"))
        )
        assert spans, "no first load took its turn"
        for (_, ended), (started, _) in itertools.pairwise(spans):
            assert ended <= started, spans
    assert deployment.logged("already exists") == 0


def test_the_marts_are_built_once_after_the_nights_loads_and_reconcile(rounds, deployment, recent):
    emulator = recent
    first = rounds["first"]
    (marts,) = first["marts_after"]
    assert marts["status"] == "SUCCESS"
    loads = [*first["audience"].values(), *first["apivideo"].values()]
    assert marts["start"] >= max(run["end"] for run in loads)
    built = {
        "/".join(m["asset"]) for m in first["materializations"] if m["run_id"] == marts["run_id"]
    }
    assert {f"analytics/{mart}" for mart in MARTS} | {"reports/views_report"} <= built
    # The marts hold what loaded: every view of the good account; the failed account's
    # views too (its view_events loaded before leads failed).
    assert first["fct_views"] == {
        GOOD: audience_truth(emulator, GOOD, deployment.first_day),
        BAD: audience_truth(emulator, BAD, deployment.first_day),
    }
    assert set(first["media"]) == {"brightcove_audience", "apivideo"}
    assert "<html" in first["report"].lower()

    checks = checks_by(deployment, {marts["run_id"], *(run["run_id"] for run in loads)})
    good_loads = {first["audience"][f"{AUDIENCE}:{GOOD}|{yesterday()}"]["run_id"]}
    # dbt's tests, as checks on the models, all passed.
    dbt_checks = {k: v for k, v in checks.items() if k[0].startswith("analytics")}
    assert dbt_checks
    assert all(all(passed) for passed in dbt_checks.values()), dbt_checks
    # Every table loaded in full and fresh, for the accounts whose loads succeeded.
    for stream in APIVIDEO_STREAMS:
        assert all(checks[(f"apivideo/{stream}", "rows_loaded_match_tap")])
        assert checks[(f"apivideo/{stream}", "bookmark_fresh")] == [True]
    # view_events loaded for both accounts (the 403 was on leads): fresh.
    assert checks[("brightcove_audience/view_events", "bookmark_fresh")] == [True]
    good_checks = checks_by(deployment, good_loads)
    for stream in STREAMS:
        assert good_checks[(f"brightcove_audience/{stream}", "rows_loaded_match_tap")] == [True]


def test_a_403_fails_its_partition_and_its_checks_and_a_rerun_resumes(rounds, deployment, recent):
    emulator = recent
    first, second = rounds["first"], rounds["second"]
    night = yesterday()
    failed = first["audience"][f"{AUDIENCE}:{BAD}|{night}"]
    assert failed["status"] == "FAILURE"
    # The failed run still loaded and checkpointed the stream that answered...
    assert first["rows"][("view_events", BAD)] == audience_truth(
        emulator, BAD, deployment.first_day
    )
    assert first["rows"][("leads", BAD)] == 0
    assert set(bookmarks(first["states"][audience_state_id(BAD)])) == {"view_events"}
    # ...which is materialised; leads is not, and its row check failed.
    materialised = {
        "/".join(m["asset"]) for m in first["materializations"] if m["run_id"] == failed["run_id"]
    }
    assert materialised == {"brightcove_audience/view_events"}
    checks = checks_by(deployment, {failed["run_id"]})
    assert checks[("brightcove_audience/leads", "rows_loaded_match_tap")] == [False]
    assert checks[("brightcove_audience/view_events", "rows_loaded_match_tap")] == [True]
    # The morning's freshness check of leads names the account that never loaded it.
    (marts,) = first["marts_after"]
    assert checks_by(deployment, {marts["run_id"]})[
        ("brightcove_audience/leads", "bookmark_fresh")
    ] == [False]

    rerun = second["rerun"][f"{AUDIENCE}:{BAD}|{night}"]
    assert rerun["status"] == "SUCCESS"
    leads_truth = emulator.truth("brightcove_audience", account_id=BAD, stream="leads")["count"]
    assert second["rows"][("leads", BAD)] == leads_truth
    assert second["rows"][("view_events", BAD)] == audience_truth(
        emulator, BAD, deployment.first_day
    )
    assert set(bookmarks(second["states"][audience_state_id(BAD)])) == set(STREAMS)
    good = audience_state_id(GOOD)
    assert second["states"][good] == first["states"][good]


def test_a_three_day_backfill_runs_concurrently_and_leaves_the_nightly_bookmark(
    rounds, deployment, recent
):
    emulator = recent
    first, second = rounds["first"], rounds["second"]
    runs = list(second["backfill"].values())
    assert {run["status"] for run in runs} == {"SUCCESS"}
    assert most_at_once(runs) == 3
    days = second["days"]
    assert second["backfilled"] == audience_truth(
        emulator, GOOD, days[0], days[-1] + datetime.timedelta(days=1)
    )
    nightly = audience_state_id(GOOD)
    # Byte-identical: the backfill's state ids are its own.
    assert json.dumps(second["states"][nightly], sort_keys=True) == json.dumps(
        first["states"][nightly], sort_keys=True
    )
    for day in days:
        assert bookmarks(second["states"][audience_state_id(GOOD, f"backfill-{day}")])
        partition = f"{AUDIENCE}:{GOOD}|{day}"
        (figures,) = [
            metadata(m["event"]) for m in second["materializations"]
            if m["partition"] == partition and m["asset"] == ["brightcove_audience", "view_events"]
        ]  # fmt: skip
        assert figures["sync"] == "backfill"
        assert figures["rows_loaded"] == audience_truth(
            emulator, GOOD, day, day + datetime.timedelta(days=1)
        )


def test_the_run_queue_holds_a_vendor_to_its_limit_while_another_runs_at_once(rounds, recent):
    """IBM publishes no limits: one run per client at a time (taps.py, dagster.yaml's queue)."""
    emulator = recent
    second = rounds["second"]
    ibm_runs = sorted(second["ibm"].values(), key=lambda run: run["start"])
    assert {run["status"] for run in ibm_runs} == {"SUCCESS"}
    first, later = ibm_runs
    # Both days were queued while the first ran; the second waited for it to end...
    assert later["created"] < first["end"]
    assert later["start"] >= first["end"]
    assert most_at_once(ibm_runs) == 1
    # ...while the Audience backfill launched beside them ran its three days at once.
    assert most_at_once(list(second["backfill"].values())) == 3
    # The two days' views, all of them, from the one client.
    first_day, second_day = second["days"][:2]
    truth = views_truth(
        emulator, f"{first_day}T00:00:00Z", f"{second_day + datetime.timedelta(days=1)}T00:00:00Z"
    )
    assert truth
    assert second["ibm_views"] == {view["view_id"] for view in truth}
