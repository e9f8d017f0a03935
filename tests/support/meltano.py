"""Helpers for end-to-end tests that drive the REAL meltano CLI.

Why the real CLI: what ships is meltano.yml plus plugins installed by
``meltano install``; only running that exact path proves that pins, settings,
env-var mapping and state handling work together.

Everything runs from the repository root (the meltano project), with the
``meltano`` executable that sits next to ``sys.executable`` (the project's
.venv), never whatever ``meltano`` happens to be first on PATH.

Per-test isolation: :func:`isolated_env` returns env vars that move the
system database (state), the DuckDB file and the JSONL folder into a test's
own temporary folder, so tests neither see nor clobber each other's data.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from orchestration.video_taps_orchestration.meltano_folders import (
    keep_catalog,
    private_sys_dir,
    seed_catalog,
    sys_dir_env,
)
from tests.support.run_once import first_in_run, in_xdist_run
from video_api_emulator.config import demo_url_overrides as emulator_demo_url_overrides

__all__ = [
    "MELTANO",
    "PROJECT_ROOT",
    "MeltanoError",
    "duckdb_column_types",
    "duckdb_row_counts",
    "isolated_env",
    "jsonl_row_counts",
    "meltano",
    "meltano_install",
    "meltano_invoke",
    "meltano_run",
    "meltano_state",
    "postgres_column_types",
    "postgres_row_counts",
    "read_jsonl_output",
    "run_state_id",
    "demo_extractors",
    "demo_url_overrides",
]

# tests/support/meltano.py -> the repository root, which is the meltano project.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _meltano_executable() -> Path:
    """The meltano next to this interpreter (the .venv), else the one on PATH."""
    # Not resolved: a venv's python is a symlink to the base interpreter, and
    # resolving it would leave the venv's bin folder.
    beside = Path(sys.executable).parent / "meltano"
    if beside.exists():
        return beside
    found = shutil.which("meltano")
    if found is None:
        raise FileNotFoundError(
            f"meltano not found next to {sys.executable} nor on PATH; run `make dev` first"
        )
    return Path(found)


MELTANO = _meltano_executable()

# Generous: a cold `meltano install` with an empty uv cache takes ~20 s here,
# a run against the emulator far less; these only stop a hung process.
INSTALL_TIMEOUT_S = 900
RUN_TIMEOUT_S = 900
_TAIL_CHARS = 6000


class MeltanoError(RuntimeError):
    """A meltano command failed; the message carries the command and its output tail."""

    def __init__(self, args: list[str], result: subprocess.CompletedProcess[str] | None, note: str):
        self.command = args
        self.result = result
        stdout = result.stdout if result is not None else ""
        stderr = result.stderr if result is not None else ""
        super().__init__(
            f"{note}: {' '.join(args)}\n"
            f"--- stdout (tail) ---\n{_tail(stdout)}\n"
            f"--- stderr (tail) ---\n{_tail(stderr)}"
        )


def _tail(text: str | bytes | None) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return text[-_TAIL_CHARS:]


def _base_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """The process env for meltano: ours, made quiet and deterministic, plus ``env``."""
    merged = dict(os.environ)
    # The caller chooses the environment with --environment; a stray one in
    # the shell (or CI) must not leak in.
    merged.pop("MELTANO_ENVIRONMENT", None)
    merged.update(
        {
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "NO_COLOR": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if env:
        merged.update(env)
    return merged


def meltano(
    *args: str,
    env: Mapping[str, str] | None = None,
    environment: str | None = "demo",
    input: str | bytes | None = None,  # mirrors subprocess.run
    timeout: float = RUN_TIMEOUT_S,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``meltano [--environment E] ARGS`` in the project root and capture its output.

    Raises:
        MeltanoError: non-zero exit (when ``check``) or timeout, with the
            stdout/stderr tails in the message.
    """
    argv = [str(MELTANO)]
    if environment is not None:
        argv.append(f"--environment={environment}")
    argv.extend(args)
    text_input = input.decode() if isinstance(input, bytes) else input
    process_env = _base_env(env)
    try:
        with _own_run_folder(process_env, installing=args[:1] == ("install",)) as sys_dir_env:
            result = subprocess.run(
                argv,
                cwd=PROJECT_ROOT,
                env={**process_env, **sys_dir_env},
                input=text_input,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
    except subprocess.TimeoutExpired as error:
        partial = subprocess.CompletedProcess(
            argv, -1, _tail(error.stdout) or "", _tail(error.stderr) or ""
        )
        raise MeltanoError(argv, partial, f"timed out after {timeout:.0f}s") from error
    if check and result.returncode != 0:
        raise MeltanoError(argv, result, f"exit code {result.returncode}")
    return result


@contextlib.contextmanager
def _own_run_folder(env: Mapping[str, str], *, installing: bool) -> Iterator[dict[str, str]]:
    """Env giving one meltano command a ``.meltano`` of its own but for the installed plugins.

    meltano writes a plugin's config and catalog to ``.meltano/run/<plugin>/``, one
    folder per plugin name; two tests running one plugin at once (the e2e tier runs
    two files side by side) would overwrite each other's catalog. Each command gets
    its own ``run/``, as each Dagster run does (``meltano_folders.private_sys_dir``);
    everything else (the plugins' venvs, the system database unless the test gave its
    own) is the shared folder's, linked. ``meltano install`` writes the shared folder.
    """
    project = Path(env.get("MELTANO_PROJECT_ROOT", PROJECT_ROOT))
    shared = Path(env.get("MELTANO_SYS_DIR_ROOT", project / ".meltano"))
    if installing or not shared.is_dir():
        yield {}
        return
    catalogs = shared / f"video-taps-catalogs-tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    installed = [
        plugin.name
        for plugin in (shared / "extractors").iterdir()
        if (plugin / "venv").is_dir()
    ] if (shared / "extractors").is_dir() else []  # fmt: skip
    with private_sys_dir(shared) as private:
        # Each command would discover its taps' catalogs again: reuse what an earlier
        # command of this worker cached (its emulator's URLs are in the settings key).
        for plugin in installed:
            seed_catalog(shared, private, plugin, plugin, catalogs)
        yield sys_dir_env(private, shared, env)
        for plugin in installed:
            keep_catalog(shared, private, plugin, plugin, catalogs)


# What this process already installed (keys of _install_key; ALL once a full
# `meltano install` ran), and failed installs, re-raised instead of re-run.
_ALL = ("*", frozenset[str]())
_installed: set[tuple[str, frozenset[str]]] = set()
_install_errors: dict[tuple[str, frozenset[str]], MeltanoError] = {}


def meltano_install(*plugins: str, plugin_type: str | None = None) -> None:
    """Run ``meltano install`` once per test session (idempotent).

    With no arguments every plugin is installed; ``plugins`` limits it to
    those names, ``plugin_type`` (e.g. ``"loaders"``) to one type.  The
    install really runs the first time in a process, so local plugin code
    (the tap and video-taps-common) is rebuilt from the working tree.

    Raises:
        MeltanoError: with meltano's output when the install fails; a later
            identical call re-raises it at once instead of repeating a slow
            failure.
    """
    if in_xdist_run():
        # A partial install by one worker could rebuild a venv another worker's tap
        # runs from: under xdist, the first call of the run installs everything.
        plugins, plugin_type = (), None
    key = (plugin_type or "*", frozenset(plugins))
    if key in _install_errors:
        raise _install_errors[key]
    if _ALL in _installed or key in _installed:
        return
    args = ["install"]
    if plugin_type:
        args.append(f"--plugin-type={plugin_type}")
    args.extend(plugins)
    try:
        with first_in_run("meltano-install") as first:
            if first:
                meltano(*args, environment=None, timeout=INSTALL_TIMEOUT_S)
    except MeltanoError as error:
        _install_errors[key] = error
        raise
    _installed.add(key)


def meltano_run(
    *blocks: str,
    env: Mapping[str, str] | None = None,
    environment: str = "demo",
    state_id: str | None = None,
    full_refresh: bool = False,
    extra_args: Iterable[str] = (),
    timeout: float = RUN_TIMEOUT_S,
) -> subprocess.CompletedProcess[str]:
    """``meltano --environment E run BLOCKS...``; raise MeltanoError on failure.

    ``state_id`` is passed as ``--state-id-suffix`` (meltano run derives the
    id itself): the state is stored as ``E:<tap>-to-<target>:<state_id>``,
    see :func:`run_state_id`.  ``full_refresh`` ignores stored state.
    """
    args = ["run"]
    if state_id is not None:
        args.append(f"--state-id-suffix={state_id}")
    if full_refresh:
        args.append("--full-refresh")
    args.extend(extra_args)
    args.extend(blocks)
    return meltano(*args, env=env, environment=environment, timeout=timeout)


def meltano_invoke(
    plugin: str,
    *plugin_args: str,
    input: str | bytes | None = None,  # mirrors subprocess.run
    env: Mapping[str, str] | None = None,
    environment: str = "demo",
    timeout: float = RUN_TIMEOUT_S,
) -> subprocess.CompletedProcess[str]:
    """``meltano invoke PLUGIN ARGS`` with ``input`` on stdin (e.g. Singer lines for a target)."""
    return meltano(
        "invoke",
        plugin,
        *plugin_args,
        env=env,
        environment=environment,
        input=input,
        timeout=timeout,
    )


def run_state_id(
    tap: str, target: str, *, environment: str = "demo", suffix: str | None = None
) -> str:
    """The state id ``meltano run`` uses for a tap/target pair."""
    base = f"{environment}:{tap}-to-{target}"
    return f"{base}:{suffix}" if suffix else base


def meltano_state(
    state_id: str,
    *,
    env: Mapping[str, str] | None = None,
    environment: str = "demo",
) -> dict[str, Any]:
    """The stored state for ``state_id`` (``meltano state get``), {} when none is stored."""
    result = meltano("state", "get", state_id, env=env, environment=environment, check=False)
    if result.returncode != 0 or not result.stdout.strip():
        return {}
    return json.loads(result.stdout)


def isolated_env(
    directory: Path | str,
    *,
    emulator_url: str | None = None,
    postgres_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Env vars that keep one test's meltano state and outputs inside ``directory``.

    - ``MELTANO_DATABASE_URI``: a private SQLite system database, so state
      from other tests (or the developer's own runs) is not picked up;
    - target-duckdb writes ``directory/warehouse.duckdb``;
    - target-jsonl writes into ``directory/jsonl`` without timestamped file
      names, so a test reads exactly one file per stream and run;
    - with ``emulator_url``, every URL setting of meltano.yml's demo environment
      pointed at that emulator instead of the demo's fixed port (see
      :func:`demo_url_overrides`);
    - ``postgres_env`` (e.g. ``PostgresServer.target_postgres_env()``) is merged in.
    """
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    env = {
        "MELTANO_DATABASE_URI": f"sqlite:///{directory / 'meltano.db'}",
        "TARGET_DUCKDB_FILEPATH": str(directory / "warehouse.duckdb"),
        "TARGET_JSONL_DESTINATION_PATH": str(directory / "jsonl"),
        "TARGET_JSONL_DO_TIMESTAMP_FILE": "false",
    }
    if emulator_url:
        env.update(demo_url_overrides(emulator_url))
    if postgres_env:
        env.update(postgres_env)
    return env


def demo_extractors() -> list[dict[str, Any]]:
    """The extractor entries of meltano.yml's demo environment."""
    project = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    (demo,) = [env for env in project["environments"] if env["name"] == "demo"]
    return demo["config"]["plugins"]["extractors"]


def demo_url_overrides(emulator_url: str) -> dict[str, str]:
    """``TAP_<NAME>_<SETTING>`` env vars moving the demo environment's URLs to ``emulator_url``.

    meltano.yml's demo environment names the port ``python -m video_api_emulator
    --demo`` listens on; a test's emulator listens elsewhere (see
    ``video_api_emulator.config.demo_url_overrides``).
    """
    return emulator_demo_url_overrides(demo_extractors(), emulator_url)


# -- destination readers -----------------------------------------------------


def duckdb_row_counts(path: Path | str, schema: str) -> dict[str, int]:
    """``{table: row count}`` for every table in ``schema`` of a DuckDB file ({} if absent)."""
    import duckdb  # imported here: only the e2e tests need it

    if not Path(path).exists():
        return {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type = 'BASE TABLE' order by 1",
                [schema],
            ).fetchall()
        ]
        counts: dict[str, int] = {}
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            quoted_schema = '"' + schema.replace('"', '""') + '"'
            row = con.execute(f"select count(*) from {quoted_schema}.{quoted}").fetchone()  # noqa: S608
            counts[table] = int(row[0]) if row else 0
    return counts


def duckdb_column_types(path: Path | str, schema: str, table: str) -> dict[str, str]:
    """``{column: SQL type, upper case}`` of one table in a DuckDB file."""
    import duckdb  # imported here: only the e2e tests need it

    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(_COLUMN_TYPES_SQL.replace("%s", "?"), [schema, table]).fetchall()
    return {name: kind.upper() for name, kind in rows}


def postgres_column_types(dsn: str, schema: str, table: str) -> dict[str, str]:
    """``{column: SQL type, upper case}`` of one table in a PostgreSQL database."""
    import psycopg  # imported here: only the e2e tests need it

    with psycopg.connect(dsn) as con:
        rows = con.execute(_COLUMN_TYPES_SQL, [schema, table]).fetchall()
    return {name: kind.upper() for name, kind in rows}


_COLUMN_TYPES_SQL = (
    "select column_name, data_type from information_schema.columns "
    "where table_schema = %s and table_name = %s"
)


def postgres_row_counts(dsn: str, schema: str) -> dict[str, int]:
    """``{table: row count}`` for every table in ``schema`` of a PostgreSQL database."""
    import psycopg  # imported here: only the e2e tests need it
    from psycopg import sql

    with psycopg.connect(dsn, autocommit=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s and table_type = 'BASE TABLE' order by 1",
                [schema],
            ).fetchall()
        ]
        counts: dict[str, int] = {}
        for table in tables:
            query = sql.SQL("select count(*) from {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
            row = con.execute(query).fetchone()
            counts[table] = int(row[0]) if row else 0
    return counts


# target-jsonl names files <stream>.jsonl, or <stream>-YYYYmmddTHHMMSS.jsonl
# when do_timestamp_file is on (its default).
_JSONL_NAME = re.compile(r"^(?P<stream>.+?)(?:-\d{8}T\d{6})?\.jsonl$")


def read_jsonl_output(directory: Path | str) -> dict[str, list[dict[str, Any]]]:
    """All records target-jsonl wrote under ``directory``, grouped by stream name.

    Files of the same stream from several runs are concatenated in name
    (hence time) order.
    """
    records: dict[str, list[dict[str, Any]]] = {}
    folder = Path(directory)
    if not folder.is_dir():
        return records
    for path in sorted(folder.glob("*.jsonl")):
        match = _JSONL_NAME.match(path.name)
        if match is None:
            continue
        stream_records = records.setdefault(match["stream"], [])
        with path.open(encoding="utf-8") as handle:
            stream_records.extend(json.loads(line) for line in handle if line.strip())
    return records


def jsonl_row_counts(directory: Path | str) -> dict[str, int]:
    """``{stream: record count}`` of target-jsonl output under ``directory``."""
    return {stream: len(rows) for stream, rows in read_jsonl_output(directory).items()}


def copy_plugin_definitions(directory: Path) -> None:
    """This repository's plugin definitions (``plugins/``: the taps' lock files) into ``directory``.

    meltano.yml's extractors name only a ``variant``: meltano reads the rest of each
    definition from ``plugins/extractors/<name>--<variant>.lock`` in the project, so a
    project made from this repository's meltano.yml needs them beside it.
    """
    shutil.copytree(PROJECT_ROOT / "plugins", Path(directory) / "plugins", dirs_exist_ok=True)


def users_project(directory: Path, tap: str, children: list[str]) -> Path:
    """A user's own meltano project: this repository's plugin definitions, copied.

    The tap is declared as in this repository (its ``variant``, its definition in the
    lock file copied beside), its ``pip_url`` naming the repository's two folders (the
    README's local-folder form), and each child is an extractor with ``inherit_from: tap``
    (one per account or project), configured through its own env vars.
    """
    ours = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    (plugin,) = [p for p in ours["plugins"]["extractors"] if p["name"] == tap]
    (jsonl,) = [p for p in ours["plugins"]["loaders"] if p["name"] == "target-jsonl"]
    plugin = {**plugin, "pip_url": f"{PROJECT_ROOT / 'video-taps-common'} {PROJECT_ROOT / tap}"}
    project = {
        "project_id": str(uuid.uuid4()),
        "send_anonymous_usage_stats": False,
        "default_environment": "prod",
        "venv": {"backend": "uv"},
        "plugins": {
            "extractors": [plugin, *({"name": name, "inherit_from": tap} for name in children)],
            "loaders": [jsonl],
        },
        "environments": [{"name": "prod"}],
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "meltano.yml").write_text(yaml.safe_dump(project, sort_keys=False))
    copy_plugin_definitions(directory)
    return directory


def project_with_inherited_extractors(directory: Path, children: dict[str, str]) -> Path:
    """This repository's meltano.yml (and plugin definitions) in ``directory``, plus children.

    The children are extractors inheriting from its taps.

    ``children`` maps a new extractor's name to the tap it inherits from. The
    plugins' folders and the dbt project stay this repository's (absolute
    paths), so with ``MELTANO_SYS_DIR_ROOT`` at this repository's ``.meltano``
    (see :func:`shared_plugins_env`) nothing is installed again.
    """
    text = (PROJECT_ROOT / "meltano.yml").read_text()
    for folder in ("video-taps-common", "tap-", "transform"):
        text = text.replace(f"$MELTANO_PROJECT_ROOT/{folder}", f"{PROJECT_ROOT}/{folder}")
    document = yaml.safe_load(text)
    document["plugins"]["extractors"] += [
        {"name": name, "inherit_from": parent} for name, parent in children.items()
    ]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "meltano.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    copy_plugin_definitions(directory)
    return directory


def shared_plugins_env(project: Path) -> dict[str, str]:
    """Env running meltano in ``project`` with the plugins this repository installed."""
    return {
        "MELTANO_PROJECT_ROOT": str(project),
        "MELTANO_SYS_DIR_ROOT": str(PROJECT_ROOT / ".meltano"),
    }


def loaded_row_counts(target: str, workdir: Path, postgres: Any, schema: str) -> dict[str, int]:
    """``{table: rows}`` in ``schema`` of the database ``target`` loaded (DuckDB or PostgreSQL)."""
    if target == "target-duckdb":
        return duckdb_row_counts(Path(workdir) / "warehouse.duckdb", schema)
    return postgres_row_counts(postgres.dsn, schema)


def loaded_column_types(
    target: str, workdir: Path, postgres: Any, schema: str, table: str
) -> dict[str, str]:
    """``{column: type}`` of a table ``target`` loaded (DuckDB or PostgreSQL)."""
    if target == "target-duckdb":
        return duckdb_column_types(Path(workdir) / "warehouse.duckdb", schema, table)
    return postgres_column_types(postgres.dsn, schema, table)


class DatabaseLoad:
    """``meltano run <tap> <target>`` into DuckDB or PostgreSQL, in one test's own project state.

    The emulator is the API; the state id is the target's name, so a second
    ``run()`` resumes from the first.
    """

    def __init__(
        self, tap: str, target: str, schema: str, *, workdir: Path, emulator: Any, postgres: Any
    ) -> None:
        self.tap, self.target, self.schema = tap, target, schema
        self.workdir, self.postgres = Path(workdir), postgres
        self.env = isolated_env(
            workdir, emulator_url=emulator.url, postgres_env=postgres.target_postgres_env()
        )

    def run(self) -> subprocess.CompletedProcess:
        """One ``meltano run`` of the tap into the target."""
        return meltano_run(self.tap, self.target, env=self.env, state_id=self.target)

    def row_counts(self) -> dict[str, int]:
        """``{table: rows}`` in the tap's schema."""
        return loaded_row_counts(self.target, self.workdir, self.postgres, self.schema)

    def column_types(self, table: str) -> dict[str, str]:
        """``{column: type}`` of one of the tap's tables."""
        return loaded_column_types(self.target, self.workdir, self.postgres, self.schema, table)
