"""Benchmark: sync IBM Video views against the emulator and print figures.

The default run is the issue's: 1,000,000 views in 10,000-row pages, every request answered after
500 ms (the docs warn a response "might take a minute", docs/vendors/ibm-video.md#response-times).
It prints wall time, records per CPU-second and peak RSS; the goals are a peak RSS under 300 MB,
which needs pages held ahead bounded by their size, and records per CPU-second at least the Audience
tap's.

Usage: python benchmarks/bench_ibm.py [--views N] [--page-size N] [--latency-ms MS]
       [--window-hours H] [--concurrency N]
"""

from __future__ import annotations

import argparse
import sys

from benchlib import cpu_seconds, peak_rss_mib, print_figures, timed_sync

from tests.taprun import discover, select_only
from video_api_emulator.process import EmulatorProcess

TAP = "tap-ibm-video"
DATA_START = "2026-01-01T00:00:00Z"
#: The emulator's data span (30 days); the sync's range ends with it.
DATA_END = "2026-01-31T00:00:01+00:00"


def main() -> None:
    args = _parse_args()
    emulator_config = {
        "ibm_views": args.views,
        "ibm_viewers": max(1, args.views // 4),
        "latency_ms": args.latency_ms,
        "data_start": DATA_START,
    }
    with EmulatorProcess(emulator_config) as emulator:
        config = {
            "client_id": "emulator-ibm-client-id",
            "client_secret": "emulator-ibm-client-secret",
            "start_date": DATA_START,
            "end_date": DATA_END,
            "api_url": f"{emulator.url}/ibm-analytics/v1",
            "oauth_url": f"{emulator.url}/oauth2/token",
            "page_size": args.page_size,
            "window_hours": args.window_hours,
            "max_concurrent_requests": args.concurrency,
        }
        catalog = select_only(discover(TAP, config), {"views"})
        records, wall, rusage = timed_sync(TAP, config, catalog)
        stats = emulator.stats()
        expected = emulator.truth("ibm_video", stream="views", from_=DATA_START, to=DATA_END)[
            "count"
        ]

    requests = sum(n for route, n in stats["requests_by_route"].items() if ".views" in route)
    cpu = cpu_seconds(rusage)
    rows = [
        ("records", f"{records:,}"),
        ("data requests", f"{requests:,}  ({args.page_size:,} rows per page)"),
        ("throttled (429) answers", f"{stats.get('throttled', 0)}"),
        ("latency per request", f"{args.latency_ms} ms"),
        ("window", f"{args.window_hours} h, {args.concurrency} requests in flight at most"),
        ("wall time", f"{wall:.2f} s"),
        ("records per second", f"{records / wall:,.0f}"),
        ("tap CPU time", f"{cpu:.2f} s"),
        ("records per CPU-second", f"{records / cpu:,.0f}" if cpu else "n/a"),
        ("tap peak RSS", f"{peak_rss_mib(rusage):.1f} MiB  (goal < 300 MB)"),
    ]
    print_figures(f"{TAP} benchmark (views)", rows)
    if records != expected:
        sys.exit(f"record count {records} != {expected} views the emulator holds")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=500)
    parser.add_argument("--window-hours", type=int, default=24 * 31)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    if args.views < 1:
        parser.error("--views must be at least 1")
    return args


if __name__ == "__main__":
    main()
