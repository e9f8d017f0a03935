"""What the code location is built from: the project's taps, accounts, tables and dbt.

Reading it costs seconds (meltano resolves the settings, each tap lists its streams,
dbt may parse the project), so it is read once, when a code server or ``dagster dev``
loads the code location, and handed to run workers as the definitions' reconstruction
metadata (``definitions.py``): a run never waits for meltano to describe the project.
Everything here is plain data, written to and read from JSON.

Environment (read at load): ``MELTANO_PROJECT_ROOT`` (default: this repository),
``MELTANO_ENVIRONMENT`` (default: the project's ``default_environment``),
``VIDEO_TAPS_MELTANO`` (the meltano executable; see ``meltano_executable``),
``VIDEO_TAPS_LOADER`` (default ``target-postgres``), ``VIDEO_TAPS_DBT`` (the dbt
utility that builds the marts; default ``dbt-postgres`` with ``target-postgres``, none
with other loaders), ``VIDEO_TAPS_REPORT`` (the report page; default
``output/report.html`` in the project).
"""

from __future__ import annotations

import datetime
import fcntl
import fnmatch
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .meltano_project import MeltanoError, MeltanoProject, Plugin, env_var_name, read_project
from .taps import TAPS, TapKind, kind_of

__all__ = ["Account", "DbtLayout", "Family", "Layout", "account_dimension", "read_layout"]

#: The dbt utility that builds the marts from what each loader writes.
DBT_FOR_LOADER = {"target-postgres": "dbt-postgres"}
#: The loaders' kind, shown on the table assets.
LOADER_KINDS = {"target-postgres": "postgres", "target-duckdb": "duckdb", "target-jsonl": "jsonl"}
_DISCOVERY_TIMEOUT_S = 120


@dataclass(frozen=True)
class Account:
    """One account of one plugin: what a run syncs, and a partition of the account dimension."""

    plugin: str
    account: str | None  # None: the plugin is the account (IBM client, api.video project)

    @property
    def key(self) -> str:
        """The partition key: ``<plugin>:<account>``, or ``<plugin>`` when the plugin is one."""
        return f"{self.plugin}:{self.account}" if self.account else self.plugin


@dataclass(frozen=True)
class Family:
    """A tap and the plugins inheriting from it that load into one schema: one multi-asset."""

    tap: str
    schema: str
    #: The tap's streams, from its discovery: one table each.
    streams: tuple[str, ...]
    first_day: str
    accounts: tuple[Account, ...]
    #: plugin -> budget setting -> the value meltano resolved for it.
    budgets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    #: True for the family loading into the tap's own schema (the one dbt reads).
    primary: bool = True

    @property
    def kind(self) -> TapKind:
        """The tap's kind (``taps.py``)."""
        found = kind_of(self.tap)
        assert found is not None
        return found

    @property
    def name(self) -> str:
        """Asset group, job and op names: the vendor, plus the schema when not the tap's own."""
        return self.kind.name if self.primary else f"{self.kind.name}__{self.schema}"

    @property
    def account_dimension(self) -> str:
        """The account dimension's name, ``account_<vendor>``.

        Named per vendor so every run carries Dagster's own tag
        ``dagster/partition/account_<vendor>``, however it was launched (schedule, job
        backfill, asset backfill in the UI): the run-queue limits key on it
        (``instance.py``). It sorts before ``day``, so partition keys read
        ``<account>|<day>``.
        """
        return account_dimension(self.kind)


def account_dimension(kind: TapKind) -> str:
    """The name of a tap's account dimension (every family of the tap shares it)."""
    return f"account_{kind.name}"


@dataclass(frozen=True)
class DbtLayout:
    """The dbt project that builds the marts, as meltano's dbt utility is configured."""

    utility: str
    project_dir: str
    profiles_dir: str
    #: Where the code location keeps the parsed manifest (beside the utility's target).
    target_path: str
    #: The dbt vars naming each tap's schema (``<tap>_schema``), from ``load_schema``.
    vars: Mapping[str, str]
    #: The profile's variables (``DBT_POSTGRES_HOST``...), secrets left out.
    profile_env: Mapping[str, str]

    @property
    def manifest_path(self) -> Path:
        """The parsed manifest dagster-dbt reads."""
        return Path(self.target_path) / "manifest.json"


@dataclass(frozen=True)
class Layout:
    """Everything the definitions are built from."""

    root: str
    environment: str
    meltano: str
    loader: str
    families: tuple[Family, ...]
    dbt: DbtLayout | None
    report_path: str

    @property
    def loader_kind(self) -> str:
        """What the loader writes to (``postgres``), for the assets' kinds."""
        return LOADER_KINDS.get(self.loader, self.loader)

    def to_json(self) -> str:
        """The layout as JSON (the definitions' reconstruction metadata)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Layout:
        """The layout ``to_json`` wrote."""
        data = json.loads(text)
        families = tuple(
            Family(
                **{
                    **family,
                    "streams": tuple(family["streams"]),
                    "accounts": tuple(Account(**account) for account in family["accounts"]),
                }
            )
            for family in data["families"]
        )
        dbt = DbtLayout(**data["dbt"]) if data["dbt"] else None
        return cls(**{**data, "families": families, "dbt": dbt})


def read_layout(environ: Mapping[str, str] | None = None) -> Layout:
    """Read the project: settings through meltano, streams through each tap, dbt's manifest."""
    environ = dict(os.environ if environ is None else environ)
    loader = environ.get("VIDEO_TAPS_LOADER", "target-postgres")
    utility = environ.get("VIDEO_TAPS_DBT", DBT_FOR_LOADER.get(loader, ""))
    project = read_project(environ=environ, also=[utility] if utility else [])
    if not project.has(loader):
        raise MeltanoError(f"VIDEO_TAPS_LOADER={loader!r}: the project declares no such loader")
    families = _families(project, environ)
    dbt = None
    if utility and project.has(utility):
        dbt = _dbt_layout(project.plugins[utility], families)
        prepare_manifest(dbt, environ)
    report = environ.get("VIDEO_TAPS_REPORT") or str(project.root / "output" / "report.html")
    return Layout(
        root=str(project.root),
        environment=project.environment,
        meltano=project.meltano,
        loader=loader,
        families=tuple(families),
        dbt=dbt,
        report_path=report,
    )


def _families(project: MeltanoProject, environ: Mapping[str, str]) -> list[Family]:
    kinds = [kind for kind in TAPS if project.has(kind.tap) and kind.tap in project.plugins]
    streams = _discover(project, [project.plugins[kind.tap] for kind in kinds], environ)
    families = []
    for kind in kinds:
        by_schema: dict[str, list[Plugin]] = {}
        for plugin in project.family(kind.tap):
            schema = plugin.load_schema or kind.name
            by_schema.setdefault(schema, []).append(plugin)
        own_schema = project.plugins[kind.tap].load_schema or kind.name
        for schema, plugins in by_schema.items():
            _refuse_shared_labels(kind, plugins)
            accounts = tuple(account for plugin in plugins for account in _accounts(kind, plugin))
            if not accounts:
                continue
            families.append(
                Family(
                    tap=kind.tap,
                    schema=schema,
                    streams=_selected_by_all(plugins, streams[kind.tap], schema),
                    first_day=_first_day(plugins),
                    accounts=accounts,
                    budgets={
                        plugin.name: {
                            setting: int(plugin.setting(setting))
                            for setting in kind.shared_settings
                            if plugin.setting(setting) is not None
                        }
                        for plugin in plugins
                    },
                    primary=schema == own_schema,
                )
            )
    return families


def selected_streams(rules: list[str], streams: list[str]) -> list[str]:
    """The streams meltano's ``select`` rules select (``entity.attribute``, ``!`` excludes).

    A stream is selected when an including rule's entity pattern matches it and no
    excluding rule drops it whole (``!stream.*``); an attribute rule selects the
    stream too (with some of its columns). meltano resolves the rules (environment,
    plugin, parent, ``<PLUGIN>__SELECT``); this only matches them against the stream
    names the tap's discovery gave.
    """
    included, excluded = [], []
    for rule in rules:
        negated = rule.startswith("!")
        entity, _, attribute = rule.lstrip("!").partition(".")
        if negated:
            if attribute in ("*", ""):
                excluded.append(entity)
        else:
            included.append(entity)
    return [
        stream
        for stream in streams
        if any(fnmatch.fnmatchcase(stream, entity) for entity in included)
        and not any(fnmatch.fnmatchcase(stream, entity) for entity in excluded)
    ]


def filtered_streams(filters: list[str], streams: list[str]) -> list[str]:
    """The streams meltano's ``select_filter`` extra keeps (what ``meltano el --select`` sets).

    As meltano applies it to a run's catalog: when it names streams to include, a
    stream matching none is dropped; a stream matching an excluding pattern
    (``!stream``) is dropped. Only the stream part of a pattern counts.
    """
    included, excluded = [], []
    for pattern in filters:
        stream = pattern.lstrip("!").partition(".")[0]
        (excluded if pattern.startswith("!") else included).append(stream)
    return [
        name
        for name in streams
        if (not included or any(fnmatch.fnmatchcase(name, p) for p in included))
        and not any(fnmatch.fnmatchcase(name, p) for p in excluded)
    ]


def _selected_by_all(plugins: list[Plugin], streams: list[str], schema: str) -> tuple[str, ...]:
    """The streams the plugins loading into ``schema`` select: the same for all, or refused.

    ``select``, then ``select_filter``, as meltano applies them. Each table is one
    asset that every account's run materialises; a plugin that did
    not select one of them could never report it.
    """
    chosen = {
        plugin.name: filtered_streams(
            list(plugin.setting("_select_filter") or []),
            selected_streams(list(plugin.setting("_select") or ["*.*"]), streams),
        )
        for plugin in plugins
    }
    distinct = {tuple(found) for found in chosen.values()}
    if len(distinct) > 1:
        listed = "; ".join(
            f"{name} selects {', '.join(found) or 'nothing'}" for name, found in chosen.items()
        )
        msg = (
            f"{listed}: plugins that load into one schema ({schema}) must select the same "
            "streams, since each table is one asset every account's run loads. Select the "
            "same streams, or give the plugin a load_schema of its own."
        )
        raise MeltanoError(msg)
    (found,) = distinct
    return found


def _accounts(kind: TapKind, plugin: Plugin) -> list[Account]:
    if kind.accounts_setting is None:
        return [Account(plugin.name, None)]
    listed = plugin.setting(kind.accounts_setting) or []
    if not isinstance(listed, list):
        msg = (
            f"{env_var_name(plugin.name, kind.accounts_setting)}: meltano gives "
            f"{kind.accounts_setting} of {plugin.name} as {listed!r}, not a list; set it as a "
            "JSON array of strings, e.g. '[\"6415818918001\"]'"
        )
        raise MeltanoError(msg)
    return [Account(plugin.name, str(account)) for account in listed]


def _refuse_shared_labels(kind: TapKind, plugins: list[Plugin]) -> None:
    """Partitions of one schema must label their rows differently, or they overwrite each other.

    A plugin inherits its parent's label unless it sets its own, so a label set on
    the parent alone is such a clash; the code location refuses to load, naming them.
    """
    if not kind.label_setting:
        return
    by_label: dict[str, list[str]] = {}
    for plugin in plugins:
        label = plugin.setting(kind.label_setting)
        if label not in (None, ""):
            by_label.setdefault(str(label), []).append(plugin.name)
    clashes = {label: names for label, names in by_label.items() if len(names) > 1}
    if clashes:
        listed = "; ".join(
            f"{', '.join(names)} all get {kind.label_setting}={label!r}"
            for label, names in clashes.items()
        )
        msg = (
            f"{listed}: their rows would overwrite each other's in one schema. A plugin "
            f"inherits its parent's {kind.label_setting} unless it sets its own: set "
            f"{kind.label_setting} on each of them (or on none, for the default label)."
        )
        raise ValueError(msg)


def _first_day(plugins: list[Plugin]) -> str:
    """The earliest ``start_date`` of the plugins (a day), else a year ago: the first day."""
    days = [str(p.setting("start_date"))[:10] for p in plugins if p.setting("start_date")]
    if days:
        return min(days)
    return (datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=365)).isoformat()


def sys_dir(root: Path, environ: Mapping[str, str]) -> Path:
    """The project's ``.meltano`` folder (``$MELTANO_SYS_DIR_ROOT`` when set): installed plugins."""
    configured = environ.get("MELTANO_SYS_DIR_ROOT")
    return Path(configured).resolve() if configured else root / ".meltano"


def _discover(
    project: MeltanoProject, taps: list[Plugin], environ: Mapping[str, str]
) -> dict[str, list[str]]:
    """Each tap's streams, from its own discovery (``--discover``: its stream registry).

    The tap runs from the virtualenv ``meltano install`` made for it, with no
    settings: discovery lists every stream the tap has, whatever is selected.
    """
    installed = sys_dir(project.root, environ) / "extractors"

    def discover(tap: Plugin) -> list[str]:
        executable = installed / tap.name / "venv" / "bin" / tap.executable
        if not executable.exists():
            msg = f"{tap.name} is not installed ({executable} is missing): run `meltano install`"
            raise MeltanoError(msg)
        result = subprocess.run(  # noqa: S603 - the installed tap
            [str(executable), "--discover"],
            capture_output=True,
            text=True,
            timeout=_DISCOVERY_TIMEOUT_S,
            check=False,
            env={k: v for k, v in environ.items() if not k.startswith(("TAP_", "MELTANO_"))},
        )
        if result.returncode != 0:
            msg = f"`{tap.executable} --discover` failed:\n{result.stderr[-2000:]}"
            raise MeltanoError(msg)
        catalog = json.loads(result.stdout)
        return sorted(stream["tap_stream_id"] for stream in catalog["streams"])

    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(discover, taps))
    return {tap.name: streams for tap, streams in zip(taps, found, strict=True)}


def _dbt_layout(utility: Plugin, families: list[Family]) -> DbtLayout:
    """The dbt utility's folders and profile settings, as meltano resolved them."""
    values = utility.values
    target = Path(str(values.get("target_path") or Path(values["project_dir"]) / "target"))
    profile_env = {
        env_var_name(utility.name, name): str(value).lower()
        if isinstance(value, bool)
        else str(value)
        for name, value in values.items()
        if value is not None and not name.startswith("_") and name != "password"
    }
    return DbtLayout(
        utility=utility.name,
        project_dir=str(values["project_dir"]),
        profiles_dir=str(values["profiles_dir"]),
        target_path=str(target.parent / "dagster-target"),
        vars={f.kind.dbt_schema_var: f.schema for f in families if f.primary},
        profile_env=profile_env,
    )


def dbt_vars_argument(dbt: DbtLayout) -> list[str]:
    """``--vars`` for dbt: each tap's schema, so sources are the tables the taps load."""
    return ["--vars", json.dumps(dict(dbt.vars), sort_keys=True)]


def prepare_manifest(dbt: DbtLayout, environ: Mapping[str, str]) -> None:
    """``dbt parse`` when the manifest is missing or older than a file of the dbt project.

    Parsed by the process that loads the code location (a code server, ``dagster
    dev``), never by a run worker, which reads the manifest this left. A lock keeps
    two loads from parsing at once. Parsing opens no connection: unset profile
    settings get empty values.
    """
    target = Path(dbt.target_path)
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = target / "vars.json"
        wanted = json.dumps(dict(dbt.vars), sort_keys=True)
        if _manifest_is_fresh(dbt) and stamp.exists() and stamp.read_text() == wanted:
            return
        placeholders = {
            env_var_name(dbt.utility, name): ""
            for name in ("host", "user", "dbname", "password", "path")
        }
        result = subprocess.run(  # noqa: S603 - the Dagster venv's dbt
            [
                str(Path(sys.executable).parent / "dbt"),
                "parse",
                "--project-dir",
                dbt.project_dir,
                "--profiles-dir",
                dbt.profiles_dir,
                "--target-path",
                dbt.target_path,
                *dbt_vars_argument(dbt),
            ],
            env={
                **environ,
                **placeholders,
                **dbt.profile_env,
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            },
            capture_output=True,
            text=True,
            check=False,
            cwd=dbt.project_dir,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr)[-3000:]
            msg = f"`dbt parse` of {dbt.project_dir} failed:\n{output}"
            raise MeltanoError(msg)
        stamp.write_text(wanted)


def _manifest_is_fresh(dbt: DbtLayout) -> bool:
    if not dbt.manifest_path.exists():
        return False
    parsed = dbt.manifest_path.stat().st_mtime
    project = Path(dbt.project_dir)
    sources = [project / "dbt_project.yml"]
    for folder in ("models", "macros", "tests", "seeds", "snapshots"):
        sources.extend(path for path in (project / folder).rglob("*") if path.is_file())
    return all(path.stat().st_mtime <= parsed for path in sources if path.exists())


def as_payload(layout: Layout) -> dict[str, Any]:
    """The layout as a dict (for tests and the instance writer)."""
    return asdict(layout)
