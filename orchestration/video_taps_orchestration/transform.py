"""The dbt project (``transform/``) as assets through dagster-dbt, and the report page.

Each dbt model is an asset keyed ``<schema>/<model>`` like the tables the taps load;
each dbt source is mapped onto the table asset it reads (``<load_schema>/<stream>``),
so the asset graph runs API stream -> table -> staging model -> mart -> report.
dbt's tests (unique keys, relationships, accepted values) are asset checks on the
models they test. ``dbt build`` runs in the Dagster venv (dbt-core 1.10.23 and
dbt-postgres 1.11.0, the pins of meltano's dbt utility), with the settings meltano
gives that utility (``meltano config print <utility> --format=env``), so a build
here and ``meltano run dbt-postgres:build`` use one profile and one project.
"""

import contextlib
import os
import shlex
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from . import report
from .layout import DbtLayout, Layout, dbt_vars_argument
from .meltano_project import _Meltano

__all__ = ["REPORT_KEY", "TablesTranslator", "dbt_resource", "report_asset", "transform_assets"]

REPORT_KEY = dg.AssetKey(["reports", "views_report"])


class TablesTranslator(DagsterDbtTranslator):
    """dbt nodes as assets keyed by schema and name, sources being the taps' tables."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        """``<schema>/<name>``: a source is a table a tap loads, a model the relation dbt builds."""
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """``staging`` or ``marts``: the models' folder."""
        fqn = dbt_resource_props.get("fqn") or []
        return fqn[1] if len(fqn) > 2 else super().get_group_name(dbt_resource_props)  # noqa: PLR2004


def utility_env(layout: Layout, dbt: DbtLayout) -> dict[str, str]:
    """What meltano gives the dbt utility (profile settings, secrets included), as variables."""
    run = _Meltano(Path(layout.root), layout.environment, layout.meltano, os.environ)
    printed = run("config", "--unsafe", "print", dbt.utility, "--format=env")
    env: dict[str, str] = {}
    for line in printed.splitlines():
        words = shlex.split(line)
        if len(words) == 1 and "=" in words[0]:
            name, value = words[0].split("=", 1)
            env[name] = value
    return env


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` in ``os.environ`` for the block (dagster-dbt hands dbt ``os.environ``)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dbt_resource(dbt: DbtLayout) -> DbtCliResource:
    """Dbt of the Dagster venv, on the utility's project and profiles."""
    return DbtCliResource(
        project_dir=dbt.project_dir,
        profiles_dir=dbt.profiles_dir,
        dbt_executable=str(Path(sys.executable).parent / "dbt"),
    )


def transform_assets(layout: Layout, dbt: DbtLayout) -> dg.AssetsDefinition:
    """Every model of the dbt project, built by one ``dbt build`` (tests as checks)."""

    @dbt_assets(
        manifest=dbt.manifest_path,
        dagster_dbt_translator=TablesTranslator(),
        name="dbt_build",
    )
    def dbt_build(context: dg.AssetExecutionContext, dbt_cli: DbtCliResource):
        """``dbt build`` of the selected models, with the settings meltano gives the utility."""
        env = {**utility_env(layout, dbt)}
        # dagster-dbt chooses where dbt writes its artifacts and logs, per invocation.
        for name in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
            env.pop(name, None)
        # dbt's artifacts of this build, read back by dagster-dbt while it streams the
        # events, then dropped: a folder per run under the project would pile up nightly.
        with environment(env), tempfile.TemporaryDirectory(prefix="dbt-build-") as target:
            invocation = dbt_cli.cli(
                ["build", *dbt_vars_argument(dbt)], context=context, target_path=Path(target)
            )
            yield from invocation.stream()

    return dbt_build


def report_asset(layout: Layout, dbt: DbtLayout, marts: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The report page (daily views per vendor, top media), drawn from the marts."""

    @dg.asset(
        key=REPORT_KEY,
        deps=marts,
        group_name="reports",
        kinds={"html"},
        description=(
            "A self-contained HTML page: daily views per vendor and the top media by seconds "
            f"watched, from the marts; written to {layout.report_path}."
        ),
    )
    def views_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        env = utility_env(layout, dbt)
        prefix = dbt.utility.upper().replace("-", "_")
        schema = env.get(f"{prefix}_SCHEMA", report.MARTS_SCHEMA)
        import psycopg2  # dagster-postgres's driver, in the Dagster venv

        connection = psycopg2.connect(
            host=env.get(f"{prefix}_HOST"),
            port=int(env.get(f"{prefix}_PORT", "5432")),
            user=env.get(f"{prefix}_USER"),
            password=env.get(f"{prefix}_PASSWORD") or None,
            dbname=env.get(f"{prefix}_DBNAME"),
        )
        try:
            figures = report.figures_from(connection, schema)
        finally:
            connection.close()
        destination = Path(layout.report_path)
        source = f"{env.get(f'{prefix}_DBNAME')}.{schema}"
        report.write_page(figures, destination, source)
        context.log.info(f"Report written to {destination}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(destination)),
                **{f"{mart}_rows": rows for mart, rows in figures.mart_rows.items()},
                "vendors": ", ".join(sorted(figures.daily_views)),
            }
        )

    return views_report
