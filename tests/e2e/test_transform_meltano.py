"""The dbt project in transform/ as a user runs it: `meltano run <tap> <loader> ... dbt-<db>:build`.

Real meltano, the real taps against the emulator, the real loaders, real dbt in a
real PostgreSQL (and DuckDB for the first-tap-only build). The marts must equal what
the APIs' ground truth says and the staging columns must have the types the staging
contract promises in the database's own catalog. DuckDB's nightly build and report:
test_transform_duckdb_meltano.py.
"""

from __future__ import annotations

import pytest

from tests.support.meltano import isolated_env, meltano_run
from tests.support.transform import (
    CATALOG_TYPES_SQL,
    MEDIA_DAILY_SQL,
    VOLUME,
    assert_marts_reconcile,
    contract_breaches,
    dbt_paths,
    duckdb_query,
    expected_media_daily,
    media_daily_from_rows,
    pipeline,
    postgres_query,
    types_from_rows,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("meltano_plugins")]


def test_one_tap_then_dbt_build_works_before_the_other_taps_ever_loaded(emulator, tmp_path):
    """The issue's pipeline, `meltano run tap-ibm-video target-duckdb dbt-duckdb:build`, alone.

    The other taps' tables do not exist yet: their staging models are empty,
    and the marts hold IBM's figures only.
    """
    emulator.reset(**VOLUME)
    warehouse = tmp_path / "warehouse.duckdb"
    env = {
        **isolated_env(tmp_path, emulator_url=emulator.url),
        "DBT_DUCKDB_PATH": str(warehouse),
        **dbt_paths(tmp_path, "dbt-duckdb"),
    }
    meltano_run("tap-ibm-video", "target-duckdb", "dbt-duckdb:build", env=env)
    found = media_daily_from_rows(duckdb_query(warehouse, MEDIA_DAILY_SQL))
    expected = expected_media_daily(emulator)
    assert found == {key: figures for key, figures in expected.items() if key[0] == "ibm_video"}
    not_loaded = "select count(*) from analytics_staging.stg_apivideo__videos"
    assert duckdb_query(warehouse, not_loaded) == [(0,)]


def test_postgres_build_keeps_the_latest_row_per_key_and_reconciles(emulator, postgres, tmp_path):
    emulator.reset(**VOLUME)
    env = {
        **isolated_env(
            tmp_path, emulator_url=emulator.url, postgres_env=postgres.target_postgres_env()
        ),
        "DBT_POSTGRES_HOST": postgres.host,
        "DBT_POSTGRES_PORT": str(postgres.port),
        "DBT_POSTGRES_USER": postgres.user,
        "DBT_POSTGRES_PASSWORD": "",
        "DBT_POSTGRES_DBNAME": postgres.dbname,
        "DBT_POSTGRES_SSLMODE": "disable",
        **dbt_paths(tmp_path, "dbt-postgres"),
    }
    blocks = pipeline("target-postgres", "dbt-postgres")
    meltano_run(*blocks[:-1], env=env)
    # A loader appended an older version of a finished view beside it. Here by
    # hand, without the table's key constraint: target-postgres merges on the
    # key, an append-only load (or a table created without its key) would not.
    postgres_query(postgres.dsn, "alter table ibm_video.views drop constraint views_pkey")
    duplicated = postgres_query(
        postgres.dsn,
        "insert into ibm_video.views "
        "select (v).* from (select v from ibm_video.views v where finished_at is not null "
        "order by started_at limit 1) as older "
        "returning view_id",
    )
    view_id = duplicated[0][0]
    postgres_query(
        postgres.dsn,
        "update ibm_video.views set finished_at = null, "
        "_sdc_batched_at = _sdc_batched_at - interval '1 day' "
        "where ctid = (select max(ctid) from ibm_video.views where view_id = %s)",
        (view_id,),
    )
    assert postgres_query(
        postgres.dsn, "select count(*) from ibm_video.views where view_id = %s", (view_id,)
    ) == [(2,)]

    meltano_run(blocks[-1], env=env)

    staged = postgres_query(
        postgres.dsn,
        "select finished_at is not null from analytics_staging.stg_ibm_video__views "
        "where view_id = %s",
        (view_id,),
    )
    assert staged == [(True,)]
    found = media_daily_from_rows(postgres_query(postgres.dsn, MEDIA_DAILY_SQL))
    assert_marts_reconcile(found, emulator)
    assert contract_breaches(types_from_rows(postgres_query(postgres.dsn, CATALOG_TYPES_SQL))) == {}
