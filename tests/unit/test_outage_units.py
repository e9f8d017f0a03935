"""The retry log line after a 429, on a fake clock (split from tests/taps/test_outage.py)."""

from __future__ import annotations

import logging

from tap_ibm_video.tap import RATE_LIMIT_HEADERS as IBM_HEADERS
from tests.support.retries import log_lines, throttled_response
from video_taps_common.header_budget import HeaderRateBudget


class FakeClock:
    """A clock that only moves when the budget sleeps."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_wait_for_the_rate_window_is_logged_once_with_its_real_length(caplog):
    clock = FakeClock()
    wall = 1_700_000_000.0
    budget = HeaderRateBudget(IBM_HEADERS, clock=clock, wall_clock=lambda: wall, sleep=clock.sleep)
    budget.throttled(throttled_response(45, wall))

    with caplog.at_level(logging.INFO):
        for _caller in range(3):
            budget.acquire()

    waits = [line for line in log_lines(caplog) if "Rate limit" in line]
    assert len(waits) == 1
    seconds = float(waits[0].split("wait ")[1].split(" s")[0])
    assert 45.0 <= seconds <= 46.0
    assert clock.now >= 1_045.0
