"""Reports of every stream submitted ahead, so their generation overlaps.

A report takes its time to generate (the API answers 202 until it is done), and the SDK syncs
streams one after another. If each stream asked for its report only when its turn came, a run of
twelve 30-second reports would take six minutes of waiting. Instead, at the start of the run the tap
plans every report it will need, in the order the streams will read them, and a background thread
submits them as fast as the report budget allows. When a stream's turn comes its report has often
been generated already; the stream polls it (polling is free: the doc counts only unique reports,
docs/vendors/brightcove-interactivity.md#limits) and reads it.

Submitted reports that no stream has read yet are *pending*. They are kept in
STATE with the budget's history, so a run that ends early (a report that
never finished, the day's budget spent) leaves them for the next run, which
polls them first instead of spending budget on them again.
"""

from __future__ import annotations

import datetime
import logging
import threading
import typing as t
from collections import deque
from dataclasses import dataclass

from tap_brightcove_interactivity.budget import to_state_time
from video_taps_common.errors import RunAbortingError

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from tap_brightcove_interactivity.budget import ReportBudget, Slot

#: Waits after a 429 the budget did not foresee (another client shares the
#: account's budget): a minute first, as the tightest limit is per minute.
THROTTLED_FIRST_WAIT_SECONDS = 60.0
THROTTLED_MAX_WAIT_SECONDS = 600.0
#: Consecutive 429s after which the API's budget is taken as spent for the day.
THROTTLED_GIVE_UP_SECONDS = 3600.0
#: Budget waits shorter than this are not worth a log line.
MIN_LOGGED_WAIT_SECONDS = 2.0


@dataclass(frozen=True, order=True)
class ReportRequest:
    """One report as the API identifies it: changing any parameter makes another report."""

    report: str
    account_id: str
    start: datetime.date
    end: datetime.date
    report_format: str

    @property
    def key(self) -> str:
        """The report's identity, as kept in STATE."""
        return "|".join(
            (self.report, self.account_id, self.start.isoformat(), self.end.isoformat(),
             self.report_format)
        )  # fmt: skip

    @property
    def days(self) -> int:
        """UTC days the window covers, both ends included."""
        return (self.end - self.start).days + 1

    def params(self) -> dict[str, str]:
        """The query string: "Requests must always include send_status=true".

        docs/vendors/brightcove-interactivity.md#asynchronous-reports,
        docs/vendors/brightcove-interactivity.md#report-parameters.
        """
        return {
            "send_status": "true",
            "account_id": self.account_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "format": self.report_format,
        }

    def describe(self) -> str:
        """``report`` for account ``id``, ``start``..``end``: for every message about it."""
        return f"{self.report} for account {self.account_id}, {self.start}..{self.end}"

    def halves(self) -> tuple[ReportRequest, ReportRequest]:
        """The window split in two, for a report that hit the row cap."""
        middle = self.start + datetime.timedelta(days=(self.days - 1) // 2)
        after = middle + datetime.timedelta(days=1)
        return (
            ReportRequest(self.report, self.account_id, self.start, middle, self.report_format),
            ReportRequest(self.report, self.account_id, after, self.end, self.report_format),
        )

    def to_state(self) -> dict[str, str]:
        """How a pending report is written to STATE."""
        return {
            "report": self.report,
            "account_id": self.account_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "format": self.report_format,
        }

    @classmethod
    def from_state(cls, entry: t.Mapping[str, t.Any]) -> ReportRequest:
        """Read back :meth:`to_state`; raises ``KeyError``/``ValueError`` if malformed."""
        return cls(
            str(entry["report"]),
            str(entry["account_id"]),
            datetime.date.fromisoformat(str(entry["start"])),
            datetime.date.fromisoformat(str(entry["end"])),
            str(entry["format"]),
        )


@dataclass
class Submission:
    """A report the API has accepted (or refused, with ``error``)."""

    request: ReportRequest
    #: API-clock seconds when it was submitted.
    submitted_at: float
    error: Exception | None = None


class BudgetSpentError(Exception):
    """The day's report budget is spent: the run ends cleanly and the next one resumes."""


class ReportThrottledError(Exception):
    """The API answered 429: its report budget is spent for now."""


class ReportScheduler:
    """Submits planned reports in order under the budget; streams wait for theirs."""

    def __init__(
        self,
        *,
        budget: ReportBudget,
        clock: Callable[[], float],
        submit: Callable[[ReportRequest], None],
        on_change: Callable[[], None],
        logger: logging.Logger,
        pending: Iterable[Submission] = (),
    ) -> None:
        self._budget = budget
        self._clock = clock
        self._submit = submit
        self._on_change = on_change
        self.logger = logger
        self._lock = threading.Condition()
        self._stopping = threading.Event()
        self._queue: deque[ReportRequest] = deque()
        self._submitted: dict[str, Submission] = {sub.request.key: sub for sub in pending}
        self._fatal: RunAbortingError | None = None
        self._thread: threading.Thread | None = None
        self.budget_spent = False
        self.submitted_count = 0
        #: API-clock time before which nothing is submitted, after a 429.
        self._throttled_until = 0.0
        #: The (report, limit) whose budget wait was logged last.
        self._logged_wait: tuple[str, str] | None = None

    # What streams call ------------------------------------------------------------

    def start(self, plan: Iterable[ReportRequest]) -> None:
        """Queue the run's reports in reading order and start submitting them."""
        with self._lock:
            for request in plan:
                if request.key not in self._submitted:
                    self._queue.append(request)
        self._thread = threading.Thread(target=self._run, name="report-submitter", daemon=True)
        self._thread.start()

    def submit_next(self, requests: Iterable[ReportRequest]) -> None:
        """Put ``requests`` at the head of the queue (the halves of a capped report)."""
        with self._lock:
            for request in reversed(list(requests)):
                if request.key not in self._submitted:
                    self._queue.appendleft(request)
            self._lock.notify_all()

    def wait_submitted(self, request: ReportRequest) -> Submission:
        """Block until ``request`` is submitted; raise if it never will be in this run."""
        if self._thread is None:
            msg = "the report scheduler was not started (call start() with the run's plan)"
            raise RuntimeError(msg)
        with self._lock:
            while True:
                submission = self._submitted.get(request.key)
                if submission is not None:
                    if submission.error is not None:
                        raise submission.error
                    return submission
                if self._fatal is not None:
                    raise self._fatal
                if self.budget_spent or self._stopping.is_set():
                    raise BudgetSpentError(request.describe())
                self._lock.wait(1.0)

    def read(self, request: ReportRequest) -> None:
        """The report's rows are emitted: it is no longer pending."""
        with self._lock:
            self._submitted.pop(request.key, None)
        self._on_change()

    def stop(self) -> None:
        """Stop submitting; reports already submitted stay pending."""
        self._stopping.set()
        with self._lock:
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=60)

    @property
    def remaining(self) -> int:
        """Planned reports not submitted yet."""
        with self._lock:
            return len(self._queue)

    def snapshot(self) -> dict[str, t.Any]:
        """The budget's last day and the reports submitted but not read yet, for STATE."""
        with self._lock:
            return {
                "submitted": self._budget.to_state(self._clock()),
                "pending": [
                    {**sub.request.to_state(), "submitted_at": to_state_time(sub.submitted_at)}
                    for sub in self._submitted.values()
                    if sub.error is None
                ],
            }

    # The submitting thread ------------------------------------------------------------

    def _run(self) -> None:
        throttled_since: float | None = None
        throttled_wait = THROTTLED_FIRST_WAIT_SECONDS
        while not self._stopping.is_set():
            request, submitted_at, wait = self._next_due()
            if request is None:
                if self.budget_spent or self._fatal is not None:
                    return
                self._wait(wait if wait > 0 else 1.0)
                continue
            try:
                self._submit(request)
            except ReportThrottledError:
                now = self._clock()
                throttled_since = throttled_since if throttled_since is not None else now
                if now - throttled_since >= THROTTLED_GIVE_UP_SECONDS:
                    self.logger.warning(
                        "The API refused reports (429) for %.0f s: taking its day's budget "
                        "as spent",
                        now - throttled_since,
                    )
                    self._spend_day()
                    return
                self._requeue(request, until=now + throttled_wait)
                self.logger.info(
                    "The API refused %s (429, its report budget is spent for now); "
                    "trying again in %.0f s",
                    request.describe(),
                    throttled_wait,
                )
                throttled_wait = min(throttled_wait * 2, THROTTLED_MAX_WAIT_SECONDS)
                continue
            except RunAbortingError as error:
                self._finish(Submission(request, submitted_at, error), fatal=True)
                return
            except Exception as error:  # noqa: BLE001 - handed to the stream that reads it
                self._finish(Submission(request, submitted_at, error))
                continue
            throttled_since, throttled_wait = None, THROTTLED_FIRST_WAIT_SECONDS
            self._finish(Submission(request, submitted_at))

    def _next_due(self) -> tuple[ReportRequest | None, float, float]:
        """The next report to submit now, or how long to wait for the budget."""
        with self._lock:
            while self._queue:
                request = self._queue[0]
                now = self._clock()
                if request.key in self._submitted:
                    self._queue.popleft()
                    continue
                if self._budget.submitted_recently(request.key, now):
                    # Queued or cached at the API: reading it costs nothing.
                    self._queue.popleft()
                    self._submitted[request.key] = Submission(request, now)
                    self._lock.notify_all()
                    continue
                if now < self._throttled_until:
                    return None, now, self._throttled_until - now
                slot = self._budget.next_slot(now)
                if slot.day_limited:
                    self._spend_day_locked()
                    return None, now, 0.0
                if slot.wait_seconds > 0:
                    self._log_budget_wait(request, slot, now)
                    return None, now, slot.wait_seconds
                self._queue.popleft()
                # Counted as it leaves: a 429 or a failure gives the place back
                # (``_requeue``, ``_finish``).
                self._budget.record(request.key, now)
                return request, now, 0.0
            return None, 0.0, 0.0

    def _log_budget_wait(self, request: ReportRequest, slot: Slot, now: float) -> None:
        """Say once per wait what waits for which limit, and until when (the API's clock)."""
        level = slot.level
        if level is None or slot.wait_seconds < MIN_LOGGED_WAIT_SECONDS:
            return
        waiting = (request.key, level.name)
        if waiting == self._logged_wait:
            return
        self._logged_wait = waiting
        until = datetime.datetime.fromtimestamp(now + slot.wait_seconds, datetime.UTC)
        self.logger.info(
            "Report budget: %s waits %.0f s, until %s UTC by the API's clock, for the "
            "%d-a-%s limit (%d report(s) still to submit in this run)",
            request.describe(),
            slot.wait_seconds,
            until.strftime("%Y-%m-%d %H:%M:%S"),
            level.limit,
            level.name,
            len(self._queue),
        )

    def new_reports(self, plan: Iterable[ReportRequest]) -> int:
        """Reports of ``plan`` that cost budget: neither pending nor asked for in the last day."""
        now = self._clock()
        with self._lock:
            return sum(
                1
                for request in plan
                if request.key not in self._submitted
                and not self._budget.submitted_recently(request.key, now)
            )

    def day_budget(self) -> tuple[int, int]:
        """(reports a day, reports that limit this run: counted for longer than it waits)."""
        with self._lock:
            return self._budget.per_day, self._budget.used_beyond_the_longest_wait(self._clock())

    def _requeue(self, request: ReportRequest, *, until: float) -> None:
        with self._lock:
            self._throttled_until = until
            self._budget.forget(request.key)
            self._queue.appendleft(request)

    def _finish(self, submission: Submission, *, fatal: bool = False) -> None:
        with self._lock:
            self._submitted[submission.request.key] = submission
            if fatal:
                self._fatal = t.cast("RunAbortingError", submission.error)
            if submission.error is None:
                self.submitted_count += 1
            else:
                # Refused (401, 4xx) or never answered after its retries: the
                # API did not queue it, so it costs no budget. Kept, it would
                # shrink the day's budget for 24 h and make the next run wait
                # on a report that does not exist. (A request lost after the
                # API counted it is possible but unknowable; a 429 then says
                # so, and is waited out like any other.)
                self._budget.forget(submission.request.key)
            self._lock.notify_all()
        self._on_change()

    def _spend_day(self) -> None:
        with self._lock:
            self._spend_day_locked()

    def _spend_day_locked(self) -> None:
        self.budget_spent = True
        self._lock.notify_all()

    def _wait(self, seconds: float) -> None:
        with self._lock:
            self._lock.wait(min(seconds, 1.0))
