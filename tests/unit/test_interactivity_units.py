"""tap-brightcove-interactivity: single behaviours, without HTTP.

Typing cells, keying rows, the report budget and the submitter are checked
here on small inputs; everything that talks to the API is tested against the
emulator in ``test_interactivity_tap.py``.
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import logging
import threading
import time

import pytest

from tap_brightcove_interactivity import cells
from tap_brightcove_interactivity.budget import ReportBudget
from tap_brightcove_interactivity.client import ReportDataError, ReportStream, SpooledReport
from tap_brightcove_interactivity.row_keys import OccurrenceCounter
from tap_brightcove_interactivity.scheduler import (
    BudgetSpentError,
    ReportRequest,
    ReportScheduler,
    ReportThrottledError,
)
from tap_brightcove_interactivity.streams import STREAMS
from tap_brightcove_interactivity.tap import TapBrightcoveInteractivity

CONFIG = {
    "client_id": "id",
    "client_secret": "secret",
    "account_ids": ["111"],
    "start_date": "2026-01-01",
}


def stream(name: str, **settings):
    tap = TapBrightcoveInteractivity(config={**CONFIG, **settings}, setup_mapper=True)
    return tap.streams[name]


def request(report: str, report_format: str = "csv", start="2026-01-01", end="2026-01-31"):
    return ReportRequest(
        report,
        "111",
        datetime.date.fromisoformat(start),
        datetime.date.fromisoformat(end),
        report_format,
    )


def records(stream_, body: bytes, report_format: str = "csv") -> list[dict]:
    report = SpooledReport(io.BytesIO(body), len(body))
    req = request(stream_.name, report_format)
    return list(stream_.records_in_report(report, req))


def test_each_report_spec_is_one_report_stream_with_the_specs_keys():
    tap = TapBrightcoveInteractivity(config=CONFIG)
    assert sorted(tap.streams) == sorted(spec.name for spec in STREAMS)
    for spec in STREAMS:
        report = tap.streams[spec.name]
        assert type(report) is ReportStream
        assert report.spec is spec
        assert tuple(report.primary_keys) == spec.key_properties
    entries = {entry["tap_stream_id"]: entry for entry in tap.catalog_dict["streams"]}
    assert list(entries["user_stream_raw"]["key_properties"]) == ["row_key"]
    assert list(entries["chapter_summary"]["key_properties"]) == [
        "account_id", "report_start", "report_end", "row_key",
    ]  # fmt: skip


POLL_CSV = (
    b"annotation_id,project_ids,poll_type,prompt,response,answers_received\r\n"
    b'a1,"p1,p2,p1",MultipleChoice,"Best, really?",Yes,3\r\n'
    b"a1,,MultipleChoice,Best,No,\r\n"
)


def test_csv_cells_are_typed_lists_keep_repeats_and_empty_cells_are_null():
    rows = records(stream("poll_widget_summary"), POLL_CSV)
    assert [r["project_ids"] for r in rows] == [["p1", "p2", "p1"], None]
    assert [r["answers_received"] for r in rows] == [3, None]
    assert rows[0]["prompt"] == "Best, really?"
    assert {r["account_id"] for r in rows} == {"111"}
    assert {(r["report_start"], r["report_end"]) for r in rows} == {("2026-01-01", "2026-01-31")}
    assert len({r["row_key"] for r in rows}) == 2


def test_json_rows_give_the_same_records_as_csv():
    body = json.dumps(
        [
            {
                "annotation_id": "a1",
                "project_ids": ["p1", "p2", "p1"],
                "poll_type": "MultipleChoice",
                "prompt": "Best, really?",
                "response": "Yes",
                "answers_received": 3,
            },
            {
                "annotation_id": "a1",
                "project_ids": None,
                "poll_type": "MultipleChoice",
                "prompt": "Best",
                "response": "No",
                "answers_received": None,
            },
        ]
    ).encode()
    assert records(stream("poll_widget_summary"), body, "json") == records(
        stream("poll_widget_summary"), POLL_CSV
    )


def test_declared_types_and_times_in_utc():
    body = (
        b"session_start_time,play_session,prompt_title,auto_sign_in\r\n"
        b"2026-01-05 10:11:12.345000,0a1b2c3d,Hi,true\r\n"
        b"2026-01-05 10:11:13.000000,0a1b2c3e,Hi,FALSE\r\n"
    )
    rows = records(stream("signin_widget_detail"), body)
    assert [r["session_start_time"] for r in rows] == [
        "2026-01-05T10:11:12.345000+00:00",
        "2026-01-05T10:11:13+00:00",
    ]
    assert [r["auto_sign_in"] for r in rows] == [True, False]
    # Declared columns the report lacks are null.
    assert rows[0]["email"] is None
    assert "email" in rows[0]


def test_a_cell_that_does_not_fit_names_report_row_and_column():
    body = b"project_id,plays,play_rate\r\np1,12,0.5\r\np2,twelve,0.5\r\n"
    with pytest.raises(ReportDataError) as raised:
        records(stream("project_engagement_summary_raw"), body)
    message = str(raised.value)
    assert "project_engagement_summary_raw for account 111, 2026-01-01..2026-01-31" in message
    assert "row 2" in message
    assert "`plays`" in message
    assert "'twelve'" in message


def test_numbers_stay_exact_and_integers_refuse_fractions():
    rows = records(stream("project_engagement_summary_raw"), b"project_id,play_rate\r\np,0.1\r\n")
    assert rows[0]["play_rate"] == decimal.Decimal("0.1")
    with pytest.raises(ReportDataError, match="`loads`"):
        records(stream("project_engagement_summary_raw"), b"project_id,loads\r\np,1.5\r\n")


def test_identical_events_stay_two_rows_with_keys_stable_across_windows():
    header = b"when,action,user\r\n"
    twice = b"2026-01-05 10:00:00.000000,Play,u1\r\n" * 2
    other_day = b"2026-01-06 09:00:00.000000,Play,u1\r\n"
    events = stream("user_stream_raw")
    whole = records(events, header + twice + other_day)
    assert len({r["row_key"] for r in whole}) == 3
    # The same day read in another window (another report) keeps its keys.
    alone = records(stream("user_stream_raw"), header + twice)
    assert [r["row_key"] for r in alone] == [r["row_key"] for r in whole[:2]]


def test_occurrences_are_counted_per_value_set_past_the_table_growing():
    counter = OccurrenceCounter()
    distinct = [f"row-{n}" for n in range(5000)]  # several times the first table size
    assert [counter.count(text) for text in distinct] == [0] * 5000
    assert [counter.count(text) for text in distinct[:3]] == [1, 1, 1]
    assert counter.count("row-0") == 2
    assert counter.count("row-5000") == 0


def test_summary_key_follows_identity_so_a_reread_upserts():
    first = records(stream("chapter_summary"), b"id,views\r\nc1,3\r\n")
    later = records(stream("chapter_summary"), b"id,views\r\nc1,5\r\n")
    assert first[0]["row_key"] == later[0]["row_key"]


def test_undeclared_column_is_kept_as_text_and_announced_once(caplog):
    events = stream("experience_stream_raw")
    body = b"session,when,player_id\r\ns1,2026-01-05 10:00:00,42\r\ns2,2026-01-05 11:00:00,\r\n"
    with caplog.at_level(logging.WARNING):
        rows = records(events, body)
    assert [r["player_id"] for r in rows] == ["42", None]
    assert events.schema["properties"]["player_id"] == {"type": ["string", "null"]}
    assert sum("player_id" in message for message in caplog.messages) == 1


def test_json_report_that_is_not_an_array_is_refused():
    with pytest.raises(ReportDataError, match="not an array of rows"):
        records(stream("chapter_summary"), b'{"data": []}', "json")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:00", 0), ("01:02:03", 3723), ("23:59:59", 86399), ("136:21:00", 490860),
     ("1000:00:01", 3600001), (" 7:05:09 ", 25509), ("", None), (None, None)],
)  # fmt: skip
def test_durations_parse_as_whole_seconds_with_hours_past_24(text, seconds):
    assert cells.duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["1:2:3", "12:60:00", "12:00:60", "1.5", "-01:00:00", "1d 2h", 90])
def test_a_value_that_is_not_hh_mm_ss_is_refused(text):
    with pytest.raises(cells.CellError, match="hh:mm:ss"):
        cells.duration_seconds(text)


def test_duration_columns_get_seconds_beside_the_text_and_a_bad_one_warns_once(caplog):
    projects = stream("project_engagement_summary_raw")
    schema = projects.schema["properties"]
    assert schema["total_view_time"]["type"] == ["string", "null"]
    assert schema["total_view_time_seconds"]["type"] == ["integer", "null"]
    body = (
        b"project_id,total_view_time\r\np1,136:21:00\r\np2,00:01:05\r\np3,n/a\r\np4,\r\np5,soon\r\n"
    )
    with caplog.at_level(logging.WARNING):
        rows = records(projects, body)
    assert [(r["total_view_time"], r["total_view_time_seconds"]) for r in rows] == [
        ("136:21:00", 490860), ("00:01:05", 65), ("n/a", None), (None, None), ("soon", None),
    ]  # fmt: skip
    warnings = [m for m in caplog.messages if "not a duration" in m]
    assert len(warnings) == 1
    assert "project_engagement_summary_raw" in warnings[0]
    assert "`total_view_time`" in warnings[0]
    assert "'n/a'" in warnings[0]
    for report, column in [("user_engagement_summary_raw", "time_watched"),
                           ("experience_engagement_summary_raw", "total_view_time"),
                           ("chapter_summary", "chapter_time")]:  # fmt: skip
        props = stream(report).schema["properties"]
        assert props[f"{column}_seconds"]["type"] == ["integer", "null"], report


@pytest.mark.parametrize(
    ("body", "report_format"),
    [
        (b'[{"id": "c1", "views": 3}, {"id": "c2", "vi', "json"),
        (b'[{"id": "c1", "views": 3}', "json"),
        (b"id,chapter_title,views\r\nc1,One,3\r\nc2,Tw", "csv"),
        (b'id,chapter_title,views\r\nc1,One,3\r\nc2,"Two, an', "csv"),
    ],
)
def test_a_body_cut_short_does_not_parse(body, report_format):
    with pytest.raises(cells.BodyError):
        cells.count_rows(io.BytesIO(body), report_format)


def test_a_whole_body_counts_its_rows_quoted_newlines_included():
    body = b'id,chapter_title,views\r\nc1,"One\r\nline two",3\r\nc2,Two,4'
    assert cells.count_rows(io.BytesIO(body), "csv") == 2
    assert cells.count_rows(io.BytesIO(b'[{"id": "c1"}, {"id": "c2"}]'), "json") == 2


def test_a_year_of_events_is_asked_in_windows_of_at_most_six_months():
    tap = TapBrightcoveInteractivity(
        config={**CONFIG, "start_date": "2025-01-01", "end_date": "2025-12-31"}
    )
    tap.run_started_at = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC).timestamp()
    windows = tap.planned_reports("user_stream_raw", "111")
    assert [(w.start.isoformat(), w.end.isoformat()) for w in windows] == [
        ("2025-01-01", "2025-06-29"),  # 180 days, the default window_days
        ("2025-06-30", "2025-12-26"),
        ("2025-12-27", "2025-12-31"),
    ]
    assert all(w.days <= 183 for w in windows)


def test_halves_cover_the_window_without_overlap():
    left, right = request("user_stream_raw", start="2026-01-01", end="2026-01-04").halves()
    assert (left.start, left.end, right.start, right.end) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 1, 2),
        datetime.date(2026, 1, 3),
        datetime.date(2026, 1, 4),
    )
    odd_left, odd_right = request("user_stream_raw", start="2026-01-01", end="2026-01-03").halves()
    assert odd_left.days + odd_right.days == 3


# The budget ---------------------------------------------------------------------------


def test_budget_waits_for_the_minute_then_the_hour_and_stops_at_the_day():
    budget = ReportBudget(2, 3, 4, [])
    budget.record("a", 0.0)
    budget.record("b", 1.0)
    slot = budget.next_slot(2.0)
    assert slot.level.name == "minute"
    assert slot.wait_seconds == pytest.approx(59.0)
    budget.record("c", 61.0)
    slot = budget.next_slot(62.0)
    assert slot.level.name == "hour"
    assert not slot.day_limited
    budget.record("d", 3601.0)
    slot = budget.next_slot(3700.0)
    assert slot.level.name == "day"
    assert slot.day_limited


def test_the_days_budget_limits_a_run_only_by_what_ages_out_after_its_longest_wait():
    # Three reports sent at 03:00:05 one night; the next night's run starts at
    # 03:00:00, five seconds before they turn 24 hours old. It waits for them
    # (day_limited is false), so they do not limit it, and its plan must say so.
    budget = ReportBudget(4, 20, 3, [(5.0, "a"), (6.0, "b"), (7.0, "c")])
    next_night = 86_400.0
    assert budget.used_in_last_day(next_night) == 3
    assert not budget.next_slot(next_night).day_limited
    assert budget.used_beyond_the_longest_wait(next_night) == 0
    # Two hours earlier the day's budget is really spent for this run.
    assert budget.next_slot(next_night - 7200).day_limited
    assert budget.used_beyond_the_longest_wait(next_night - 7200) == 3


def test_budget_history_round_trips_through_state_and_forgets_after_a_day():
    budget = ReportBudget(4, 20, 100, [])
    budget.record("a", 100.0)
    restored = ReportBudget(4, 20, 100, [(at / 1000, key) for at, key in budget.to_state(200.0)])
    assert restored.submitted_recently("a", 200.0)
    assert restored.used_in_last_day(200.0) == 1
    assert not restored.submitted_recently("a", 100.0 + 86_401)
    assert restored.to_state(100.0 + 86_401) == []


def test_scheduler_gives_a_throttled_place_back_and_tries_again():
    clock = [0.0]
    tries: list[str] = []

    def submit(req: ReportRequest) -> None:
        tries.append(req.key)
        if len(tries) == 1:
            clock[0] += 1.0
            raise ReportThrottledError("429")

    budget = ReportBudget(10, 10, 10, [])
    scheduler = ReportScheduler(
        budget=budget,
        clock=lambda: clock[0],
        submit=submit,
        on_change=lambda: None,
        logger=logging.getLogger("test"),
    )
    req = request("chapter_summary")
    scheduler.start([req])
    waiter = threading.Thread(target=lambda: clock.__setitem__(0, 1_000.0))
    threading.Timer(0.3, waiter.start).start()
    submission = scheduler.wait_submitted(req)
    scheduler.stop()
    assert tries == [req.key, req.key]
    assert submission.request == req
    assert budget.used_in_last_day(clock[0]) == 1  # the refused try is not counted


def test_scheduler_stops_submitting_when_the_day_is_spent():
    budget = ReportBudget(10, 10, 1, [(0.0, "earlier")])
    scheduler = ReportScheduler(
        budget=budget,
        clock=lambda: 10.0,
        submit=lambda req: None,
        on_change=lambda: None,
        logger=logging.getLogger("test"),
    )
    req = request("chapter_summary")
    scheduler.start([req])
    with pytest.raises(BudgetSpentError):
        scheduler.wait_submitted(req)
    scheduler.stop()
    assert scheduler.budget_spent
    assert scheduler.remaining == 1


def test_scheduler_says_what_waits_for_the_budget_and_until_when(caplog):
    budget = ReportBudget(1, 10, 10, [(0.0, "earlier")])
    scheduler = ReportScheduler(
        budget=budget,
        clock=lambda: 10.0,
        submit=lambda req: None,
        on_change=lambda: None,
        logger=logging.getLogger("test-budget-wait"),
    )
    req = request("chapter_summary")
    with caplog.at_level(logging.INFO, logger="test-budget-wait"):
        scheduler.start([req])
        deadline = time.monotonic() + 10
        while not caplog.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # the submitter looks again every second: still one line
        scheduler.stop()
    assert len(caplog.messages) == 1
    line = caplog.messages[0]
    assert "chapter_summary for account 111, 2026-01-01..2026-01-31" in line
    assert "waits 51 s, until 1970-01-01 00:01:01 UTC" in line
    assert "1-a-minute limit" in line


def test_a_plan_beyond_the_days_budget_says_how_many_reports_and_days(caplog):
    tap = TapBrightcoveInteractivity(
        config={**CONFIG, "account_ids": ["111", "222"], "start_date": "2016-01-01"},
        setup_mapper=True,
    )
    tap.run_started_at = datetime.datetime(2026, 1, 31, 12, tzinfo=datetime.UTC).timestamp()
    plan = tap.report_plan()
    # 3,684 days in windows of 180: 21 per event report and account; 7 summaries.
    assert len(plan) == 2 * (5 * 21 + 7) == 224
    with caplog.at_level(logging.INFO):
        tap.log_plan(plan)
    warning = next(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "plans 224 new report(s)" in warning
    assert "100 of reports_per_day=100" in warning
    assert "takes 3 day(s) of daily runs" in warning
    assert "This run requests 100" in warning
    assert "spreads today's 100 over at least 4 h" in warning
