"""The demo: every tap against the local emulator, through the real meltano CLI, into DuckDB.

Steps: start the emulator on 127.0.0.1, `meltano install`, then for each tap
`meltano --environment demo run --full-refresh <tap> target-duckdb`, then print
rows per stream beside the emulator's ground truth, and stop the emulator. Exits
non-zero if any table's row count differs from what the API holds.

Its data is the emulator's demo configuration (video_api_emulator/demo_config.json),
the one `python -m video_api_emulator --demo` serves for trying a tap by hand; the
demo's emulator listens on a free port and each URL setting of the demo environment
is pointed at it.

State: every run is a full refresh, because the demo deletes the DuckDB file
and reloads all the emulator holds (the emulator starts afresh every time);
bookmarks from an earlier demo would only make it skip rows. And meltano's
system database, where `meltano run` keeps state, is output/demo-meltano.db,
not the project's .meltano/meltano.db, so the demo never reads or overwrites
the state of a user's own runs.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
import typing as t
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WAREHOUSE = ROOT / "output" / "warehouse.duckdb"
LOGS = ROOT / "output" / "logs"
#: The demo's own meltano system database (its state), apart from a user's runs.
DEMO_MELTANO_DB = ROOT / "output" / "demo-meltano.db"
#: The page the dbt marts are drawn on (orchestration/video_taps_orchestration/report.py).
REPORT = ROOT / "output" / "report.html"

import yaml  # noqa: E402

from tap_apivideo.streams import STREAMS as APIVIDEO_STREAMS  # noqa: E402
from tap_brightcove_audience.streams import STREAMS as AUDIENCE_STREAMS  # noqa: E402
from tap_brightcove_interactivity.streams import STREAMS as INTERACTIVITY_STREAMS  # noqa: E402
from tap_ibm_video.streams import STREAMS as IBM_STREAMS  # noqa: E402
from video_api_emulator import truth  # noqa: E402
from video_api_emulator.config import demo_config, demo_url_overrides  # noqa: E402
from video_api_emulator.process import EmulatorProcess  # noqa: E402

sys.path.insert(0, str(ROOT))  # the report page's module, which needs no Dagster
from orchestration.video_taps_orchestration import report as views_report  # noqa: E402

#: The emulator's data and limits: the same file `python -m video_api_emulator --demo`
#: serves, so a tap run by hand in the demo environment meets what the demo loads.
EMULATOR_CONFIG = demo_config()
#: The accounts meltano.yml's demo environment syncs (the emulator serves these).
BRIGHTCOVE_ACCOUNTS = EMULATOR_CONFIG["brightcove_accounts"]
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z, the demo environment's start_date
IBM_START = "2026-01-01T00:00:00+00:00"
#: The demo environment's Interactivity start_date in meltano.yml.
INTERACTIVITY_START = datetime.date(2026, 1, 1)
#: The demo environment's api.video start_date in meltano.yml.
APIVIDEO_START = datetime.date(2026, 1, 24)


#: Printed after the table: what a newcomer just watched, and the warnings that are meant.
WHAT_THE_DEMO_SHOWS = """\
What the demo showed:
- Each tap ran through meltano (`meltano --environment demo run --full-refresh <tap>
  target-duckdb`) against the API emulator, which served the vendors' APIs on 127.0.0.1
  with the demo's data (emulator/video_api_emulator/demo_config.json). Every table holds
  exactly the rows the API holds (the "API holds" column is the emulator's ground truth).
- Warnings in the logs that are meant: "the report has column(s) the schema does not
  declare, synced as text: player_id". The emulator adds an undeclared `player_id` column
  to four Brightcove Interactivity reports on purpose, as a vendor may without notice:
  the tap keeps the column (as text, announced in a new SCHEMA) and warns once a report.
- The meltano logs are in output/logs/.

Try one tap by hand, with the same data:
  .venv/bin/python -m video_api_emulator --demo          # in one terminal (port 8765)
  .venv/bin/meltano --environment demo run tap-ibm-video target-jsonl   # output/jsonl/
"""


def apivideo_rows(emulator: EmulatorProcess, stream: str) -> int:
    """Rows api.video holds for the demo's days (start_date to yesterday)."""
    return truth.apivideo_rows(emulator, stream, first=APIVIDEO_START)


def audience_rows(emulator: EmulatorProcess, stream: str) -> int:
    """Rows the Audience API holds for ``stream`` across the demo accounts."""
    return truth.audience_rows(emulator, stream, accounts=BRIGHTCOVE_ACCOUNTS, since_ms=START_MS)


def ibm_rows(emulator: EmulatorProcess, stream: str) -> int:
    """Views overlapping the demo's range, or every viewer, as the IBM API holds them."""
    return truth.ibm_rows(emulator, stream, start=IBM_START)


def interactivity_rows(emulator: EmulatorProcess, stream: str) -> int:
    """Rows of one report across the demo accounts, from 2026-01-01 (summaries: 30 days)."""
    return truth.interactivity_rows(
        emulator, stream, accounts=BRIGHTCOVE_ACCOUNTS, first=INTERACTIVITY_START
    )


@dataclass(frozen=True)
class DemoTap:
    """A tap the demo runs: the schema its tables land in, its streams, their truth."""

    schema: str
    streams: tuple[str, ...]
    api_rows: Callable[[EmulatorProcess, str], int]


def _names(registry: tuple[t.Any, ...]) -> tuple[str, ...]:
    """The stream names of a tap's registry (``streams.STREAMS``), in its order."""
    return tuple(entry.name for entry in registry)


#: tap -> what the demo loads and checks: every stream of the tap's registry (the demo
#: environment selects them all). The schema is the extractor's load_schema in
#: meltano.yml. A new tap adds one entry here.
DEMO_TAPS: dict[str, DemoTap] = {
    "tap-brightcove-audience": DemoTap(
        "brightcove_audience", _names(AUDIENCE_STREAMS), audience_rows
    ),
    "tap-ibm-video": DemoTap("ibm_video", _names(IBM_STREAMS), ibm_rows),
    "tap-apivideo": DemoTap("apivideo", _names(APIVIDEO_STREAMS), apivideo_rows),
    "tap-brightcove-interactivity": DemoTap(
        "brightcove_interactivity", _names(INTERACTIVITY_STREAMS), interactivity_rows
    ),
}


def demo_extractors() -> list[dict[str, t.Any]]:
    """The extractor entries of meltano.yml's demo environment."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    (demo,) = [env for env in project["environments"] if env["name"] == "demo"]
    return demo["config"]["plugins"]["extractors"]


def main() -> int:
    WAREHOUSE.parent.mkdir(parents=True, exist_ok=True)
    WAREHOUSE.unlink(missing_ok=True)
    _meltano("install")
    with EmulatorProcess(EMULATOR_CONFIG) as emulator:
        # A free port, not the demo environment's 8765 (an emulator started by
        # hand may be listening there): each URL setting is pointed at it.
        env = demo_url_overrides(demo_extractors(), emulator.url)
        for tap in DEMO_TAPS:
            started = time.perf_counter()
            _meltano(
                "--environment", "demo", "run", "--full-refresh", tap, "target-duckdb", env=env
            )
            print(f"{tap}: loaded in {time.perf_counter() - started:.1f} s")
        expected = {
            (tap, stream): demo.api_rows(emulator, stream)
            for tap, demo in DEMO_TAPS.items()
            for stream in demo.streams
        }
    loaded = _duckdb_row_counts()
    status = _report(expected, loaded)
    _meltano("--environment", "demo", "run", "dbt-duckdb:build")
    views_report.print_marts_and_report(WAREHOUSE, REPORT)
    return status


def _meltano(*args: str, env: dict | None = None) -> None:
    """Run meltano with its (verbose) log in output/logs/; show the log's tail on failure."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"meltano-{'-'.join(a for a in args if not a.startswith('-'))}.log"
    print("$", " ".join(["meltano", *args]), f"  (log: {log_path.relative_to(ROOT)})", flush=True)
    with log_path.open("w") as log:
        completed = subprocess.run(
            [str(BIN / "meltano"), *args],
            cwd=ROOT,
            env={
                **os.environ,
                "MELTANO_DATABASE_URI": f"sqlite:///{DEMO_MELTANO_DB}",
                **(env or {}),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if completed.returncode != 0:
        print(log_path.read_text()[-6000:], file=sys.stderr)
        command = " ".join(args)
        raise SystemExit(f"meltano {command} failed ({completed.returncode}); log: {log_path}")


def _duckdb_row_counts() -> dict[tuple[str, str], int]:
    """Rows per (schema, table) in the warehouse."""
    with duckdb.connect(str(WAREHOUSE), read_only=True) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        return {
            (schema, name): connection.execute(
                f'select count(*) from "{schema}"."{name}"'  # noqa: S608
            ).fetchone()[0]
            for schema, name in tables
        }


def _report(expected: dict[tuple[str, str], int], loaded: dict[tuple[str, str], int]) -> int:
    rows = [
        (
            tap,
            f"{DEMO_TAPS[tap].schema}.{stream}",
            loaded.get((DEMO_TAPS[tap].schema, stream), 0),
            want,
        )
        for (tap, stream), want in expected.items()
    ]
    tap_width = max(len("tap"), *(len(row[0]) for row in rows))
    table_width = max(len("table"), *(len(row[1]) for row in rows))
    print()
    print(f"{'tap':<{tap_width}} {'table':<{table_width}} {'rows':>8} {'API holds':>10}  ok")
    failures = 0
    for tap, table, got, want in rows:
        ok = got == want
        failures += not ok
        verdict = "yes" if ok else "NO"
        print(f"{tap:<{tap_width}} {table:<{table_width}} {got:>8} {want:>10}  {verdict}")
    print(f"\nDuckDB database: {WAREHOUSE}  (one schema per tap)\n")
    print(WHAT_THE_DEMO_SHOWS)
    if failures:
        print(f"{failures} table(s) do not match the API's ground truth", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
