"""Tests of the emulated Brightcove Interactivity reporting API (asynchronous reports).

Real HTTP over loopback against the session's emulator (tests/support/emulator_session.py);
each test resets it to the knobs it needs. Most tests switch the report budget
off and make generation instant, so they are about one thing each.
"""

from __future__ import annotations

import base64
import csv
import email.utils
import io
import json
import time
from datetime import UTC, datetime

import pytest
import requests

from video_api_emulator.process import EmulatorError

ACCOUNT, OTHER_ACCOUNT = "6415818918001", "6415818919001"
API_KEY = "emulator-interactivity-key"
KEY_HEADER = {"X-Hapyak-API-Key": API_KEY}
NO_BUDGET = {
    "interactivity_reports_per_minute": 0,
    "interactivity_reports_per_hour": 0,
    "interactivity_reports_per_day": 0,
}
FAST = {**NO_BUDGET, "interactivity_generation_seconds": 0}
EVENT_REPORTS = (
    "user_stream_raw",
    "project_stream_raw",
    "experience_stream_raw",
    "poll_widget_detail",
    "signin_widget_detail",
)
SUMMARY_REPORTS = (
    "project_engagement_summary_raw",
    "user_engagement_summary_raw",
    "experience_engagement_summary_raw",
    "poll_widget_summary",
    "signin_widget_summary",
    "chapter_summary",
    "widget_user_sentiment_summary",
)
# Default horizon: data_start 2026-01-01 + 30 days and 0.777 s.
TODAY = "2026-01-31"


# ----------------------------------------------------------------------------- helpers


def url(emulator, report: str) -> str:
    return f"{emulator.url}/interactivity-reporting/api/reports/v2/{report}"


def query(**params) -> dict[str, str]:
    """send_status=true and the default account, unless a test overrides (None drops one)."""
    merged = {"send_status": "true", "account_id": ACCOUNT, **params}
    return {k: v for k, v in merged.items() if v is not None}


def get(emulator, http, report: str, headers=None, **params) -> requests.Response:
    return http.get(url(emulator, report), params=query(**params), headers=headers or KEY_HEADER)


def fetch(emulator, http, report: str, headers=None, **params) -> requests.Response:
    """Poll as the doc's sample does, faster, until the report is no longer 202.

    docs/vendors/brightcove-interactivity.md#asynchronous-reports.
    """
    deadline = time.monotonic() + 10
    while True:
        resp = get(emulator, http, report, headers, **params)
        if resp.status_code != 202:
            return resp
        assert time.monotonic() < deadline, "report never became ready"
        time.sleep(0.02)


def truth(emulator, report: str, records: bool = True, **params) -> dict:
    return emulator.truth(
        "brightcove_interactivity", report=report, account_id=ACCOUNT, records=records, **params
    )


def submissions(emulator) -> dict:
    return emulator.truth("brightcove_interactivity", what="submissions")


def bearer_token(emulator, http) -> str:
    basic = base64.b64encode(b"emulator-client-id:emulator-client-secret").decode()
    resp = http.post(
        f"{emulator.url}/oauth/v4/access_token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def csv_cell(value) -> str:
    """A JSON value as the CSV body writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def assert_error(resp: requests.Response, status: int, code: str, *words: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert isinstance(body, list), body
    assert len(body) == 1, body
    assert body[0]["error_code"] == code, body
    for word in words:
        assert word in body[0]["message"], body


# ----------------------------------------------------------------------------- protocol


def test_202_until_generated_then_200_cached_and_only_submissions_count(emulator, http):
    emulator.reset(interactivity_generation_seconds=0.3)
    first = get(emulator, http, "project_engagement_summary_raw")
    assert first.status_code == 202
    assert first.json() == {"status": "processing"}
    assert get(emulator, http, "project_engagement_summary_raw").status_code == 202  # a poll
    time.sleep(0.35)
    ready = get(emulator, http, "project_engagement_summary_raw")
    assert ready.status_code == 200
    assert ready.headers["Content-Type"] == "application/json"
    again = get(emulator, http, "project_engagement_summary_raw")  # from the one-day cache
    assert again.status_code == 200
    assert again.content == ready.content
    # Explicit defaults are the same report; another format is another report.
    explicit = get(emulator, http, "project_engagement_summary_raw", end=TODAY, start="2026-01-24")
    assert explicit.status_code == 200
    assert get(emulator, http, "project_engagement_summary_raw", format="csv").status_code == 202
    subs = submissions(emulator)
    assert (subs["counted"], subs["refused"]) == (2, 0)
    assert [(s["format"], s["start"], s["end"], s["status"]) for s in subs["submissions"]] == [
        ("json", "2026-01-24", TODAY, 202),
        ("csv", "2026-01-24", TODAY, 202),
    ]


def test_budget_refuses_each_level_with_429_and_counts_only_submissions(emulator, http):
    emulator.reset(
        interactivity_generation_seconds=0,
        interactivity_reports_per_minute=2,
        interactivity_reports_per_hour=3,
        interactivity_reports_per_day=4,
    )
    days = iter(f"2026-01-{d:02d}" for d in range(1, 29))

    def submit() -> requests.Response:
        return get(emulator, http, "chapter_summary", start=next(days))

    assert [submit().status_code for _ in range(2)] == [202, 202]
    refused = submit()
    assert_error(refused, 429, "TOO_MANY_REQUESTS")
    assert refused.json()[0]["message"] == "Report limit reached: at most 2 reports per minute"
    assert "Retry-After" not in refused.headers
    emulator.advance(61)
    assert submit().status_code == 202
    assert_error(submit(), 429, "TOO_MANY_REQUESTS", "at most 3 reports per hour")
    emulator.advance(3601)
    assert submit().status_code == 202
    assert_error(submit(), 429, "TOO_MANY_REQUESTS", "at most 4 reports per day")
    # Reading a queued or finished report is never refused.
    done = fetch(emulator, http, "chapter_summary", start="2026-01-01")
    assert done.status_code == 200
    subs = submissions(emulator)
    assert (subs["counted"], subs["refused"]) == (4, 3)
    assert [s["status"] for s in subs["submissions"]] == [202, 202, 429, 202, 429, 202, 429]


def test_one_clock_for_the_token_answer_every_answer_and_the_budget(emulator, http):
    emulator.reset(**FAST)
    horizon = emulator.horizon()["horizon_ms"] / 1000
    time.sleep(2.5)  # real time passes: the budget's clock moves with it, so must Date
    basic = base64.b64encode(b"emulator-client-id:emulator-client-secret").decode()
    token_answer = http.post(
        f"{emulator.url}/oauth/v4/access_token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    submitted = get(emulator, http, "chapter_summary")
    assert submitted.status_code == 202
    refused_root = http.get(f"{emulator.url}/interactivity-reporting/api/reports/v2")
    assert refused_root.status_code == 404

    def date(resp: requests.Response) -> float:
        return email.utils.parsedate_to_datetime(resp.headers["Date"]).timestamp()

    counted = submissions(emulator)["submissions"][0]["clock"]
    for answer in (token_answer, submitted, refused_root):
        assert date(answer) >= horizon + 2, "Date stood still while the budget's clock moved"
        # Date has whole seconds; the answers came within a moment of each other.
        assert abs(date(answer) - counted) < 2, answer.url
    emulator.advance(86_400)
    assert date(get(emulator, http, "chapter_summary")) > counted + 86_400 - 1


def test_row_cap_drops_the_rest_silently(emulator, http):
    emulator.reset(**FAST, interactivity_max_rows=30)
    expected = truth(emulator, "user_stream_raw")
    assert expected["total_rows"] > 30
    assert expected["capped_rows"] == 30
    body = fetch(emulator, http, "user_stream_raw").json()
    assert body == expected["rows"][:30]
    rows = csv_rows(fetch(emulator, http, "user_stream_raw", format="csv").text)
    assert rows[0] == expected["columns"]
    assert len(rows) == 31


@pytest.mark.parametrize("report", EVENT_REPORTS + SUMMARY_REPORTS)
def test_csv_and_json_bodies_hold_the_truth(emulator, http, report):
    emulator.reset(**FAST)
    window = {"start": "2026-01-10", "end": "2026-01-20"}
    expected = truth(emulator, report, **window)
    assert expected["total_rows"] == len(expected["rows"]) > 0
    as_json = fetch(emulator, http, report, format="json", **window)
    assert as_json.status_code == 200
    assert as_json.headers["Content-Type"] == "application/json"
    rows = as_json.json()
    assert rows == expected["rows"]
    assert all(list(row) == expected["columns"] for row in rows)  # key order = column order
    as_csv = fetch(emulator, http, report, format="csv", **window)
    assert as_csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv.content.endswith(b"\r\n")
    header, *cells = csv_rows(as_csv.text)
    assert header == expected["columns"]
    assert cells == [[csv_cell(v) for v in row.values()] for row in rows]
    # docs/vendors/brightcove-interactivity.md#report-names: the project id list is not
    # de-duplicated.
    if report.endswith("widget_summary"):
        assert any(len(set(row["project_ids"])) < len(row["project_ids"]) for row in rows)


def test_event_rows_hold_exact_duplicates_empty_cells_and_an_undeclared_column(emulator, http):
    emulator.reset(**FAST, interactivity_rows_per_day=400)
    rows = fetch(emulator, http, "user_stream_raw", start="2026-01-20", end="2026-01-29").json()
    assert len(rows) > 3000
    assert list(rows[0])[-1] == "player_id"
    duplicates = sum(a == b for a, b in zip(rows, rows[1:], strict=False))
    assert 0.01 * len(rows) < duplicates < 0.04 * len(rows)
    stamps = [row["when"] for row in rows]
    assert stamps == sorted(stamps)
    assert stamps[0] >= "2026-01-20 00:00:00.000000"
    assert stamps[-1] < "2026-01-30"
    assert datetime.strptime(stamps[0], "%Y-%m-%d %H:%M:%S.%f")
    assert any(row["user"] is None for row in rows)
    rated = [row for row in rows if row["rating_value"] is not None]
    assert {row["rating_value"] for row in rated} == {1, 3, 5}
    assert all(row["rating"] is None for row in rows if row["rating_value"] is None)
    assert any("\n" in row["details"] for row in rows)


def test_summary_counts_add_up_over_windows(emulator):
    emulator.reset(**FAST)

    def loads(start: str, end: str) -> dict[str, int]:
        rows = truth(emulator, "project_engagement_summary_raw", start=start, end=end)["rows"]
        return {row["project_id"]: row["loads"] for row in rows}

    first, second = loads("2026-01-03", "2026-01-09"), loads("2026-01-10", "2026-01-16")
    both = loads("2026-01-03", "2026-01-16")
    assert first != second
    assert both == {p: first.get(p, 0) + second.get(p, 0) for p in both}
    # Nothing before data_start (2026-01-01): the window is empty, header only.
    assert truth(emulator, "chapter_summary", start="2025-12-01", end="2025-12-31")["rows"] == []


# ----------------------------------------------------------------------------- auth and parameters


def test_bearer_token_or_reporting_key_else_401_or_403(emulator, http):
    emulator.reset(**FAST)
    assert_error(get(emulator, http, "chapter_summary", headers={"X": "y"}), 401,
                 "UNAUTHORIZED_ERROR")  # fmt: skip
    bogus = {"Authorization": "Bearer not-a-token"}
    assert_error(get(emulator, http, "chapter_summary", headers=bogus), 401, "UNAUTHORIZED_ERROR")
    made_up = {"X-Hapyak-API-Key": "made-up"}
    assert_error(get(emulator, http, "chapter_summary", headers=made_up), 403, "ACCESS_DENIED")
    assert get(emulator, http, "chapter_summary").status_code == 202
    token = {"Authorization": f"Bearer {bearer_token(emulator, http)}"}
    assert fetch(emulator, http, "chapter_summary", headers=token).status_code == 200
    assert_error(get(emulator, http, "chapter_summary", headers=token, account_id="1"), 403,
                 "ACCESS_DENIED", "account_id")  # fmt: skip
    other = get(emulator, http, "chapter_summary", headers=token, account_id=OTHER_ACCOUNT)
    assert other.status_code == 202
    # The revoke_token fault invalidates the token for every Brightcove API.
    emulator.configure_faults([{"kind": "revoke_token", "path": "/interactivity-reporting"}])
    assert_error(get(emulator, http, "chapter_summary", headers=token), 401, "UNAUTHORIZED_ERROR")
    assert_error(get(emulator, http, "chapter_summary", headers=token), 401, "UNAUTHORIZED_ERROR")
    assert get(emulator, http, "chapter_summary").status_code == 200  # the key still works


def test_bad_parameters_are_400_naming_the_parameter(emulator, http):
    emulator.reset(**FAST)
    cases = [
        ({"send_status": None}, "send_status"),
        ({"send_status": "false"}, "send_status"),
        ({"account_id": None}, "account_id"),
        ({"format": "xml"}, "format"),
        ({"start": "2026-1-5"}, "start"),
        ({"end": "2026-02-30"}, "end"),
        ({"start": "2026-01-20", "end": "2026-01-10"}, "start"),
        ({"start": "2025-07-01", "end": "2025-12-31"}, "start/end"),  # 184 days
        ({"start": "2026-02-01"}, "start"),  # after the default end (today)
    ]
    for params, name in cases:
        assert_error(get(emulator, http, "user_stream_raw", **params), 400, "BAD_REQUEST_ERROR",
                     name)  # fmt: skip
    six_months = get(emulator, http, "user_stream_raw", start="2025-07-02", end="2025-12-31")
    assert six_months.status_code == 202  # 183 days
    assert get(emulator, http, "user_stream_raw", format="CSV", extra="ignored").status_code == 202
    assert_error(get(emulator, http, "no_such_report"), 404, "RESOURCE_NOT_FOUND", "no_such_report")
    assert_error(http.get(f"{emulator.url}/interactivity-reporting/api/v1/x"), 404,
                 "RESOURCE_NOT_FOUND")  # fmt: skip
    assert submissions(emulator)["counted"] == 2


def test_config_knobs_are_validated(emulator):
    for bad in (
        {"interactivity_max_rows": 0},
        {"interactivity_generation_seconds": -1},
        {"interactivity_reports_per_day": 1.5},
        {"interactivity_api_keys": "key"},
        {"interactivity_entities": 0},
    ):
        with pytest.raises(EmulatorError, match=next(iter(bad))):
            emulator.reset(**bad)


# ----------------------------------------------------------------------------- the clock


def test_reports_are_frozen_until_the_cache_expires_and_advance_moves_today(emulator, http):
    emulator.reset(**FAST)
    today = {"start": TODAY, "end": TODAY}
    # The horizon is 0.777 s into today: today's window is empty.
    assert truth(emulator, "project_stream_raw", **today)["rows"] == []
    assert fetch(emulator, http, "project_stream_raw", **today).json() == []
    emulator.advance(3600)
    assert truth(emulator, "project_stream_raw", **today)["total_rows"] > 0
    # A finished report is served from the cache as it was when submitted.
    assert get(emulator, http, "project_stream_raw", **today).json() == []
    emulator.advance(86_400 - 3600)  # a day after the report was ready: the cache expired
    assert get(emulator, http, "project_stream_raw", **today).status_code == 202
    full_day = truth(emulator, "project_stream_raw", what="days", **today)["days"]
    rows = fetch(emulator, http, "project_stream_raw", **today).json()
    assert len(rows) == full_day[TODAY] > 0
    assert rows == truth(emulator, "project_stream_raw", **today)["rows"]
    # "Today" moved with the horizon: the new day's window is empty again.
    new_day = fetch(emulator, http, "project_stream_raw", format="csv", start="2026-02-01")
    assert csv_rows(new_day.text)[1:] == []
    default = fetch(emulator, http, "project_stream_raw")  # start = end - 7 days
    assert len(default.json()) == sum(
        truth(emulator, "project_stream_raw", what="days", start="2026-01-25")["days"].values()
    )
    assert submissions(emulator)["submissions"][-1]["end"] == "2026-02-01"
    horizon = datetime.fromisoformat(emulator.horizon()["horizon"])
    assert rows[-1]["when"] < horizon.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


# ----------------------------------------------------------------------------- bodies and faults


def test_a_200k_row_csv_streams_and_an_abandoned_download_is_harmless(emulator, http):
    emulator.reset(**FAST, interactivity_rows_per_day=25_000)
    window = {"format": "csv", "start": "2026-01-22", "end": "2026-01-29"}
    expected = truth(emulator, "experience_stream_raw", records=False, **window)["total_rows"]
    assert 150_000 < expected < 300_000
    assert get(emulator, http, "experience_stream_raw", **window).status_code == 202
    abandoned = http.get(
        url(emulator, "experience_stream_raw"), params=query(**window), headers=KEY_HEADER,
        stream=True,
    )  # fmt: skip
    assert abandoned.status_code == 200
    abandoned.raw.read(65_536)
    abandoned.close()  # mid-body: the server must shrug it off
    started = time.monotonic()
    with http.get(
        url(emulator, "experience_stream_raw"), params=query(**window), headers=KEY_HEADER,
        stream=True,
    ) as resp:  # fmt: skip
        assert resp.headers["Transfer-Encoding"] == "chunked"
        resp.raw.decode_content = True
        reader = csv.reader(io.TextIOWrapper(resp.raw, encoding="utf-8", newline=""))
        header = next(reader)
        count = sum(1 for _ in reader)
    assert header[-1] == "player_id"
    assert count == expected
    assert time.monotonic() - started < 15
    assert emulator.health() == {"ok": True}


def test_faults_spoil_a_streamed_report(emulator, http):
    emulator.reset(**FAST, interactivity_rows_per_day=200)
    full = fetch(emulator, http, "poll_widget_detail").content
    assert len(full) > 50_000
    rule = {"path": "/interactivity-reporting", "count": 1}
    emulator.configure_faults([{**rule, "kind": "truncate"}])
    resp = http.get(
        url(emulator, "poll_widget_detail"), params=query(), headers=KEY_HEADER, stream=True
    )
    assert resp.status_code == 200
    pieces: list[bytes] = []
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        pieces.extend(resp.iter_content(16_384))
    resp.close()
    got = b"".join(pieces)
    assert 0 < len(got) < len(full)
    assert full.startswith(got)
    emulator.configure_faults([{**rule, "kind": "malformed"}])
    spoiled = get(emulator, http, "poll_widget_detail")
    assert spoiled.status_code == 200
    assert full.startswith(spoiled.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(spoiled.content)
    emulator.configure_faults([{**rule, "kind": "status", "status": 503}])
    assert_error(get(emulator, http, "poll_widget_detail"), 503, "SERVICE_UNAVAILABLE_ERROR")
    emulator.configure_faults([{**rule, "kind": "drop"}])
    with pytest.raises(requests.exceptions.ConnectionError):
        get(emulator, http, "poll_widget_detail")
    assert get(emulator, http, "poll_widget_detail").content == full
    assert submissions(emulator)["counted"] == 1
