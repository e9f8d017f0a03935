"""The ground truth by stream (``video_api_emulator.truth``) against the one-query truth.

What tests, the demo and the benchmarks reconcile a sync with must be exactly what the
API's own truth answers for each request a complete sync makes.
"""

from __future__ import annotations

import datetime

import pytest

from video_api_emulator import truth
from video_api_emulator.apis.apivideo.routes import DAY_LABELS
from video_api_emulator.apis.brightcove_interactivity.params import EVENT_REPORTS, SUMMARY_REPORTS

BASE = {"apivideo_videos": 3, "apivideo_live_streams": 2, "apivideo_sessions_per_media": 20}


@pytest.fixture(autouse=True)
def _reset(fresh_emu):
    """Each test starts from the module's settings."""


@pytest.mark.parametrize("stream", sorted(DAY_LABELS))
def test_an_apivideo_day_stream_over_days_is_every_request_of_every_day(fresh_emu, stream):
    yesterday = truth.today(fresh_emu) - datetime.timedelta(days=1)
    first = yesterday - datetime.timedelta(days=2)

    each = 0
    for n in range(3):
        day = (first + datetime.timedelta(days=n)).isoformat()
        for labels in DAY_LABELS[stream]:
            each += fresh_emu.truth("apivideo", stream=stream, day=day, **labels)["count"]

    assert each > 0
    assert truth.apivideo_rows(fresh_emu, stream, first=first) == each


def test_apivideo_lists_are_whole_and_sessions_are_those_of_the_days(fresh_emu):
    yesterday = truth.today(fresh_emu) - datetime.timedelta(days=1)
    first = yesterday - datetime.timedelta(days=4)

    assert truth.apivideo_rows(fresh_emu, "videos", first=first) == 3
    sessions = fresh_emu.truth(
        "apivideo", stream="video_sessions", from_=first.isoformat(), to=yesterday.isoformat()
    )["count"]
    assert truth.apivideo_rows(fresh_emu, "video_sessions", first=first) == sessions > 0


def test_interactivity_event_reports_count_from_the_start_and_summaries_their_last_days(
    fresh_emu,
):
    accounts = ["6415818918001", "6415818919001"]
    today = truth.today(fresh_emu)
    first = today - datetime.timedelta(days=20)

    def rows(report: str, since: datetime.date) -> int:
        return sum(
            fresh_emu.truth(
                "brightcove_interactivity",
                report=report,
                account_id=account,
                start=since.isoformat(),
                end=today.isoformat(),
            )["total_rows"]
            for account in accounts
        )

    event, summary = EVENT_REPORTS[0], SUMMARY_REPORTS[0]
    assert truth.interactivity_rows(fresh_emu, event, accounts=accounts, first=first) == rows(
        event, first
    )
    last_week = today - datetime.timedelta(days=6)
    assert truth.interactivity_rows(
        fresh_emu, summary, accounts=accounts, first=first, summary_days=7
    ) == rows(summary, last_week)
