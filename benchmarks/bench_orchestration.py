"""Benchmark: Dagster running the meltano project, in two parts.

1. Four api.video projects, one `meltano run` after another vs Dagster's partitions.
   Each project has its own read limit in the emulator (per API key, as the API counts
   it), scaled down from 500 a minute so one project needs about 30 s of reads: the
   script first runs one project with no limit, counts its requests R, then sets the
   limit to R/6 per 5-s window. The windows are fixed on the wall clock, as the API's
   are, and a tap that spends each window to its last request needs six windows'
   allowance: five whole windows and the part of the first left when it starts
   reading. (A 10-s window made every figure jump by 10 s with the second at which a
   run started reading; 5-s windows halve that.) Then:

   - serial: `meltano run` of each project, one after another (what one machine
     running the nightly job does today);
   - parallel: the four projects' nightly partitions (yesterday) of the api.video
     tables, the runs the nightly schedule makes (the job `apivideo_load`, one run per
     project, launched under a running `dagster dev` as one backfill of the job
     through the webserver's GraphQL), started by its daemon
     (the Dagster instance and meltano's state in a throwaway PostgreSQL, as in
     production). The code location is loaded before the clock starts, as a
     deployment's long-running code server has it loaded. Twice: night 1, when no
     run has cached the tap's catalog yet, and night 2, the same reads (night 1's
     bookmarks dropped) with the catalog night 1 cached, as every later night has it.
     The figure is from the first run queued to the last ended: Dagster's backfill
     daemon picks a launched backfill up within its fixed 30-s loop, which the
     nightly schedule (which queues the runs itself) does not wait for.

   Expected: parallel wall within about 1.3x of one project's, serial about 4x. Also
   printed: meltano's own start-up, Dagster's per-run overhead (queue to start, and
   run wall minus the same project's serial wall), and the CPU time the machine spent
   in each phase (the emulator's included: it serves four projects at once).

2. The night's whole graph on the demo's data (`emulator/.../demo_config.json`,
   meltano.yml's demo environment): under one `dagster dev`, every account's nightly
   partition of the four taps (six runs) into target-postgres, the runs of each tap's
   nightly job (backfills of the jobs, as above), then the marts (`dbt build` through
   dagster-dbt, the report) once, requested by the sensor `marts_after_loads`. Twice:
   night 1 into an empty warehouse (each schema's loads take turns until its tables
   exist) with no catalog cached, night 2 the same reads (night 1's bookmarks dropped)
   as every later night. Printed per night: the wall from the first run queued to the
   marts built, and each run's.

Usage: python benchmarks/bench_orchestration.py [--night-only | --projects-only]
(after `make dev`)
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import yaml
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.meltano import demo_url_overrides  # noqa: E402
from tests.support.postgres import postgres_server  # noqa: E402
from tests.support.processes import free_port, stop_session  # noqa: E402
from video_api_emulator.config import demo_config  # noqa: E402
from video_api_emulator.process import EmulatorProcess  # noqa: E402

MELTANO = ROOT / ".venv" / "bin" / "meltano"
DAGSTER_BIN = ROOT / ".venv-dagster" / "bin"
WORKSPACE = ROOT / "orchestration" / "workspace.yaml"
KEYS = [f"bench-apivideo-key-{n}" for n in range(1, 5)]
PLUGINS = ["tap-apivideo", "tap-apivideo--p2", "tap-apivideo--p3", "tap-apivideo--p4"]
WINDOW_S = 5.0
READ_SECONDS = 30.0
VOLUME = {
    "apivideo_projects": {key: f"project-{n}" for n, key in enumerate(KEYS, 1)},
    "apivideo_videos": 4,
    "apivideo_live_streams": 2,
    "apivideo_sessions_per_media": 30,
    "apivideo_events_per_session": 4,
    "apivideo_rate_limit_window_seconds": WINDOW_S,
}


def project(directory: Path) -> Path:
    """This repository's meltano.yml plus three inherited api.video projects."""
    document = yaml.safe_load((ROOT / "meltano.yml").read_text())
    for plugin in document["plugins"]["extractors"] + document["plugins"]["loaders"]:
        if "pip_url" in plugin:
            plugin["pip_url"] = plugin["pip_url"].replace("$MELTANO_PROJECT_ROOT", str(ROOT))
    document["plugins"]["extractors"] += [
        {"name": name, "inherit_from": "tap-apivideo"} for name in PLUGINS[1:]
    ]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "meltano.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    # The taps' definitions, which meltano.yml's extractors name by variant.
    shutil.copytree(ROOT / "plugins", directory / "plugins", dirs_exist_ok=True)
    return directory


def last_complete_day() -> str:
    """Yesterday, UTC: the nightly partition's day."""
    return (datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)).isoformat()


def write_instance(home: Path) -> None:
    """``$DAGSTER_HOME/dagster.yaml`` as the README has a user write it (limits derived)."""
    subprocess.run(
        [str(DAGSTER_BIN / "video-taps-dagster-instance"), str(home)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip


def create_database(dsn: str, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return name


def meltano_run(plugin: str, suffix: str, env: dict[str, str], cwd: Path) -> float:
    """One `meltano run` into target-jsonl; its wall time."""
    started = time.monotonic()
    subprocess.run(
        [str(MELTANO), "--environment=demo", "run", f"--state-id-suffix={suffix}", plugin,
         "target-jsonl"],
        env=env, cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip
    return time.monotonic() - started


def run_timeline(dsn: str, run: tuple) -> list[str]:
    """One run's events, each with its time after the run was queued: where its time went."""
    created = run[1].replace(tzinfo=datetime.UTC).timestamp()
    with psycopg.connect(dsn, autocommit=True) as connection:
        rows = connection.execute(
            "select e.timestamp, e.dagster_event_type, e.event from event_logs e "
            "where e.run_id = %s order by e.id",
            [run[5]],
        ).fetchall()
    lines = []
    for moment, kind, event in rows:
        message = json.loads(event).get("user_message", "")[:90].replace("\n", " ")
        at = moment.replace(tzinfo=datetime.UTC).timestamp() - created
        lines.append(f"{at:6.1f} s  {kind or 'log'}: {message}")
    return lines


def dagster_runs(dsn: str, backfill_id: str) -> list[tuple]:
    query = (
        "select r.status, r.create_timestamp, r.start_time, r.end_time, "
        "(select value from run_tags t where t.run_id = r.run_id and t.key = 'dagster/partition'), "
        "r.run_id from runs r join run_tags b on b.run_id = r.run_id "
        "where b.key = 'dagster/backfill' and b.value = %s"
    )
    with psycopg.connect(dsn, autocommit=True) as connection:
        return connection.execute(query, [backfill_id]).fetchall()


def machine_cpu_seconds() -> float:
    """CPU time the whole machine spent busy so far (every process: emulator included)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def launch(url: str, group: str, partitions: list[str]) -> str:
    """The nightly job's runs of ``partitions``, as one backfill of the job; its id.

    The job is ``<group>_load``, which the schedule ``<group>_nightly`` runs: one run
    per partition, with the partition's tags and the job's selection (the tables and
    their rows_loaded_match_tap), as the schedule's run requests make them. Launched
    through the webserver's GraphQL, as the job page's "Launch backfill" does.
    """
    launched = graphql(
        url,
        "mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) "
        "{ __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError "
        "{ message } } }",
        {
            "p": {
                "selector": {
                    "partitionSetName": f"{group}_load_partition_set",
                    "repositorySelector": {
                        "repositoryName": "__repository__",
                        "repositoryLocationName": "video-taps",
                    },
                },
                "partitionNames": partitions,
            }
        },
    )["launchPartitionBackfill"]
    if launched["__typename"] != "LaunchBackfillSuccess":
        raise RuntimeError(launched)
    return launched["backfillId"]


def shared_sys_dir(work: Path) -> Path:
    """A ``.meltano`` of the benchmark's own: the installed plugins linked, no catalogs kept."""
    folder = work / "meltano-sys"
    folder.mkdir()
    for entry in (ROOT / ".meltano").iterdir():
        if entry.name not in ("run", "video-taps-catalogs"):
            (folder / entry.name).symlink_to(entry)
    return folder


def parallel_round(url: str, dsn: str) -> tuple[list[tuple], float, float, list[str]]:
    """The four projects' nightly partitions as one job backfill; runs, wall, CPU, timeline."""
    night = last_complete_day()
    cpu_before = machine_cpu_seconds()
    started = time.monotonic()
    backfill_id = launch(url, "apivideo", [f"{plugin}|{night}" for plugin in PLUGINS])
    while True:
        runs = dagster_runs(dsn, backfill_id)
        if len(runs) == len(PLUGINS) and all(
            r[0] in {"SUCCESS", "FAILURE", "CANCELED"} for r in runs
        ):
            break
        time.sleep(0.5)
    wall = time.monotonic() - started
    cpu = machine_cpu_seconds() - cpu_before
    slowest = max(runs, key=lambda r: r[3] - r[1].replace(tzinfo=datetime.UTC).timestamp())
    return runs, wall, cpu, run_timeline(dsn, slowest)


def print_round(name: str, result: tuple, serial: dict[str, float], one: float) -> None:
    runs, wall, cpu, timeline = result
    for status, created, start, end, partition, _run_id in sorted(runs, key=lambda r: r[4]):
        queued = start - created.replace(tzinfo=datetime.UTC).timestamp()  # stored as naive UTC
        partition = partition.split("|")[0]
        overhead = end - start - serial[partition]
        print(
            f"{name}  {partition:<20} {end - start:6.1f} s run ({status}), "
            f"queue->start {queued:5.1f} s, overhead vs serial {overhead:+5.1f} s"
        )
    print(f"{name}  the slowest run, step by step (seconds after it was queued):")
    for line in timeline:
        if "ASSET_CHECK_EVALUATION" not in line and "STEP_OUTPUT" not in line:
            print(f"    {line}")
    print(
        f"{name}  machine CPU {cpu:5.1f} s ({cpu / len(PLUGINS):4.1f} s a project); "
        f"backfill launched to last run ended {wall:6.1f} s ({wall / one:.2f}x one project)"
    )
    first_created = min(r[1].replace(tzinfo=datetime.UTC).timestamp() for r in runs)
    span = max(r[3] for r in runs) - first_created
    print(f"{name}  first run queued to last run ended {span:6.1f} s ({span / one:.2f}x one)")


def four_projects() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        postgres_server() as pg,
        EmulatorProcess({**VOLUME, "apivideo_rate_limit_per_minute": 0}) as emulator,
    ):
        work = Path(tmp)
        meltano_project = project(work / "project")
        base = f"{pg.user}@{pg.host}:{pg.port}"
        dagster_db = create_database(pg.dsn, "dagster")
        meltano_db = create_database(pg.dsn, "m")
        home = work / "dagster_home"
        write_instance(home)
        env = {
            **os.environ,
            # The demo environment names the demo emulator's port; this one listens elsewhere.
            **demo_url_overrides(emulator.url),
            "MELTANO_PROJECT_ROOT": str(meltano_project),
            "MELTANO_SYS_DIR_ROOT": str(shared_sys_dir(work)),
            "MELTANO_ENVIRONMENT": "demo",
            "MELTANO_DATABASE_URI": f"postgresql+psycopg://{base}/{meltano_db}",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "TARGET_JSONL_DESTINATION_PATH": str(work / "jsonl"),
            "DAGSTER_HOME": str(home),
            "DAGSTER_POSTGRES_URL": f"postgresql+psycopg2://{base}/{dagster_db}",
            "VIDEO_TAPS_LOADER": "target-jsonl",
            "VIDEO_TAPS_MELTANO": str(MELTANO),
        }
        for plugin, key in zip(PLUGINS, KEYS, strict=True):
            env[f"{plugin.upper().replace('-', '_')}_API_KEY"] = key

        # Calibration: one project, no limit: its requests, and meltano's start-up + reads.
        unlimited = meltano_run(PLUGINS[0], "calibration", env, meltano_project)
        requests = emulator.stats()["requests_total"]
        limit = max(1, math.ceil(requests / (READ_SECONDS / WINDOW_S)))
        emulator.reset(**VOLUME, apivideo_rate_limit_per_minute=limit)
        print(f"one project: {requests} requests; limit {limit} per {WINDOW_S:.0f}-s window")

        serial = {}
        cpu_before = machine_cpu_seconds()
        started = time.monotonic()
        for plugin in PLUGINS:
            serial[plugin] = meltano_run(plugin, "serial", env, meltano_project)
        serial_wall = time.monotonic() - started
        serial_cpu = machine_cpu_seconds() - cpu_before

        dsn = f"postgresql://{base}/{dagster_db}"
        rounds = {}
        with dagster_dev(env, meltano_project) as url:
            time.sleep(5)  # let the webserver, daemon and code server settle
            # The first night: no run has cached the tap's catalog yet. A later night:
            # the same reads (the first night's bookmarks dropped), the catalog cached.
            for name in ("night 1", "night 2"):
                emulator.reset(**VOLUME, apivideo_rate_limit_per_minute=limit)
                with psycopg.connect(f"postgresql://{base}/{meltano_db}") as connection:
                    connection.execute("delete from state where state_id like %s", ["%nightly%"])
                rounds[name] = parallel_round(url, dsn)

    one = sum(serial.values()) / len(serial)
    print(f"meltano run, one project, no limit (start-up + reads): {unlimited:6.1f} s")
    for plugin, wall in serial.items():
        print(f"serial   {plugin:<20} {wall:6.1f} s")
    print(
        f"serial   total                {serial_wall:6.1f} s  "
        f"({serial_wall / one:.2f}x one project); machine CPU {serial_cpu:5.1f} s "
        f"({serial_cpu / len(PLUGINS):4.1f} s a project)"
    )
    for name, result in rounds.items():
        print_round(name, result, serial, one)


# -- part 2: the night's whole graph ------------------------------------------------

#: The demo environment's partitions: each tap's accounts (meltano.yml, demo_config.json).
DEMO_ACCOUNTS = ["6415818918001", "6415818919001"]
NIGHT_PARTITIONS = {
    "brightcove_audience": [f"tap-brightcove-audience:{a}" for a in DEMO_ACCOUNTS],
    "brightcove_interactivity": [f"tap-brightcove-interactivity:{a}" for a in DEMO_ACCOUNTS],
    "ibm_video": ["tap-ibm-video"],
    "apivideo": ["tap-apivideo"],
}


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    """One request to ``dagster dev``'s GraphQL endpoint."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(  # noqa: S310 - http, loopback
        f"{url}/graphql", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 - http, loopback
        document = json.loads(answer.read())
    if "errors" in document:
        raise RuntimeError(document["errors"])
    return document["data"]


@contextlib.contextmanager
def dagster_dev(env: dict[str, str], project: Path) -> Iterator[str]:
    """``dagster dev`` over the project (webserver, daemon, code server) once it serves; its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    dev = subprocess.Popen(
        [str(DAGSTER_BIN / "dagster"), "dev", "-w", str(WORKSPACE), "-h", "127.0.0.1",
         "-p", str(port)],
        env=env, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_location(url, dev)
        yield url
    finally:
        stop_session(dev)


def wait_for_location(url: str, dev: subprocess.Popen) -> None:
    while dev.poll() is None:
        try:
            data = graphql(url, "{ assetNodes { assetKey { path } } }")
        except OSError:
            time.sleep(1)
            continue
        if data["assetNodes"]:
            return
        time.sleep(1)
    raise RuntimeError("dagster dev exited")


def whole_night() -> None:  # noqa: PLR0915
    """Every tap's nightly partitions on the demo's data, then the marts once."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        postgres_server() as pg,
        EmulatorProcess(demo_config()) as emulator,
    ):
        work = Path(tmp)
        meltano_project = work / "project"
        meltano_project.mkdir()
        document = yaml.safe_load((ROOT / "meltano.yml").read_text())
        for plugin in document["plugins"]["extractors"] + document["plugins"]["loaders"]:
            if "pip_url" in plugin:
                plugin["pip_url"] = plugin["pip_url"].replace("$MELTANO_PROJECT_ROOT", str(ROOT))
        (meltano_project / "meltano.yml").write_text(yaml.safe_dump(document, sort_keys=False))
        shutil.copytree(ROOT / "plugins", meltano_project / "plugins")
        (meltano_project / "transform").symlink_to(ROOT / "transform")
        base = f"{pg.user}@{pg.host}:{pg.port}"
        dagster_db = create_database(pg.dsn, "dagster")
        warehouse = create_database(pg.dsn, "warehouse")
        meltano_db = create_database(pg.dsn, "m")
        meltano_dsn = f"postgresql://{base}/{meltano_db}"
        home = work / "dagster_home"
        write_instance(home)
        env = {
            **os.environ,
            **demo_url_overrides(emulator.url),
            **pg.target_postgres_env(),
            "TARGET_POSTGRES_DATABASE": warehouse,
            "DBT_POSTGRES_HOST": pg.host,
            "DBT_POSTGRES_PORT": str(pg.port),
            "DBT_POSTGRES_USER": pg.user,
            "DBT_POSTGRES_DBNAME": warehouse,
            "MELTANO_PROJECT_ROOT": str(meltano_project),
            "MELTANO_SYS_DIR_ROOT": str(shared_sys_dir(work)),
            "MELTANO_ENVIRONMENT": "demo",
            "MELTANO_DATABASE_URI": f"postgresql+psycopg://{base}/{meltano_db}",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DAGSTER_HOME": str(home),
            "DAGSTER_POSTGRES_URL": f"postgresql+psycopg2://{base}/{dagster_db}",
            "VIDEO_TAPS_SENSOR_SECONDS": "5",
            "VIDEO_TAPS_REPORT": str(work / "report.html"),
        }
        # meltano's tables once (README, "Start it locally"); the loads create the schemas.
        subprocess.run(
            [str(MELTANO), "state", "list"], env=env, cwd=meltano_project, check=True,
            capture_output=True,
        )  # fmt: skip
        dsn = f"postgresql://{base}/{dagster_db}"
        nights = {}
        with dagster_dev(env, meltano_project) as url:
            # Night 1: empty warehouse, no catalog cached (the loads of one schema take
            # turns until its tables exist). Night 2: the same reads (night 1's bookmarks
            # dropped), tables and catalogs there, as every later night.
            for name in ("night 1", "night 2"):
                with psycopg.connect(meltano_dsn, autocommit=True) as connection:
                    connection.execute("delete from state")
                nights[name] = one_night(url, dsn)
    for name, runs in nights.items():
        print_night(name, runs)


def one_night(url: str, dsn: str) -> list[tuple]:
    """Every account's nightly partition launched, then the marts: the night's runs."""
    query = (
        "select pipeline_name, status, create_timestamp, start_time, end_time, "
        "(select value from run_tags t where t.run_id = r.run_id "
        "and t.key = 'dagster/partition'), run_id from runs r"
    )
    with psycopg.connect(dsn, autocommit=True) as connection:
        earlier = {row[6] for row in connection.execute(query).fetchall()}
    night = last_complete_day()
    for group, accounts in NIGHT_PARTITIONS.items():
        launch(url, group, [f"{a}|{night}" for a in accounts])
    expected = sum(len(accounts) for accounts in NIGHT_PARTITIONS.values())
    while True:
        with psycopg.connect(dsn, autocommit=True) as connection:
            runs = [row for row in connection.execute(query).fetchall() if row[6] not in earlier]
        marts = [r for r in runs if r[0] == "marts"]
        ended = all(r[1] in {"SUCCESS", "FAILURE", "CANCELED"} for r in runs)
        if len(runs) - len(marts) >= expected and marts and ended:
            return runs
        time.sleep(1)


def print_night(label: str, runs: list[tuple]) -> None:
    loads = [r for r in runs if r[0] != "marts"]
    marts = [r for r in runs if r[0] == "marts"]
    first_queued = min(r[2].replace(tzinfo=datetime.UTC).timestamp() for r in loads)
    for name, status, _created, start, end, partition, _id in sorted(runs, key=lambda r: r[3]):
        print(f"{label}  {partition or name:<45} {status:<8} {start - first_queued:6.1f} s "
              f"-> {end - first_queued:6.1f} s ({end - start:5.1f} s)")  # fmt: skip
    print(f"{label}  {len(loads)} load runs, {len(marts)} marts run(s)")
    print(
        f"{label}  first run queued to marts built {marts[-1][4] - first_queued:6.1f} s "
        f"(loads: last ended {max(r[4] for r in loads) - first_queued:6.1f} s)"
    )


def main() -> None:
    if "--night-only" not in sys.argv:
        four_projects()
    if "--projects-only" not in sys.argv:
        whole_night()


if __name__ == "__main__":
    main()
