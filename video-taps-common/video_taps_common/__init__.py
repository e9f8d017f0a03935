"""Machinery the Singer SDK lacks and several video analytics taps need."""

from video_taps_common.errors import UnauthorizedError
from video_taps_common.json_body import json_body
from video_taps_common.paginators import (
    AnnouncedOffsetPaginator,
    AnnouncedPageNumberPaginator,
    AnnouncedPages,
    ResultSetShiftedError,
)
from video_taps_common.rate_budget import RateBudget
from video_taps_common.record_keys import stable_key
from video_taps_common.video_stream import VideoStream

__all__ = [
    "AnnouncedOffsetPaginator",
    "AnnouncedPageNumberPaginator",
    "AnnouncedPages",
    "RateBudget",
    "ResultSetShiftedError",
    "UnauthorizedError",
    "VideoStream",
    "json_body",
    "stable_key",
]
