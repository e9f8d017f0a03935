"""Machinery the Singer SDK lacks and several video analytics taps need."""

from video_taps_common.concurrent_stream import FetchedPage, UnauthorizedError
from video_taps_common.ordered import map_in_order
from video_taps_common.paged_stream import ConcurrentPagesStream, PageRun, ResultSetShiftedError
from video_taps_common.rate_budget import RateBudget
from video_taps_common.record_keys import stable_key

__all__ = [
    "ConcurrentPagesStream",
    "FetchedPage",
    "PageRun",
    "RateBudget",
    "ResultSetShiftedError",
    "UnauthorizedError",
    "map_in_order",
    "stable_key",
]
