"""The api.video emulator's ground truth as the tap tests reconcile with it."""

from __future__ import annotations

import datetime

from tests.support.registry import all_streams, default_streams, full_table_streams
from video_api_emulator import truth as emulator_truth
from video_api_emulator.process import EmulatorProcess

TAP = "tap-apivideo"
API_KEY = "emulator-apivideo-key"
SECOND_API_KEY = "emulator-apivideo-key-2"
#: The extractor's load_schema in meltano.yml.
SCHEMA = "apivideo"
#: Volume for tests: a session per media per day, a few events each, and a
#: rate limit that does not slow tests down (the pacing test sets its own).
VOLUME = {
    "apivideo_videos": 4,
    "apivideo_live_streams": 2,
    "apivideo_sessions_per_media": 30,
    "apivideo_events_per_session": 4,
    "apivideo_rate_limit_per_minute": 100_000,
}
PLAYS_DIMENSIONS = ("videoId", "emittedAt", "country", "deviceType", "operatingSystem", "browser")
#: Every stream of the tap, and those a run without a catalog selects (the streams of
#: endpoints today's API has), from the tap's registry.
ALL_STREAMS = set(all_streams(TAP))
DEFAULT_STREAMS = set(default_streams(TAP))
#: The lists of the API's objects (``videos``, ``live_streams``...), read whole every sync.
LIST_STREAMS = full_table_streams(TAP)


def horizon(emulator: EmulatorProcess) -> datetime.datetime:
    """The emulator's now."""
    return parse_time(emulator.horizon()["horizon"])


def apivideo_config(emulator: EmulatorProcess, days: int = 3, **overrides: object) -> dict:
    """Settings against the emulator, starting ``days`` whole days before its today."""
    config = {
        "api_key": API_KEY,
        "api_url": f"{emulator.url}/apivideo",
        "start_date": (today(emulator) - datetime.timedelta(days=days)).isoformat(),
    }
    config.update(overrides)
    return config


def today(emulator: EmulatorProcess) -> datetime.date:
    """The emulator's UTC day."""
    return horizon(emulator).date()


def days_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every day from ``first`` to ``last``, both included."""
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def truth(emulator: EmulatorProcess, stream: str, project: str = API_KEY, **params: object) -> list:
    """The records the emulator holds for ``stream``."""
    answer = emulator.truth("apivideo", project=project, stream=stream, **params)
    assert answer["count"] == len(answer["records"])
    return answer["records"]


def sessions_truth(
    emulator: EmulatorProcess, kind: str, first: datetime.date, last: datetime.date, **params
) -> list[dict]:
    """Sessions (``video`` or ``live_stream``) loaded from ``first`` to ``last``."""
    return truth(
        emulator, f"{kind}_sessions", from_=first.isoformat(), to=last.isoformat(), **params
    )


def events_truth(
    emulator: EmulatorProcess, first: datetime.date, last: datetime.date, **params
) -> list[dict]:
    """Events of the sessions loaded from ``first`` to ``last``."""
    return truth(emulator, "session_events", from_=first.isoformat(), to=last.isoformat(), **params)


def plays_truth(
    emulator: EmulatorProcess, kind: str, days: list[datetime.date], **params
) -> list[dict]:
    """What ``{kind}_plays`` must emit for ``days``: each API row with its day and dimension."""
    rows = []
    for day in days:
        for dimension in PLAYS_DIMENSIONS:
            api_dimension = (
                "liveStreamId" if kind == "live_stream" and dimension == "videoId" else dimension
            )
            for row in truth(
                emulator, f"{kind}_plays", day=day.isoformat(), dimension=api_dimension, **params
            ):
                rows.append(
                    {"day": day.isoformat(), "dimension": api_dimension, "mediaId": "all", **row}
                )
    return rows


def parse_time(value: str) -> datetime.datetime:
    """An API or bookmark timestamp as an aware datetime."""
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def expected_rows(
    emulator: EmulatorProcess, stream: str, first: datetime.date, project: str = API_KEY
) -> int:
    """Rows a sync from ``first`` to yesterday emits for ``stream`` (media: all of them)."""
    return emulator_truth.apivideo_rows(emulator, stream, first=first, project=project)
