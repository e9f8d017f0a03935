"""Benchmark: Brightcove Interactivity reports against the emulator.

Two figures sets, as issue 7 asks:

1. One event report of about 500,000 rows (just under the API's cap, so it is
   not split) as CSV: wall time, records per CPU-second and peak RSS; and the
   same for about 100,000 rows, to show memory stays flat (goal: peak RSS under
   200 MB, and the two within 20% of each other).
2. A full sync of all 12 reports for one account, each taking 30 s to
   generate, at the API's default budget (4 reports a minute, 20 an hour, 100
   a day): its wall time beside the budget's lower bound (reports go out four a
   minute, so the last four start at 120 s and are ready at 150 s). Goal:
   within 10% of the bound.

Usage: python benchmarks/bench_interactivity.py [--rows N] [--small-rows N]
       [--generation-seconds S] [--skip-budget] [--skip-volume]
"""

from __future__ import annotations

import argparse
import math

from benchlib import cpu_seconds, peak_rss_mib, print_figures, timed_sync

from tap_brightcove_interactivity.schemas import REPORTS_BY_NAME
from tests.taprun import discover, select_only
from video_api_emulator.process import EmulatorProcess

TAP = "tap-brightcove-interactivity"
ACCOUNT = "6415818918001"
REPORT = "user_stream_raw"
DAY = "2026-01-15"
API_CAP = 500_000
#: The API's defaults (docs/vendors/brightcove-interactivity.md#limits).
PER_MINUTE, PER_HOUR, PER_DAY = 4, 20, 100


def tap_config(emulator: EmulatorProcess, **settings: object) -> dict:
    return {
        "client_id": "emulator-client-id",
        "client_secret": "emulator-client-secret",
        "account_ids": [ACCOUNT],
        "api_url": f"{emulator.url}/interactivity-reporting/api/reports/v2",
        "oauth_url": f"{emulator.url}/oauth/v4/access_token",
        **settings,
    }


def rows_per_day_for(emulator: EmulatorProcess, wanted: int) -> int:
    """The ``interactivity_rows_per_day`` knob that gives DAY about ``wanted`` rows.

    The emulator varies each day's volume around the knob; one probe tells
    how DAY compares, and the knob is scaled so the day stays under ``wanted``.
    """
    probe = 1_000_000
    emulator.reset(interactivity_rows_per_day=probe)
    count = emulator.truth(
        "brightcove_interactivity", report=REPORT, account_id=ACCOUNT, start=DAY, end=DAY
    )["total_rows"]
    return math.floor(probe * (wanted - 1) / count)


def volume_figures(rows: int) -> tuple[list[tuple[str, str]], float]:
    """Sync one single-day CSV report of about ``rows`` rows; its figures and peak RSS."""
    with EmulatorProcess() as emulator:
        knob = rows_per_day_for(emulator, rows)
        emulator.reset(
            interactivity_rows_per_day=knob,
            interactivity_generation_seconds=1.0,
        )
        truth = emulator.truth(
            "brightcove_interactivity", report=REPORT, account_id=ACCOUNT, start=DAY, end=DAY
        )["total_rows"]
        config = tap_config(
            emulator,
            start_date=DAY,
            end_date=DAY,
            report_format="csv",
            poll_interval_milliseconds=500,
        )
        catalog = select_only(discover(TAP, config), {REPORT})
        records, wall, rusage = timed_sync(TAP, config, catalog)
    cpu = cpu_seconds(rusage)
    rss = peak_rss_mib(rusage)
    assert records == truth, f"{records} records, the API holds {truth}"
    return [
        (f"{REPORT} rows", f"{records:,} (the API holds {truth:,}; its cap is {API_CAP:,})"),
        ("wall time", f"{wall:.1f} s (1 s of generation included)"),
        ("tap CPU time", f"{cpu:.1f} s"),
        ("records per CPU-second", f"{records / cpu:,.0f}"),
        ("tap peak RSS", f"{rss:.1f} MiB (goal < 200 MiB)"),
    ], rss


def budget_figures(generation_seconds: float) -> list[tuple[str, str]]:
    """All 12 reports for one account at the default budget; wall time beside the bound."""
    reports = len(REPORTS_BY_NAME)
    with EmulatorProcess(
        {
            "interactivity_generation_seconds": generation_seconds,
            "interactivity_reports_per_minute": PER_MINUTE,
            "interactivity_reports_per_hour": PER_HOUR,
            "interactivity_reports_per_day": PER_DAY,
        }
    ) as emulator:
        config = tap_config(emulator, start_date="2026-01-01")
        catalog = select_only(discover(TAP, config), set(REPORTS_BY_NAME))
        records, wall, rusage = timed_sync(TAP, config, catalog)
        stats = emulator.stats()
        refused = emulator.truth("brightcove_interactivity", what="submissions")["refused"]
    # The last group of four goes out when the minute budget allows, then generates.
    bound = (math.ceil(reports / PER_MINUTE) - 1) * 60 + generation_seconds
    return [
        ("reports", f"{reports} (one account), {generation_seconds:g} s generation each"),
        ("records", f"{records:,}"),
        ("budget", f"{PER_MINUTE}/minute, {PER_HOUR}/hour, {PER_DAY}/day (the API's defaults)"),
        ("refused (429) submissions", f"{refused}"),
        ("202 answers (polls)", f"{stats['status_counts'].get('202', 0)}"),
        ("lower bound", f"{bound:.1f} s"),
        ("wall time", f"{wall:.1f} s  (ratio {wall / bound:.3f}, goal ≤ 1.10)"),
        ("tap peak RSS", f"{peak_rss_mib(rusage):.1f} MiB"),
    ]


def main() -> None:
    args = _parse_args()
    if not args.skip_volume:
        big, big_rss = volume_figures(args.rows)
        print_figures(f"{TAP}: one CSV report of ~{args.rows:,} rows", big)
        small, small_rss = volume_figures(args.small_rows)
        growth = f"{(big_rss - small_rss) / small_rss:+.1%} (goal: within 20%)"
        small.append((f"peak RSS, {args.rows:,} vs {args.small_rows:,} rows", growth))
        print_figures(f"{TAP}: one CSV report of ~{args.small_rows:,} rows", small)
    if not args.skip_budget:
        print_figures(
            f"{TAP}: 12 reports at the default budget", budget_figures(args.generation_seconds)
        )


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=API_CAP)
    parser.add_argument("--small-rows", type=int, default=100_000)
    parser.add_argument("--generation-seconds", type=float, default=30.0)
    parser.add_argument("--skip-budget", action="store_true")
    parser.add_argument("--skip-volume", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    main()
