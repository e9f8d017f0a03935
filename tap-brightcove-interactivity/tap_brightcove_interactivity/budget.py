"""The report budget: 4 reports a minute, 20 an hour, 100 a day, for the whole run.

The doc (docs/vendors/brightcove-interactivity.md#limits): "By default, the reporting API limits
you to running 4 reports per minute; 20 per hour; and 100 per day. These
limits apply to the number of unique reports you can execute, not the number
of times you hit the reporting endpoint to retrieve results or check status on
an already queued report."

So only a *submission* (the first request for a report the API neither queues
nor holds in its one-day cache) is counted, against sliding windows of a
minute, an hour and a day. The submissions of the last 24 hours are written to
STATE, so a second run on the same day starts with the day's budget already
partly spent, as the API sees it. Times are on the API's clock (see
``TapBrightcoveInteractivity.api_now``).
"""

from __future__ import annotations

import bisect
import typing as t
from dataclasses import dataclass

if t.TYPE_CHECKING:
    from collections.abc import Iterable

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
#: Each window is taken as this much longer than it is: the tap counts a report
#: when it sends it, the API when it arrives, and two requests of one window
#: can take different times to arrive (the first may open the connection).
WINDOW_MARGIN_SECONDS = 1.0
#: A run waits this long at most for the day's budget to free a place; a longer
#: wait ends the run (the next one resumes), see :attr:`Slot.day_limited`.
LONGEST_DAY_WAIT_SECONDS = HOUR


def to_state_time(seconds: float) -> int:
    """API-clock seconds as the integer milliseconds kept in STATE."""
    return round(seconds * 1000)


def from_state_time(value: object) -> float:
    """Read back :func:`to_state_time`."""
    return int(str(value)) / 1000


@dataclass(frozen=True)
class BudgetLevel:
    """One of the three limits."""

    name: str
    limit: int
    seconds: float


@dataclass(frozen=True)
class Slot:
    """When the next submission may go out, and which limit decides it."""

    wait_seconds: float
    level: BudgetLevel | None

    @property
    def day_limited(self) -> bool:
        """The day's budget is spent for longer than an hour: the run should end, not wait.

        The minute and hour limits are waited out: that is the fastest the API
        allows. Waiting most of a day inside a nightly job is not; the next run
        resumes instead.
        """
        return (
            self.level is not None
            and self.level.seconds >= DAY
            and self.wait_seconds > LONGEST_DAY_WAIT_SECONDS
        )


class ReportBudget:
    """Submission times of the last day, and what they allow next.

    Not thread-safe on its own: the scheduler's lock guards it.
    """

    def __init__(
        self, per_minute: int, per_hour: int, per_day: int, history: Iterable[tuple[float, str]]
    ) -> None:
        self.levels = (
            BudgetLevel("minute", per_minute, MINUTE),
            BudgetLevel("hour", per_hour, HOUR),
            BudgetLevel("day", per_day, DAY),
        )
        entries = sorted((float(at), str(key)) for at, key in history)
        self._times = [at for at, _ in entries]
        self._keys = {key: at for at, key in entries}

    @property
    def per_day(self) -> int:
        """The day's limit."""
        return self.levels[-1].limit

    def submitted_recently(self, key: str, now: float) -> bool:
        """The API still queues or caches this report: asking again costs nothing."""
        at = self._keys.get(key)
        return at is not None and now - at < DAY

    def next_slot(self, now: float) -> Slot:
        """How long until one more submission fits every limit."""
        self._forget_before(now - DAY)
        wait, binding = 0.0, None
        for level in self.levels:
            if level.limit <= 0:
                continue
            window = level.seconds + WINDOW_MARGIN_SECONDS
            start = bisect.bisect_right(self._times, now - window)
            if len(self._times) - start < level.limit:
                continue
            # The window frees a place when its oldest counted submission ages out.
            oldest = self._times[len(self._times) - level.limit]
            level_wait = oldest + window - now
            if level_wait >= wait:
                wait, binding = level_wait, level
        return Slot(wait, binding)

    def record(self, key: str, now: float) -> None:
        """Count a submission."""
        bisect.insort(self._times, now)
        self._keys[key] = now

    def forget(self, key: str) -> None:
        """Un-count a submission the API refused (429): it did not run."""
        at = self._keys.pop(key, None)
        if at is not None:
            index = bisect.bisect_left(self._times, at)
            if index < len(self._times) and self._times[index] == at:
                del self._times[index]

    def used_in_last_day(self, now: float) -> int:
        """Submissions counted against the day's limit."""
        self._forget_before(now - DAY)
        return len(self._times)

    def used_beyond_the_longest_wait(self, now: float) -> int:
        """Submissions that will still count against the day's limit when a run stops waiting.

        A run waits up to :data:`LONGEST_DAY_WAIT_SECONDS` for a place to free
        (:attr:`Slot.day_limited`), so a submission that ages out of the day's
        window sooner does not limit it: a nightly run that starts at the same
        time as the night before, a few seconds before the previous night's
        submissions turn 24 hours old, has its whole budget, not none.
        """
        self._forget_before(now - DAY)
        cutoff = now + LONGEST_DAY_WAIT_SECONDS - (DAY + WINDOW_MARGIN_SECONDS)
        return len(self._times) - bisect.bisect_right(self._times, cutoff)

    def to_state(self, now: float) -> list[list[t.Any]]:
        """``[[epoch milliseconds, report key], ...]`` of the last 24 hours, for STATE.

        Integers, not fractions: some targets read STATE numbers as Decimal and
        cannot write them back out (target-postgres fails with "Object of type
        Decimal is not JSON serializable").
        """
        self._forget_before(now - DAY)
        ordered = sorted(self._keys.items(), key=lambda kv: kv[1])
        return [[to_state_time(at), key] for key, at in ordered]

    def _forget_before(self, cutoff: float) -> None:
        drop = bisect.bisect_right(self._times, cutoff)
        if drop:
            del self._times[:drop]
        for key in [key for key, at in self._keys.items() if at <= cutoff]:
            del self._keys[key]
