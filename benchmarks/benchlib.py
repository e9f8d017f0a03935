"""What every tap benchmark does: run the tap's CLI, time it, read its own rusage, print figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.taprun import BIN  # noqa: E402


def timed_sync(tap: str, config: dict, catalog: dict) -> tuple[int, float, os.struct_rusage]:
    """Run ``tap``, count RECORD lines as they stream, and take the tap's own rusage."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        catalog_path = Path(tmp) / "catalog.json"
        config_path.write_text(json.dumps(config))
        catalog_path.write_text(json.dumps(catalog))
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(BIN / tap), "--config", str(config_path), "--catalog", str(catalog_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdout is not None
        records = sum(1 for line in process.stdout if b'"type":"RECORD"' in line[:40])
        _, status, rusage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        returncode = os.waitstatus_to_exitcode(status)
    if returncode != 0:
        sys.exit(f"{tap} exited with {returncode}")
    return records, wall, rusage


def cpu_seconds(rusage: os.struct_rusage) -> float:
    """User plus system CPU time of the tap process."""
    return rusage.ru_utime + rusage.ru_stime


def peak_rss_mib(rusage: os.struct_rusage) -> float:
    """The tap's peak resident set size (Linux reports KiB)."""
    return rusage.ru_maxrss / 1024


def print_figures(title: str, rows: list[tuple[str, str]]) -> None:
    """A title and aligned ``name  value`` lines."""
    width = max(len(name) for name, _ in rows)
    print(title)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
