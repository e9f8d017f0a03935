"""The morning's checks on the loaded tables, and the marts built once after the night's loads.

- ``bookmark_fresh`` (per table): for every account of the table's tap, the newest
  bookmark its latest load reached is at most a day and a half old. A day bookmark
  (api.video's analytics, ``YYYY-MM-DD``) counts as synced to the end of that day; a
  table whose stream keeps no bookmark (a full-table stream, read whole every run)
  counts from the moment it was loaded. An account that never loaded a table other
  accounts loaded fails it. A table no account loaded yet is not checked: nothing says
  it is selected.
- The marts: the sensor ``marts_after_loads`` requests one run of the ``marts`` job
  (``dbt build`` of every model, the report page, and the checks above) once new
  table materialisations exist and no run loading tables is queued or running. A
  night's loads (any number of accounts, some failing) thus build the marts once,
  from whatever loaded.
"""

import datetime
from collections.abc import Iterable, Sequence

import dagster as dg

# Dagster has no public name for the backfills still creating their runs; the sensor
# must not build the marts between a backfill's launch and its runs' queueing
# (``_may_create_runs`` reads what a backfill has requested so far).
from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus, PartitionBackfill

from .layout import Family
from .loads import DAY, partitions, table_key

__all__ = ["FRESH_CHECK", "MAX_AGE", "freshness_checks", "marts_sensor"]

FRESH_CHECK = "bookmark_fresh"
#: A day and a half: a nightly run that failed once is caught the next morning.
MAX_AGE = datetime.timedelta(hours=36)
_IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def _latest_by_account(
    instance: dg.DagsterInstance, family: Family, key: dg.AssetKey
) -> dict[str, dg.EventLogRecord]:
    """Account -> the materialisation of its latest day partition (if it has any)."""
    definition = partitions(family)
    newest_day: dict[str, str] = {}
    for text in instance.get_materialized_partitions(key):
        keys = definition.get_partition_key_from_str(text).keys_by_dimension
        account, day = keys[family.account_dimension], keys[DAY]
        if day > newest_day.get(account, ""):
            newest_day[account] = day
    latest = {}
    for account, day in newest_day.items():
        partition = str(dg.MultiPartitionKey({family.account_dimension: account, DAY: day}))
        found = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=1
        ).records
        if found:
            latest[account] = found[0]
    return latest


def _reached(record: dg.EventLogRecord) -> tuple[datetime.datetime, str]:
    """The moment a load's data reaches: its bookmark, else when it was loaded."""
    materialization = record.asset_materialization
    metadata = materialization.metadata if materialization else {}
    at = metadata.get("bookmark_at")
    if at is not None:
        moment = datetime.datetime.fromtimestamp(float(at.value), datetime.UTC)
        return moment, f"bookmark {metadata['bookmark'].value}"
    moment = datetime.datetime.fromtimestamp(record.timestamp, datetime.UTC)
    return moment, "loaded (the stream keeps no bookmark)"


def freshness_checks(families: Sequence[Family]) -> dg.AssetChecksDefinition:
    """``bookmark_fresh`` on every table of every family."""
    specs = [
        dg.AssetCheckSpec(
            FRESH_CHECK,
            asset=table_key(family, stream),
            description=(
                "Every account's newest bookmark for this table is at most 36 hours old (a day "
                "bookmark counts to the day's end; a table without bookmarks counts from its "
                "last load)."
            ),
        )
        for family in families
        for stream in family.streams
    ]

    @dg.multi_asset_check(specs=specs, can_subset=True, name="tables_fresh")
    def tables_fresh(context: dg.AssetCheckExecutionContext) -> Iterable[dg.AssetCheckResult]:
        if context.has_partition_key:
            # A load launched from the UI (Dagster adds a table's checks to a run
            # materialising it; the nightly jobs leave this one out): one account's
            # day says nothing of the others'. The marts run and the morning's job
            # judge the tables once every load has ended.
            context.log.info("bookmark_fresh is judged after the loads, not in a load run")
            return
        now = datetime.datetime.now(datetime.UTC)
        selected = context.selected_asset_check_keys
        for family in families:
            for stream in family.streams:
                key = table_key(family, stream)
                if dg.AssetCheckKey(key, FRESH_CHECK) not in selected:
                    continue
                latest = _latest_by_account(context.instance, family, key)
                if not latest:
                    continue  # no account loaded it: not selected anywhere, nothing to judge
                ages, stale = {}, []
                for account in family.accounts:
                    record = latest.get(account.key)
                    if record is None:
                        ages[account.key] = "never loaded"
                        stale.append(account.key)
                        continue
                    moment, what = _reached(record)
                    age = now - moment
                    ages[account.key] = f"{what}, {age.total_seconds() / 3600:.1f} h old"
                    if age > MAX_AGE:
                        stale.append(account.key)
                yield dg.AssetCheckResult(
                    asset_key=key,
                    check_name=FRESH_CHECK,
                    passed=not stale,
                    metadata={
                        **ages,
                        "stale_accounts": ", ".join(stale) or "none",
                        "max_age_hours": MAX_AGE.total_seconds() / 3600,
                    },
                )

    return tables_fresh


def _loads_tables(backfill: PartitionBackfill, tables: set[dg.AssetKey]) -> bool:
    """Whether a backfill materialises any of ``tables`` (a job backfill: any asset job's)."""
    selection = backfill.asset_selection
    return not selection or bool(tables & set(selection))


def _may_create_runs(backfill: PartitionBackfill) -> bool:
    """Whether a backfill may still create runs (once all exist, their status says the rest).

    The backfill daemon marks a backfill completed only every 30 s, after its last
    run ended; waiting for that held the marts back by up to half a minute. What
    matters is whether every run the backfill targets was requested: an asset
    backfill's requested subset covers its target and none is being submitted; a job
    backfill submitted its last partition.
    """
    if backfill.submitting_run_requests:
        return True
    if backfill.is_asset_backfill:
        data = backfill.asset_backfill_data
        if data is None:  # stored in an older, serialized form: assume the worst
            return True
        unrequested = data.target_subset - data.requested_subset
        return not data.requested_runs_for_target_roots or bool(unrequested.asset_keys)
    names = backfill.partition_names or []
    return not names or backfill.last_submitted_partition_name != names[-1]


def _loads(run: dg.DagsterRun, tables: set[dg.AssetKey], load_jobs: set[str]) -> bool:
    """Whether a run materialises any of ``tables``.

    A run launched by asset (the UI's Materialize, an asset backfill) names its
    assets; a run of a load job (the nightly schedule's, a job backfill's) names
    none, its job's selection being its assets.
    """
    if run.asset_selection:
        return bool(tables & set(run.asset_selection))
    return run.job_name in load_jobs


def marts_sensor(
    tables: Sequence[dg.AssetKey], load_jobs: Sequence[str], job: "dg.JobDefinition", interval: int
) -> dg.SensorDefinition:
    """One ``marts`` run after each batch of loads, once none is queued or running."""
    watched = set(tables)
    loaders = set(load_jobs)

    @dg.sensor(
        name="marts_after_loads",
        job=job,
        minimum_interval_seconds=interval,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Builds the marts (dbt build, the report, the tables' freshness checks) once new "
            "tables were loaded and no load is queued or running."
        ),
    )
    def marts_after_loads(context: dg.SensorEvaluationContext):
        newest = 0
        for record in context.instance.get_asset_records(list(watched)):
            last = record.asset_entry.last_materialization_record
            if last is not None:
                newest = max(newest, last.storage_id)
        handled = int(context.cursor or 0)
        if newest <= handled:
            return dg.SkipReason("no table loaded since the marts were last built")
        running = context.instance.get_run_records(dg.RunsFilter(statuses=_IN_PROGRESS))
        loading = [
            record.dagster_run.run_id
            for record in running
            if _loads(record.dagster_run, watched, loaders)
        ]
        if loading:
            return dg.SkipReason(f"waiting for {len(loading)} load run(s) to end")
        # A backfill whose runs the daemon has not all created yet is loads to come.
        backfills = context.instance.get_backfills(
            filters=BulkActionsFilter(statuses=[BulkActionStatus.REQUESTED])
        )
        pending = [
            b.backfill_id for b in backfills if _loads_tables(b, watched) and _may_create_runs(b)
        ]
        if pending:
            return dg.SkipReason(f"waiting for backfill(s) {', '.join(pending)} to end")
        context.update_cursor(str(newest))
        return dg.RunRequest(run_key=f"after-{newest}")

    return marts_after_loads
