"""What the release before the account/project column wrote, captured once from it.

A warehouse loaded by that release, and the state it stored, must keep working
with the taps that label every row with its IBM account (``account_id``) or
api.video project (``project_id``). These files are that release's output,
captured by ``capture.py`` from commit b048d75 (the taps' code then) against
the emulator reset to :data:`EMULATOR`:

- ``apivideo.singer.jsonl.gz``: ``tap-apivideo`` with :func:`apivideo_config`,
  every stream selected (the retired endpoints' too), the last two whole days;
- ``ibm_video.singer.jsonl.gz``: ``tap-ibm-video`` with :func:`ibm_config`, both streams.

Each is the tap's stdout as it was (gzipped): SCHEMA messages with the old
keys, the RECORDs, and STATE messages, the last one being what meltano stored.
Beside each, the catalog the run was given (``*.catalog.json.gz``).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from tests.support import apivideo, ibm
from video_api_emulator.process import EmulatorProcess

HERE = Path(__file__).parent
#: The commit whose taps wrote the files (the release before the column).
CAPTURED_FROM = "b048d75da2ec6b9089c53a976a0398d7894cc59c"
#: The emulator's settings when they were captured (reset to these to replay).
EMULATOR = {**apivideo.VOLUME, "ibm_views": 60, "ibm_viewers": 15}
#: Whole days of api.video analytics the old run read (up to yesterday).
APIVIDEO_DAYS = 2
MESSAGES = {
    "tap-apivideo": HERE / "apivideo.singer.jsonl.gz",
    "tap-ibm-video": HERE / "ibm_video.singer.jsonl.gz",
}
#: The catalogs they ran with: their own discovery, every stream selected (what
#: meltano caches in .meltano/run/<plugin>/tap.properties.json and reuses).
CATALOGS = {
    "tap-apivideo": HERE / "apivideo.catalog.json.gz",
    "tap-ibm-video": HERE / "ibm_video.catalog.json.gz",
}


def apivideo_config(emulator: EmulatorProcess) -> dict:
    """The old run's api.video settings (the emulator freshly reset to :data:`EMULATOR`)."""
    return apivideo.apivideo_config(emulator, days=APIVIDEO_DAYS)


def ibm_config(emulator: EmulatorProcess) -> dict:
    """The old run's IBM settings."""
    return ibm.ibm_config(emulator)


def text(tap: str) -> str:
    """The old run's stdout, one Singer message a line."""
    with gzip.open(MESSAGES[tap], "rt", encoding="utf-8") as handle:
        return handle.read()


def catalog(tap: str) -> dict:
    """The catalog the old run was given: that release's discovery, every stream selected."""
    with gzip.open(CATALOGS[tap], "rt", encoding="utf-8") as handle:
        return json.load(handle)


def messages(tap: str) -> list[dict]:
    """The old run's Singer messages, in order."""
    return [json.loads(line) for line in text(tap).splitlines() if line.strip()]


def final_state(tap: str) -> dict:
    """The old run's last STATE: what meltano stored for it."""
    states = [message["value"] for message in messages(tap) if message["type"] == "STATE"]
    return states[-1]


def records(tap: str) -> dict[str, list[dict]]:
    """The old run's records, by stream."""
    found: dict[str, list[dict]] = {}
    for message in messages(tap):
        if message["type"] == "RECORD":
            found.setdefault(message["stream"], []).append(message["record"])
    return found
