"""Running the taps nightly, as the README's "Running it nightly" tells a user to.

Real meltano, real targets, a real PostgreSQL, the emulator as the API:

- the nightly job and schedule declared in meltano.yml are what meltano lists,
  and `meltano schedule run` (what cron calls) loads PostgreSQL with meltano's
  own state kept in PostgreSQL too, the set-up a team shares;
- meltano's state (its system database) on PostgreSQL: a second run resumes
  from the bookmarks the first one stored there;
- the demo environment by hand: the README's two commands (the demo's emulator,
  then `meltano --environment demo run tap-ibm-video target-jsonl`), nothing else set;
- several accounts with their own credentials as inherited plugins in a user's
  own meltano project (the plugin definitions copied from this repository's
  meltano.yml, the tap installed from the repository's folders): each keeps its
  own state, and running one leaves the other's bookmarks alone.

Row counts are compared with the emulator's ground truth taken at the same
emulator time as the run.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.support.audience import (
    ACCOUNTS,
    STREAMS,
    bookmarks_ms,
    resumed_from,
    truth_counts,
)
from tests.support.ibm import END_OF_TIME
from tests.support.ibm import START as IBM_START
from tests.support.meltano import (
    INSTALL_TIMEOUT_S,
    PROJECT_ROOT,
    demo_url_overrides,
    isolated_env,
    jsonl_row_counts,
    meltano,
    meltano_install,
    meltano_run,
    meltano_state,
    postgres_row_counts,
    read_jsonl_output,
    run_state_id,
    users_project,
)
from tests.support.postgres import PostgresServer
from video_api_emulator.config import DEMO_PORT
from video_api_emulator.process import EmulatorError, EmulatorProcess

TAP = "tap-brightcove-audience"
JOB = SCHEDULE = "nightly-brightcove-audience"
REPLICATION_KEYS = {"view_events": "updated_at", "leads": "created_at"}

pytestmark = pytest.mark.e2e


def new_database(server: PostgresServer, prefix: str) -> str:
    """Create an empty database on ``server``; return its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.dsn, autocommit=True) as connection:
        connection.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return name


def meltano_database_uri(server: PostgresServer, database: str) -> str:
    """MELTANO_DATABASE_URI for ``database``: SQLAlchemy with the psycopg (3) driver."""
    return f"postgresql+psycopg://{server.user}@{server.host}:{server.port}/{database}"


def dsn(server: PostgresServer, database: str) -> str:
    return f"postgresql://{server.user}@{server.host}:{server.port}/{database}"


def state_rows_in_postgres(server: PostgresServer, database: str) -> dict[str, dict]:
    """state id -> completed state, read straight from meltano's `state` table."""
    with psycopg.connect(dsn(server, database), autocommit=True) as connection:
        rows = connection.execute("select state_id, completed_state from state").fetchall()
    return {
        state_id: json.loads(state) if isinstance(state, str) else state for state_id, state in rows
    }


def lookback_ms(plugin: str, *, env: dict, environment: str) -> int:
    """How far before its bookmark a run starts reading: the tap's ``lookback_minutes``.

    Asked of meltano (``meltano config print``), which shows what the tap is
    given; the tap's own default applies when meltano passes none.
    """
    printed = meltano("config", "print", plugin, env=env, environment=environment).stdout
    minutes = json.loads(printed).get("lookback_minutes")
    if minutes is None:
        from tap_brightcove_audience.tap import TapBrightcoveAudience

        minutes = TapBrightcoveAudience.config_jsonschema["properties"]["lookback_minutes"][
            "default"
        ]
    return int(minutes) * 60_000


def latest_values(rows: dict[str, list[dict]]) -> dict[tuple[str, str], str]:
    """(stream, account) -> greatest replication-key value among ``rows``."""
    latest: dict[tuple[str, str], str] = {}
    for stream, records in rows.items():
        key = REPLICATION_KEYS[stream]
        for record in records:
            slot = (stream, record["account_id"])
            latest[slot] = max(latest.get(slot, record[key]), record[key])
    return latest


def bookmark_values(state: dict) -> dict[tuple[str, str], str]:
    """(stream, account) -> bookmark as stored, for partitions that have one."""
    return {
        (stream, partition["context"]["account_id"]): partition["replication_key_value"]
        for stream in STREAMS
        for partition in state["singer_state"]["bookmarks"][stream]["partitions"]
        if "replication_key_value" in partition
    }


# -- the installed plugins ----------------------------------------------------------


def _modules_without_bytecode(venv: Path) -> tuple[list[Path], int]:
    """A venv's Python modules with no bytecode of this Python beside them; and all."""
    (site_packages,) = venv.glob("lib/python3.*/site-packages")
    tag = f"cpython-{site_packages.parent.name.removeprefix('python').replace('.', '')}"
    modules = list(site_packages.rglob("*.py"))
    missing = [
        module
        for module in modules
        if not (module.parent / "__pycache__" / f"{module.stem}.{tag}.pyc").is_file()
    ]
    return missing, len(modules)


def test_every_installed_plugin_starts_from_bytecode():
    """No tap, target or dbt compiles its modules on each start (README, "Installing the plugins").

    Meltano installs with uv, which writes no bytecode unless asked
    (``UV_COMPILE_BYTECODE``, the Makefile's), and this machine, like most Docker
    images, sets ``PYTHONDONTWRITEBYTECODE``: without it each start compiles again.
    """
    meltano_install()
    venvs = sorted((PROJECT_ROOT / ".meltano").glob("*/*/venv"))
    kinds = {venv.parent.parent.name for venv in venvs}
    assert {"extractors", "loaders", "utilities"} <= kinds, venvs
    for venv in venvs:
        missing, total = _modules_without_bytecode(venv)
        # uv leaves out only files no Python 3 compiles (a package's Python 2 samples).
        assert len(missing) <= total // 100, (venv, len(missing), total, missing[:5])
        own = [m for m in missing if "/tap_" in str(m) or "/video_taps_common/" in str(m)]
        assert own == [], own


# -- the nightly job and its schedule ---------------------------------------------


def test_meltano_lists_the_nightly_job_and_its_schedule():
    jobs = json.loads(meltano("job", "list", "--format=json", environment=None).stdout)
    schedules = json.loads(meltano("schedule", "list", "--format=json", environment=None).stdout)

    assert {"job_name": JOB, "tasks": [f"{TAP} target-postgres"]} in jobs["jobs"]
    (nightly,) = [s for s in schedules["schedules"]["job"] if s["name"] == SCHEDULE]
    assert nightly["cron_interval"] == "0 3 * * *"
    assert nightly["job"]["name"] == JOB


def test_the_scheduled_job_loads_postgres_and_keeps_state_there(emulator, postgres, tmp_path):
    """`meltano schedule run`, as cron calls it: warehouse AND meltano's state in PostgreSQL."""
    meltano_install()
    warehouse = new_database(postgres, "warehouse")
    system_db = new_database(postgres, "meltano")
    env = {
        **isolated_env(
            tmp_path, emulator_url=emulator.url, postgres_env=postgres.target_postgres_env()
        ),
        "TARGET_POSTGRES_DATABASE": warehouse,
        "MELTANO_DATABASE_URI": meltano_database_uri(postgres, system_db),
        # `meltano schedule` ignores --environment; the job it starts reads this.
        "MELTANO_ENVIRONMENT": "demo",
    }

    meltano("schedule", "run", SCHEDULE, env=env, environment=None)

    assert postgres_row_counts(dsn(postgres, warehouse), "brightcove_audience") == truth_counts(
        emulator, ACCOUNTS
    )
    state_id = run_state_id(TAP, "target-postgres")
    stored = state_rows_in_postgres(postgres, system_db)
    assert set(stored) == {state_id}
    assert set(bookmarks_ms(stored[state_id])) == {(s, a) for s in STREAMS for a in ACCOUNTS}
    assert not (tmp_path / "meltano.db").exists(), "no state went to a local SQLite file"


# -- the demo environment by hand ------------------------------------------------------


def test_the_demo_environment_by_hand_needs_nothing_but_the_demo_emulator(tmp_path):
    """README "Trying one tap by hand": `python -m video_api_emulator --demo`, then meltano.

    Before, the demo environment needed `EMULATOR_URL`, which no document
    named; unset, the tap failed with "Invalid URL '/ibm-analytics/v1/...'".
    """
    meltano_install("tap-ibm-video", "target-jsonl")
    env = isolated_env(tmp_path)  # state and output in tmp_path; no URL of any kind
    # conftest exports the session emulator's URL as EMULATOR_URL; blank it, as
    # in a new user's shell (what meltano.yml's demo environment used to need).
    env["EMULATOR_URL"] = ""
    try:
        emulator = EmulatorProcess(demo=True).start()  # the README's command: port 8765
        assert emulator.url == f"http://127.0.0.1:{DEMO_PORT}"
    except EmulatorError:
        # 8765 is taken (an emulator a developer started by hand, or another
        # checkout's run of this test): the same data elsewhere, the URLs moved.
        emulator = EmulatorProcess(demo=True, port=0).start()
        env.update(demo_url_overrides(emulator.url))
    with emulator:
        meltano_run("tap-ibm-video", "target-jsonl", env=env)
        views = emulator.truth("ibm_video", stream="views", from_=IBM_START, to=END_OF_TIME)
        viewers = emulator.truth("ibm_video", stream="viewers")

    assert jsonl_row_counts(tmp_path / "jsonl") == {
        "views": views["count"],
        "viewers": viewers["count"],
    }
    assert views["count"] == 5_000  # the demo's data, not the emulator's default 3,000


# -- meltano's state in PostgreSQL --------------------------------------------------


def test_state_kept_in_postgresql_and_a_second_run_resumes_from_it(emulator, postgres, tmp_path):
    meltano_install()
    system_db = new_database(postgres, "meltano")
    env = {
        **isolated_env(tmp_path, emulator_url=emulator.url),
        "MELTANO_DATABASE_URI": meltano_database_uri(postgres, system_db),
    }
    state_id = run_state_id(TAP, "target-jsonl")

    first_out = tmp_path / "first"
    meltano_run(TAP, "target-jsonl", env={**env, "TARGET_JSONL_DESTINATION_PATH": str(first_out)})
    assert jsonl_row_counts(first_out) == truth_counts(emulator, ACCOUNTS)
    first_state = state_rows_in_postgres(postgres, system_db)[state_id]
    # `meltano state get` reads the same row.
    assert meltano_state(state_id, env=env) == first_state
    assert bookmark_values(first_state) == latest_values(read_jsonl_output(first_out))

    emulator.advance(3 * 86_400)
    second_out = tmp_path / "second"
    meltano_run(TAP, "target-jsonl", env={**env, "TARGET_JSONL_DESTINATION_PATH": str(second_out)})

    # Only what is at or after the stored bookmarks (less the tap's look-back) came
    # again: the run resumed from the state kept in PostgreSQL.
    second_rows = read_jsonl_output(second_out)
    lookback = lookback_ms(TAP, env=env, environment="demo")
    expected = truth_counts(emulator, ACCOUNTS, since_ms=resumed_from(first_state, lookback))
    assert {stream: len(rows) for stream, rows in second_rows.items()} == expected
    assert sum(expected.values()) < sum(truth_counts(emulator, ACCOUNTS).values())
    second_state = state_rows_in_postgres(postgres, system_db)[state_id]
    assert bookmark_values(second_state) == latest_values(second_rows)
    assert not (tmp_path / "meltano.db").exists(), "no state went to a local SQLite file"


# -- several accounts as inherited plugins --------------------------------------------

#: Two sets of credentials, each for its own account (what the emulator accepts).
CLIENTS = {
    "eu": ("eu-client-id", "eu-client-secret", ACCOUNTS[0]),
    "us": ("us-client-id", "us-client-secret", ACCOUNTS[1]),
}


def test_inherited_plugins_for_two_accounts_keep_their_own_state(emulator, tmp_path):
    emulator.reset(brightcove_clients={cid: secret for cid, secret, _ in CLIENTS.values()})
    project = users_project(tmp_path / "project", TAP, [f"{TAP}--{region}" for region in CLIENTS])
    env: dict[str, Any] = {
        **isolated_env(tmp_path),
        "MELTANO_PROJECT_ROOT": str(project),
        # Shared settings, set once on the parent and inherited by both.
        "TAP_BRIGHTCOVE_AUDIENCE_API_URL": f"{emulator.url}/audience/v1",
        "TAP_BRIGHTCOVE_AUDIENCE_OAUTH_URL": f"{emulator.url}/oauth/v4/access_token",
        "TAP_BRIGHTCOVE_AUDIENCE_START_DATE": "2026-01-01",
    }
    for region, (client_id, secret, account) in CLIENTS.items():
        prefix = f"TAP_BRIGHTCOVE_AUDIENCE__{region.upper()}_"
        env[f"{prefix}CLIENT_ID"] = client_id
        env[f"{prefix}CLIENT_SECRET"] = secret
        env[f"{prefix}ACCOUNT_IDS"] = json.dumps([account])
    meltano("install", env=env, environment=None, timeout=INSTALL_TIMEOUT_S)

    def run(region: str, out: Path) -> None:
        meltano_run(
            f"{TAP}--{region}",
            "target-jsonl",
            env={**env, "TARGET_JSONL_DESTINATION_PATH": str(out)},
            environment="prod",
        )

    def state(region: str) -> dict:
        return meltano_state(
            run_state_id(f"{TAP}--{region}", "target-jsonl", environment="prod"),
            env=env,
            environment="prod",
        )

    first: dict[str, dict] = {}
    for region, (_, _, account) in CLIENTS.items():
        run(region, tmp_path / region)
        assert jsonl_row_counts(tmp_path / region) == truth_counts(emulator, [account])
        first[region] = state(region)
        assert {a for _, a in bookmarks_ms(first[region])} == {account}

    listed = meltano("state", "list", env=env, environment="prod").stdout.split()
    assert sorted(listed) == sorted(
        run_state_id(f"{TAP}--{region}", "target-jsonl", environment="prod") for region in CLIENTS
    )

    eu_before, us_before = first["eu"], first["us"]
    emulator.advance(3 * 86_400)
    run("eu", tmp_path / "eu-again")

    eu_account = CLIENTS["eu"][2]
    lookback = lookback_ms(f"{TAP}--eu", env=env, environment="prod")
    assert jsonl_row_counts(tmp_path / "eu-again") == truth_counts(
        emulator, [eu_account], since_ms=resumed_from(eu_before, lookback)
    )
    before, after = bookmarks_ms(eu_before), bookmarks_ms(state("eu"))
    assert set(after) == set(before)
    assert all(after[slot] >= before[slot] for slot in before)
    assert after[("view_events", eu_account)] > before[("view_events", eu_account)]
    assert state("us") == us_before, "running one account's plugin left the other's state alone"
