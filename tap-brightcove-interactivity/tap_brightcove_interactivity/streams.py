"""The tap's streams, listed in one place: one :class:`ReportStream` per report spec.

Every engagement report is read the same way (``client.ReportStream``), so a
stream is not a class of its own but a :class:`~tap_brightcove_interactivity.schemas.ReportSpec`
(its endpoint name, grain, columns and row identity) that ``ReportStream`` is
made for. A new report stream is one ``ReportSpec`` entry in ``schemas.REPORTS``.
"""

from __future__ import annotations

import typing as t

from tap_brightcove_interactivity.client import ReportStream
from tap_brightcove_interactivity.schemas import REPORTS, ReportSpec

if t.TYPE_CHECKING:
    from video_taps_common.tap_base import VideoTap

#: The tap's stream registry: the reports a ``ReportStream`` is made for, declared once in
#: ``schemas.REPORTS`` (each selected by default). Everything else that names streams derives
#: from it or is checked against it (tests/unit/test_registry.py).
STREAMS: tuple[ReportSpec, ...] = REPORTS


def report_streams(tap: VideoTap) -> list[ReportStream]:
    """One stream per report in :data:`STREAMS`, named like the report's endpoint."""
    return [ReportStream(tap, spec) for spec in STREAMS]
