"""Benchmark: how long each tap takes to give up when its API is down.

Two outages a user's bad night brings, per tap, against the emulator:

- ``500``: every data request answers 500 for good (after the first few, so
  the run is past its token and first pages);
- ``refused``: ``api_url`` points at a port nobody listens on;
- ``timeout``: every data request answers after 2.5 s, with
  ``request_timeout_seconds: 1`` (not in the default ``--faults``).

Each run is the tap's real CLI with its default retries, so the figures are
real seconds. It prints, per tap and outage, the seconds until the tap exited,
its exit code, the data requests the API received and the tap's last log line.

Usage: python benchmarks/bench_outage.py
       [--taps audience,ibm,ibm-content-types,apivideo,interactivity]
       [--faults 500,refused] [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from video_api_emulator.process import EmulatorProcess

BIN = Path(sys.executable).parent


def closed_port_url() -> str:
    """A loopback URL whose port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _today(emulator: EmulatorProcess) -> datetime.date:
    return datetime.date.fromisoformat(emulator.horizon()["horizon"][:10])


def audience(emulator: EmulatorProcess) -> tuple[str, dict, dict, str]:
    config = {
        "client_id": "emulator-client-id",
        "client_secret": "emulator-client-secret",
        "account_ids": ["6415818918001", "6415818919001"],
        "start_date": "2026-01-01T00:00:00Z",
        "api_url": f"{emulator.url}/audience/v1",
        "oauth_url": f"{emulator.url}/oauth/v4/access_token",
    }
    return "tap-brightcove-audience", config, {}, "/audience/"


def ibm(emulator: EmulatorProcess) -> tuple[str, dict, dict, str]:
    config = {
        "client_id": "emulator-ibm-client-id",
        "client_secret": "emulator-ibm-client-secret",
        "start_date": "2026-01-01T00:00:00Z",
        "api_url": f"{emulator.url}/ibm-analytics/v1",
        "oauth_url": f"{emulator.url}/oauth2/token",
        "window_hours": 24 * 7,
    }
    return "tap-ibm-video", config, {}, "/ibm-analytics/"


def ibm_content_types(emulator: EmulatorProcess) -> tuple[str, dict, dict, str]:
    """IBM with both content types: four partitions instead of two."""
    executable, config, volume, path = ibm(emulator)
    return executable, {**config, "content_types": ["live", "recorded"]}, volume, path


def apivideo(emulator: EmulatorProcess) -> tuple[str, dict, dict, str]:
    volume = {"apivideo_rate_limit_per_minute": 100_000}
    emulator.reset(**volume)
    start = _today(emulator) - datetime.timedelta(days=3)
    config = {
        "api_key": "emulator-apivideo-key",
        "api_url": f"{emulator.url}/apivideo",
        "start_date": start.isoformat(),
    }
    return "tap-apivideo", config, volume, "/apivideo/"


def interactivity(emulator: EmulatorProcess) -> tuple[str, dict, dict, str]:
    volume = {
        "interactivity_generation_seconds": 0.2,
        "interactivity_reports_per_minute": 0,
        "interactivity_reports_per_hour": 0,
        "interactivity_reports_per_day": 0,
    }
    config = {
        "client_id": "emulator-client-id",
        "client_secret": "emulator-client-secret",
        "account_ids": ["6415818918001", "6415818919001"],
        "start_date": "2026-01-01T00:00:00Z",
        "api_url": f"{emulator.url}/interactivity-reporting/api/reports/v2",
        "oauth_url": f"{emulator.url}/oauth/v4/access_token",
        "poll_interval_milliseconds": 100,
        "reports_per_minute": 10_000,
        "reports_per_hour": 10_000,
        "reports_per_day": 10_000,
    }
    return "tap-brightcove-interactivity", config, volume, "/interactivity-reporting/"


TAPS = {
    "audience": audience,
    "ibm": ibm,
    "ibm-content-types": ibm_content_types,
    "apivideo": apivideo,
    "interactivity": interactivity,
}
#: Data requests answered before the 500s start: past the first pages (the
#: issue's reproduction let 40 through for api.video).
AFTER = {"audience": 1, "ibm": 1, "ibm-content-types": 1, "apivideo": 40, "interactivity": 10}


def data_requests(stats: dict) -> int:
    """Requests to the vendor's data endpoints, token requests left out."""
    return sum(
        count
        for route, count in stats["requests_by_route"].items()
        if not any(word in route for word in ("oauth", "token", "auth_"))
    )


def measure(emulator: EmulatorProcess, tap_key: str, fault: str, timeout: float) -> dict:
    emulator.reset()
    executable, config, volume, data_path = TAPS[tap_key](emulator)
    if volume:
        emulator.reset(**volume)
    if fault == "timeout":
        emulator.reset(**volume, latency_ms=2500)
        config["request_timeout_seconds"] = 1
    elif fault == "500":
        emulator.configure_faults(
            [
                {
                    "kind": "status",
                    "status": 500,
                    "path": data_path,
                    "after": AFTER[tap_key],
                    "count": -1,
                }
            ]
        )
    else:
        config["api_url"] = closed_port_url() + "/api"
    with tempfile.TemporaryDirectory() as tmp:
        config_file = Path(tmp) / "config.json"
        config_file.write_text(json.dumps(config))
        started = time.monotonic()
        try:
            completed = subprocess.run(
                [str(BIN / executable), "--config", str(config_file)],
                capture_output=True,
                text=True,
                timeout=timeout,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                check=False,
            )
            code: int | str = completed.returncode
            stderr = completed.stderr
        except subprocess.TimeoutExpired as expired:
            code = "timeout"
            raw = expired.stderr or b""
            stderr = raw.decode() if isinstance(raw, bytes) else raw
        seconds = time.monotonic() - started
    stats = emulator.stats()
    lines = [line for line in stderr.splitlines() if line.strip()]
    return {
        "tap": tap_key,
        "fault": fault,
        "seconds": round(seconds, 1),
        "exit": code,
        "data_requests": data_requests(stats),
        "retry_lines": sum("retrying in" in line or "Backing off" in line for line in lines),
        "last_line": lines[-1][-400:] if lines else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", default=",".join(TAPS))
    parser.add_argument("--faults", default="500,refused")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    with EmulatorProcess() as emulator:
        for tap_key in args.taps.split(","):
            for fault in args.faults.split(","):
                print(json.dumps(measure(emulator, tap_key, fault, args.timeout)), flush=True)


if __name__ == "__main__":
    main()
