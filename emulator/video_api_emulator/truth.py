"""What a complete sync of a stream holds: the emulator's ground truth, by the taps' stream names.

Tests, the demo (``scripts/demo.py``) and the benchmarks reconcile what a tap landed with
these counts. Each function asks a running emulator (an :class:`~.process.EmulatorProcess`)
the admin queries that a stream's whole sync range needs (``GET /_emulator/truth/<api>``
answers one query; see the README) and adds them up. They take the stream's name, so a
stream added to a tap and to the emulator (its route, data and truth) needs nothing here.

The range each takes is the one a sync covers: from its start to what the API holds now
(Audience, IBM), to yesterday (api.video's analytics are by whole days), or to today
(Interactivity, whose summaries cover the last ``summary_days`` days).
"""

from __future__ import annotations

import datetime
from typing import Any, Protocol

from .apis.brightcove_interactivity.params import SUMMARY_REPORTS
from .app import API_MODULES

#: Far beyond any data the emulator holds: a range ending here covers every row.
END_OF_TIME = "2100-01-01T00:00:00+00:00"


class TruthSource(Protocol):
    """What these functions ask: an emulator's admin API (``EmulatorProcess``)."""

    def truth(self, api: str = ..., **params: Any) -> dict[str, Any]:
        """``GET /_emulator/truth/<api>``."""
        ...

    def horizon(self) -> dict[str, Any]:
        """The emulator's now."""
        ...


def served_streams() -> dict[str, frozenset[str]]:
    """API name -> the streams the emulator serves for it (read from its API modules)."""
    return {api.name: api.streams for api in API_MODULES if api.streams}


def today(emulator: TruthSource) -> datetime.date:
    """The emulator's UTC day (its horizon's date)."""
    horizon = emulator.horizon()["horizon"]
    return datetime.datetime.fromisoformat(horizon.replace("Z", "+00:00")).date()


def audience_rows(emulator: TruthSource, stream: str, *, accounts: list[str], since_ms: int) -> int:
    """Rows of ``stream`` the Audience API shows now for ``accounts``, from ``since_ms`` on."""
    return sum(
        emulator.truth("brightcove_audience", account_id=account, stream=stream, from_=since_ms)[
            "count"
        ]
        for account in accounts
    )


def ibm_rows(
    emulator: TruthSource,
    stream: str,
    *,
    start: str,
    end: str = END_OF_TIME,
    client: str | None = None,
) -> int:
    """IBM rows of ``client``'s account (default the first): views overlapping [start, end).

    Streams that are not ranged (``viewers``) are every row the API lists.
    """
    return emulator.truth("ibm_video", stream=stream, from_=start, to=end, client=client)["count"]


def apivideo_rows(
    emulator: TruthSource,
    stream: str,
    *,
    first: datetime.date,
    last: datetime.date | None = None,
    project: str | None = None,
) -> int:
    """Rows a sync of the days ``first``..``last`` (default yesterday) lands for ``stream``.

    Of ``project`` (an API key; default the first). Media lists are whole; sessions and
    their events are those loaded on those days; a per-day stream holds, each day, the
    rows of every dimension or metric (pair) the API accepts.
    """
    last = last or today(emulator) - datetime.timedelta(days=1)
    answer = emulator.truth(
        "apivideo", project=project, stream=stream, from_=first.isoformat(), to=last.isoformat()
    )
    return answer["count"]


def interactivity_rows(
    emulator: TruthSource,
    report: str,
    *,
    accounts: list[str],
    first: datetime.date,
    summary_days: int = 30,
) -> int:
    """Rows of ``report`` a sync from ``first`` to today lands for ``accounts``.

    An event report's rows since ``first``; a summary (window grain) covers the last
    ``summary_days`` days, the tap's setting of that name (default 30).
    """
    last = today(emulator)
    if report in SUMMARY_REPORTS:
        first = last - datetime.timedelta(days=summary_days - 1)
    return sum(
        emulator.truth(
            "brightcove_interactivity",
            report=report,
            account_id=account,
            start=first.isoformat(),
            end=last.isoformat(),
        )["total_rows"]
        for account in accounts
    )
