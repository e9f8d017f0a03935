"""The Dagster code location: the taps' tables, the dbt models and the report as assets.

Built from ``layout.read_layout()``: every tap of the meltano project with its
accounts (partitions), streams (tables) and budgets, resolved by meltano, and the dbt
project of the utility that builds the marts. That costs seconds, so it is read once,
where the code location is loaded (a code server, ``dagster dev``); run workers get it
from the definitions' reconstruction metadata (Dagster's ``StateBackedDefinitionsLoader``)
and never call meltano to describe the project.

What it holds (README, "Running at scale"):

- per tap (``loads.py``): the API streams (``api/<vendor>/<stream>``), one multi-asset
  of its tables (``<schema>/<table>``) partitioned by account x day, the job
  ``<vendor>_load`` and the schedule ``<vendor>_nightly``;
- the dbt models (``<schema>/<model>``, ``transform.py``) and the report
  (``reports/views_report``), built by the job ``marts``, which the sensor
  ``marts_after_loads`` requests once after each batch of loads;
- the checks: ``rows_loaded_match_tap`` per table and load, ``bookmark_fresh`` per
  table (``checks.py``; in every ``marts`` run and the job ``tables_freshness``, whose
  schedule ``tables_freshness_morning`` runs it each morning), dbt's tests.

Environment, besides ``layout.py``'s: ``VIDEO_TAPS_NIGHTLY_CRON`` (default ``0 3 * * *``,
UTC), ``VIDEO_TAPS_MORNING_CRON`` (default ``0 7 * * *``), ``VIDEO_TAPS_SENSOR_SECONDS``
(how often ``marts_after_loads`` looks, default 60).
"""

import os

import dagster as dg

# The one Dagster name this module takes from outside its public API: the loader that
# reads expensive state once per code-location load and hands it to run workers.
from dagster._core.definitions.definitions_load_context import StateBackedDefinitionsLoader

from .checks import freshness_checks, marts_sensor
from .layout import Layout, read_layout
from .loads import load_assets, nightly_schedule, table_key

__all__ = ["build_definitions", "defs"]


def build_definitions(layout: Layout) -> dg.Definitions:
    """Assets, checks, jobs, schedules, sensor and resources for one project layout."""
    assets: list = []
    jobs: list = []
    schedules: list = []
    tables: list[dg.AssetKey] = []
    load_jobs: list[str] = []
    nightly_cron = os.environ.get("VIDEO_TAPS_NIGHTLY_CRON", "0 3 * * *")
    fresh = freshness_checks(layout.families)
    for family in layout.families:
        apis, load = load_assets(layout, family)
        assets.extend([*apis, load])
        tables.extend(table_key(family, stream) for stream in family.streams)
        job = dg.define_asset_job(
            f"{family.name}_load",
            # The tables and their rows_loaded_match_tap, not bookmark_fresh: one
            # account's day says nothing of the others', so a load run would only
            # plan it, start a step that declines, and write the events of both.
            selection=dg.AssetSelection.assets(load) - dg.AssetSelection.checks(fresh),
            description=f"Loads {family.tap}'s tables: one account and day per run.",
        )
        jobs.append(job)
        load_jobs.append(job.name)
        schedules.append(nightly_schedule(family, job, nightly_cron))

    freshness_job = dg.define_asset_job(
        "tables_freshness",
        selection=dg.AssetSelection.checks(fresh),
        description="The tables' bookmark_fresh checks.",
    )
    jobs.append(freshness_job)
    schedules.append(
        dg.ScheduleDefinition(
            name="tables_freshness_morning",
            job=freshness_job,
            cron_schedule=os.environ.get("VIDEO_TAPS_MORNING_CRON", "0 7 * * *"),
            execution_timezone="UTC",
            default_status=dg.DefaultScheduleStatus.STOPPED,
            description="Each morning: is every table's newest bookmark at most 36 hours old?",
        )
    )
    sensors = []
    resources = {}
    if layout.dbt is not None:
        from .transform import REPORT_KEY, dbt_resource, report_asset, transform_assets

        models = transform_assets(layout, layout.dbt)
        marts = [key for key in models.keys if models.specs_by_key[key].group_name == "marts"]
        page = report_asset(layout, layout.dbt, marts)
        assets.extend([models, page])
        marts_job = dg.define_asset_job(
            "marts",
            selection=dg.AssetSelection.assets(models, REPORT_KEY)
            | dg.AssetSelection.checks(fresh),
            description="dbt build (tests as checks), the report, the tables' freshness checks.",
        )
        jobs.append(marts_job)
        interval = int(os.environ.get("VIDEO_TAPS_SENSOR_SECONDS", "60"))
        sensors.append(marts_sensor(tables, load_jobs, marts_job, interval))
        resources["dbt_cli"] = dbt_resource(layout.dbt)
    return dg.Definitions(
        assets=assets,
        asset_checks=[fresh],
        jobs=jobs,
        schedules=schedules,
        sensors=sensors,
        resources=resources,
        # One step per run (a table load, or dbt): run it in the run's own process,
        # not in a child process of its own (which would load the code once more).
        executor=dg.in_process_executor,
    )


class ProjectDefinitions(StateBackedDefinitionsLoader[str]):
    """The layout read once per code-location load, reused by run workers."""

    @property
    def defs_key(self) -> str:
        """Where the layout travels in the reconstruction metadata."""
        return "video_taps/layout"

    def fetch_state(self) -> str:
        """Read the project (meltano, the taps' discovery, dbt's manifest)."""
        return read_layout().to_json()

    def defs_from_state(self, state: str) -> dg.Definitions:
        """The definitions of a layout read now or by the process that launched this run."""
        return build_definitions(Layout.from_json(state))


@dg.definitions
def defs() -> dg.Definitions:
    """The code location (``dagster dev -w orchestration/workspace.yaml``)."""
    return ProjectDefinitions().build_defs()
