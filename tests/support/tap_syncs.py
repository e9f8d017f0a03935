"""One full sync per tap, run through an installed tap's executable, and what must land.

The packaging tests (``tests/e2e/test_packaging.py``: each tap installed from its
folders or from wheels) and the pythons tier (``tests/pythons/``: each tap
installed from its wheel into a venv of every CPython claimed) run a tap's
console script the way a user does, with settings against the emulator, and
compare the RECORD messages per stream with the emulator's ground truth.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.interactivity import expected_row_count
from tests.support.registry import all_streams, default_streams
from video_api_emulator import truth
from video_api_emulator.process import EmulatorProcess

#: The demo environment's Brightcove accounts.
ACCOUNTS = ["6415818918001", "6415818919001"]
AUDIENCE_START_MS = 1_767_225_600_000  # 2026-01-01, the Audience sync's start_date

APIVIDEO_START = datetime.date(2026, 1, 29)  # the api.video sync's start_date


@dataclass(frozen=True)
class TapSync:
    """A tap's sync against the emulator: its settings, and the records it must land."""

    tap: str
    #: Every stream the sync emits (records are counted per stream).
    streams: tuple[str, ...]
    settings: t.Callable[[EmulatorProcess], dict[str, t.Any]]
    #: Records per stream the API holds for those settings (a subset of streams
    #: where the truth of the others depends on more than a count).
    expected: t.Callable[[EmulatorProcess], dict[str, int]]
    #: Emulator settings the sync needs (reset before it).
    emulator_settings: dict[str, t.Any] = field(default_factory=dict)


def _audience_settings(emulator: EmulatorProcess) -> dict[str, t.Any]:
    return {
        "client_id": "emulator-client-id",
        "client_secret": "emulator-client-secret",
        "account_ids": ACCOUNTS,
        "start_date": "2026-01-01T00:00:00Z",
        "api_url": f"{emulator.url}/audience/v1",
        "oauth_url": f"{emulator.url}/oauth/v4/access_token",
    }


def _audience_expected(emulator: EmulatorProcess) -> dict[str, int]:
    return {
        stream: truth.audience_rows(emulator, stream, accounts=ACCOUNTS, since_ms=AUDIENCE_START_MS)
        for stream in all_streams("tap-brightcove-audience")
    }


def _ibm_settings(emulator: EmulatorProcess) -> dict[str, t.Any]:
    return {
        "client_id": "emulator-ibm-client-id",
        "client_secret": "emulator-ibm-client-secret",
        "start_date": "2026-01-01T00:00:00Z",
        "end_date": emulator.horizon()["horizon"],
        "window_hours": 24 * 7,
        "api_url": f"{emulator.url}/ibm-analytics/v1",
        "oauth_url": f"{emulator.url}/oauth2/token",
    }


def _ibm_expected(emulator: EmulatorProcess) -> dict[str, int]:
    start, end = "2026-01-01T00:00:00+00:00", emulator.horizon()["horizon"]
    return {
        stream: truth.ibm_rows(emulator, stream, start=start, end=end)
        for stream in all_streams("tap-ibm-video")
    }


def _apivideo_settings(emulator: EmulatorProcess) -> dict[str, t.Any]:
    return {
        "api_key": "emulator-apivideo-key",
        "start_date": f"{APIVIDEO_START.isoformat()}T00:00:00Z",
        "api_url": f"{emulator.url}/apivideo",
    }


def _apivideo_expected(emulator: EmulatorProcess) -> dict[str, int]:
    # No catalog: the streams selected by default, each as the API holds it.
    return {
        stream: truth.apivideo_rows(emulator, stream, first=APIVIDEO_START)
        for stream in default_streams("tap-apivideo")
    }


def _interactivity_settings(emulator: EmulatorProcess) -> dict[str, t.Any]:
    return {
        "client_id": "emulator-client-id",
        "client_secret": "emulator-client-secret",
        "account_ids": ACCOUNTS[:1],
        "start_date": "2026-01-25T00:00:00Z",
        "summary_days": 7,
        "report_format": "json",
        "poll_interval_milliseconds": 100,
        "reports_per_minute": 1000,
        "api_url": f"{emulator.url}/interactivity-reporting/api/reports/v2",
        "oauth_url": f"{emulator.url}/oauth/v4/access_token",
    }


def _interactivity_expected(emulator: EmulatorProcess) -> dict[str, int]:
    return {
        report: expected_row_count(
            emulator, report, accounts=ACCOUNTS[:1], start_day="2026-01-25", summary_days=7
        )
        for report in all_streams("tap-brightcove-interactivity")
    }


SYNCS = {
    sync.tap: sync
    for sync in (
        TapSync(
            "tap-brightcove-audience",
            all_streams("tap-brightcove-audience"),
            _audience_settings,
            _audience_expected,
        ),
        TapSync("tap-ibm-video", all_streams("tap-ibm-video"), _ibm_settings, _ibm_expected),
        TapSync(
            "tap-apivideo",
            default_streams("tap-apivideo"),
            _apivideo_settings,
            _apivideo_expected,
            # The sync reads three days of /data: more than the production
            # limit of 500 reads a minute would let it do without waiting.
            {"apivideo_rate_limit_per_minute": 100_000},
        ),
        TapSync(
            "tap-brightcove-interactivity",
            all_streams("tap-brightcove-interactivity"),
            _interactivity_settings,
            _interactivity_expected,
            # No report budget in the emulator (the tap's is 1000 a minute).
            {
                "interactivity_reports_per_minute": 0,
                "interactivity_reports_per_hour": 0,
                "interactivity_reports_per_day": 0,
            },
        ),
    )
}


def user_env() -> dict[str, str]:
    """This environment minus what would leak the repository into a venv."""
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}


def sync_counts(
    python: Path, tap: str, settings: dict[str, t.Any], streams: t.Iterable[str], workdir: Path
) -> dict[str, int]:
    """Run the tap executable beside ``python``; RECORD messages per stream.

    Every stream in ``streams`` is in the result (0 if it emitted nothing); a
    record of any other stream fails the call.
    """
    config = workdir / f"{tap}-config.json"
    config.write_text(json.dumps(settings))
    sync = subprocess.run(
        [str(python.parent / tap), "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=user_env(),
        cwd=workdir,
    )
    assert sync.returncode == 0, f"the {tap} sync failed:\n{sync.stderr[-4000:]}"
    counts = dict.fromkeys(streams, 0)
    for line in sync.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            assert message["stream"] in counts, f"{tap} emitted {message['stream']!r}"
            counts[message["stream"]] += 1
    return counts


def assert_sync_lands_the_truth(
    python: Path, tap: str, emulator: EmulatorProcess, workdir: Path
) -> dict[str, int]:
    """Reset the emulator for ``tap``'s sync, run it, and compare with the API's truth."""
    sync = SYNCS[tap]
    emulator.reset(**sync.emulator_settings)
    counts = sync_counts(python, tap, sync.settings(emulator), sync.streams, workdir)
    expected = sync.expected(emulator)
    assert {stream: counts[stream] for stream in expected} == expected
    assert sum(counts.values()) > 0
    return counts
