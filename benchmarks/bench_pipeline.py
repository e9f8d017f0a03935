"""Benchmark: 1,000,000 IBM views through the tap into target-duckdb and into target-postgres.

The figure a user feels: ``meltano --environment demo run tap-ibm-video <target>``
(real meltano, the loaders meltano.yml declares, a PostgreSQL started here), against
the emulator serving 1,000,000 views in 10,000-row pages at 500 ms a response (the
load of ``bench_ibm.py``). For each target it prints the rows loaded, the run's wall
time and the CPU time of the whole run (meltano, tap and target together); and, from
the tap run alone into nothing (its CLI, as ``bench_ibm.py`` runs it), the tap's share
of the night: the tap alone's wall time over the run's.

Usage: python benchmarks/bench_pipeline.py [--views N] [--targets target-duckdb,target-postgres]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchlib import cpu_seconds, peak_rss_mib, print_figures, timed_sync

from tests.support.meltano import isolated_env, loaded_row_counts, meltano_install, meltano_run
from tests.support.postgres import postgres_server
from tests.taprun import discover, select_only
from video_api_emulator.process import EmulatorProcess

TAP = "tap-ibm-video"
SCHEMA = "ibm_video"
DATA_START = "2026-01-01T00:00:00Z"
#: The emulator's data span (30 days); the sync's range ends with it.
DATA_END = "2026-01-31T00:00:01+00:00"
#: As bench_ibm.py: 10,000-row pages, one 744-hour window, 4 requests in flight.
TAP_SETTINGS = {
    "client_id": "emulator-ibm-client-id",
    "client_secret": "emulator-ibm-client-secret",
    "start_date": DATA_START,
    "end_date": DATA_END,
    "page_size": 10_000,
    "window_hours": 24 * 31,
    "max_concurrent_requests": 4,
}
TARGETS = ("target-duckdb", "target-postgres")


def main() -> None:
    args = _parse_args()
    meltano_install(TAP, *args.targets)
    emulator_config = {
        "ibm_views": args.views,
        "ibm_viewers": max(1, args.views // 4),
        "latency_ms": 500,
        "data_start": DATA_START,
    }
    with EmulatorProcess(emulator_config) as emulator, postgres_server() as postgres:
        expected = emulator.truth("ibm_video", stream="views", from_=DATA_START, to=DATA_END)
        config = {
            **TAP_SETTINGS,
            "api_url": f"{emulator.url}/ibm-analytics/v1",
            "oauth_url": f"{emulator.url}/oauth2/token",
        }
        catalog = select_only(discover(TAP, config), {"views"})
        records, tap_wall, rusage = timed_sync(TAP, config, catalog)
        print_figures(
            f"{TAP} alone, into nothing",
            [
                ("records", f"{records:,}"),
                ("wall time", f"{tap_wall:.1f} s"),
                ("tap CPU time", f"{cpu_seconds(rusage):.1f} s"),
                ("tap peak RSS", f"{peak_rss_mib(rusage):.0f} MiB"),
            ],
        )
        for target in args.targets:
            with tempfile.TemporaryDirectory() as tmp:
                env = isolated_env(
                    tmp, emulator_url=emulator.url, postgres_env=postgres.target_postgres_env()
                )
                env.update(_tap_env())
                wall, cpu = _timed_run(target, env)
                loaded = loaded_row_counts(target, Path(tmp), postgres, SCHEMA).get("views", 0)
            print_figures(
                f"meltano run {TAP} {target}",
                [
                    ("rows loaded", f"{loaded:,} (the API holds {expected['count']:,})"),
                    ("wall time", f"{wall:.1f} s"),
                    ("CPU time (meltano, tap and target)", f"{cpu:.1f} s"),
                    ("the tap's share", f"{tap_wall / wall:.0%} (the tap alone: {tap_wall:.1f} s)"),
                ],
            )
            if loaded != expected["count"]:
                sys.exit(f"{target} loaded {loaded} views, the API holds {expected['count']}")


def _tap_env() -> dict[str, str]:
    """The bench's settings as the tap's env vars, and only ``views`` selected."""
    env = {f"TAP_IBM_VIDEO_{name.upper()}": str(value) for name, value in TAP_SETTINGS.items()}
    env["TAP_IBM_VIDEO__SELECT"] = json.dumps(["views.*"])
    return env


def _timed_run(target: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``meltano run`` (its children's CPU: meltano, tap, target)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    meltano_run(TAP, target, env=env, state_id="bench", timeout=3600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=1_000_000)
    parser.add_argument(
        "--targets",
        type=lambda value: tuple(value.split(",")),
        default=TARGETS,
        help="comma-separated loaders, default target-duckdb,target-postgres",
    )
    args = parser.parse_args()
    if args.views < 1:
        parser.error("--views must be at least 1")
    if unknown := set(args.targets) - set(TARGETS):
        parser.error(f"--targets: unknown {', '.join(sorted(unknown))}")
    return args


if __name__ == "__main__":
    main()
