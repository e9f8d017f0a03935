"""The Interactivity emulator's ground truth as the tap tests reconcile with it."""

from __future__ import annotations

import datetime
import decimal
import json
from collections import Counter

from tap_brightcove_interactivity.schemas import REPORTS_BY_NAME
from video_api_emulator import truth as emulator_truth
from video_api_emulator.process import EmulatorProcess

TAP = "tap-brightcove-interactivity"
START = "2026-01-01T00:00:00+00:00"
CLIENT_ID = "emulator-client-id"
CLIENT_SECRET = "emulator-client-secret"
API_KEY = "emulator-interactivity-key"
ACCOUNTS = ["6415818918001", "6415818919001"]
EVENT_REPORTS = sorted(name for name, spec in REPORTS_BY_NAME.items() if spec.grain == "event")
SUMMARY_REPORTS = sorted(name for name, spec in REPORTS_BY_NAME.items() if spec.grain == "summary")
#: Emulator knobs that make a sync quick: short generation, no report budget.
FAST = {
    "interactivity_generation_seconds": 0.2,
    "interactivity_reports_per_minute": 0,
    "interactivity_reports_per_hour": 0,
    "interactivity_reports_per_day": 0,
    "interactivity_rows_per_day": 6,
    "interactivity_entities": 4,
}
#: The tap's budget to match ``FAST`` (the settings' minimum is 1 a minute).
UNLIMITED = {"reports_per_minute": 10_000, "reports_per_hour": 10_000, "reports_per_day": 10_000}


def interactivity_config(emulator: EmulatorProcess, **overrides: object) -> dict:
    """The tap's settings against the emulator: OAuth, both accounts, quick polling."""
    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "account_ids": ACCOUNTS,
        "start_date": START,
        "api_url": f"{emulator.url}/interactivity-reporting/api/reports/v2",
        "oauth_url": f"{emulator.url}/oauth/v4/access_token",
        "poll_interval_milliseconds": 100,
        "summary_days": 31,
        **UNLIMITED,
    }
    config.update(overrides)
    return config


def horizon_day(emulator: EmulatorProcess) -> datetime.date:
    """The emulator's "today" (its horizon's UTC day)."""
    return datetime.date.fromisoformat(emulator.horizon()["horizon"][:10])


def report_truth(
    emulator: EmulatorProcess, report: str, account: str, start: str, end: str
) -> list[dict]:
    """Every row of the report as the JSON format holds it (uncapped)."""
    answer = emulator.truth(
        "brightcove_interactivity",
        report=report,
        account_id=account,
        start=start,
        end=end,
        records=True,
    )
    assert answer["total_rows"] == len(answer["rows"])
    return answer["rows"]


def submissions(emulator: EmulatorProcess) -> list[dict]:
    """Reports the emulator counted (and refused), oldest first."""
    return emulator.truth("brightcove_interactivity", what="submissions")["submissions"]


def as_emitted(report: str, row: dict) -> dict:
    """What the tap must emit for an API row (without its own key columns)."""
    spec = REPORTS_BY_NAME[report]
    declared = spec.declared
    record: dict = dict.fromkeys(declared)
    for name, value in row.items():
        record[name] = _typed(declared.get(name, "string"), value)
    for name, seconds in spec.durations.items():
        record[seconds] = hms_seconds(row.get(name))
    return record


def hms_seconds(text: object) -> int | None:
    """``136:21:00`` as 490860: the test's own reading of the emulator's durations."""
    if not text:
        return None
    hours, minutes, seconds = str(text).split(":")
    return (int(hours) * 60 + int(minutes)) * 60 + int(seconds)


def _typed(kind: str, value: object) -> object:
    if value is None or value == "":
        return None
    if kind == "date-time":
        moment = datetime.datetime.fromisoformat(str(value)).replace(tzinfo=datetime.UTC)
        return moment.isoformat()
    if kind == "number":
        return decimal.Decimal(str(value))
    if kind == "string" and not isinstance(value, str):
        return json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    return value


def without_keys(record: dict) -> dict:
    """A record minus the tap's own columns, every number written one way (3 == 3.0)."""
    own = {"row_key", "account_id", "report_start", "report_end"}
    return {k: _same_number(v) for k, v in record.items() if k not in own}


def _same_number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
        return value
    return format(decimal.Decimal(str(value)).normalize(), "f")


def as_multiset(records: list[dict]) -> Counter:
    """Records as a comparable multiset (order and the tap's key columns aside)."""
    return Counter(json.dumps(without_keys(r), sort_keys=True, default=str) for r in records)


def expected_row_count(
    emulator: EmulatorProcess,
    report: str,
    *,
    accounts: list[str] = ACCOUNTS,
    start_day: str = START[:10],
    summary_days: int = 30,
) -> int:
    """Rows a sync from ``start_day`` to the emulator's today lands for ``report``.

    Event reports: every row since ``start_day``; summaries (window grain): the
    last ``summary_days`` days' report.
    """
    return emulator_truth.interactivity_rows(
        emulator,
        report,
        accounts=accounts,
        first=datetime.date.fromisoformat(start_day),
        summary_days=summary_days,
    )
