"""tap-ibm-video against the emulator, through its real CLI over loopback HTTP.

Each test reconciles what the tap emitted with the emulator's ground truth:
records, their count, their types, and the state a user would resume from.
"""

from __future__ import annotations

import collections
import datetime
import itertools

import pytest

from tests.support.ibm import (
    CLIENT_ID,
    CLIENT_SECRET,
    START,
    STREAMS,
    TAP,
    as_emitted_view,
    ibm_config,
    parse_time,
    viewers_truth,
    views_truth,
)
from tests.taprun import TapRun, discover, run_tap, select_only
from video_api_emulator import truth as emulator_truth
from video_api_emulator.process import EmulatorProcess


def sync(emulator: EmulatorProcess, streams=("views",), state=None, **settings) -> TapRun:
    """One sync that ends at the emulator's "now", as a real sync ends at the API's."""
    settings.setdefault("end_date", emulator.horizon()["horizon"])
    config = ibm_config(emulator, **settings)
    catalog = select_only(discover(TAP, config), set(streams))
    return run_tap(TAP, config, catalog=catalog, state=state)


def assert_ok(run: TapRun) -> None:
    assert run.returncode == 0, run.stderr[-3000:]


def declared(run: TapRun, stream: str) -> set[str]:
    return set(run.schemas[stream]["schema"]["properties"])


def by_id(records: list[dict], key: str = "view_id") -> dict[str, dict]:
    return {record[key]: record for record in records}


def views_bookmark(run: TapRun) -> str:
    return run.final_state["bookmarks"]["views"]["replication_key_value"]


# Records ---------------------------------------------------------------------


def test_every_stream_lands_every_row_the_api_holds_with_a_unique_key(emulator):
    """Every stream of the tap's registry, counted against the API's truth."""
    run = sync(emulator, streams=STREAMS)
    assert_ok(run)

    for stream in STREAMS:
        holds = emulator_truth.ibm_rows(emulator, stream, start=START)
        assert holds, f"the emulator holds no {stream} rows here: the test proves nothing"
        records = run.records[stream]
        assert len(records) == holds, stream
        keys = run.schemas[stream]["key_properties"]
        assert len({tuple(r[k] for k in keys) for r in records}) == holds, stream


def test_every_view_arrives_once_exactly_as_the_api_holds_it(emulator):
    emulator.reset(ibm_views=1500)
    run = sync(emulator)
    assert_ok(run)

    emitted = run.records["views"]
    api_views = views_truth(emulator)
    assert len(api_views) == 1500
    ids = [record["view_id"] for record in emitted]
    assert len(ids) == len(set(ids)), "a view was emitted twice in one sync"
    fields = declared(run, "views")
    assert by_id(emitted) == {view["view_id"]: as_emitted_view(view, fields) for view in api_views}


def test_schema_types_where_the_docs_and_their_examples_disagree(emulator):
    emulator.reset(ibm_views=400, ibm_content_id_string_share=0.5)
    run = sync(emulator)
    assert_ok(run)

    properties = run.schemas["views"]["schema"]["properties"]
    assert "integer" in properties["content_id"]["type"]
    assert "string" in properties["client_id"]["type"]
    assert "string" in properties["view_session_id"]["type"]
    assert "object" in properties["device_info"]["type"]
    assert run.schemas["views"]["key_properties"] == ["account_id", "view_id"]
    assert run.schemas["views"]["bookmark_properties"] == ["started_at"]

    api_string_ids = [v for v in views_truth(emulator) if isinstance(v["content_id"], str)]
    assert api_string_ids, "the emulator should send some content_id values as strings"
    for record in run.records["views"]:
        assert isinstance(record["content_id"], int)
        assert isinstance(record["client_id"], str)
        assert isinstance(record["device_info"], dict)
        assert set(record["device_info"]) == {"browser", "os", "device"}


def test_each_view_once_per_sync_however_small_the_windows(emulator):
    # One-hour windows: many views span two windows and the API returns them in both.
    emulator.reset(ibm_views=600, data_span_seconds=2 * 86_400)
    end = "2026-01-04T00:00:00+00:00"
    run = sync(emulator, window_hours=1, end_date=end)
    assert_ok(run)

    counts = collections.Counter(record["view_id"] for record in run.records["views"])
    assert counts
    assert max(counts.values()) == 1
    assert set(counts) == {view["view_id"] for view in views_truth(emulator, end=end)}


def test_a_view_unfinished_at_one_sync_arrives_finished_in_the_next(emulator):
    emulator.reset(ibm_views=800, data_span_seconds=86_400)
    first = sync(emulator)
    assert_ok(first)
    unfinished = {r["view_id"]: r for r in first.records["views"] if r["finished_at"] is None}
    assert unfinished, "the emulator's newest views should still be running"
    # Running views do not hold the bookmark: it is the end of the sync's range.
    assert parse_time(views_bookmark(first)) == parse_time(emulator.horizon()["horizon"])

    emulator.advance(6 * 3600)  # every running view finishes; new ones start
    second = sync(emulator, state=first.final_state)
    assert_ok(second)

    finished_now = by_id(second.records["views"])
    for view_id in unfinished:
        assert finished_now[view_id]["finished_at"] is not None
    # Both syncs together hold the API's final version of every view.
    merged = {**by_id(first.records["views"]), **finished_now}
    fields = declared(second, "views")
    truth = {v["view_id"]: as_emitted_view(v, fields) for v in views_truth(emulator)}
    assert merged == truth


def views_requests(emulator: EmulatorProcess) -> int:
    return emulator.stats()["requests_by_route"].get("ibm_video.views", 0)


def test_a_view_running_for_days_costs_later_syncs_nothing(emulator):
    # A day of views, one of them (from midday) a live viewer running nine days
    # and six hours; ten daily syncs, the emulator's clock a day on before each.
    emulator.reset(
        ibm_views=300,
        data_span_seconds=86_400,
        ibm_long_running_views=1,
        ibm_long_running_view_seconds=9 * 86_400 + 6 * 3600,
    )
    state, emitted, requests_per_sync, bookmarks, ends = None, [], [], [], []
    for day in range(10):
        if day:
            emulator.advance(86_400)
        before = views_requests(emulator)
        run = sync(emulator, state=state, window_hours=24)
        assert_ok(run)
        requests_per_sync.append(views_requests(emulator) - before)
        bookmarks.append(parse_time(views_bookmark(run)))
        ends.append(parse_time(emulator.horizon()["horizon"]))
        emitted.append(run.records["views"])
        state = run.final_state

    # Views last at most 3 h, but this one: still running 12 h after it began.
    long_id = next(
        r["view_id"]
        for r in emitted[0]
        if r["finished_at"] is None
        and parse_time(r["started_at"]) < ends[0] - datetime.timedelta(hours=6)
    )
    # A sync's cost is its new range only: one 24 h window and the 2 h look-back.
    assert requests_per_sync == [1] + [2] * 9, requests_per_sync
    # The bookmark follows the windows to the end of each sync's range.
    assert bookmarks == ends
    assert all(later > earlier for earlier, later in itertools.pairwise(bookmarks))
    # Emitted running in the first sync, final in the last, under the same key.
    appearances = [[r for r in records if r["view_id"] == long_id] for records in emitted]
    assert [len(found) for found in appearances] == [1] + [0] * 8 + [1]
    assert appearances[0][0]["finished_at"] is None
    assert appearances[-1][0]["finished_at"] is not None
    # Upserted on view_id, the syncs together hold every view's final values.
    merged = {r["view_id"]: r for records in emitted for r in records}
    fields = declared(run, "views")
    truth = {v["view_id"]: as_emitted_view(v, fields) for v in views_truth(emulator)}
    assert all(v["finished_at"] is not None for v in truth.values())
    assert merged == truth


def test_a_second_sync_emits_only_views_after_its_bookmark(emulator):
    emulator.reset(ibm_views=1000, data_span_seconds=5 * 86_400)
    first = sync(emulator, lookback_hours=0)
    assert_ok(first)
    bookmark = views_bookmark(first)

    second = sync(emulator, state=first.final_state, lookback_hours=0)
    assert_ok(second)
    # Nothing new happened: the second sync reads only from the bookmark on.
    expected = {v["view_id"] for v in views_truth(emulator, start=bookmark)}
    assert {r["view_id"] for r in second.records["views"]} == expected
    assert len(second.records["views"]) < len(first.records["views"])


def test_lookback_catches_views_the_api_processed_late(emulator):
    emulator.reset(ibm_views=2000, ibm_processing_lag_max_seconds=3 * 3600)
    first = sync(emulator, lookback_hours=4)
    assert_ok(first)
    emulator.advance(3 * 3600)  # every late view is processed by now
    second = sync(emulator, state=first.final_state, lookback_hours=4)
    assert_ok(second)

    got = {r["view_id"] for r in first.records["views"] + second.records["views"]}
    assert got == {v["view_id"] for v in views_truth(emulator)}


def test_both_envelopes_give_identical_records(emulator):
    emulator.reset(ibm_views=500, ibm_envelope="data")
    current = sync(emulator, streams=STREAMS)
    emulator.reset(ibm_views=500, ibm_envelope="resources")
    older = sync(emulator, streams=STREAMS)
    assert_ok(current)
    assert_ok(older)
    assert current.records["views"] == older.records["views"]
    assert current.records["viewers"] == older.records["viewers"]
    assert len(current.records["views"]) == 500


def test_viewers_full_table_with_typed_segments(emulator):
    emulator.reset(ibm_views=900, ibm_viewers=120)
    run = sync(emulator, streams=("viewers",))
    assert_ok(run)

    api_viewers = viewers_truth(emulator)
    emitted = run.records["viewers"]
    assert len(emitted) == len(api_viewers) == 120
    assert run.schemas["viewers"]["key_properties"] == [
        "account_id",
        "viewer_identifier",
        "viewers_scope",
    ]
    api_by_id = {v["viewer_identifier"]: v for v in api_viewers}
    for record in emitted:
        assert record["viewers_scope"] == "all"
        assert record["account_id"] == CLIENT_ID
        api = api_by_id[record["viewer_identifier"]]
        assert record["videos_watched"] == api["videos_watched"]
        assert record["last_activity"] == api["last_activity"]
        assert [s["id"] for s in record["segments"]] == [s["id"] for s in api["segments"]]
        assert all(isinstance(s["content_id"], int) for s in record["segments"])
    segment_schema = run.schemas["viewers"]["schema"]["properties"]["segments"]["items"]
    assert "integer" in segment_schema["properties"]["content_id"]["type"]


def test_content_types_are_partitions_with_their_own_bookmarks(emulator):
    emulator.reset(ibm_views=700)
    run = sync(emulator, content_types=["live", "recorded"])
    assert_ok(run)

    partitions = run.final_state["bookmarks"]["views"]["partitions"]
    assert sorted(p["context"]["content_type"] for p in partitions) == ["live", "recorded"]
    assert all("replication_key_value" in p for p in partitions)
    for content_type in ("live", "recorded"):
        expected = {v["view_id"] for v in views_truth(emulator, content_type=content_type)}
        got = {r["view_id"] for r in run.records["views"] if r["content_type"] == content_type}
        assert got == expected


def ignored_bookmark_warnings(run: TapRun) -> list[str]:
    return [line for line in run.stderr.splitlines() if "WARNING" in line and "ignored" in line]


def test_bookmarks_of_other_content_types_are_named_in_a_warning(emulator):
    emulator.reset(ibm_views=300)
    typed = sync(emulator, content_types=["live", "recorded"])
    assert_ok(typed)
    bookmark = typed.final_state["bookmarks"]["views"]["partitions"][0]["replication_key_value"]
    # The same state, with the same content types: nothing to warn of.
    assert not ignored_bookmark_warnings(
        sync(emulator, state=typed.final_state, content_types=["live", "recorded"])
    )

    # content_types unset: both partitions' bookmarks are ignored.
    unset = sync(emulator, state=typed.final_state)
    assert_ok(unset)
    (warning,) = ignored_bookmark_warnings(unset)
    assert "`views`" in warning
    assert f"live (at {bookmark})" in warning
    assert "recorded (at" in warning
    assert "`content_types` is unset" in warning

    # Only one of them configured, and a state with the all-content bookmark.
    state = {"bookmarks": {"views": {**typed.final_state["bookmarks"]["views"]}}}
    state["bookmarks"]["views"]["replication_key_value"] = bookmark
    live_only = sync(emulator, state=state, content_types=["live"])
    assert_ok(live_only)
    warnings = ignored_bookmark_warnings(live_only)
    assert len(warnings) == 2, warnings
    assert "recorded (at" in warnings[0]
    assert "live (at" not in warnings[0]
    assert f"all content (at {bookmark})" in warnings[1]


def test_content_ids_filter_the_typed_paths(emulator):
    emulator.reset(ibm_views=700)
    api_views = views_truth(emulator)
    recorded_ids = sorted(
        {int(v["content_id"]) for v in api_views if v["content_type"] == "recorded"}
    )
    wanted = recorded_ids[:2]
    run = sync(emulator, content_types=["recorded"], content_ids=wanted)
    assert_ok(run)
    expected = {
        v["view_id"]
        for v in api_views
        if v["content_type"] == "recorded" and int(v["content_id"]) in wanted
    }
    assert expected
    assert {r["view_id"] for r in run.records["views"]} == expected


def test_end_date_is_read_in_utc_not_los_angeles_time(emulator):
    emulator.reset(ibm_views=2000)
    end = "2026-01-10T00:00:00+00:00"
    run = sync(emulator, end_date=end, lookback_hours=0)
    assert_ok(run)
    expected = {v["view_id"] for v in views_truth(emulator, end=end)}
    assert {r["view_id"] for r in run.records["views"]} == expected
    assert views_bookmark(run) == end


# Auth, pacing and errors -------------------------------------------------------


def test_the_jwt_is_sent_bare_and_renewed_when_rejected(emulator):
    # The emulator answers 401 to "Bearer <jwt>": a complete sync proves the bare header.
    emulator.reset(ibm_views=3000)
    emulator.configure_faults([{"kind": "revoke_token", "path": "/views", "after": 2, "count": 1}])
    run = sync(emulator, page_size=100)
    assert_ok(run)
    assert len(run.records["views"]) == 3000
    stats = emulator.stats()
    # Requests in flight with the revoked token are refused too; one renewal serves them all.
    assert stats["tokens_issued"] == 2
    assert stats["status_counts"].get("401", 0) >= 1


def test_rate_limit_headers_pace_the_sync_without_a_429(emulator):
    emulator.reset(ibm_views=2000, ibm_rate_limit=6, ibm_rate_limit_window_seconds=2)
    run = sync(emulator, page_size=100, max_concurrent_requests=4)
    assert_ok(run)
    assert len(run.records["views"]) == 2000
    stats = emulator.stats()
    assert stats["throttled"] == 0
    assert stats["status_counts"].get("429") is None


def test_a_429_waits_for_the_reset_and_loses_nothing(emulator):
    # The 429s carry the window's X-RateLimit-Reset; a short window keeps the waits short.
    emulator.reset(ibm_views=1500, ibm_rate_limit_window_seconds=2)
    emulator.configure_faults([{"kind": "status", "status": 429, "path": "/views", "count": 3}])
    run = sync(emulator, page_size=100)
    assert_ok(run)
    assert len(run.records["views"]) == 1500


def test_5xx_and_dropped_connections_are_retried(emulator):
    emulator.reset(ibm_views=1500)
    emulator.configure_faults(
        [
            {"kind": "status", "status": 503, "path": "/views", "count": 2},
            {"kind": "drop", "path": "/views", "after": 3, "count": 1},
            {"kind": "status", "status": 500, "path": "/viewers", "count": 1},
        ]
    )
    run = sync(emulator, streams=STREAMS, page_size=200)
    assert_ok(run)
    assert len(run.records["views"]) == 1500
    assert len(run.records["viewers"]) == len(viewers_truth(emulator))


def test_a_400_names_the_jsonapi_title_detail_and_pointer(emulator):
    emulator.reset(ibm_views=100)
    # An offset-less date is valid for the API but the tap never sends one; a _limit beyond the
    # doc's 10,000 is refused with the JSON:API body (docs/vendors/ibm-video.md#paging).
    config = ibm_config(emulator)
    catalog = select_only(discover(TAP, config), {"views"})
    config["page_size"] = 10_000
    emulator.configure_faults([{"kind": "status", "status": 400, "path": "/views", "count": 1}])
    run = run_tap(TAP, config, catalog=catalog)
    assert run.returncode == 1
    error_lines = [line for line in run.stderr.splitlines() if "ERROR" in line]
    assert any("400" in line and "/views" in line for line in error_lines), error_lines


def test_an_unavailable_token_endpoint_is_retried(emulator):
    emulator.reset(ibm_views=300)
    emulator.configure_faults([{"kind": "status", "status": 503, "path": "oauth2", "count": 2}])
    run = sync(emulator)
    assert_ok(run)
    assert len(run.records["views"]) == 300
    assert emulator.stats()["tokens_issued"] == 1


def test_wrong_credentials_stop_before_any_data_request(emulator):
    run = sync(emulator, client_secret="wrong-secret")
    assert run.returncode == 1
    assert "client_secret" in run.stderr
    assert "wrong-secret" not in run.stderr
    routes = emulator.stats()["requests_by_route"]
    assert not any(route.startswith("ibm_video.") for route in routes), routes


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"content_types": ["recordings"]}, "content_types"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
        ({"content_ids": [1]}, "content_ids"),
        ({"page_size": 20000}, "page_size"),
    ],
)
def test_bad_settings_fail_before_any_request_naming_the_setting(emulator, settings, named):
    config = ibm_config(emulator, **settings)
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert named in run.stderr.splitlines()[-1]
    assert emulator.stats()["requests_total"] == 0


def test_no_secret_or_token_reaches_logs_or_messages(emulator):
    emulator.reset(ibm_views=300)
    run = sync(emulator, streams=STREAMS)
    assert_ok(run)
    tokens = emulator.stats()["tokens"]
    assert tokens
    for secret in [CLIENT_SECRET, *tokens]:
        assert secret not in run.stdout
        assert secret not in run.stderr


def test_stream_maps_and_flattening_apply(emulator):
    emulator.reset(ibm_views=300)
    config = ibm_config(
        emulator,
        stream_maps={"views": {"__filter__": "content_type == 'live'", "city": "__NULL__"}},
        flattening_enabled=True,
        flattening_max_depth=3,
    )
    catalog = select_only(discover(TAP, config), {"views"})
    run = run_tap(TAP, config, catalog=catalog)
    assert_ok(run)
    expected = [v for v in views_truth(emulator) if v["content_type"] == "live"]
    assert len(run.records["views"]) == len(expected)
    record = run.records["views"][0]
    assert "city" not in record
    assert "device_info__browser__family" in record
