"""tap-brightcove-interactivity: settings, the stream list and the run's report plan."""

from __future__ import annotations

import datetime
import math
import threading
import typing as t
from functools import cached_property

import requests
from singer_sdk import typing as th
from singer_sdk.authenticators import APIKeyAuthenticator

from tap_brightcove_interactivity import streams
from tap_brightcove_interactivity.budget import DAY, ReportBudget, from_state_time
from tap_brightcove_interactivity.cells import REPORT_FORMATS
from tap_brightcove_interactivity.scheduler import ReportRequest, ReportScheduler, Submission
from video_taps_common.brightcove_oauth import BRIGHTCOVE_OAUTH_URL, BrightcoveOAuthAuthenticator
from video_taps_common.errors import InvalidInputError
from video_taps_common.settings import (
    account_ids_property,
    client_credentials_properties,
    parse_datetime,
    request_timeout_property,
)
from video_taps_common.tap_base import CLEAR_STATE_HINT, RenamedSetting, VideoTap

if t.TYPE_CHECKING:
    from tap_brightcove_interactivity.client import ReportStream

DEFAULT_API_URL = "https://interactivity-reporting.api.brightcove.com/api/reports/v2"
#: docs/vendors/brightcove-interactivity.md#authentication: the legacy HapYak reporting key travels
#: in this header.
API_KEY_HEADER = "X-Hapyak-API-Key"
#: docs/vendors/brightcove-interactivity.md#limits: "limits the time range ... to six months";
#: the doc gives no day count, and 183 days is six months of any calendar.
MAX_WINDOW_DAYS = 183
#: docs/vendors/brightcove-interactivity.md#limits: "limits the returned results to 500,000 rows ...
#: Output beyond this limit is omitted".
DOCUMENTED_ROW_LIMIT = 500_000
#: docs/vendors/brightcove-interactivity.md#limits: "4 reports per minute; 20 per hour; and 100 per
#: day".
DOCUMENTED_PER_MINUTE, DOCUMENTED_PER_HOUR, DOCUMENTED_PER_DAY = 4, 20, 100
#: Reports named in one log line before "and N more".
SHOWN_REPORTS = 5
#: Run-level state (the budget's history and pending reports), beside ``bookmarks``.
REPORTS_STATE_KEY = "interactivity_reports"
#: A report body can be large and is read in one response; a read that stalls
#: this long is a dead connection.
REQUEST_TIMEOUT_SECONDS = 120


def seconds_to_milliseconds(seconds: t.Any) -> int:  # noqa: ANN401 - any JSON value
    """A number of seconds (or its text) as whole milliseconds; ``TypeError`` for anything else.

    ``true`` is refused, though Python counts it as 1: no one means one second by it.
    """
    if isinstance(seconds, bool):
        msg = "a boolean is not a number of seconds"
        raise TypeError(msg)
    return round(float(seconds) * 1000)


class TapBrightcoveInteractivity(VideoTap):
    """Singer tap for the Brightcove Interactivity engagement reports."""

    name = "tap-brightcove-interactivity"

    config_jsonschema = th.PropertiesList(
        *client_credentials_properties(
            vendor="Brightcove OAuth",
            client_id_description=(
                "Brightcove OAuth client id (Interactivity read); or use api_key."
            ),
            oauth_url=BRIGHTCOVE_OAUTH_URL,
            required=False,
        ),
        account_ids_property(),
        th.Property(
            "api_key",
            th.StringType(min_length=1),
            secret=True,
            title="Reporting API Key",
            description=(
                "The reporting API key from the Interactivity admin's Integrations tab, sent "
                f"as {API_KEY_HEADER}; instead of client_id and client_secret."
            ),
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            required=True,
            title="Start Date",
            description="First UTC day to sync for the event and daily reports.",
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            title="End Date",
            description="Last UTC day to sync; defaults to today (by the API's clock).",
        ),
        th.Property(
            "api_url",
            th.StringType,
            default=DEFAULT_API_URL,
            title="API URL",
            description="Reporting API root; the report name is appended.",
        ),
        th.Property(
            "report_format",
            th.StringType,
            default="csv",
            allowed_values=list(REPORT_FORMATS),
            title="Report Format",
            description="csv or json; both give the same records.",
        ),
        th.Property(
            "window_days",
            th.IntegerType(minimum=1, maximum=MAX_WINDOW_DAYS),
            default=180,
            title="Window Days",
            description="Days per report of the event reports (the API allows six months).",
        ),
        th.Property(
            "summary_grain",
            th.StringType,
            default="window",
            allowed_values=["window", "day"],
            title="Summary Grain",
            description=(
                "window: one report per summary over the last summary_days days, each sync; "
                "day: one report per day (each day costs one report of the daily budget)."
            ),
        ),
        th.Property(
            "summary_days",
            th.IntegerType(minimum=1, maximum=MAX_WINDOW_DAYS),
            default=30,
            title="Summary Days",
            description="Days the summary reports cover with summary_grain=window.",
        ),
        th.Property(
            # Whole milliseconds, not fractional seconds: Meltano 4.4 cannot give a
            # fractional number from an environment variable (its `decimal` kind
            # fails to serialise the value), and every setting must work from one.
            "poll_interval_milliseconds",
            th.IntegerType(minimum=50, maximum=600_000),
            default=5000,
            title="Poll Interval Milliseconds",
            description=(
                "First wait, in milliseconds, between checks of a report being generated; "
                "it grows with the time the report has taken."
            ),
        ),
        th.Property(
            "report_timeout_seconds",
            th.IntegerType(minimum=1),
            default=1800,
            title="Report Timeout Seconds",
            description="A report still being generated after this long ends the sync.",
        ),
        *(
            th.Property(
                f"reports_per_{period}",
                th.IntegerType(minimum=1),
                default=default,
                title=f"Reports Per {period.title()}",
                description=f"New reports per {period}, for all streams together{note}.",
            )
            for period, default, note in (
                ("minute", DOCUMENTED_PER_MINUTE, " (API default: 4)"),
                ("hour", DOCUMENTED_PER_HOUR, " (API default: 20)"),
                ("day", DOCUMENTED_PER_DAY, " (API default: 100); the run stops when spent"),
            )
        ),
        th.Property(
            "report_row_limit",
            th.IntegerType(minimum=2),
            default=DOCUMENTED_ROW_LIMIT,
            title="Report Row Limit",
            description="The API's row cap; a report this long is split into smaller windows.",
        ),
        request_timeout_property(REQUEST_TIMEOUT_SECONDS),
    ).to_dict()

    # The SDK's ArrayType has no minItems; an empty list would sync nothing silently.
    config_jsonschema["properties"]["account_ids"]["minItems"] = 1

    #: 0.1's fractional seconds became whole milliseconds (see the Property's comment).
    renamed_settings = (
        RenamedSetting(
            "poll_interval_seconds",
            "poll_interval_milliseconds",
            convert=seconds_to_milliseconds,
            old_kind="a number of seconds",
            new_kind="a whole number of milliseconds",
        ),
    )

    def cross_setting_errors(self, config: t.Mapping[str, t.Any]) -> list[str]:
        """Exactly one way to authenticate: OAuth client credentials, or the reporting key."""
        has_key = bool(config.get("api_key"))
        client = [name for name in ("client_id", "client_secret") if config.get(name)]
        if has_key and client:
            return [
                "set either `api_key` or `client_id` and `client_secret`, not both: "
                "the tap would not know which credential to use"
            ]
        if not has_key and not client:
            return [
                "missing credentials: set `client_id` and `client_secret` (Brightcove OAuth) "
                "or `api_key` (the reporting API key)"
            ]
        if client and len(client) < 2:  # noqa: PLR2004 - the pair
            missing = "client_secret" if client == ["client_id"] else "client_id"
            return [f"`client_id` and `client_secret` go together: `{missing}` is missing"]
        return []

    def discover_streams(self) -> list[ReportStream]:
        """One stream per report spec in ``streams.STREAMS``."""
        return streams.report_streams(self)

    # Settings, read once -----------------------------------------------------------

    @cached_property
    def account_ids(self) -> list[str]:
        """Configured accounts as strings, duplicates dropped, order kept."""
        return list(dict.fromkeys(str(account) for account in self.config["account_ids"]))

    @property
    def uses_api_key(self) -> bool:
        """The reporting key rather than OAuth client credentials."""
        return bool(self.config.get("api_key"))

    @property
    def credential_settings(self) -> str:
        """The settings to check when the API refuses the credential."""
        return (
            "`api_key` setting" if self.uses_api_key else "`client_id` and `client_secret` settings"
        )

    @property
    def summary_by_day(self) -> bool:
        """``summary_grain=day``: summaries are incremental, one report per day."""
        return self.config.get("summary_grain") == "day"

    @property
    def report_row_limit(self) -> int:
        """Rows at which a report is taken as cut by the API."""
        return int(self.config["report_row_limit"])

    @cached_property
    def authenticator(self) -> BrightcoveOAuthAuthenticator | APIKeyAuthenticator:
        """Brightcove OAuth, or the reporting key.

        docs/vendors/brightcove-interactivity.md#authentication.
        """
        if self.uses_api_key:
            return APIKeyAuthenticator(
                key=API_KEY_HEADER, value=self.config["api_key"], location="header"
            )
        return BrightcoveOAuthAuthenticator(
            client_id=self.config["client_id"],
            client_secret=self.config["client_secret"],
            auth_endpoint=self.config["oauth_url"],
            timeout_seconds=float(self.config["request_timeout_seconds"]),
        )

    # The API's clock -------------------------------------------------------------------

    @property
    def clock_from_token_answer(self) -> bool:  # type: ignore[override]
        """With OAuth, the token answer's clock; the reporting key gets no token answer."""
        return not self.uses_api_key

    def read_api_clock(self) -> None:
        """OAuth: the token answer. The reporting key: the ``Date`` of the API's answer to its root.

        "Today" and the report budget must be the API's: a machine whose clock
        is behind would plan no window at all (exit 0, no rows), one ahead
        would bookmark days the API has not reached. A GET of ``api_url``
        names no report, so whatever it answers (a 404 most likely) costs no
        report budget; the key is not sent with it. If it cannot be read, the
        machine's clock is used, with a WARNING.
        """
        if not self.uses_api_key:
            super().read_api_clock()
            return
        url = str(self.config["api_url"])
        fallback = "using this machine's clock for today's date and the report budget"
        try:
            response = requests.get(
                url, timeout=float(self.config["request_timeout_seconds"]), allow_redirects=False
            )
        except requests.exceptions.RequestException as error:
            self.logger.warning(
                "Could not read the API's clock from %s (setting `api_url`: %s): %s",
                url,
                type(error).__name__,
                fallback,
            )
            return
        response.close()
        if not self.note_api_date(response):
            self.logger.warning("%s answered without a Date header: %s", url, fallback)

    def api_clock(self) -> float:
        """Seconds since the epoch by the API's clock (``api_now``).

        "Today", the budget's minute, hour and day, and report ages are all the
        API's (``read_api_clock``).
        """
        return self.api_now().timestamp()

    #: ``sync_started_at`` as seconds, once this run's sync began; 0 before.
    run_started_at: float = 0.0

    @property
    def last_day(self) -> datetime.date:
        """The last UTC day this run asks for: today, or ``end_date`` if earlier."""
        today = datetime.datetime.fromtimestamp(self.run_started_at, datetime.UTC).date()
        end_date = self.config.get("end_date")
        return min(today, parse_datetime(end_date).date()) if end_date else today

    # The run ---------------------------------------------------------------------------

    def prepare_run(self) -> None:
        """Plan every report and start submitting them ahead under the budget."""
        self.start_run()

    def finish_run(self) -> None:
        """Stop submitting, keep the budget and the pending reports in the state, say what is left.

        Also after a failed sync: reports submitted but not read are kept, so
        the next run reads them instead of paying for them again.
        """
        scheduler = self.scheduler
        scheduler.stop()
        self.save_report_state()
        self.state_writer.write_state(self.state)
        if scheduler.budget_spent:
            self.logger.warning(
                "The day's report budget is spent (reports_per_day=%d): %d planned "
                "report(s) were not requested. Every finished window is saved; the next "
                "run resumes from there.",
                int(self.config["reports_per_day"]),
                scheduler.remaining,
            )

    def start_run(self) -> None:
        """Read the API's clock, plan and start submitting (once).

        ``prepare_run`` calls it, after the credentials were proven; a stream
        calls it too, for runs that do not go through ``sync_all`` (the SDK's
        ``--test`` and its test runner's dry run).
        """
        with self._run_lock:
            if self.run_started_at:
                return
            self.run_started_at = self.sync_started_at.timestamp()
            scheduler = self.scheduler  # first: it reads the pending reports the plan reuses
            plan = self.report_plan()
            self.log_plan(plan)
            scheduler.start(plan)

    def log_plan(self, plan: list[ReportRequest]) -> None:
        """Say up front what the run asks for and, if the day's budget cannot cover it, how long.

        A long backfill otherwise looks like a tap that hangs: 100 reports a
        day at 20 an hour take five hours, and ten years of events take days.
        """
        resumed = self._pending_from_state
        if resumed:
            shown = "; ".join(sub.request.describe() for sub in resumed[:SHOWN_REPORTS])
            more = (
                f"; and {len(resumed) - SHOWN_REPORTS} more" if len(resumed) > SHOWN_REPORTS else ""
            )
            self.logger.info(
                "Resuming %d report(s) an earlier run submitted but did not read (the API "
                "keeps them a day, so reading them costs no budget): %s%s",
                len(resumed),
                shown,
                more,
            )
        new = self.scheduler.new_reports(plan)
        per_day, used = self.scheduler.day_budget()
        left = max(per_day - used, 0)
        today = min(new, left)
        per_hour = int(self.config["reports_per_hour"])
        hours = (today - 1) // per_hour if today and per_hour else 0
        spread = (
            f"; the limit of {per_hour} an hour spreads today's {today} over at least {hours} h"
            if hours
            else ""
        )
        if new <= left:
            self.logger.info(
                "This run plans %d report(s), %d of them new; the day's budget has %d of %d left%s",
                len(plan),
                new,
                left,
                per_day,
                spread,
            )
            return
        days = (1 if left else 0) + math.ceil((new - left) / per_day)
        self.logger.warning(
            "This run plans %d new report(s), more than the day's report budget has left "
            "(%d of reports_per_day=%d; %d counted in the last 24 hours): the plan takes %d "
            "day(s) of daily runs. This run requests %d and ends when the day's budget is "
            "spent; each next run resumes from the saved bookmarks%s.",
            new,
            left,
            per_day,
            used,
            days,
            today,
            spread,
        )

    @cached_property
    def _run_lock(self) -> threading.Lock:
        return threading.Lock()

    def report_plan(self) -> list[ReportRequest]:
        """Every report of the run, in the order the streams will read them."""
        return [
            request
            for stream in self.streams.values()
            if stream.selected
            for account in self.account_ids
            for request in self.planned_reports(stream.name, account)
        ]

    def planned_reports(self, stream_name: str, account: str) -> list[ReportRequest]:
        """The windows one stream reads for one account in this run, oldest first."""
        key = (stream_name, account)
        if key not in self._plans:
            self._plans[key] = self._plan_windows(
                t.cast("ReportStream", self.streams[stream_name]), account
            )
        return self._plans[key]

    @cached_property
    def _plans(self) -> dict[tuple[str, str], list[ReportRequest]]:
        return {}

    def _plan_windows(self, stream: ReportStream, account: str) -> list[ReportRequest]:
        report_format = str(self.config["report_format"])
        last = self.last_day
        if stream.spec.grain == "summary" and not self.summary_by_day:
            days = int(self.config["summary_days"])
            first = last - datetime.timedelta(days=days - 1)
            return [ReportRequest(stream.name, account, first, last, report_format)]
        width = 1 if stream.spec.grain == "summary" else int(self.config["window_days"])
        cursor = self._first_day(stream, account)
        pending = {
            (sub.request.start, sub.request.report_format): sub.request
            for sub in self._pending_from_state
            if (sub.request.report, sub.request.account_id) == (stream.name, account)
        }
        windows = []
        while cursor <= last:
            end = min(cursor + datetime.timedelta(days=width - 1), last)
            earlier = pending.get((cursor, report_format))
            if earlier is not None and earlier.end <= last:
                end = earlier.end  # submitted by an earlier run: read it rather than pay again
            windows.append(ReportRequest(stream.name, account, cursor, end, report_format))
            cursor = end + datetime.timedelta(days=1)
        return windows

    def _first_day(self, stream: ReportStream, account: str) -> datetime.date:
        """The bookmark's day (read again: it may have been incomplete), else ``start_date``."""
        bookmark = stream.saved_bookmark({"account_id": account})
        return parse_datetime(bookmark or str(self.config["start_date"])).date()

    # Budget and pending reports, kept in STATE -----------------------------------------

    @cached_property
    def scheduler(self) -> ReportScheduler:
        """The run's one submitter: every stream's reports share its budget."""
        history, self._pending_from_state = self._saved_report_state()
        budget = ReportBudget(
            int(self.config["reports_per_minute"]),
            int(self.config["reports_per_hour"]),
            int(self.config["reports_per_day"]),
            history,
        )
        by_name = t.cast("dict[str, ReportStream]", self.streams)
        return ReportScheduler(
            budget=budget,
            clock=self.api_clock,
            submit=lambda request: by_name[request.report].submit_report(request),
            on_change=self.save_report_state,
            logger=self.logger,
            pending=self._pending_from_state,
        )

    _pending_from_state: t.ClassVar[list[Submission]] = []

    def save_report_state(self) -> None:
        """Put the budget's last day and the pending reports into the state."""
        self.state[REPORTS_STATE_KEY] = self.scheduler.snapshot()

    def load_state(self, state: dict[str, t.Any]) -> None:
        """The SDK keeps only ``bookmarks``; the report budget's entry is kept too."""
        super().load_state(state)
        if REPORTS_STATE_KEY in state:
            self.state[REPORTS_STATE_KEY] = state[REPORTS_STATE_KEY]

    def _saved_report_state(self) -> tuple[list[tuple[float, str]], list[Submission]]:
        saved = self.state.get(REPORTS_STATE_KEY) or {}
        now = self.run_started_at or self.api_clock()
        try:
            history = [(from_state_time(at), str(key)) for at, key in saved.get("submitted", [])]
            pending = [
                Submission(ReportRequest.from_state(entry), from_state_time(entry["submitted_at"]))
                for entry in saved.get("pending", [])
            ]
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            msg = (
                f"The state's `{REPORTS_STATE_KEY}` entry is not what this tap writes "
                f"({type(error).__name__}: {error}). {CLEAR_STATE_HINT}"
            )
            raise InvalidInputError(msg) from error
        # The API caches a finished report for a day: an older one would run again.
        fresh = [sub for sub in pending if now - sub.submitted_at < DAY]
        return history, fresh


if __name__ == "__main__":
    TapBrightcoveInteractivity.cli()
