"""The demo: every tap against the local emulator, through the real meltano CLI, into DuckDB.

Steps: start the emulator on 127.0.0.1, `meltano install`, then for each tap
`meltano --environment demo run --full-refresh <tap> target-duckdb`, then print
rows per stream beside the emulator's ground truth, and stop the emulator. Exits
non-zero if any table's row count differs from what the API holds.

State: every run is a full refresh, because the demo deletes the DuckDB file
and reloads all the emulator holds (the emulator starts afresh every time);
bookmarks from an earlier demo would only make it skip rows. And meltano's
system database, where `meltano run` keeps state, is output/demo-meltano.db,
not the project's .meltano/meltano.db, so the demo never reads or overwrites
the state of a user's own runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WAREHOUSE = ROOT / "output" / "warehouse.duckdb"
LOGS = ROOT / "output" / "logs"
#: The demo's own meltano system database (its state), apart from a user's runs.
DEMO_MELTANO_DB = ROOT / "output" / "demo-meltano.db"
SCHEMA = "analytics"

from video_api_emulator.process import EmulatorProcess  # noqa: E402

# The demo environment in meltano.yml uses these accounts and start date.
BRIGHTCOVE_ACCOUNTS = ["6415818918001", "6415818919001"]
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
EMULATOR_CONFIG = {
    "brightcove_accounts": BRIGHTCOVE_ACCOUNTS,
    "audience_view_events_per_account": 2_000,
    "audience_leads_per_account": 150,
    "latency_ms": 20,
}


def audience_rows(emulator: EmulatorProcess, stream: str) -> int:
    """Rows the Audience API holds for ``stream`` across the demo accounts."""
    return sum(
        emulator.truth("brightcove_audience", account_id=account, stream=stream, from_=START_MS)[
            "count"
        ]
        for account in BRIGHTCOVE_ACCOUNTS
    )


#: tap -> (its streams, how to ask the emulator how many rows a stream holds).
#: A new tap adds one entry here.
DEMO_TAPS: dict[str, tuple[tuple[str, ...], Callable[[EmulatorProcess, str], int]]] = {
    "tap-brightcove-audience": (("view_events", "leads"), audience_rows),
}


def main() -> int:
    WAREHOUSE.parent.mkdir(parents=True, exist_ok=True)
    WAREHOUSE.unlink(missing_ok=True)
    _meltano("install")
    with EmulatorProcess(EMULATOR_CONFIG) as emulator:
        env = {"EMULATOR_URL": emulator.url}
        for tap in DEMO_TAPS:
            started = time.perf_counter()
            _meltano(
                "--environment", "demo", "run", "--full-refresh", tap, "target-duckdb", env=env
            )
            print(f"{tap}: loaded in {time.perf_counter() - started:.1f} s")
        expected = {
            (tap, stream): rows(emulator, stream)
            for tap, (streams, rows) in DEMO_TAPS.items()
            for stream in streams
        }
    loaded = _duckdb_row_counts()
    return _report(expected, loaded)


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


def _duckdb_row_counts() -> dict[str, int]:
    with duckdb.connect(str(WAREHOUSE), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = ?", [SCHEMA]
        ).fetchall()
        return {
            name: connection.execute(f'select count(*) from {SCHEMA}."{name}"').fetchone()[0]  # noqa: S608
            for (name,) in tables
        }


def _report(expected: dict[tuple[str, str], int], loaded: dict[str, int]) -> int:
    print()
    print(f"{'tap':<28} {'stream':<14} {'rows':>8} {'API holds':>10}  ok")
    failures = 0
    for (tap, stream), want in expected.items():
        got = loaded.get(stream, 0)
        ok = got == want
        failures += not ok
        print(f"{tap:<28} {stream:<14} {got:>8} {want:>10}  {'yes' if ok else 'NO'}")
    print(f"\nDuckDB database: {WAREHOUSE}  (schema '{SCHEMA}')")
    if failures:
        print(f"{failures} table(s) do not match the API's ground truth", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
