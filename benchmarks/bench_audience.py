"""Benchmark: sync Brightcove Audience view events against the emulator and print figures.

The emulator adds 100 ms to every data request and enforces the documented
50 requests/second limit, so the fastest any client could finish is
``pages / 50`` seconds. The figure that matters is how close the tap gets to
that bound (goal: wall time / bound <= 1.15) and what it costs in CPU and memory.

Usage: python benchmarks/bench_audience.py [--events N] [--latency-ms MS] [--accounts K]
"""

from __future__ import annotations

import argparse
import sys

from benchlib import cpu_seconds, peak_rss_mib, print_figures, timed_sync

from tests.taprun import discover, select_only
from video_api_emulator.process import EmulatorProcess

TAP = "tap-brightcove-audience"
RATE_LIMIT = 50


def main() -> None:
    args = _parse_args()
    accounts = [str(6415818918001 + i) for i in range(args.accounts)]
    emulator_config = {
        "brightcove_accounts": accounts,
        "audience_view_events_per_account": args.events,
        "audience_leads_per_account": 1,
        "latency_ms": args.latency_ms,
        "audience_rate_limit_per_second": RATE_LIMIT,
    }
    with EmulatorProcess(emulator_config) as emulator:
        config = {
            "client_id": "emulator-client-id",
            "client_secret": "emulator-client-secret",
            "account_ids": accounts,
            "start_date": "2025-12-01T00:00:00Z",
            "api_url": f"{emulator.url}/audience/v1",
            "oauth_url": f"{emulator.url}/oauth/v4/access_token",
            "max_requests_per_second": RATE_LIMIT,
            "max_concurrent_requests": args.concurrency,
        }
        catalog = select_only(discover(TAP, config), {"view_events"})
        # What the API shows now: its processing lag hides the newest few rows.
        # Asked first, so the emulator builds its tables before the clock starts.
        expected = sum(
            emulator.truth(account_id=account, stream="view_events", from_="2025-12-01")["count"]
            for account in accounts
        )
        records, wall, rusage = timed_sync(TAP, config, catalog)
        stats = emulator.stats()

    pages = _data_requests(stats)
    bound = pages / RATE_LIMIT
    cpu = cpu_seconds(rusage)
    rows = [
        ("records", f"{records:,}"),
        ("pages (data requests)", f"{pages:,}"),
        ("throttled (429) answers", f"{stats.get('throttled', 0)}"),
        ("latency per request", f"{args.latency_ms} ms"),
        ("wall time", f"{wall:.2f} s"),
        ("rate-limit lower bound", f"{bound:.2f} s  (pages / {RATE_LIMIT} req/s)"),
        ("wall / lower bound", f"{wall / bound:.3f}  (goal <= 1.15)" if bound else "n/a"),
        ("records per second", f"{records / wall:,.0f}"),
        ("tap CPU time", f"{cpu:.2f} s"),
        ("records per CPU-second", f"{records / cpu:,.0f}" if cpu else "n/a"),
        ("tap peak RSS", f"{peak_rss_mib(rusage):.1f} MiB"),
    ]
    print_figures(f"{TAP} benchmark ({args.accounts} account(s), view_events)", rows)
    if records != expected:
        sys.exit(f"record count {records} != {expected} rows the emulator shows")


def _data_requests(stats: dict) -> int:
    by_route = stats.get("requests_by_route", {})
    return sum(n for route, n in by_route.items() if "view_events" in route or "leads" in route)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="view events per account")
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if args.events < 1 or args.accounts < 1:
        parser.error("--events and --accounts must be at least 1")
    return args


if __name__ == "__main__":
    main()
