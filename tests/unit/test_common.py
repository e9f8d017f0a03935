"""Unit tests of the shared machinery in video-taps-common."""

from __future__ import annotations

import threading

import pytest

from video_taps_common import RateBudget, stable_key


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


def test_stable_key_ignores_changing_fields_and_distinguishes_identities():
    first = {"created_at": "2026-01-01T00:00:00.000Z", "video_id": "1", "watched": 10}
    later = {**first, "watched": 90, "updated_at": "2026-01-02T00:00:00.000Z"}
    other = {**first, "video_id": "2"}
    identity = ("created_at", "video_id")

    assert stable_key(first, identity) == stable_key(later, identity)
    assert stable_key(first, identity) != stable_key(other, identity)
    assert len(stable_key(first, identity)) == 64


# Header-driven budget (IBM Video, api.video) ------------------------------------


class FakeResponse:
    """Only what the budget reads from a response: its headers."""

    def __init__(self, **headers: object) -> None:
        self.headers = {key.replace("_", "-"): str(value) for key, value in headers.items()}


def ibm_headers(remaining: int, reset_epoch: float, limit: int = 10) -> FakeResponse:
    return FakeResponse(
        **{
            "X-RateLimit-Limit": limit,
            "X-RateLimit-Remaining": remaining,
            "X-RateLimit-Reset": int(reset_epoch),
        }
    )


def header_budget(headers=None):
    from tap_ibm_video.tap import RATE_LIMIT_HEADERS as IBM_HEADERS
    from video_taps_common.header_budget import HeaderRateBudget

    clock = FakeClock()
    wall = {"offset": 1_700_000_000.0 - clock.now}
    budget = HeaderRateBudget(
        headers or IBM_HEADERS,
        clock=clock,
        wall_clock=lambda: clock.now + wall["offset"],
        sleep=clock.sleep,
    )
    return budget, clock, clock.now + wall["offset"]


def test_header_budget_waits_for_the_reset_once_the_window_is_spent():
    budget, clock, epoch = header_budget()
    budget.acquire()
    budget.observe(ibm_headers(remaining=2, reset_epoch=epoch + 30))
    budget.release()

    budget.acquire()
    budget.release()
    budget.acquire()
    budget.release()
    assert clock.now == pytest.approx(1000.0)  # two more were allowed at once

    budget.acquire()  # the window is spent: wait for its reset
    assert clock.now >= 1030.0
    assert clock.now < 1031.0


def test_header_budget_counts_requests_the_server_has_not_seen_yet():
    budget, clock, epoch = header_budget()
    for _ in range(4):  # four in flight; the first answer says 3 remain
        budget.acquire()
    budget.observe(ibm_headers(remaining=3, reset_epoch=epoch + 10))
    # The three others in flight may not have been counted: none is left.
    budget.acquire()
    assert clock.now >= 1010.0


def answer(budget, remaining: int, reset_epoch: float) -> None:
    """One request in flight answered: the budget observes its response, then releases it."""
    budget.observe(ibm_headers(remaining=remaining, reset_epoch=reset_epoch))
    budget.release()


def test_header_budget_uses_a_window_to_its_last_request():
    budget, clock, epoch = header_budget()
    for _ in range(4):  # the server has 5 left in this window
        budget.acquire()
    # The last request's answer comes first: 1 left after all four.
    answer(budget, 1, epoch + 30)
    # The other three were counted before it (their answers say more remained).
    for remaining in (4, 3, 2):
        answer(budget, remaining, epoch + 30)
    budget.acquire()  # the window's fifth and last request, at once
    assert clock.now == pytest.approx(1000.0)
    answer(budget, 0, epoch + 30)
    budget.acquire()  # now the window is spent: its reset
    assert 1030.0 <= clock.now < 1031.0


def test_header_budget_waits_for_the_answers_in_flight_before_the_reset():
    budget, clock, epoch = header_budget()
    for _ in range(3):  # the server has 4 left
        budget.acquire()
    answer(budget, 1, epoch + 30)  # the third answered first: it counts all three
    late = [3, 2]  # the first two's answers, which arrive while a caller waits

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        while late:
            answer(budget, late.pop(0), epoch + 30)

    budget._sleep = sleep
    budget.acquire()  # two answers to come could free room: wait for them, not the reset
    assert clock.now < 1001.0
    answer(budget, 0, epoch + 30)
    budget.acquire()
    assert clock.now >= 1030.0


def test_header_budget_counts_a_request_that_failed_unanswered_as_spent():
    budget, clock, epoch = header_budget()
    budget.acquire()
    answer(budget, 1, epoch + 30)
    budget.acquire()
    budget.release()  # no answer (the connection dropped): the server may have counted it
    budget.acquire()
    assert clock.now >= 1030.0


def test_header_budget_ignores_an_answer_from_a_window_that_already_ended():
    budget, clock, epoch = header_budget()
    budget.acquire()
    budget.observe(ibm_headers(remaining=5, reset_epoch=epoch + 60))
    budget.release()
    budget.acquire()
    budget.observe(ibm_headers(remaining=0, reset_epoch=epoch - 5))  # a stale answer
    budget.release()
    budget.acquire()
    assert clock.now == pytest.approx(1000.0)


def test_header_budget_429_holds_every_caller_until_the_reset():
    budget, clock, epoch = header_budget()
    budget.acquire()
    budget.throttled(ibm_headers(remaining=0, reset_epoch=epoch + 7))
    budget.release()
    budget.acquire()
    assert 1007.0 <= clock.now < 1008.0


def test_header_budget_reads_retry_after_seconds_for_apivideo():
    from tap_apivideo.tap import RATE_LIMIT_HEADERS as APIVIDEO_HEADERS

    budget, clock, _ = header_budget(APIVIDEO_HEADERS)
    budget.acquire()
    budget.observe(
        FakeResponse(
            **{
                "X-RateLimit-Limit": 500,
                "X-RateLimit-Remaining": 0,
                "X-RateLimit-Retry-After": 12,
            }
        )
    )
    budget.release()
    budget.acquire()
    assert 1012.0 <= clock.now < 1013.0
    assert budget.limit == 500


def test_header_budget_without_headers_never_waits():
    budget, clock, _ = header_budget()
    for _ in range(50):
        budget.acquire()
        budget.observe(FakeResponse())
        budget.release()
    assert clock.now == pytest.approx(1000.0)


def test_url_setting_errors_name_each_setting_that_is_not_an_absolute_http_url():
    from video_taps_common.settings import url_setting_errors

    config = {
        "api_url": "/audience/v1",  # `${EMULATOR_URL}/audience/v1` with the variable unset
        "oauth_url": "https://oauth.example.com/v4/access_token",
        "other_url": "localhost:8765",
    }

    errors = url_setting_errors(config, ["api_url", "oauth_url", "other_url", "unset_url"])

    assert len(errors) == 2
    assert errors[0].startswith("setting `api_url`: expected an absolute http(s) URL")
    assert errors[1].startswith("setting `other_url`:")


def test_start_date_in_the_future_is_named_and_today_is_not():
    import datetime

    from video_taps_common.settings import start_date_in_future_errors

    now = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)

    assert start_date_in_future_errors({"start_date": "2026-03-10"}, now) == []
    assert start_date_in_future_errors({"start_date": "2026-03-09T23:00:00Z"}, now) == []
    (error,) = start_date_in_future_errors({"start_date": "2026-03-17"}, now)
    assert error.startswith("setting `start_date` (2026-03-17) is in the future")


def test_failed_partitions_message_claims_other_partitions_only_when_there_are_some():
    from video_taps_common.tap_base import _failed_partitions_message

    one_of_one = _failed_partitions_message(["views [all]"], 1)
    all_of_four = _failed_partitions_message([f"leads [account_id={n}]" for n in range(4)], 4)
    two_of_four = _failed_partitions_message(["leads [account_id=1]", "leads [account_id=2]"], 4)

    assert one_of_one.startswith("1 of 1 partition failed and was skipped: views [all]")
    assert "every other partition" not in one_of_one + all_of_four
    assert "no partition was synced in full" in all_of_four
    assert two_of_four.startswith("2 of 4 partitions failed and were skipped")
    assert two_of_four.endswith("every other partition was synced and its bookmark saved.")
