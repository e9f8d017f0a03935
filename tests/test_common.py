"""Unit tests of the shared machinery in video-taps-common."""

from __future__ import annotations

import threading
import time

import pytest

from video_taps_common import RateBudget, map_in_order, stable_key


class FakeClock:
    """A clock that only moves when someone sleeps, so timing tests are exact."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def test_rate_budget_never_lets_more_than_the_limit_into_any_window():
    clock = FakeClock()
    budget = RateBudget(5, 1.0, safety_margin_seconds=0.0, clock=clock, sleep=clock.sleep)

    starts = []
    for _ in range(23):
        budget.acquire()
        starts.append(clock.now)

    for i, start in enumerate(starts):
        in_window = [s for s in starts[i:] if s < start + 1.0]
        assert len(in_window) <= 5
    # It waits no longer than needed: 23 requests at 5 per second take 4 s.
    assert starts[-1] - starts[0] == pytest.approx(4.0)


def test_rate_budget_safety_margin_widens_the_window():
    clock = FakeClock()
    budget = RateBudget(2, 1.0, safety_margin_seconds=0.1, clock=clock, sleep=clock.sleep)

    for _ in range(3):
        budget.acquire()

    assert clock.now == pytest.approx(1000.0 + 1.1)


def test_rate_budget_pause_holds_every_caller():
    clock = FakeClock()
    budget = RateBudget(100, clock=clock, sleep=clock.sleep)

    budget.pause(2.0)
    budget.acquire()

    assert clock.now == pytest.approx(1002.0)


def test_rate_budget_rejects_a_zero_limit():
    with pytest.raises(ValueError, match="max_requests"):
        RateBudget(0)


def test_map_in_order_yields_in_submission_order_despite_finishing_order():
    def slow_for_early_items(i: int) -> int:
        time.sleep(0.02 * (10 - i))
        return i * i

    assert list(map_in_order(slow_for_early_items, range(10), max_workers=4)) == [
        i * i for i in range(10)
    ]


def test_map_in_order_runs_calls_concurrently_and_bounds_work_ahead():
    running = 0
    peak = 0
    started = []
    lock = threading.Lock()

    def work(i: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            started.append(i)
        time.sleep(0.02)
        with lock:
            running -= 1
        return i

    results = map_in_order(work, range(1000), max_workers=3, prefetch=6)
    first = next(results)
    time.sleep(0.2)

    assert first == 0
    assert len(started) <= 1 + 6, "must not run far ahead of the consumer"
    results.close()
    assert peak == 3


def test_map_in_order_raises_at_the_failing_items_turn():
    def fail_on_three(i: int) -> int:
        if i == 3:
            raise RuntimeError("page 3 failed")
        return i

    results = map_in_order(fail_on_three, range(10), max_workers=4)
    seen = [next(results) for _ in range(3)]

    assert seen == [0, 1, 2]
    with pytest.raises(RuntimeError, match="page 3 failed"):
        next(results)


def test_stable_key_ignores_changing_fields_and_distinguishes_identities():
    first = {"created_at": "2026-01-01T00:00:00.000Z", "video_id": "1", "watched": 10}
    later = {**first, "watched": 90, "updated_at": "2026-01-02T00:00:00.000Z"}
    other = {**first, "video_id": "2"}
    identity = ("created_at", "video_id")

    assert stable_key(first, identity) == stable_key(later, identity)
    assert stable_key(first, identity) != stable_key(other, identity)
    assert len(stable_key(first, identity)) == 64
