"""Windows and days without records are checkpointed, so a killed backfill resumes after them.

The SDK writes STATE only when a RECORD went out since the last one. The taps
that move their bookmark per finished window (IBM ``views``, api.video's days,
Interactivity's report windows) relied on it, so a long run of empty windows
emitted no STATE at all: killed there, the next run started again at the first
of them, and a backfill that keeps hitting a time limit never progressed.

Each test runs the tap's real CLI over empty windows, holds it at the next
window (a never-ending 500, or a spent report budget), kills it with SIGKILL,
reads the last STATE it had written, and resumes from it.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
import typing as t
from pathlib import Path

from tests.support import apivideo as av
from tests.support import ibm
from tests.support import interactivity as inter
from tests.taprun import discover, run_tap, select_only

BIN = Path(sys.executable).parent
#: How long a tap may take to reach the point where it is killed.
REACH_TIMEOUT_SECONDS = 90.0


class RunningTap:
    """A tap CLI running in the background, its stdout read line by line as it comes."""

    def __init__(self, executable: str, config: dict, catalog: dict, folder: Path) -> None:
        (folder / "config.json").write_text(json.dumps(config))
        (folder / "catalog.json").write_text(json.dumps(catalog))
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [
                str(BIN / executable),
                "--config",
                str(folder / "config.json"),
                "--catalog",
                str(folder / "catalog.json"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def kill_when(self, reached: t.Callable[[], bool]) -> None:
        """SIGKILL the tap once ``reached()`` holds; fail if it exits or never gets there."""
        deadline = time.monotonic() + REACH_TIMEOUT_SECONDS
        while not reached():
            assert self.process.poll() is None, "the tap ended before it was held"
            assert time.monotonic() < deadline, "the tap never reached the held window"
            time.sleep(0.05)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(timeout=30)

    def states(self) -> list[dict]:
        """Every STATE written before the kill, in order."""
        messages = [json.loads(line) for line in self.lines if line.startswith("{")]
        return [m["value"] for m in messages if m.get("type") == "STATE"]


def partition_bookmark(state: dict, stream: str) -> str | None:
    """The single partition's (or the stream's) bookmark in ``state``, if any."""
    stream_state = (state.get("bookmarks") or {}).get(stream) or {}
    values = [
        p["replication_key_value"]
        for p in stream_state.get("partitions", [])
        if "replication_key_value" in p
    ]
    if "replication_key_value" in stream_state:
        values.append(stream_state["replication_key_value"])
    assert len(values) <= 1, stream_state
    return values[0] if values else None


def requests_for(emulator, fragment: str) -> list[dict]:
    """The emulator's log of requests whose path contains ``fragment``, oldest first."""
    return [r for r in emulator.stats()["recent_requests"] if fragment in r["path"]]


# IBM Video: empty daily windows of `views` -------------------------------------------


def test_ibm_empty_windows_are_checkpointed_and_a_killed_run_resumes_after_them(emulator, tmp_path):
    # Daily windows from 12-25; the emulator's views begin on 2026-01-01.
    start = datetime.datetime(2025, 12, 25, tzinfo=datetime.UTC)
    empty_days = 5
    held_window_start = start + datetime.timedelta(days=empty_days)
    assert ibm.views_truth(emulator, start.isoformat(), held_window_start.isoformat()) == []
    config = ibm.ibm_config(
        emulator,
        start_date=start.isoformat(),
        end_date="2026-01-03T00:00:00+00:00",
        window_hours=24,
        lookback_hours=0,
        # One request at a time, so the fault's request count names a window: windows'
        # first pages are otherwise fetched ahead, several at once.
        max_concurrent_requests=1,
    )
    catalog = select_only(discover(ibm.TAP, config), {"views"})
    # The window after the empty ones answers 500 for good: the tap sits in its retries.
    emulator.configure_faults(
        [{"kind": "status", "status": 500, "path": "/views", "after": empty_days, "count": -1}]
    )

    tap = RunningTap(ibm.TAP, config, catalog, tmp_path)

    def held_in_retries_after_the_empty_windows() -> bool:
        # Later windows' first pages are fetched ahead, so the failing window can be
        # asked while the empty ones before it are still being emitted: the kill
        # waits (within REACH_TIMEOUT_SECONDS) for their STATE, not only the fault.
        states = tap.states()
        bookmark = partition_bookmark(states[-1], "views") if states else None
        return (
            emulator.stats()["faults_injected"] >= 1
            and bookmark is not None
            and (ibm.parse_time(bookmark) >= held_window_start)
        )

    tap.kill_when(held_in_retries_after_the_empty_windows)

    bookmark = partition_bookmark(tap.states()[-1] if tap.states() else {}, "views")
    assert bookmark is not None, "no STATE for the empty windows"
    assert ibm.parse_time(bookmark) == held_window_start

    emulator.configure_faults([])
    asked_before = len(requests_for(emulator, "/views"))
    resumed = run_tap(ibm.TAP, config, state=tap.states()[-1], catalog=catalog)

    assert resumed.returncode == 0, resumed.stderr[-2000:]
    first = requests_for(emulator, "/views")[asked_before]
    assert ibm.parse_time(first["query"]["date_time_from"]) == held_window_start


# api.video: empty days of `video_plays` -----------------------------------------------


def test_apivideo_empty_days_are_checkpointed_and_a_killed_run_resumes_after_them(
    emulator, tmp_path
):
    emulator.reset(**{**av.VOLUME, "apivideo_sessions_per_media": 0})
    today = av.today(emulator)
    days = av.days_between(today - datetime.timedelta(days=6), today - datetime.timedelta(days=1))
    empty_days = 3
    config = av.apivideo_config(emulator, days=6, dimensions=["country"])
    catalog = select_only(discover(av.TAP, config), {"video_plays"})
    assert all(av.truth(emulator, "video_plays", day=d.isoformat(), dimension="country") == []
               for d in days)  # fmt: skip
    emulator.configure_faults(
        [{"kind": "status", "status": 500, "path": "/plays", "after": empty_days, "count": -1}]
    )

    tap = RunningTap(av.TAP, {**config, "max_concurrent_requests": 1}, catalog, tmp_path)
    # Days are fetched ahead of the one being emitted: by the third failed try of
    # the held day (after 1 + 2 s of backoff) the empty days before it are long done.
    tap.kill_when(lambda: emulator.stats()["faults_injected"] >= 3)

    bookmark = partition_bookmark(tap.states()[-1] if tap.states() else {}, "video_plays")
    assert bookmark is not None, "no STATE for the empty days"
    assert datetime.date.fromisoformat(bookmark[:10]) == days[empty_days - 1]

    emulator.configure_faults([])
    asked_before = len(requests_for(emulator, "/plays"))
    resumed = run_tap(av.TAP, config, state=tap.states()[-1], catalog=catalog)

    assert resumed.returncode == 0, resumed.stderr[-2000:]
    asked = [r["query"]["from"] for r in requests_for(emulator, "/plays")[asked_before:]]
    # The last finished day is read again (the API may still have been processing
    # it); the days before it are not. Days are asked concurrently, in any order.
    assert sorted(asked) == [d.isoformat() for d in days[empty_days - 1 :]]


# Brightcove Interactivity: empty report windows ----------------------------------------


def test_interactivity_empty_windows_are_checkpointed_and_a_killed_run_resumes_after_them(
    emulator, tmp_path
):
    report = "user_stream_raw"
    account = inter.ACCOUNTS[0]
    read_windows = 3
    # One report a day: the API accepts one more than the windows read before the
    # kill, then refuses (429), which holds the tap for a minute before it retries.
    emulator.reset(
        **{
            **inter.FAST,
            "interactivity_rows_per_day": 0,
            "interactivity_reports_per_day": read_windows + 1,
        }
    )
    today = inter.horizon_day(emulator)
    days = [today - datetime.timedelta(days=n) for n in range(5, -1, -1)]
    config = inter.interactivity_config(
        emulator,
        account_ids=[account],
        start_date=days[0].isoformat(),
        window_days=1,
        report_format="csv",
    )
    catalog = select_only(discover(inter.TAP, config), {report})
    held = days[read_windows].isoformat()

    tap = RunningTap(inter.TAP, config, catalog, tmp_path)
    # A window is polled only after the one before it was read and checkpointed:
    # a second request for the held window (its first poll) means the ones before
    # it are done.
    tap.kill_when(
        lambda: sum(r["query"].get("start") == held for r in requests_for(emulator, report)) >= 2
    )

    bookmark = partition_bookmark(tap.states()[-1] if tap.states() else {}, report)
    assert bookmark is not None, "no STATE for the empty windows"
    assert datetime.date.fromisoformat(bookmark[:10]) >= days[read_windows - 1]

    emulator.reset(**{**inter.FAST, "interactivity_rows_per_day": 0})
    resumed = run_tap(inter.TAP, config, state=tap.states()[-1], catalog=catalog)

    assert resumed.returncode == 0, resumed.stderr[-2000:]
    asked = sorted({r["query"]["start"] for r in requests_for(emulator, report)})
    # Read again from the last checkpointed window on; the windows before it are not.
    assert asked[0] == bookmark[:10]
    assert asked[0] > days[0].isoformat()
