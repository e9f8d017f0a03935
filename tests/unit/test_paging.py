"""The paging layer: SDK paginators that announce their pages, and the ordered read-ahead.

No network: paginators read canned answers (mocked at the HTTP boundary), and
the read-ahead queue runs plain functions. Paging through the family's base over
real HTTP is in ``tests/taps/test_sdk_paging.py``.
"""

from __future__ import annotations

import importlib
import json
import threading
import time

import pytest
import requests
from singer_sdk.pagination import BaseAPIPaginator

from tap_apivideo.client import ApiVideoPaginator
from tap_apivideo.streams import STREAMS as APIVIDEO_STREAMS
from tap_brightcove_audience.client import AudiencePaginator
from tap_brightcove_audience.streams import STREAMS as AUDIENCE_STREAMS
from tap_ibm_video.client import IbmPaginator
from tap_ibm_video.streams import STREAMS as IBM_STREAMS
from video_taps_common import ResultSetShiftedError, VideoStream
from video_taps_common.prefetch import (
    MISSING,
    PendingBudget,
    PrefetchQueue,
    SkippedAfterFailureError,
)

TAPS = {
    "audience": (
        "tap_brightcove_audience.tap.TapBrightcoveAudience",
        AUDIENCE_STREAMS,
        {"client_id": "id", "client_secret": "secret", "account_ids": ["1"]},
    ),
    "ibm": (
        "tap_ibm_video.tap.TapIbmVideo",
        IBM_STREAMS,
        {"client_id": "id", "client_secret": "s"},
    ),
    "apivideo": ("tap_apivideo.tap.TapApiVideo", APIVIDEO_STREAMS, {"api_key": "key"}),
}


@pytest.mark.parametrize("tap_name", sorted(TAPS))
def test_each_tap_discovers_exactly_the_streams_of_its_one_list(tap_name):
    path, streams, settings = TAPS[tap_name]
    module, _, name = path.rpartition(".")
    tap_class = getattr(importlib.import_module(module), name)
    tap = tap_class(config={**settings, "start_date": "2026-01-01T00:00:00Z"})
    assert [type(stream) for stream in tap.discover_streams()] == list(streams)
    for stream in tap.discover_streams():
        assert isinstance(stream, VideoStream)
        # Each pages through the SDK's own contract: a fresh SDK paginator per call.
        first, second = stream.get_new_paginator(), stream.get_new_paginator()
        assert isinstance(first, BaseAPIPaginator)
        assert first is not second


def answer(body: dict) -> requests.Response:
    """A JSON answer as the family's request path leaves it (body not yet decoded)."""
    response = requests.Response()
    response.status_code = 200
    response._content = json.dumps(body).encode()  # noqa: SLF001 - building a response by hand
    response.headers["Content-Type"] = "application/json"
    return response


def test_an_offset_paginator_announces_every_offset_below_the_count_and_detects_a_shift():
    paginator = AudiencePaginator(page_size=100)

    assert list(paginator.pages_after(answer({"count": 350, "result": []}))) == [100, 200, 300]
    assert paginator.total_records(answer({"count": 350})) == 350
    paginator.check_page(100, answer({"count": 350}))  # the same count: nothing moved
    with pytest.raises(ResultSetShiftedError, match="count changed from 350 to 351 at offset 200"):
        paginator.check_page(200, answer({"count": 351}))


def test_an_offset_paginator_pages_sequentially_too_under_the_sdks_own_loop():
    """Without the extension (the SDK's ``advance``), it stops at the count."""
    paginator = AudiencePaginator(page_size=100)
    offsets = [paginator.current_value]
    while not paginator.finished:
        paginator.advance(answer({"count": 250}))
        if not paginator.finished:
            offsets.append(paginator.current_value)

    assert offsets == [0, 100, 200]


def test_ibm_pages_follow_the_count_unless_page_one_has_no_next_link():
    pages = IbmPaginator(page_size=1000)
    with_next = {"pagination": {"count": 2500, "next": "/views?_page=2"}}
    without_next = {"pagination": {"count": 2500, "next": None}}

    assert list(pages.pages_after(answer(with_next))) == [2, 3]
    assert list(IbmPaginator(page_size=1000).pages_after(answer(without_next))) == []
    pages.check_page(2, answer({"pagination": {"count": 2501}}))  # viewers: not checked
    views = IbmPaginator(page_size=1000, detect_shifts=True)
    views.pages_after(answer(with_next))
    with pytest.raises(ResultSetShiftedError, match="count changed from 2500 to 2501 at page 3"):
        views.check_page(3, answer({"pagination": {"count": 2501}}))


def test_apivideo_pages_run_to_pages_total_and_the_total_is_items_total():
    paginator = ApiVideoPaginator()
    first = answer({"data": [], "pagination": {"pagesTotal": 4, "itemsTotal": 310}})

    assert list(paginator.pages_after(first)) == [2, 3, 4]
    assert paginator.total_records(first) == 310
    assert list(ApiVideoPaginator().pages_after(answer({"data": []}))) == []


def _queue(func, *, max_pending=8, **kwargs) -> PrefetchQueue:
    return PrefetchQueue(
        func, max_workers=4, budget=PendingBudget(max_pending=max_pending), **kwargs
    )


def test_prefetch_queue_hands_each_key_its_result_and_drops_keys_never_taken():
    calls: list[str] = []
    lock = threading.Lock()

    def fetch(item: str) -> str:
        with lock:
            calls.append(item)
        return item.upper()

    queue = _queue(fetch)
    for key in ("a", "b", "c"):
        assert queue.put(key, key)
    assert queue.take("not queued") is MISSING
    assert len(queue) == 3  # a key never queued drops nothing
    assert queue.take("b") == "B"
    assert queue.take("a") is MISSING  # queued before "b" and never taken: dropped
    assert queue.take("c") == "C"
    queue.close()


def test_prefetch_queue_raises_a_failed_call_at_its_own_take_and_keeps_the_others():
    def fetch(item: int) -> int:
        if item == 2:
            raise ValueError("page 2 failed")
        return item

    queue = _queue(fetch)
    for key in (1, 2, 3):
        queue.put(key, key)
    assert queue.take(1) == 1
    with pytest.raises(ValueError, match="page 2 failed"):
        queue.take(2)
    assert queue.take(3) == 3
    queue.close()


def test_prefetch_queue_after_a_failure_starts_no_queued_call_when_asked():
    started: list[int] = []
    gate = threading.Event()

    def fetch(item: int) -> int:
        started.append(item)
        if item == 0:
            raise ValueError("down")
        gate.wait(5)
        return item

    queue = _queue(fetch, max_pending=1, stop_after_failure=True)
    queue.feed(range(5))
    with pytest.raises(ValueError, match="down"):
        queue.take_next()
    with pytest.raises(SkippedAfterFailureError):
        queue.take_next()
    gate.set()
    queue.close()
    assert started == [0]


def test_prefetch_queue_runs_ahead_in_order_within_the_weight_bound():
    running = 0
    most = 0
    lock = threading.Lock()

    def heavy(item: int) -> tuple[int, bytes]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return item, b"x" * 1000

    budget = PendingBudget(max_pending=8, max_weight=3000, expected_weight=1000)
    queue = PrefetchQueue(heavy, max_workers=8, budget=budget, weigh=lambda r: len(r[1]))
    queue.feed(range(30))
    taken = []
    while queue.has_more():
        taken.append(queue.take_next()[0])
    queue.close()
    assert taken == list(range(30))
    assert 1 <= most <= 3  # three results of 1,000 fit the 3,000 bound


def test_a_queue_that_waits_its_turn_starts_only_when_topped_up():
    started: list[int] = []
    budget = PendingBudget(max_pending=4)
    later = PrefetchQueue(started.append, max_workers=2, budget=budget, autofill=False)
    later.feed(range(3))
    time.sleep(0.05)
    assert started == []
    later.top_up()
    later.close()
    assert sorted(started) == [0, 1, 2]


# What ``map_in_order`` (gone with its last caller) was tested for, now of the queue
# every read ahead uses.


def test_prefetch_queue_hands_back_fed_results_in_order_however_they_finish():
    def slow_for_early_items(i: int) -> int:
        time.sleep(0.02 * (10 - i))
        return i * i

    queue = _queue(slow_for_early_items)
    queue.feed(range(10))
    taken = [queue.take_next() for _ in range(10)]
    queue.close()

    assert taken == [i * i for i in range(10)]
    assert queue.take_next() is MISSING


def test_prefetch_queue_runs_calls_concurrently_and_bounds_work_ahead_of_its_consumer():
    running = 0
    peak = 0
    started: list[int] = []
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

    queue = PrefetchQueue(work, max_workers=3, budget=PendingBudget(max_pending=6))
    queue.feed(range(1000))
    first = queue.take_next()
    time.sleep(0.2)

    assert first == 0
    assert len(started) <= 1 + 6, "must not run far ahead of the consumer"
    queue.close()
    assert peak == 3


def test_prefetch_queue_raises_a_fed_failure_at_its_turn_after_every_earlier_result():
    def fail_on_three(i: int) -> int:
        if i == 3:
            raise RuntimeError("page 3 failed")
        return i

    queue = _queue(fail_on_three)
    queue.feed(range(10))
    seen = [queue.take_next() for _ in range(3)]

    assert seen == [0, 1, 2]
    with pytest.raises(RuntimeError, match="page 3 failed"):
        queue.take_next()
    queue.close()


def test_prefetch_queue_keeps_one_call_running_when_one_result_exceeds_the_weight_bound():
    budget = PendingBudget(max_pending=8, max_weight=100)
    queue = PrefetchQueue(lambda _i: b"y" * 5000, max_workers=4, budget=budget, weigh=len)
    queue.feed(range(5))
    taken = [queue.take_next() for _ in range(5)]
    queue.close()

    assert [len(result) for result in taken] == [5000] * 5
