"""Dagster runs every account and every backfill day as its own partition (orchestration/).

Real parts only: the code location in its own venv (.venv-dagster, `make dev`),
a Dagster instance whose storage is the suite's PostgreSQL, the Dagster daemon
as a real process launching each run as a process of its own, real meltano with
its system database (the bookmarks) in PostgreSQL too, target-postgres, and the
emulator as the APIs. Runs are started the way the README tells a user to:
`dagster job backfill -j <job> --partitions ...` puts one run per partition on
the queue, and the daemon starts them within the instance's run-queue limits.

The runs come in two rounds, each a set of runs launched together (the
machine's start-up cost per run is seconds of CPU, so every round counts):
1. the nightly jobs of two Audience accounts and two api.video projects (both
   projects into the one ``apivideo`` schema), the second Audience account
   answering 403 on its leads;
2. a three-day Audience backfill of the first account, the failed account's
   partition re-run with the fault cleared, and a backfill of two days of both
   api.video projects under a test limit of two api.video runs at once.
The tests assert on what each round left behind.

The meltano project is a user's: this repository's meltano.yml plus an
inherited api.video plugin for a second project (inherited plugins cannot live
in an environment of meltano.yml). It uses the repository's installed plugins
(MELTANO_SYS_DIR_ROOT), so nothing is installed twice.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import socket
import subprocess
import time
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
from tests.support.audience import ACCOUNTS, START_MS, STREAMS
from tests.support.meltano import (
    PROJECT_ROOT,
    copy_plugin_definitions,
    demo_url_overrides,
    meltano,
    meltano_install,
)
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.e2e

DAGSTER_BIN = PROJECT_ROOT / ".venv-dagster" / "bin"
WORKSPACE = PROJECT_ROOT / "orchestration" / "workspace.yaml"
SHIPPED_INSTANCE = PROJECT_ROOT / "orchestration" / "dagster.yaml"
SECOND_PROJECT = "tap-apivideo--second"
#: A vendor-wide limit the test instance adds (api.video ships with per-project
#: limits only), so a test can see the queue hold it.
APIVIDEO_LIMIT_IN_TEST = 2
RUN_WAIT_S = 600
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


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
    return directory


def write_instance_config(dagster_home: Path) -> None:
    """The shipped dagster.yaml plus a limit of 2 api.video runs at once."""
    config = yaml.safe_load(SHIPPED_INSTANCE.read_text())
    config["run_queue"]["tag_concurrency_limits"].append(
        {"key": "video-taps/vendor", "value": "apivideo", "limit": APIVIDEO_LIMIT_IN_TEST}
    )
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(config))


@dataclass
class Deployment:
    """One Dagster instance + daemon over one meltano project, all state in PostgreSQL."""

    env: dict[str, str]
    workspace: Path
    server: PostgresServer
    dagster_db: str
    meltano_db: str
    warehouse_db: str

    def dsn(self, database: str) -> str:
        server = self.server
        return f"postgresql://{server.user}@{server.host}:{server.port}/{database}"

    def launch(self, job: str, partitions: list[str]) -> str:
        """``dagster job backfill``: one queued run per partition; returns the backfill id."""
        result = dagster(
            "job", "backfill", "-w", str(self.workspace), "-j", job,
            "--partitions", ",".join(partitions), "--noprompt", env=self.env,
        )  # fmt: skip
        match = re.search(r"Launched backfill job `([^`]+)`", result.stdout)
        assert match, result.stdout + result.stderr
        return match[1]

    def runs(self, backfill_id: str) -> list[dict[str, Any]]:
        """The runs of one backfill: status, partition, times (from Dagster's own tables)."""
        query = """
            select r.run_id, r.status, r.start_time, r.end_time,
                   (select value from run_tags t
                     where t.run_id = r.run_id and t.key = 'dagster/partition') as partition
              from runs r join run_tags b on b.run_id = r.run_id
             where b.key = 'dagster/backfill' and b.value = %s
        """
        with psycopg.connect(self.dsn(self.dagster_db), autocommit=True) as connection:
            rows = connection.execute(query, [backfill_id]).fetchall()
        return [
            {"run_id": r[0], "status": r[1], "start": r[2], "end": r[3], "partition": r[4]}
            for r in rows
        ]

    def wait(self, backfill_id: str, expected: int) -> dict[str, dict[str, Any]]:
        """Runs by partition once all ``expected`` runs have ended."""
        deadline = time.monotonic() + RUN_WAIT_S
        while time.monotonic() < deadline:
            runs = self.runs(backfill_id)
            if len(runs) == expected and all(run["status"] in TERMINAL for run in runs):
                return {run["partition"]: run for run in runs}
            time.sleep(1)
        raise AssertionError(f"runs of {backfill_id} not finished: {self.runs(backfill_id)}")

    def states(self) -> dict[str, dict]:
        """Meltano's state per state id, read from its system database.

        A failed run's state is stored as ``partial_state``; like ``meltano
        state get``, the partial state is merged over the completed one.
        """
        with psycopg.connect(self.dsn(self.meltano_db), autocommit=True) as connection:
            rows = connection.execute(
                "select state_id, completed_state, partial_state from state"
            ).fetchall()
        return {key: merged(loaded(done), loaded(partial)) for key, done, partial in rows}

    def query(self, text: str, params: list | None = None) -> list[tuple]:
        with psycopg.connect(self.dsn(self.warehouse_db), autocommit=True) as connection:
            return connection.execute(text, params or []).fetchall()


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
    with log.open("w") as handle:
        return subprocess.Popen(argv, env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def deployment(
    postgres: PostgresServer, session_emulator, tmp_path_factory
) -> Iterator[Deployment]:
    """A code server and the daemon over a fresh instance, meltano database and warehouse.

    One long-lived code server (``dagster code-server start``) serves the code
    location to the daemon, the CLI and the run launcher, so it is loaded once
    instead of once per command.
    """
    if not (DAGSTER_BIN / "dagster-daemon").exists():
        pytest.fail("the Dagster venv is missing: run `make dev`")
    meltano_install()
    root = tmp_path_factory.mktemp("orchestration")
    project = users_project(root / "project")
    dagster_home = root / "dagster_home"
    write_instance_config(dagster_home)
    server = postgres
    dagster_db = new_database(server, "dagster")
    meltano_db = new_database(server, "meltano")
    warehouse_db = new_database(server, "warehouse")
    base = f"{server.user}@{server.host}:{server.port}"
    env = {
        **os.environ,
        **server.target_postgres_env(),
        "TARGET_POSTGRES_DATABASE": warehouse_db,
        "DAGSTER_HOME": str(dagster_home),
        "DAGSTER_POSTGRES_URL": f"postgresql+psycopg2://{base}/{dagster_db}",
        "MELTANO_DATABASE_URI": f"postgresql+psycopg://{base}/{meltano_db}",
        "MELTANO_PROJECT_ROOT": str(project),
        "MELTANO_SYS_DIR_ROOT": str(PROJECT_ROOT / ".meltano"),
        "MELTANO_ENVIRONMENT": "demo",
        # The demo environment names the demo emulator's port; this test's listens elsewhere.
        **demo_url_overrides(session_emulator.url),
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "VIDEO_TAPS_MELTANO": str(PROJECT_ROOT / ".venv" / "bin" / "meltano"),
        "TAP_APIVIDEO__SECOND_API_KEY": apivideo.SECOND_API_KEY,
        # The streams the tests reconcile (an inherited plugin inherits the selection);
        # metrics: the same days and metrics in both projects, one table.
        "TAP_APIVIDEO__SELECT": json.dumps(["videos.*", "video_sessions.*", "metrics.*"]),
    }
    # Meltano creates its tables on first use, without a lock: concurrent first
    # runs on an empty database race in its migrations (a run's state can be
    # lost). The README's set-up creates them once first, as here.
    meltano("state", "list", env=env, environment=None)
    port = free_port()
    workspace = root / "workspace.yaml"
    workspace.write_text(
        yaml.safe_dump(
            {"load_from": [{"grpc_server": {"host": "127.0.0.1", "port": port,
                                            "location_name": "video-taps"}}]}
        )
    )  # fmt: skip
    code_server = start(
        [str(DAGSTER_BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1",
         "-p", str(port), "-m", "video_taps_orchestration.definitions",
         "--location-name", "video-taps"],
        env, project, root / "code-server.log",
    )  # fmt: skip
    daemon = None
    try:
        wait_for_code_server(workspace, env)
        daemon = start(
            [str(DAGSTER_BIN / "dagster-daemon"), "run", "-w", str(workspace)],
            env, project, root / "daemon.log",
        )  # fmt: skip
        yield Deployment(env, workspace, server, dagster_db, meltano_db, warehouse_db)
    finally:
        if daemon is not None:
            stop(daemon)
        stop(code_server)


def wait_for_code_server(workspace: Path, env: dict[str, str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        listed = dagster("job", "list", "-w", str(workspace), env=env, check=False)
        if listed.returncode == 0 and "apivideo_nightly" in listed.stdout:
            return
        time.sleep(1)
    raise AssertionError("the Dagster code server did not come up")


def most_at_once(runs: list[dict[str, Any]]) -> int:
    """The largest number of these runs that were running at the same moment."""
    edges = sorted([(run["start"], 1) for run in runs] + [(run["end"], -1) for run in runs])
    running = peak = 0
    for _moment, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def audience_truth(emulator, account: str, first_ms: int = START_MS, to_ms: int | None = None):
    params = {"account_id": account, "stream": "view_events", "from_": first_ms}
    if to_ms is not None:
        params["to"] = to_ms
    return emulator.truth("brightcove_audience", **params)["count"]


def audience_state_id(account: str, kind: str = "nightly") -> str:
    return f"demo:tap-brightcove-audience-to-target-postgres:{kind}-{account}"


def day_ms(day: str) -> int:
    moment = datetime.datetime.fromisoformat(day).replace(tzinfo=datetime.UTC)
    return round(moment.timestamp() * 1000)


def audience_rows(deployment: Deployment, stream: str, account: str) -> int:
    return deployment.query(
        sql.SQL("select count(*) from brightcove_audience.{} where account_id = %s").format(
            sql.Identifier(stream)
        ),
        [account],
    )[0][0]


def audience_window_rows(deployment: Deployment, account: str, first: str, end: str) -> int:
    """view_events rows of ``account`` loaded whose updated_at is in [first, end)."""
    return deployment.query(
        "select count(*) from brightcove_audience.view_events "
        "where account_id = %s and updated_at >= %s and updated_at < %s",
        [account, f"{first}T00:00:00Z", f"{end}T00:00:00Z"],
    )[0][0]


def bookmarks(state: dict) -> dict[str, str]:
    """stream -> the one account's bookmark in a per-account state."""
    found = {}
    for stream, bookmark in state["singer_state"]["bookmarks"].items():
        for partition in bookmark.get("partitions", []):
            if "replication_key_value" in partition:
                found[stream] = partition["replication_key_value"]
    return found


# -- the code location ----------------------------------------------------------


def test_the_code_location_loads_with_one_partition_per_account(deployment):
    env = deployment.env
    dagster("definitions", "validate", "-w", str(WORKSPACE), env=env)
    keys = partition_keys(env)
    vendors = ("brightcove_audience", "apivideo", "ibm_video", "brightcove_interactivity")
    jobs = {f"{vendor}_{kind}" for vendor in vendors for kind in ("nightly", "backfill")}
    schedules = {f"schedule 0 3 * * * {vendor}_nightly" for vendor in vendors}
    assert set(keys) == jobs | schedules
    for vendor in vendors:  # each night, every partition of every tap is its own run
        assert keys[f"schedule 0 3 * * * {vendor}_nightly"] == keys[f"{vendor}_nightly"]
    # Partitions as the taps' settings name them: the demo environment's account_ids,
    # and one api.video project per plugin (the tap and the inherited one).
    assert keys["brightcove_audience_nightly"] == [
        f"tap-brightcove-audience:{account}" for account in ACCOUNTS
    ]
    assert keys["apivideo_nightly"] == ["tap-apivideo", SECOND_PROJECT]
    assert keys["ibm_video_nightly"] == ["tap-ibm-video"]
    assert keys["brightcove_interactivity_nightly"] == [
        f"tap-brightcove-interactivity:{account}" for account in ACCOUNTS
    ]
    # Backfills: account x day, days from the tap's start_date.
    backfill = keys["brightcove_audience_backfill"]
    assert f"tap-brightcove-audience:{ACCOUNTS[0]}|2026-01-01" in backfill
    assert f"tap-brightcove-audience:{ACCOUNTS[1]}|2026-01-02" in backfill
    assert len(backfill) % len(ACCOUNTS) == 0


def partition_keys(env: dict[str, str]) -> dict[str, list[str]]:
    """Every job's partition keys, as the code location (in the Dagster venv) lists them."""
    script = (
        "import json\n"
        "from video_taps_orchestration.definitions import defs\n"
        "repository = defs.get_repository_def()\n"
        "jobs = repository.get_all_jobs()\n"
        "keys = {j.name: j.partitions_def.get_partition_keys() for j in jobs\n"
        "        if j.partitions_def is not None}\n"
        "import datetime, dagster as dg\n"
        "when = datetime.datetime(2026, 2, 1, 3, tzinfo=datetime.timezone.utc)\n"
        "for schedule in repository.schedule_defs:\n"
        "    context = dg.build_schedule_context(\n"
        "        scheduled_execution_time=when, repository_def=repository)\n"
        "    tick = schedule.evaluate_tick(context)\n"
        "    keys[f'schedule {schedule.cron_schedule} {schedule.job_name}'] = [\n"
        "        r.partition_key for r in tick.run_requests]\n"
        "print(json.dumps(keys))\n"
    )
    result = subprocess.run(
        [str(DAGSTER_BIN / "python"), "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- nightly, backfill, failure, limits ------------------------------------------


GOOD, BAD = ACCOUNTS
BACKFILL_DAYS = ["2026-01-10", "2026-01-11", "2026-01-12"]
BACKFILL_END = "2026-01-13"


@pytest.fixture(scope="module")
def rounds(deployment, session_emulator) -> dict[str, Any]:
    """Both rounds of runs, and what the warehouse and meltano's state held after each."""
    emulator = session_emulator
    emulator.reset(**apivideo.VOLUME)
    emulator.configure_faults(
        [{"kind": "status", "status": 403, "path": f"/accounts/{BAD}/leads", "count": -1}]
    )
    audience = deployment.launch(
        "brightcove_audience_nightly", [f"tap-brightcove-audience:{a}" for a in ACCOUNTS]
    )
    projects = deployment.launch("apivideo_nightly", ["tap-apivideo", SECOND_PROJECT])
    first = {"audience": deployment.wait(audience, 2), "apivideo": deployment.wait(projects, 2)}
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

    emulator.configure_faults([])
    # The nightly run loaded the backfill's days already: drop them, so what is
    # there afterwards is what the backfill loaded.
    deployment.query(
        "delete from brightcove_audience.view_events "
        "where account_id = %s and updated_at >= %s and updated_at < %s returning 1",
        [GOOD, f"{BACKFILL_DAYS[0]}T00:00:00Z", f"{BACKFILL_END}T00:00:00Z"],
    )
    last = apivideo.today(emulator) - datetime.timedelta(days=1)
    days = [(last - datetime.timedelta(days=n)).isoformat() for n in range(2)]
    launched = {
        "backfill": (
            deployment.launch(
                "brightcove_audience_backfill",
                [f"tap-brightcove-audience:{GOOD}|{day}" for day in BACKFILL_DAYS],
            ),
            3,
        ),
        "rerun": (
            deployment.launch("brightcove_audience_nightly", [f"tap-brightcove-audience:{BAD}"]),
            1,
        ),
        "limited": (
            deployment.launch(
                "apivideo_backfill",
                [f"{p}|{day}" for p in ("tap-apivideo", SECOND_PROJECT) for day in days],
            ),
            4,
        ),
    }
    second = {name: deployment.wait(backfill, n) for name, (backfill, n) in launched.items()}
    second["states"] = deployment.states()
    second["rows"] = {
        (stream, account): audience_rows(deployment, stream, account)
        for stream in STREAMS
        for account in ACCOUNTS
    }
    second["backfilled"] = audience_window_rows(deployment, GOOD, BACKFILL_DAYS[0], BACKFILL_END)
    return {"first": first, "second": second}


def test_nightly_runs_each_account_concurrently_and_reconciles(rounds, emulator):
    emulator.reset(**apivideo.VOLUME)  # the data the runs read (the emulator is seeded)
    first = rounds["first"]
    good_runs = [first["audience"][f"tap-brightcove-audience:{GOOD}"], *first["apivideo"].values()]
    assert {run["status"] for run in good_runs} == {"SUCCESS"}
    assert most_at_once([*first["audience"].values(), *first["apivideo"].values()]) >= 2

    assert first["rows"][("view_events", GOOD)] == audience_truth(emulator, GOOD)
    truth_videos = {
        video["videoId"]
        for key in (apivideo.API_KEY, apivideo.SECOND_API_KEY)
        for video in apivideo.truth(emulator, "videos", project=key)
    }
    assert first["videos"] == truth_videos
    start = datetime.date.fromisoformat("2026-01-24")  # the demo environment's start_date
    assert first["sessions"] == sum(
        apivideo.expected_rows(emulator, "video_sessions", start, project=key)
        for key in (apivideo.API_KEY, apivideo.SECOND_API_KEY)
    )
    # Both projects' partitions loaded into the one apivideo schema: every day and
    # metric of each is there, under its own project (the one its key's token names).
    assert first["metrics"] == {
        emulator.truth("apivideo", project=key, stream="videos")["project_id"]: (
            apivideo.expected_rows(emulator, "metrics", start, project=key)
        )
        for key in (apivideo.API_KEY, apivideo.SECOND_API_KEY)
    }

    states = first["states"]
    for account in ACCOUNTS:  # one state id per account, holding only that account
        streams = states[audience_state_id(account)]["singer_state"]["bookmarks"]
        accounts = {
            stream: {p["context"]["account_id"] for p in bookmark.get("partitions", [])}
            for stream, bookmark in streams.items()
        }
        assert accounts["view_events"] == {account}
        assert all(found <= {account} for found in accounts.values())
    assert "demo:tap-apivideo-to-target-postgres:nightly-tap-apivideo" in states
    assert f"demo:{SECOND_PROJECT}-to-target-postgres:nightly-{SECOND_PROJECT}" in states


def test_a_403_for_one_account_fails_only_its_run_and_a_rerun_resumes(rounds, emulator):
    first, second = rounds["first"], rounds["second"]
    assert first["audience"][f"tap-brightcove-audience:{GOOD}"]["status"] == "SUCCESS"
    assert first["audience"][f"tap-brightcove-audience:{BAD}"]["status"] == "FAILURE"
    # The failed run still loaded and checkpointed the stream that answered.
    assert first["rows"][("view_events", BAD)] == audience_truth(emulator, BAD)
    assert first["rows"][("leads", BAD)] == 0
    failed_state = bookmarks(first["states"][audience_state_id(BAD)])
    assert set(failed_state) == {"view_events"}

    assert second["rerun"][f"tap-brightcove-audience:{BAD}"]["status"] == "SUCCESS"
    leads_truth = emulator.truth("brightcove_audience", account_id=BAD, stream="leads")["count"]
    assert second["rows"][("leads", BAD)] == leads_truth
    # Resumed from its own bookmark: view_events rows re-read in the look-back
    # are upserted, none doubled; the good account's state is not touched.
    assert second["rows"][("view_events", BAD)] == audience_truth(emulator, BAD)
    resumed = bookmarks(second["states"][audience_state_id(BAD)])
    assert set(resumed) == set(STREAMS)
    assert resumed["view_events"] >= failed_state["view_events"]
    good = audience_state_id(GOOD)
    assert second["states"][good] == first["states"][good]


def test_backfill_of_three_days_runs_concurrently_and_leaves_the_nightly_bookmark(rounds, emulator):
    first, second = rounds["first"], rounds["second"]
    runs = list(second["backfill"].values())
    assert {run["status"] for run in runs} == {"SUCCESS"}
    assert most_at_once(runs) == 3
    assert second["backfilled"] == audience_truth(
        emulator, GOOD, day_ms(BACKFILL_DAYS[0]), day_ms(BACKFILL_END)
    )
    nightly = audience_state_id(GOOD)
    assert second["states"][nightly] == first["states"][nightly]
    for day in BACKFILL_DAYS:
        assert bookmarks(second["states"][audience_state_id(GOOD, f"backfill-{day}")])


def test_the_run_queue_holds_a_vendor_to_its_limit(rounds):
    runs = list(rounds["second"]["limited"].values())
    assert len(runs) == 4
    assert {run["status"] for run in runs} == {"SUCCESS"}
    assert most_at_once(runs) <= APIVIDEO_LIMIT_IN_TEST


def test_each_run_gets_its_own_meltano_run_folder_with_the_shared_plugins(tmp_path):
    """Two runs of one plugin at once must not share .meltano/run/<plugin>/ (meltano's catalog)."""
    shared = tmp_path / "shared"
    (shared / "extractors" / "tap-x").mkdir(parents=True)
    (shared / "run" / "tap-x").mkdir(parents=True)
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from video_taps_orchestration.definitions import private_sys_dir\n"
        "shared = Path(sys.argv[1])\n"
        "plugin = Path('extractors', 'tap-x')\n"
        "with private_sys_dir(shared) as one, private_sys_dir(shared) as two:\n"
        "    print(json.dumps({\n"
        "        'distinct': one != two,\n"
        "        'plugins': [(d / plugin).resolve() == shared / plugin for d in (one, two)],\n"
        "        'run_shared': [(d / 'run').exists() for d in (one, two)],\n"
        "    }))\n"
    )
    result = subprocess.run(
        [str(DAGSTER_BIN / "python"), "-c", script, str(shared.resolve())],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {"distinct": True, "plugins": [True, True], "run_shared": [False, False]}
