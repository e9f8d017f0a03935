"""Benchmark: api.video videos → sessions → events against the emulator, at the read limit.

The default run is the issue's: 50 videos × 20 sessions × 20 events, every
request answered after 100 ms, at the production limit of 500 reads a minute.
Every session needs its own events request, so the sync is bound by the rate
limit: the goal is a wall time within 10% of requests ÷ limit. It also prints
records per CPU-second and peak RSS.

``--logs`` measures the log instead: exit code and log lines of a run as it
comes (no catalog) against today's API (the emulator's ``apivideo_retired``), and
of a run with every stream selected against the old API, 10 days, the demo's
volume (12 videos, 4 live streams, 60 sessions each).

Usage: python benchmarks/bench_apivideo.py [--videos N] [--sessions N] [--events N]
       [--latency-ms MS] [--limit-per-minute N] [--concurrency N]
       python benchmarks/bench_apivideo.py --logs
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import cpu_seconds, peak_rss_mib, print_figures, timed_sync

from tap_apivideo.streams import STREAMS as REGISTRY
from tests.taprun import discover, select_only
from video_api_emulator import truth
from video_api_emulator.process import EmulatorProcess

TAP = "tap-apivideo"
API_KEY = "emulator-apivideo-key"
DATA_START = "2026-01-01T00:00:00Z"
STREAMS = {"videos", "video_sessions", "session_events"}
#: Every stream of the tap's registry (for ``--logs``).
ALL_STREAMS = {stream.name for stream in REGISTRY}
LOGS_VOLUME = {
    "apivideo_videos": 12,
    "apivideo_live_streams": 4,
    "apivideo_sessions_per_media": 60,
    "apivideo_rate_limit_per_minute": 100_000,
    "latency_ms": 20,
}


def main() -> None:
    args = _parse_args()
    if args.logs:
        measure_logs()
        return
    emulator_config = {
        "apivideo_videos": args.videos,
        "apivideo_live_streams": 1,
        # Sessions spread over the 30-day span; the sync reads 29 whole days.
        "apivideo_sessions_per_media": args.sessions,
        "apivideo_events_per_session": args.events,
        "apivideo_rate_limit_per_minute": args.limit_per_minute,
        "latency_ms": args.latency_ms,
        "data_start": DATA_START,
    }
    with EmulatorProcess(emulator_config) as emulator:
        config = {
            "api_key": API_KEY,
            "start_date": DATA_START,
            "api_url": f"{emulator.url}/apivideo",
            "max_concurrent_requests": args.concurrency,
        }
        catalog = select_only(discover(TAP, config), STREAMS)
        records, wall, rusage = timed_sync(TAP, config, catalog)
        stats = emulator.stats()
        first = datetime.date.fromisoformat(DATA_START[:10])
        expected = sum(
            truth.apivideo_rows(emulator, stream, first=first, project=API_KEY)
            for stream in STREAMS
        )

    routes = stats["requests_by_route"]
    requests = sum(n for route, n in routes.items() if "auth" not in route)
    bound = requests / args.limit_per_minute * 60
    cpu = cpu_seconds(rusage)
    rows = [
        ("records", f"{records:,}  (videos, sessions and events)"),
        ("data requests", f"{requests:,}"),
        ("throttled (429) answers", f"{stats['status_counts'].get('429', 0)}"),
        ("latency per request", f"{args.latency_ms} ms"),
        ("rate limit", f"{args.limit_per_minute} reads a minute"),
        ("lower bound (requests ÷ limit)", f"{bound:.1f} s"),
        ("wall time", f"{wall:.2f} s  (ratio {wall / bound:.3f}, goal ≤ 1.10)"),
        ("tap CPU time", f"{cpu:.2f} s"),
        ("records per CPU-second", f"{records / cpu:,.0f}" if cpu else "n/a"),
        ("tap peak RSS", f"{peak_rss_mib(rusage):.1f} MiB"),
    ]
    print_figures(f"{TAP} benchmark (videos, sessions, events)", rows)
    if records != expected:
        sys.exit(f"record count {records} != {expected} rows the emulator holds")


def measure_logs() -> None:
    """Exit code and log lines: as it comes on today's API, every stream on the old one."""
    rows = []
    with EmulatorProcess(LOGS_VOLUME) as emulator:
        today = datetime.date.fromisoformat(emulator.horizon()["horizon"][:10])
        config = {
            "api_key": API_KEY,
            "api_url": f"{emulator.url}/apivideo",
            "start_date": (today - datetime.timedelta(days=10)).isoformat(),
        }
        emulator.reset(**{**LOGS_VOLUME, "apivideo_retired": True})
        rows.append(("as it comes, today's API", _log_figures(config, None)))
        emulator.reset(**LOGS_VOLUME)
        catalog = select_only(discover(TAP, config), ALL_STREAMS)
        rows.append(("every stream, old API", _log_figures(config, catalog)))
    print_figures(f"{TAP} log (10 days, demo volume)", rows)


def _log_figures(config: dict, catalog: dict | None) -> str:
    with tempfile.TemporaryDirectory() as folder:
        args = [str(Path(sys.executable).parent / TAP), "--config", _write(folder, "c", config)]
        if catalog is not None:
            args += ["--catalog", _write(folder, "k", catalog)]
        run = subprocess.run(args, capture_output=True, text=True, check=False, env={**os.environ})
    records = sum(1 for line in run.stdout.splitlines() if '"type":"RECORD"' in line)
    lines = len(run.stderr.splitlines())
    return f"exit {run.returncode}, {lines:,} log lines, {records:,} records"


def _write(folder: str, name: str, content: dict) -> str:
    path = Path(folder) / f"{name}.json"
    path.write_text(json.dumps(content))
    return str(path)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--limit-per-minute", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--logs", action="store_true", help="measure the log instead")
    return parser.parse_args()


if __name__ == "__main__":
    main()
