"""Each tap's tables as one multi-asset, partitioned by account x day, loaded by ``meltano run``.

One multi-asset per tap (with the plugins inheriting from it that load into the same
schema): one asset per table (``<schema>/<table>``), each downstream of its API
stream (``api/<vendor>/<stream>``, an external asset), partitioned by account and
day. A materialisation of one partition is one ``meltano run`` of that account:

- the last complete day (yesterday, UTC) is the nightly sync: from the account's own
  bookmark on, under the state id ``nightly-<account>`` (the first run starts at
  ``start_date``), as the nightly schedule launches it;
- any earlier day is a backfill of that day alone (``start_date`` the day,
  ``end_date`` the next, or the day itself for Interactivity), under a state id of
  its own (``backfill-<day>-<account>``), so it never moves the nightly bookmark.

The run reports through Pipes (``meltano_pipes.py``): per table its rows and
bookmark, and the check ``rows_loaded_match_tap``.
"""

import contextlib
import datetime
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import dagster as dg

from .layout import Account, Family, Layout, sys_dir
from .meltano_folders import (
    first_load_lock,
    keep_catalog,
    private_sys_dir,
    seed_catalog,
    sys_dir_env,
)
from .meltano_pipes import ROWS_CHECK
from .meltano_project import env_var_name

__all__ = ["DAY", "api_key", "load_assets", "nightly_schedule", "run_command", "table_key"]

DAY = "day"
#: Loaders that write a file per stream and create nothing two runs could race on.
WRITES_FILES = frozenset({"target-jsonl", "target-csv"})


def table_key(family: Family, stream: str) -> dg.AssetKey:
    """The asset of a loaded table: ``<schema>/<table>``."""
    return dg.AssetKey([family.schema, stream])


def api_key(family: Family, stream: str) -> dg.AssetKey:
    """The external asset of the API stream a table is read from: ``api/<vendor>/<stream>``."""
    return dg.AssetKey(["api", family.kind.name, stream])


def partitions(family: Family) -> dg.MultiPartitionsDefinition:
    """Account x day: partition keys ``<plugin>[:<account>]|<YYYY-MM-DD>``."""
    return dg.MultiPartitionsDefinition(
        {
            family.account_dimension: dg.StaticPartitionsDefinition(
                [a.key for a in family.accounts]
            ),
            DAY: dg.DailyPartitionsDefinition(start_date=family.first_day, timezone="UTC"),
        }
    )


def last_complete_day(now: datetime.datetime | None = None) -> str:
    """Yesterday, UTC: the last day partition, the one the nightly sync materialises."""
    now = now or datetime.datetime.now(datetime.UTC)
    return (now.date() - datetime.timedelta(days=1)).isoformat()


def run_command(
    layout: Layout, family: Family, account: Account, day: str, nightly: bool
) -> tuple[list[str], dict[str, str], str, str]:
    """The ``meltano run`` of one partition: command, settings as env vars, state id, sync kind."""
    kind = family.kind
    env: dict[str, str] = {"MELTANO_PROJECT_ROOT": layout.root}
    if kind.accounts_setting and account.account:
        env[env_var_name(account.plugin, kind.accounts_setting)] = json.dumps([account.account])
    for setting, value in (family.budgets.get(account.plugin) or {}).items():
        env[env_var_name(account.plugin, setting)] = str(
            max(1, value // kind.runs_sharing(setting))
        )
    label = account.account or account.plugin
    if nightly:
        suffix, sync = f"nightly-{label}", "nightly"
    else:
        first = datetime.date.fromisoformat(day)
        end = first if kind.end_date_is_last_day else first + datetime.timedelta(days=1)
        env[env_var_name(account.plugin, "start_date")] = first.isoformat()
        env[env_var_name(account.plugin, "end_date")] = end.isoformat()
        suffix, sync = f"backfill-{day}-{label}", "backfill"
    command = [
        layout.meltano,
        "--log-format=json",
        f"--environment={layout.environment}",
        "run",
        f"--state-id-suffix={suffix}",
        account.plugin,
        layout.loader,
    ]
    state_id = f"{layout.environment}:{account.plugin}-to-{layout.loader}:{suffix}"
    return command, env, state_id, sync


@contextlib.contextmanager
def first_load(
    context: dg.AssetExecutionContext,
    layout: Layout,
    shared: Path,
    family: Family,
    tables: Mapping[str, dg.AssetKey],
) -> Iterator[None]:
    """Until each of the family's tables was materialised once, its runs take turns.

    Its loader creates what is missing without ``IF NOT EXISTS`` (``first_load_lock``).
    """
    loaded = {
        record.asset_entry.asset_key
        for record in context.instance.get_asset_records(list(tables.values()))
        if record.asset_entry.last_materialization_record is not None
    }
    if layout.loader in WRITES_FILES or loaded >= set(tables.values()):
        yield
        return
    with first_load_lock(shared, family.schema) as waited:
        context.log.info(
            f"first load into {family.schema} (a table of it was never loaded): runs of it "
            f"take turns until its tables exist; waited {waited:.1f} s"
        )
        yield


def run_meltano(
    context: dg.AssetExecutionContext,
    layout: Layout,
    family: Family,
    tables: Mapping[str, dg.AssetKey],
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """The partition's ``meltano run``, through Pipes; fails the step when meltano fails."""
    keys = partitions(family).get_partition_key_from_str(context.partition_key).keys_by_dimension
    by_key = {account.key: account for account in family.accounts}
    account = by_key[keys[family.account_dimension]]
    day = keys[DAY]
    nightly = day >= last_complete_day()
    command, env, state_id, sync = run_command(layout, family, account, day, nightly)
    context.log.info(f"{sync} sync of {account.key}: {' '.join(command)}")
    shared = sys_dir(Path(layout.root), os.environ)
    extras = {
        "command": command,
        "state_id": state_id,
        "sync": sync,
        "plugin": account.plugin,
        "account": account.account or "",
        "tables": {stream: key.to_user_string() for stream, key in tables.items()},
    }
    with (
        first_load(context, layout, shared, family, tables),
        private_sys_dir(shared) as private,
        dg.open_pipes_session(
            context=context,
            context_injector=dg.PipesEnvContextInjector(),
            message_reader=dg.PipesTempFileMessageReader(),
            extras=extras,
        ) as session,
    ):
        seed_catalog(shared, private, account.plugin, family.tap)
        process = subprocess.Popen(  # noqa: S603 - our own Pipes process
            [sys.executable, "-m", "video_taps_orchestration.meltano_pipes"],
            cwd=layout.root,
            env={
                **os.environ,
                **env,
                **sys_dir_env(private, shared),
                **session.get_bootstrap_env_vars(),
            },
        )
        try:
            code = process.wait()
        except dg.DagsterExecutionInterruptedError:
            process.terminate()
            process.wait(timeout=60)
            raise
        keep_catalog(shared, private, account.plugin, family.tap)
    results = list(session.get_results(implicit_materializations=False))
    yield from results
    if code != 0:
        raise dg.Failure(
            description=(
                f"`meltano run` of {account.key} ended with exit code {code}: the tables it "
                "loaded in full are materialised, the others are not (see the run's logs for "
                "the tap's ERROR lines)"
            ),
            metadata={"exit_code": code, "state_id": state_id},
        )
    reported = {r.asset_key for r in results if isinstance(r, dg.MaterializeResult)}
    missing = sorted(key.to_user_string() for key in tables.values() if key not in reported)
    if missing:
        raise dg.Failure(
            description=(
                f"`meltano run` of {account.key} succeeded, but the tap's summary and the "
                f"loader's counts do not show these selected tables loaded in full: "
                f"{', '.join(missing)} (see the check rows_loaded_match_tap)"
            ),
            metadata={"state_id": state_id},
        )


def load_assets(layout: Layout, family: Family) -> tuple[list[dg.AssetSpec], dg.AssetsDefinition]:
    """The API streams (external assets) and the multi-asset of the family's tables."""
    kind = family.kind
    apis = [
        dg.AssetSpec(
            api_key(family, stream),
            description=f"The `{stream}` stream of the {kind.vendor} API, as {kind.tap} reads it.",
            group_name=family.name,
            kinds={"api"},
        )
        for stream in family.streams
    ]
    tables = {stream: table_key(family, stream) for stream in family.streams}
    specs = [
        dg.AssetSpec(
            key,
            deps=[api_key(family, stream)],
            description=(
                f"The `{stream}` stream of {kind.tap} as {layout.loader} loads it into "
                f"`{family.schema}.{stream}`: every account's rows, each labelled with its own."
            ),
            group_name=family.name,
            kinds={"meltano", layout.loader_kind},
            skippable=True,
            metadata={"table": f"{family.schema}.{stream}"},
        )
        for stream, key in tables.items()
    ]
    checks = [
        dg.AssetCheckSpec(
            ROWS_CHECK,
            asset=key,
            description=(
                "Every row the tap emitted for this table in the run was loaded (the loader's "
                "record count equals the tap's summary) and the tap skipped none of the "
                "table's partitions."
            ),
        )
        for key in tables.values()
    ]

    @dg.multi_asset(
        name=f"load_{family.name}",
        specs=specs,
        check_specs=checks,
        partitions_def=partitions(family),
        # No backfill policy: an asset backfill (the UI's "Materialize") then makes one
        # run per partition carrying Dagster's partition tags, per dimension too, which
        # the run-queue limits key on; a policy would make ranged runs without them.
        description=f"`meltano run {kind.tap} {layout.loader}`, one account and day per run.",
    )
    def load(context: dg.AssetExecutionContext):
        yield from run_meltano(context, layout, family, tables)

    return apis, load


def nightly_schedule(family: Family, job: dg.JobDefinition, cron: str) -> dg.ScheduleDefinition:
    """Every account's last complete day, each its own run, once a night."""

    @dg.schedule(
        name=f"{family.name}_nightly",
        cron_schedule=cron,
        execution_timezone="UTC",
        job=job,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=f"Each night, yesterday's partition of every {family.tap} account.",
    )
    def nightly(context: dg.ScheduleEvaluationContext):
        day = last_complete_day(context.scheduled_execution_time)
        for account in family.accounts:
            key = dg.MultiPartitionKey({family.account_dimension: account.key, DAY: day})
            yield dg.RunRequest(run_key=str(key), partition_key=key)

    return nightly
