"""Benchmark: `dbt build` of the transform/ project in DuckDB, at the demo's size and grown.

Two runs, each on a copy of a warehouse the taps loaded (default: the demo's
``output/warehouse.duckdb``; run ``make demo`` first):

1. the warehouse as loaded (the demo's few thousand rows per stream);
2. the same with IBM ``views`` grown to 1,000,000 rows and Audience
   ``view_events`` to 100,000, by copying the loaded rows under new keys
   (shifted by whole days, so they spread over days like real ones).

Each run is `meltano invoke dbt-duckdb build` (the utility's own venv and
duckdb, as a pipeline runs it) and prints wall time and the peak RSS of the
largest process of the run (dbt's; meltano's and the extension's are smaller).

Usage: python benchmarks/bench_dbt.py [--warehouse PATH] [--ibm-views N] [--audience-events N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, print_figures

MELTANO = Path(sys.executable).parent / "meltano"


def main() -> None:
    args = _parse_args()
    if not args.warehouse.exists():
        sys.exit(f"{args.warehouse} does not exist: run `make demo` first (or pass --warehouse)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo_copy = work / "demo.duckdb"
        shutil.copy(args.warehouse, demo_copy)
        rows = _row_counts(demo_copy)
        wall, rss = _timed_build(demo_copy, work / "demo")
        print_figures(
            "dbt build, the demo's warehouse",
            [
                ("IBM views / Audience view events", f"{rows[0]:,} / {rows[1]:,}"),
                ("wall time", f"{wall:.1f} s"),
                ("peak RSS (largest process)", f"{rss:.0f} MiB"),
            ],
        )
        grown = work / "grown.duckdb"
        shutil.copy(args.warehouse, grown)
        _grow(grown, args.ibm_views, args.audience_events)
        rows = _row_counts(grown)
        wall, rss = _timed_build(grown, work / "grown")
        print_figures(
            "dbt build, grown",
            [
                ("IBM views / Audience view events", f"{rows[0]:,} / {rows[1]:,}"),
                ("wall time", f"{wall:.1f} s"),
                ("peak RSS (largest process)", f"{rss:.0f} MiB"),
            ],
        )


def _row_counts(path: Path) -> tuple[int, int]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        views = connection.execute("select count(*) from ibm_video.views").fetchone()[0]
        events = connection.execute(
            "select count(*) from brightcove_audience.view_events"
        ).fetchone()[0]
    return int(views), int(events)


def _grow(path: Path, ibm_views: int, audience_events: int) -> None:
    """Copies of the loaded rows under new keys until the tables hold the asked-for rows."""
    import duckdb

    with duckdb.connect(str(path)) as connection:
        _copy_rows(
            connection,
            "ibm_video.views",
            ibm_views,
            "view_id || '-' || copy as view_id, "
            "started_at + to_days(cast(copy % 30 as integer)) as started_at, "
            "finished_at + to_days(cast(copy % 30 as integer)) as finished_at",
        )
        _copy_rows(
            connection,
            "brightcove_audience.view_events",
            audience_events,
            "view_event_key || '-' || copy as view_event_key, "
            "created_at + to_days(cast(copy % 30 as integer)) as created_at",
        )


def _copy_rows(connection, table: str, target: int, replaced: str) -> None:  # noqa: ANN001
    loaded = connection.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
    if loaded == 0 or loaded >= target:
        return
    copies = -(-(target - loaded) // loaded)  # ceil
    connection.execute(
        f"insert into {table} select source.* replace ({replaced}) "  # noqa: S608
        f"from {table} as source, (select range + 1 as copy from range({copies})) as copies "
        f"limit {target - loaded}"
    )


def _timed_build(warehouse: Path, work: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of `meltano invoke dbt-duckdb build`."""
    env = {
        **os.environ,
        "DBT_DUCKDB_PATH": str(warehouse),
        "DBT_DUCKDB_TARGET_PATH": str(work / "target"),
        "DBT_DUCKDB_LOG_PATH": str(work / "logs"),
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(MELTANO), "invoke", "dbt-duckdb", "build"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    # This run's rusage: Linux reports the largest RSS of the process and the
    # descendants it waited for (dbt under the extension under meltano), in KiB.
    _, status, rusage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    returncode = os.waitstatus_to_exitcode(status)
    if returncode != 0:
        print(output.decode(errors="replace")[-4000:], file=sys.stderr)
        sys.exit(f"dbt build failed ({returncode})")
    return wall, rusage.ru_maxrss / 1024


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=ROOT / "output" / "warehouse.duckdb")
    parser.add_argument("--ibm-views", type=int, default=1_000_000)
    parser.add_argument("--audience-events", type=int, default=100_000)
    return parser.parse_args()


if __name__ == "__main__":
    main()
