"""The Dagster code location: every account of every tap in ``meltano.yml`` as a partition.

For each tap (and the plugins inheriting from it) there are two jobs:

- ``<vendor>_nightly``, partitioned by account (``<plugin>:<account_id>`` for the
  Brightcove taps, whose ``account_ids`` list several; ``<plugin>`` for IBM
  clients and api.video projects, one per plugin). Each partition is its own run
  of ``meltano run --state-id-suffix=<account> <plugin> <loader>`` with the
  plugin's ``account_ids`` narrowed to that one account, so accounts never share
  a bookmark and one failing account fails one run. The ``nightly`` schedule
  launches every partition of every nightly job.
- ``<vendor>_backfill``, partitioned by account x day: one run per day and
  account, ``start_date``/``end_date`` set to that day, under a state id of its
  own (``backfill-<day>-<account>``), so it never moves the nightly bookmark.

Environment (read at load, in every Dagster process):
``MELTANO_PROJECT_ROOT`` (default: this repository), ``MELTANO_ENVIRONMENT``
(default: the project's ``default_environment``), ``VIDEO_TAPS_LOADER``
(default ``target-postgres``), ``VIDEO_TAPS_MELTANO`` (the meltano executable;
default the project's ``.venv/bin/meltano``, else ``meltano`` on PATH),
``VIDEO_TAPS_NIGHTLY_CRON`` (default ``0 3 * * *``, UTC).
"""

import contextlib
import datetime
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from .meltano_project import MeltanoProject, env_var_name, project_root, shared_labels
from .vendors import TAPS, VENDOR_TAG, TapKind, account_tag_key

__all__ = ["Partition", "build_definitions", "defs", "partitions_of", "run_command"]

ACCOUNT_DIMENSION = "account"
DAY_DIMENSION = "day"


@dataclass(frozen=True)
class Partition:
    """One account of one plugin: what a run syncs."""

    plugin: str
    account: str | None  # None: the plugin is the account (IBM client, api.video project)

    @property
    def key(self) -> str:
        """The Dagster partition key."""
        return f"{self.plugin}:{self.account}" if self.account else self.plugin

    @property
    def tag_value(self) -> str:
        """The value of the run's account tag (the account id, or the plugin's name)."""
        return self.account or self.plugin


def partitions_of(project: MeltanoProject, kind: TapKind) -> list[Partition]:
    """One partition per account of every plugin of ``kind.tap`` (none if the tap is absent).

    Partitions load into one schema; two plugins whose rows get one label
    (``kind.label_setting``) would overwrite each other there, so the code
    location refuses to load, naming them.
    """
    if kind.tap not in project.extractors:
        return []
    if kind.label_setting:
        clashes = shared_labels(project, kind.tap, kind.label_setting)
        if clashes:
            listed = "; ".join(
                f"{', '.join(plugins)} all get {kind.label_setting}={label!r}"
                for label, plugins in clashes.items()
            )
            msg = (
                f"{listed}: their rows would overwrite each other's in one schema. A plugin "
                f"inherits its parent's {kind.label_setting} unless it sets its own: set "
                f"{kind.label_setting} on each of them (or on none, for the default label)."
            )
            raise ValueError(msg)
    partitions = []
    for plugin in project.family(kind.tap):
        if kind.accounts_setting is None:
            partitions.append(Partition(plugin, None))
            continue
        accounts = project.setting(plugin, kind.accounts_setting) or []
        partitions.extend(Partition(plugin, str(account)) for account in accounts)
    return partitions


def _meltano_executable(root: Path) -> str:
    configured = os.environ.get("VIDEO_TAPS_MELTANO")
    if configured:
        return configured
    beside = root / ".venv" / "bin" / "meltano"
    if beside.exists():
        return str(beside)
    return shutil.which("meltano") or "meltano"


def _first_backfill_day(project: MeltanoProject, kind: TapKind) -> str:
    """The tap's ``start_date`` (a day), else a year ago: where the day dimension starts."""
    configured = project.setting(kind.tap, "start_date")
    if configured:
        return str(configured)[:10]
    return (datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=365)).isoformat()


class MeltanoRunConfig(dg.Config):
    """What one run syncs: set per partition by the job's partitioned config."""

    plugin: str
    account: str | None = None
    day: str | None = None  # a backfill run's day, YYYY-MM-DD


def run_command(
    project: MeltanoProject, kind: TapKind, config: MeltanoRunConfig, loader: str, meltano: str
) -> tuple[list[str], dict[str, str]]:
    """The ``meltano run`` command line and the settings (as env vars) for one partition."""
    partition = Partition(config.plugin, config.account)
    env: dict[str, str] = {"MELTANO_PROJECT_ROOT": str(project.root)}
    if kind.accounts_setting and config.account:
        env[env_var_name(config.plugin, kind.accounts_setting)] = json.dumps([config.account])
    for setting, share in kind.shared_settings.items():
        value = project.setting(config.plugin, setting)
        if value is not None:
            env[env_var_name(config.plugin, setting)] = str(max(1, int(value) // share))
    if config.day:
        day = datetime.date.fromisoformat(config.day)
        end = day if kind.end_date_is_last_day else day + datetime.timedelta(days=1)
        env[env_var_name(config.plugin, "start_date")] = day.isoformat()
        env[env_var_name(config.plugin, "end_date")] = end.isoformat()
        suffix = f"backfill-{day.isoformat()}-{partition.tag_value}"
    else:
        suffix = f"nightly-{partition.tag_value}"
    command = [
        meltano,
        f"--environment={project.environment_name}",
        "run",
        f"--state-id-suffix={suffix}",
        config.plugin,
        loader,
    ]
    return command, env


def shared_sys_dir(root: Path) -> Path:
    """The project's ``.meltano`` folder (``$MELTANO_SYS_DIR_ROOT`` when set): installed plugins."""
    configured = os.environ.get("MELTANO_SYS_DIR_ROOT")
    return Path(configured).resolve() if configured else root / ".meltano"


@contextlib.contextmanager
def private_sys_dir(shared: Path) -> Iterator[Path]:
    """A ``.meltano`` of this run's own: the shared one's contents linked in, but ``run/`` apart.

    Why: meltano writes each plugin's config and catalog to
    ``.meltano/run/<plugin>/`` (e.g. ``tap.properties.json``), one folder per
    plugin, not per run. Two runs of the same plugin at once on one machine
    (two accounts, two backfill days) overwrite and delete each other's files
    ("Invalid catalog"). Each run gets its own ``run/``; the installed plugins
    (``extractors/``, ``loaders/``, ...) are the shared ones, linked.
    """
    with tempfile.TemporaryDirectory(prefix="meltano-sys-") as folder:
        private = Path(folder)
        for entry in shared.iterdir() if shared.is_dir() else ():
            if entry.name != "run":
                (private / entry.name).symlink_to(entry)
        yield private


def sys_dir_env(private: Path, shared: Path) -> dict[str, str]:
    """Env vars pointing meltano at ``private``; state stays in the shared system database."""
    env = {"MELTANO_SYS_DIR_ROOT": str(private)}
    if not os.environ.get("MELTANO_DATABASE_URI"):
        # meltano's default system database is <sys dir>/meltano.db: keep it the shared one.
        env["MELTANO_DATABASE_URI"] = f"sqlite:///{shared / 'meltano.db'}"
    return env


def _meltano_op(project: MeltanoProject, kind: TapKind, loader: str) -> dg.OpDefinition:
    meltano = _meltano_executable(project.root)

    @dg.op(name=f"meltano_run_{kind.vendor.replace('-', '_')}")
    def meltano_run(
        context: dg.OpExecutionContext,
        config: MeltanoRunConfig,
        pipes_subprocess_client: dg.PipesSubprocessClient,
    ) -> None:
        """``meltano run`` of one account (and day), its output in the run's compute logs."""
        command, env = run_command(project, kind, config, loader, meltano)
        context.log.info(f"Running: {' '.join(command)}")
        with private_sys_dir(shared_sys_dir(project.root)) as sys_dir:
            pipes_subprocess_client.run(
                command=command,
                context=context,
                env={**env, **sys_dir_env(sys_dir, shared_sys_dir(project.root))},
                cwd=str(project.root),
            )

    return meltano_run


def _tags(kind: TapKind, partition: Partition) -> dict[str, str]:
    return {VENDOR_TAG: kind.vendor, account_tag_key(kind.vendor): partition.tag_value}


def _nightly_job(kind: TapKind, partitions: list[Partition], op: dg.OpDefinition):
    by_key = {p.key: p for p in partitions}

    @dg.static_partitioned_config(
        partition_keys=list(by_key),
        tags_for_partition_key_fn=lambda key: _tags(kind, by_key[key]),
    )
    def nightly_config(partition_key: str) -> dict:
        partition = by_key[partition_key]
        return {
            "ops": {op.name: {"config": {"plugin": partition.plugin, "account": partition.account}}}
        }

    @dg.job(
        name=f"{kind.vendor.replace('-', '_')}_nightly",
        config=nightly_config,
        tags={VENDOR_TAG: kind.vendor},
        # One op: run it in the run's own process, not in a child process of its own
        # (the default multiprocess executor would start and load the code once more).
        executor_def=dg.in_process_executor,
        description=f"`meltano run` of {kind.tap}, one run per account, each with its own state.",
    )
    def nightly():
        op()

    return nightly


def _backfill_job(kind: TapKind, partitions: list[Partition], op: dg.OpDefinition, first_day: str):
    by_key = {p.key: p for p in partitions}
    partitions_def = dg.MultiPartitionsDefinition(
        {
            ACCOUNT_DIMENSION: dg.StaticPartitionsDefinition(list(by_key)),
            DAY_DIMENSION: dg.DailyPartitionsDefinition(start_date=first_day),
        }
    )

    def tags(key: str) -> dict[str, str]:
        return _tags(kind, by_key[_multi_key(partitions_def, key)[ACCOUNT_DIMENSION]])

    def config_for(key: str) -> dict:
        keys = _multi_key(partitions_def, key)
        partition = by_key[keys[ACCOUNT_DIMENSION]]
        return {
            "ops": {
                op.name: {
                    "config": {
                        "plugin": partition.plugin,
                        "account": partition.account,
                        "day": keys[DAY_DIMENSION],
                    }
                }
            }
        }

    config = dg.PartitionedConfig(
        partitions_def=partitions_def,
        run_config_for_partition_key_fn=config_for,
        tags_for_partition_key_fn=tags,
    )

    @dg.job(
        name=f"{kind.vendor.replace('-', '_')}_backfill",
        config=config,
        tags={VENDOR_TAG: kind.vendor},
        # One op: run it in the run's own process, not in a child process of its own
        # (the default multiprocess executor would start and load the code once more).
        executor_def=dg.in_process_executor,
        description=(
            f"One day of one {kind.tap} account per run, under a state id of its own "
            "(never the nightly bookmark)."
        ),
    )
    def backfill():
        op()

    return backfill


def _multi_key(partitions_def: dg.MultiPartitionsDefinition, key: str) -> dict[str, str]:
    parsed = partitions_def.get_partition_key_from_str(key)
    return dict(parsed.keys_by_dimension)


def build_definitions(project: MeltanoProject | None = None) -> dg.Definitions:
    """Jobs, schedule and resources for every tap present in the project's ``meltano.yml``."""
    project = project or MeltanoProject(project_root())
    loader = os.environ.get("VIDEO_TAPS_LOADER", "target-postgres")
    jobs = []
    for kind in TAPS:
        partitions = partitions_of(project, kind)
        if not partitions:
            continue
        op = _meltano_op(project, kind, loader)
        jobs.append(_nightly_job(kind, partitions, op))
        jobs.append(_backfill_job(kind, partitions, op, _first_backfill_day(project, kind)))
    schedules = [_nightly_schedule(job) for job in jobs if job.name.endswith("_nightly")]
    return dg.Definitions(
        jobs=jobs,
        schedules=schedules,
        resources={"pipes_subprocess_client": dg.PipesSubprocessClient()},
    )


def _nightly_schedule(job: dg.JobDefinition) -> dg.ScheduleDefinition:
    """Every partition (account) of a nightly job, each its own run, once a night.

    One schedule per tap (a Dagster schedule targets one job); all four share
    the cron, and the run queue's limits decide how many run at once.
    """

    @dg.schedule(
        name=f"{job.name}_schedule",
        cron_schedule=os.environ.get("VIDEO_TAPS_NIGHTLY_CRON", "0 3 * * *"),
        execution_timezone="UTC",
        job=job,
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    def nightly(context: dg.ScheduleEvaluationContext):
        stamp = context.scheduled_execution_time.strftime("%Y-%m-%dT%H:%M")
        for key in job.partitions_def.get_partition_keys():
            yield dg.RunRequest(run_key=f"{key}@{stamp}", partition_key=key)

    return nightly


defs = build_definitions()
