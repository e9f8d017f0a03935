"""Benchmark: api.video videos → sessions → events against the emulator, at the read limit.

The default run is the issue's: 50 videos × 20 sessions × 20 events, every
request answered after 100 ms, at the production limit of 500 reads a minute.
Every session needs its own events request, so the sync is bound by the rate
limit: the goal is a wall time within 10% of requests ÷ limit. It also prints
records per CPU-second and peak RSS.

Usage: python benchmarks/bench_apivideo.py [--videos N] [--sessions N] [--events N]
       [--latency-ms MS] [--limit-per-minute N] [--concurrency N]
"""

from __future__ import annotations

import argparse
import datetime
import sys

from benchlib import cpu_seconds, peak_rss_mib, print_figures, timed_sync

from tests.taprun import discover, select_only
from video_api_emulator.process import EmulatorProcess

TAP = "tap-apivideo"
API_KEY = "emulator-apivideo-key"
DATA_START = "2026-01-01T00:00:00Z"
STREAMS = {"videos", "video_sessions", "session_events"}


def main() -> None:
    args = _parse_args()
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
        horizon = emulator.horizon()["horizon"][:10]
        first, last = DATA_START[:10], _day_before(horizon)
        expected = (
            sum(
                emulator.truth("apivideo", project=API_KEY, stream=stream, from_=first, to=last)[
                    "count"
                ]
                for stream in ("video_sessions", "session_events")
            )
            + emulator.truth("apivideo", project=API_KEY, stream="videos")["count"]
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


def _day_before(day: str) -> str:
    return (datetime.date.fromisoformat(day) - datetime.timedelta(days=1)).isoformat()


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--limit-per-minute", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    return parser.parse_args()


if __name__ == "__main__":
    main()
