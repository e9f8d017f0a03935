"""The paging layer: one paging hook, the SDK's paging hooks refused, ordered read-ahead."""

from __future__ import annotations

import importlib
import threading
import time

import pytest

from tap_apivideo.streams import STREAMS as APIVIDEO_STREAMS
from tap_brightcove_audience.streams import STREAMS as AUDIENCE_STREAMS
from tap_ibm_video.streams import STREAMS as IBM_STREAMS
from video_taps_common import ConcurrentPagesStream
from video_taps_common.ordered import (
    MISSING,
    PendingBudget,
    PrefetchQueue,
    SkippedAfterFailureError,
)


@pytest.mark.parametrize(
    "hook", ["parse_response", "get_new_paginator", "get_next_page_token", "records_jsonpath"]
)
def test_a_stream_defining_an_sdk_paging_hook_is_refused_naming_what_to_use(hook):
    with pytest.raises(TypeError, match=rf"`{hook}`: use .*paging\(context\)"):
        type("Stream", (ConcurrentPagesStream,), {hook: lambda *_args: None})


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
    for stream_class in streams:
        assert issubclass(stream_class, ConcurrentPagesStream)
        assert stream_class.paging is not ConcurrentPagesStream.paging, stream_class


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
