"""tap-brightcove-interactivity against the emulator, through its real CLI over loopback HTTP.

Each test reconciles what the tap emitted with the emulator's ground truth
(rows, counts, types, state) and with what the emulator saw the tap ask for.
"""

from __future__ import annotations

import datetime
import json
import time

import pytest

from tests.support.interactivity import (
    ACCOUNTS,
    API_KEY,
    CLIENT_SECRET,
    EVENT_REPORTS,
    FAST,
    SUMMARY_REPORTS,
    TAP,
    as_emitted,
    as_multiset,
    hms_seconds,
    horizon_day,
    interactivity_config,
    report_truth,
    submissions,
)
from tests.taprun import TapRun, discover, run_tap, select_only
from video_api_emulator.process import EmulatorProcess

START_DAY = "2026-01-01"


def sync(emulator: EmulatorProcess, streams, state=None, **settings) -> TapRun:
    config = interactivity_config(emulator, **settings)
    catalog = select_only(discover(TAP, config), set(streams))
    return run_tap(TAP, config, catalog=catalog, state=state)


def assert_ok(run: TapRun) -> None:
    assert run.returncode == 0, run.stderr[-3000:]


def expected(emulator, report: str, account: str, start: str, end: str):
    return as_multiset(
        [as_emitted(report, row) for row in report_truth(emulator, report, account, start, end)]
    )


def report_requests(emulator: EmulatorProcess) -> list[dict]:
    """The report requests the emulator received (path and query), oldest first."""
    return [
        request
        for request in emulator.stats()["recent_requests"]
        if "/interactivity-reporting/" in request["path"]
    ]


# Records ---------------------------------------------------------------------------


def test_every_report_arrives_exactly_as_the_api_holds_it(emulator):
    emulator.reset(**FAST)
    today = horizon_day(emulator).isoformat()
    summary_start = (horizon_day(emulator) - datetime.timedelta(days=30)).isoformat()
    run = sync(emulator, EVENT_REPORTS + SUMMARY_REPORTS, window_days=20)
    assert_ok(run)

    for report in EVENT_REPORTS + SUMMARY_REPORTS:
        emitted = run.records[report]
        assert len({r["row_key"] for r in emitted}) == len(emitted), report
        first = START_DAY if report in EVENT_REPORTS else summary_start
        for account in ACCOUNTS:
            mine = run.records_for(report, account)
            assert as_multiset(mine) == expected(emulator, report, account, first, today), report
            assert mine, f"{report} has no rows for {account}: the test proves nothing"
        if report in SUMMARY_REPORTS:
            assert {(r["report_start"], r["report_end"]) for r in emitted} == {
                (summary_start, today)
            }
    # Types as a user's warehouse sees them.
    event = run.records["user_stream_raw"][0]
    assert event["when"].endswith("+00:00")
    assert isinstance(event["video_time"], (int, float))
    # Durations: the text as the API gives it and whole seconds beside it,
    # hours past 24 included (a month's view time of a project).
    for report, column in [
        ("project_engagement_summary_raw", "total_view_time"),
        ("experience_engagement_summary_raw", "total_view_time"),
        ("user_engagement_summary_raw", "time_watched"),
        ("chapter_summary", "chapter_time"),
    ]:
        pairs = [(r[column], r[f"{column}_seconds"]) for r in run.records[report]]
        assert pairs, report
        assert all(isinstance(text, str) and isinstance(secs, int) for text, secs in pairs)
        assert all(secs == hms_seconds(text) for text, secs in pairs), report
    long_ones = [
        r["total_view_time"]
        for r in run.records["project_engagement_summary_raw"]
        if r["total_view_time_seconds"] > 24 * 3600
    ]
    assert long_ones, "no duration over 24 h: the test proves nothing"
    assert all(int(text.split(":")[0]) >= 24 for text in long_ones)
    poll = run.records["poll_widget_summary"]
    assert all(isinstance(r["project_ids"], list) for r in poll)
    assert any(len(r["project_ids"]) > len(set(r["project_ids"])) for r in poll), "no repeats"
    # Event reports read Jan 1..31 in windows of at most 20 days, then bookmark today.
    for report in EVENT_REPORTS:
        assert run.bookmarks(report) == dict.fromkeys(ACCOUNTS, f"{today}T00:00:00+00:00")
    spans = [
        (r["query"]["start"], r["query"]["end"])
        for r in report_requests(emulator)
        if r["path"].endswith("/user_stream_raw") and r["query"]["account_id"] == ACCOUNTS[0]
    ]
    assert sorted(set(spans)) == [(START_DAY, "2026-01-20"), ("2026-01-21", today)]


def test_identical_events_are_two_rows_and_undeclared_columns_are_kept(emulator):
    emulator.reset(**FAST)
    run = sync(emulator, ["project_stream_raw"], account_ids=ACCOUNTS[:1])
    assert_ok(run)
    records = run.records["project_stream_raw"]
    values = [
        json.dumps({k: v for k, v in r.items() if k != "row_key"}, sort_keys=True) for r in records
    ]
    assert len(set(values)) < len(values), "the emulator served no identical events"
    assert len({r["row_key"] for r in records}) == len(records)
    # player_id is not declared: an updated SCHEMA announces it before the first record.
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    first_with = next(
        i for i, m in enumerate(lines) if m["type"] == "RECORD" and "player_id" in m["record"]
    )
    schemas = [
        i
        for i, m in enumerate(lines)
        if m["type"] == "SCHEMA" and "player_id" in m["schema"]["properties"]
    ]
    assert schemas
    assert schemas[0] < first_with
    assert lines[schemas[0]]["schema"]["properties"]["player_id"] == {"type": ["string", "null"]}
    assert any(r["player_id"] for r in records)
    assert run.stderr.count("does not declare") == 1


def singer_messages(run: TapRun) -> list[dict]:
    return [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]


def test_the_catalogs_key_properties_reach_every_schema_message(emulator):
    emulator.reset(**FAST)
    config = interactivity_config(emulator, account_ids=ACCOUNTS[:1])
    catalog = select_only(discover(TAP, config), {"chapter_summary", "project_stream_raw"})
    keys = {
        "chapter_summary": ["account_id", "report_start", "report_end", "id"],
        "project_stream_raw": ["account_id", "row_key"],
    }
    for entry in catalog["streams"]:
        name = entry["tap_stream_id"]
        if name not in keys:
            continue
        (root,) = [m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == []]
        root["table-key-properties"] = keys[name]
        if name == "chapter_summary":
            entry.pop("key_properties")  # a catalog may name them in its metadata only
        else:
            entry["key_properties"] = keys[name]
    run = run_tap(TAP, config, catalog=catalog)
    assert_ok(run)

    schemas = [m for m in singer_messages(run) if m["type"] == "SCHEMA"]
    for name, names in keys.items():
        mine = [m for m in schemas if m["stream"] == name]
        assert mine, name
        assert [m.get("key_properties") for m in mine] == [names] * len(mine), name
        assert run.records[name], name
    # project_stream_raw's undeclared player_id is announced in a second SCHEMA, same keys.
    assert any(
        "player_id" in m["schema"]["properties"]
        for m in schemas
        if m["stream"] == "project_stream_raw"
    )


def test_stream_maps_apply_to_the_records_carrying_an_undeclared_column(emulator):
    emulator.reset(**FAST)
    maps = {
        "project_stream_raw": {
            "__alias__": "project_actions",
            "player": "player_id",
            "source": "'interactivity'",
            "details": None,
        }
    }
    run = sync(emulator, ["project_stream_raw"], account_ids=ACCOUNTS[:1], stream_maps=maps)
    assert_ok(run)
    messages = singer_messages(run)
    assert not [m for m in messages if m.get("stream") == "project_stream_raw"]
    records = run.records["project_actions"]
    with_player = [r for r in records if r["player_id"]]
    assert with_player, "the emulator served no player_id: the test proves nothing"
    assert all(r["player"] == r["player_id"] for r in records)
    assert {r["source"] for r in records} == {"interactivity"}
    assert not [r for r in records if "details" in r]
    # The SCHEMA announcing the new column is the mapped one, before its first record.
    first_with = next(
        i for i, m in enumerate(messages) if m["type"] == "RECORD" and "player_id" in m["record"]
    )
    (announcing,) = [
        m
        for m in messages[:first_with]
        if m["type"] == "SCHEMA" and "player_id" in m["schema"]["properties"]
    ]
    assert announcing["stream"] == "project_actions"
    properties = announcing["schema"]["properties"]
    assert properties["player_id"] == {"type": ["string", "null"]}
    assert {"player", "source"} <= set(properties)
    assert "details" not in properties
    assert announcing["key_properties"] == ["row_key"]


def test_csv_and_json_give_identical_records(emulator):
    emulator.reset(**FAST)
    streams = ["signin_widget_detail", "poll_widget_summary", "user_stream_raw"]
    csv_run = sync(emulator, streams, report_format="csv")
    json_run = sync(emulator, streams, report_format="json")
    assert_ok(csv_run)
    assert_ok(json_run)
    for stream in streams:
        by_key = lambda records: sorted(records, key=lambda r: r["row_key"])  # noqa: E731
        assert by_key(csv_run.records[stream]) == by_key(json_run.records[stream]), stream
        assert csv_run.records[stream]
    formats = {r["query"]["format"] for r in report_requests(emulator)}
    assert formats == {"csv", "json"}


# Asynchronous reports ----------------------------------------------------------------


def test_reports_of_several_streams_are_generated_at_once(emulator):
    emulator.reset(**{**FAST, "interactivity_generation_seconds": 2.0})
    streams = ["chapter_summary", "experience_stream_raw", "poll_widget_detail"]
    run = sync(emulator, streams, account_ids=ACCOUNTS[:1])
    assert_ok(run)
    counted = [s for s in submissions(emulator) if s["status"] == 202]
    assert len(counted) == 3
    # Every report was submitted before the first could be done: their waits overlapped.
    assert max(s["clock"] for s in counted) - min(s["clock"] for s in counted) < 2.0
    assert emulator.stats()["status_counts"].get("202", 0) > 3  # polled while generating


def test_a_configuration_written_for_poll_interval_seconds_still_polls_at_its_interval(emulator):
    """0.1's `poll_interval_seconds` is read as `poll_interval_milliseconds`, with a WARNING."""
    emulator.reset(**{**FAST, "interactivity_generation_seconds": 1.0})
    config = interactivity_config(emulator, account_ids=ACCOUNTS[:1])
    del config["poll_interval_milliseconds"]
    config["poll_interval_seconds"] = 0.4
    catalog = select_only(discover(TAP, config), {"chapter_summary"})
    run = run_tap(TAP, config, catalog=catalog)
    assert_ok(run)
    (warning,) = [line for line in run.stderr.splitlines() if "was renamed" in line]
    assert "`poll_interval_seconds` (a number of seconds) was renamed" in warning
    assert "`poll_interval_milliseconds` (a whole number of milliseconds)" in warning
    assert "0.4" not in warning  # never a value: a renamed setting may be secret
    polls = [s for s in submissions(emulator) if s["status"] == 202]
    assert len(polls) == 1
    # Generated in 1 s and first checked after 0.4 s: the submission's 202 and at least one
    # "still generating" 202 (at the default 5 s the first check would find it done).
    assert emulator.stats()["status_counts"].get("202", 0) in range(2, 6)


def test_a_report_past_its_timeout_ends_the_sync_and_the_next_run_polls_it_first(emulator):
    emulator.reset(**{**FAST, "interactivity_generation_seconds": 4.0})
    streams = ["chapter_summary", "user_stream_raw"]
    first = sync(emulator, streams, account_ids=ACCOUNTS[:1], report_timeout_seconds=1)
    assert first.returncode == 1
    assert "still being generated (HTTP 202) after" in first.stderr
    assert "report_timeout_seconds=1" in first.stderr
    pending = first.final_state["interactivity_reports"]["pending"]
    assert {p["report"] for p in pending} == set(streams)
    submitted_before = len(submissions(emulator))

    second = sync(emulator, streams, account_ids=ACCOUNTS[:1], state=first.final_state)
    assert_ok(second)
    assert "Resuming 2 report(s) an earlier run submitted but did not read" in second.stderr
    assert f"chapter_summary for account {ACCOUNTS[0]}" in second.stderr
    assert len(submissions(emulator)) == submitted_before, "pending reports were paid again"
    today = horizon_day(emulator).isoformat()
    assert as_multiset(second.records["user_stream_raw"]) == expected(
        emulator, "user_stream_raw", ACCOUNTS[0], START_DAY, today
    )
    assert second.final_state["interactivity_reports"]["pending"] == []


# Limits --------------------------------------------------------------------------------


def test_a_capped_report_is_split_until_nothing_is_cut(emulator):
    emulator.reset(**{**FAST, "interactivity_rows_per_day": 10, "interactivity_max_rows": 60})
    run = sync(emulator, ["poll_widget_detail"], account_ids=ACCOUNTS[:1], report_row_limit=60)
    assert_ok(run)
    today = horizon_day(emulator).isoformat()
    assert as_multiset(run.records["poll_widget_detail"]) == expected(
        emulator, "poll_widget_detail", ACCOUNTS[0], START_DAY, today
    )
    spans = {(r["query"]["start"], r["query"]["end"]) for r in report_requests(emulator)}
    assert (START_DAY, today) in spans
    assert len(spans) > 2


def test_a_single_day_at_the_cap_is_emitted_with_a_warning(emulator):
    emulator.reset(**{**FAST, "interactivity_rows_per_day": 40, "interactivity_max_rows": 20})
    run = sync(
        emulator, ["poll_widget_detail"], account_ids=ACCOUNTS[:1], report_row_limit=20,
        start_date="2026-01-30", end_date="2026-01-30",
    )  # fmt: skip
    assert_ok(run)
    assert len(run.records["poll_widget_detail"]) == 20
    assert "poll_widget_detail for account 6415818918001, 2026-01-30..2026-01-30" in run.stderr
    assert "the API dropped the rest" in run.stderr


def test_the_day_budget_ends_the_run_cleanly_and_the_next_day_resumes(emulator):
    emulator.reset(**{**FAST, "interactivity_reports_per_day": 3})
    settings = {"account_ids": ACCOUNTS[:1], "window_days": 10, "reports_per_day": 3}
    first = sync(emulator, ["user_stream_raw"], **settings)
    assert_ok(first)
    # Said up front: 4 windows of 10 days, 3 a day.
    assert "This run plans 4 new report(s)" in first.stderr
    assert "the plan takes 2 day(s) of daily runs. This run requests 3" in first.stderr
    assert first.stderr.count("The day's report budget is spent") == 1
    assert "1 planned report(s) were not requested" in first.stderr
    assert first.bookmarks("user_stream_raw") == {ACCOUNTS[0]: "2026-01-30T00:00:00+00:00"}

    again = sync(emulator, ["user_stream_raw"], state=first.final_state, **settings)
    assert_ok(again)
    assert "The day's report budget is spent" in again.stderr
    assert len(submissions(emulator)) == 3  # nothing sent: the state remembered the day
    assert not again.records["user_stream_raw"]

    emulator.advance(86_400)
    resumed = sync(emulator, ["user_stream_raw"], state=again.final_state, **settings)
    assert_ok(resumed)
    assert "budget is spent" not in resumed.stderr
    merged = {r["row_key"]: r for run in (first, resumed) for r in run.records["user_stream_raw"]}
    today = horizon_day(emulator).isoformat()
    assert as_multiset(list(merged.values())) == expected(
        emulator, "user_stream_raw", ACCOUNTS[0], START_DAY, today
    )
    assert all(s["status"] == 202 for s in submissions(emulator)), "the API refused a report"


def test_only_reports_the_api_accepted_stay_in_the_budget_ledger(emulator):
    emulator.reset(**{**FAST, "interactivity_generation_seconds": 1.0})
    # Every report request after the first six is refused (401, even after a new token).
    emulator.configure_faults(
        [{"path": "/interactivity-reporting/", "kind": "status", "status": 401, "after": 6,
          "count": -1}]
    )  # fmt: skip
    run = sync(emulator, EVENT_REPORTS + SUMMARY_REPORTS, account_ids=ACCOUNTS[:1])
    assert run.returncode == 1
    accepted = [s for s in submissions(emulator) if s["status"] == 202]
    assert 0 < len(accepted) < len(EVENT_REPORTS + SUMMARY_REPORTS)
    ledger = run.final_state["interactivity_reports"]["submitted"]
    assert sorted(key for _, key in ledger) == sorted(
        "|".join((s["report"], s["account_id"], s["start"], s["end"], s["format"]))
        for s in accepted
    )


def test_the_budget_ledger_keeps_the_apis_time_across_runs(emulator):
    # The tap counts the budget by the API's clock (the token answer's Date); if
    # that clock stood still while the API's budget clock moved, a second run
    # would find its own earlier submissions "in the future" and wait for them.
    emulator.reset(**FAST)
    settings = {"account_ids": ACCOUNTS[:1]}
    first = sync(emulator, ["chapter_summary"], **settings)
    assert_ok(first)
    time.sleep(4)
    second = sync(emulator, ["user_stream_raw"], state=first.final_state, **settings)
    assert_ok(second)
    api_clock = {
        "|".join((s["report"], s["account_id"], s["start"], s["end"], s["format"])): s["clock"]
        for s in submissions(emulator)
    }
    ledger = second.final_state["interactivity_reports"]["submitted"]
    assert sorted(key for _, key in ledger) == sorted(api_clock)
    for at_ms, key in ledger:
        # Date has whole seconds, and a request takes a moment to arrive.
        assert abs(at_ms / 1000 - api_clock[key]) < 2.5, key


def test_api_faults_are_retried_to_the_full_truth(emulator):
    emulator.reset(**FAST)
    emulator.configure_faults(
        [
            {"path": "/user_stream_raw", "kind": "status", "status": 503, "count": 2},
            {"path": "/user_stream_raw", "kind": "truncate", "count": 1},
            {"path": "/chapter_summary", "kind": "drop", "count": 1},
            {"path": "/chapter_summary", "kind": "revoke_token", "count": 1},
        ]
    )
    run = sync(emulator, ["user_stream_raw", "chapter_summary"], account_ids=ACCOUNTS[:1])
    assert_ok(run)
    today = horizon_day(emulator).isoformat()
    assert as_multiset(run.records["user_stream_raw"]) == expected(
        emulator, "user_stream_raw", ACCOUNTS[0], START_DAY, today
    )
    assert emulator.stats()["faults_injected"] == 5


@pytest.mark.parametrize("report_format", ["json", "csv"])
def test_a_body_cut_short_is_downloaded_again_and_no_row_goes_out_twice(emulator, report_format):
    # Generation 0: the submission is the only 202, so the next three downloads
    # are exactly the ones cut (mid-row, the body ending cleanly), the fourth whole.
    emulator.reset(**{**FAST, "interactivity_generation_seconds": 0})
    emulator.configure_faults(
        [{"path": "/user_stream_raw", "kind": "malformed", "after": 1, "count": 3}]
    )
    run = sync(emulator, ["user_stream_raw"], account_ids=ACCOUNTS[:1], report_format=report_format)
    assert_ok(run)
    emitted = run.records["user_stream_raw"]
    today = horizon_day(emulator).isoformat()
    assert as_multiset(emitted) == expected(
        emulator, "user_stream_raw", ACCOUNTS[0], START_DAY, today
    )
    assert len({r["row_key"] for r in emitted}) == len(emitted)
    assert emulator.stats()["faults_injected"] == 3
    assert run.stderr.count("the report body does not parse") == 3
    assert "Traceback" not in run.stderr
    assert len(submissions(emulator)) == 1, "a download from the cache was paid as a report"


@pytest.mark.parametrize("report_format", ["json", "csv"])
def test_a_body_that_never_parses_fails_its_partition_only(emulator, report_format):
    emulator.reset(**{**FAST, "interactivity_generation_seconds": 0})
    emulator.configure_faults(
        [{"path": "/user_stream_raw", "kind": "malformed", "after": 1, "count": -1}]
    )
    streams = ["user_stream_raw", "widget_user_sentiment_summary"]
    run = sync(emulator, streams, account_ids=ACCOUNTS[:1], report_format=report_format)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "did not parse in 4 downloads" in run.stderr
    assert f"user_stream_raw for account {ACCOUNTS[0]}" in run.stderr
    # No row of a cut body went out; the stream after it was synced in full.
    assert run.records["user_stream_raw"] == []
    saved = run.final_state.get("bookmarks", {}).get("user_stream_raw", {})
    assert not any("replication_key_value" in p for p in saved.get("partitions", []))
    assert run.records["widget_user_sentiment_summary"]


# Credentials and bad input -------------------------------------------------------------


def test_the_reporting_key_works_and_no_secret_is_ever_logged(emulator):
    emulator.reset(**FAST)
    config = interactivity_config(emulator, end_date=emulator.horizon()["horizon"])
    for name in ("client_id", "client_secret", "oauth_url"):
        config.pop(name)
    config["api_key"] = API_KEY
    run = run_tap(TAP, config, catalog=select_only(discover(TAP, config), {"chapter_summary"}))
    assert_ok(run)
    assert run.records["chapter_summary"]
    assert API_KEY not in run.stderr + run.stdout


def api_key_config(emulator: EmulatorProcess, **settings) -> dict:
    config = interactivity_config(emulator, **settings)
    for name in ("client_id", "client_secret", "oauth_url"):
        config.pop(name)
    config["api_key"] = API_KEY
    return config


def test_with_the_reporting_key_today_is_the_apis_not_the_machines(emulator):
    # The emulator's today is in January 2026, wherever this machine's clock is.
    emulator.reset(**FAST)
    today = horizon_day(emulator).isoformat()
    config = api_key_config(emulator, account_ids=ACCOUNTS[:1])
    run = run_tap(TAP, config, catalog=select_only(discover(TAP, config), {"user_stream_raw"}))
    assert_ok(run)
    assert run.bookmarks("user_stream_raw") == {ACCOUNTS[0]: f"{today}T00:00:00+00:00"}
    assert as_multiset(run.records["user_stream_raw"]) == expected(
        emulator, "user_stream_raw", ACCOUNTS[0], START_DAY, today
    )
    ends = {r["query"]["end"] for r in report_requests(emulator) if r["query"].get("end")}
    assert ends == {today}


@pytest.mark.parametrize("credential", ["oauth", "api_key"])
def test_a_bookmark_after_the_apis_today_is_refused_before_any_report(emulator, credential):
    emulator.reset(**FAST)
    future = (horizon_day(emulator) + datetime.timedelta(days=3)).isoformat()
    assert future < datetime.datetime.now(datetime.UTC).date().isoformat(), "clock assumption"
    state = {
        "bookmarks": {
            "user_stream_raw": {
                "partitions": [
                    {"context": {"account_id": ACCOUNTS[0]}, "replication_key": "when",
                     "replication_key_value": f"{future}T00:00:00+00:00"}
                ]
            }
        }
    }  # fmt: skip
    settings = {"account_ids": ACCOUNTS[:1]}
    config = (
        api_key_config(emulator, **settings)
        if credential == "api_key"
        else interactivity_config(emulator, **settings)
    )
    catalog = select_only(discover(TAP, config), {"user_stream_raw"})
    run = run_tap(TAP, config, catalog=catalog, state=state)
    assert run.returncode == 1
    assert "later than the end of this sync" in run.stderr
    assert f"{future}T00:00:00+00:00" in run.stderr
    assert submissions(emulator) == []


@pytest.mark.parametrize(
    ("change", "expected_text"),
    [
        ({"client_secret": "wrong"}, "refused the credentials"),
        ({"api_key": "made-up", "client_id": None, "client_secret": None}, "`api_key`"),
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "is after `end_date`"),
        ({"report_format": "xml"}, "report_format"),
        ({"api_key": API_KEY}, "not both"),
        ({"window_days": 200}, "window_days"),
        ({"poll_interval_seconds": 1}, "set only `poll_interval_milliseconds`"),
        ({"poll_interval_seconds": "soon"}, "must be a number of seconds, got 'soon'"),
    ],
)
def test_bad_input_fails_before_any_report_with_a_clear_message(emulator, change, expected_text):
    emulator.reset(**FAST)
    config = {
        k: v for k, v in {**interactivity_config(emulator), **change}.items() if v is not None
    }
    if change.get("poll_interval_seconds") == "soon":
        del config["poll_interval_milliseconds"]
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert expected_text in run.stderr
    counted = [s for s in submissions(emulator) if s["status"] == 202]
    assert counted == []
    for secret in ("wrong", "made-up", CLIENT_SECRET, API_KEY):
        assert secret not in run.stderr
