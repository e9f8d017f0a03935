"""tap-apivideo against the emulator: records, state, the 30-day rule, pacing, failures."""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter

import pytest

from tests.support.apivideo import (
    ALL_STREAMS,
    API_KEY,
    DEFAULT_STREAMS,
    LIST_STREAMS,
    PLAYS_DIMENSIONS,
    TAP,
    VOLUME,
    apivideo_config,
    days_between,
    events_truth,
    expected_rows,
    plays_truth,
    sessions_truth,
    today,
    truth,
)
from tests.taprun import discover, run_tap, select_only

#: Metrics × aggregations, metric × breakdown pairs and timeseries metrics the tap asks per day.
METRIC_PAIRS = 13
BUCKET_PAIRS = 65
TIMESERIES_METRICS = 8


@pytest.fixture
def catalog(emulator):
    return discover(TAP, apivideo_config(emulator))


def selected(catalog: dict, *streams: str) -> dict:
    return select_only(catalog, set(streams))


def key_of(record: dict, keys: list[str]) -> tuple:
    return tuple(record[key] for key in keys)


def session_key(session: dict) -> str:
    return session["session"]["sessionId"]


def truth_project(emulator, key: str = API_KEY) -> str:
    """The id of the project an API key reads (what its access tokens name)."""
    return emulator.truth("apivideo", project=key, stream="videos")["project_id"]


def test_every_stream_reconciles_with_the_api_and_keys_are_unique(emulator, catalog):
    emulator.reset(**VOLUME)
    config = apivideo_config(emulator, days=3)
    run = run_tap(TAP, config, catalog=selected(catalog, *ALL_STREAMS))
    assert run.returncode == 0, run.stderr[-3000:]
    first = today(emulator) - datetime.timedelta(days=3)
    last = today(emulator) - datetime.timedelta(days=1)
    days = days_between(first, last)

    # Every stream of the tap's registry: as many rows as the API holds for those days.
    for stream in ALL_STREAMS:
        holds = expected_rows(emulator, stream, first)
        assert holds, f"the emulator holds no {stream} rows here: the test proves nothing"
        assert len(run.records[stream]) == holds, stream

    # Lists (media...): full tables, every object exactly as the API lists it, in its order.
    assert "videos" in LIST_STREAMS
    for stream in LIST_STREAMS:
        listed = truth(emulator, stream)
        emitted = [
            {field: record[field] for field in item}
            for record, item in zip(run.records[stream], listed, strict=True)
        ]
        assert emitted == listed, stream

    # Sessions of each media, from start_date to yesterday, nested objects as the API has them.
    for kind, parent in (("video", "videoId"), ("live_stream", "liveStreamId")):
        expected = sessions_truth(emulator, kind, first, last)
        emitted = run.records[f"{kind}_sessions"]
        assert expected, kind
        assert sorted(r["sessionId"] for r in emitted) == sorted(map(session_key, expected))
        by_id = {r["sessionId"]: r for r in emitted}
        for session in expected:
            record = by_id[session_key(session)]
            assert record[parent] == session[parent]
            assert record["loadedAt"] == session["session"]["loadedAt"]
            for part in ("session", "location", "referrer", "device", "os", "client"):
                assert record[part] == session[part], part

    # Events of every session of both kinds, keyed by session and position.
    expected_events = events_truth(emulator, first, last)
    events = run.records["session_events"]
    assert Counter((e["sessionId"], e["position"]) for e in events) == Counter(
        (e["sessionId"], e["position"]) for e in expected_events
    )
    assert all(isinstance(e["position"], int) for e in events)

    # Plays: one request per day and dimension, rows labelled and additive.
    for kind in ("video", "live_stream"):
        expected = plays_truth(emulator, kind, days)
        emitted = run.records[f"{kind}_plays"]
        key = ["day", "dimension", "value", "mediaId"]
        assert sorted(key_of(r, key) + (r["plays"],) for r in emitted) == sorted(
            key_of(r, key) + (r["plays"],) for r in expected
        )
        assert all(isinstance(r["plays"], int) for r in emitted)
        hourly = [r for r in emitted if r["dimension"] == "emittedAt"]
        assert hourly
        assert all(r["value"].endswith(":00:00.000Z") for r in hourly)

    # /data: every pair the spec allows, for every day (docs/vendors/apivideo.md#metrics).
    assert len(run.records["metrics"]) == METRIC_PAIRS * len(days)
    sample = run.records["metrics"][0]
    assert (
        sample["metricValue"]
        == truth(
            emulator,
            "metrics",
            day=sample["day"],
            metric=sample["metric"],
            aggregation=sample["aggregation"],
        )[0]["metricValue"]
    )
    buckets_expected = sum(
        len(truth(emulator, "buckets", day=day.isoformat(), metric="play", breakdown="country"))
        for day in days
    )
    assert buckets_expected == sum(
        1 for r in run.records["buckets"] if r["metric"] == "play" and r["breakdown"] == "country"
    )
    assert len({(r["metric"], r["breakdown"]) for r in run.records["buckets"]}) == BUCKET_PAIRS
    assert len(run.records["timeseries"]) == sum(
        len(truth(emulator, "timeseries", day=day.isoformat(), metric=metric))
        for day in days
        for metric in {r["metric"] for r in run.records["timeseries"]}
    )
    assert len({r["metric"] for r in run.records["timeseries"]}) == TIMESERIES_METRICS

    # Every stream's primary key is unique, and starts with the project every row carries.
    project = truth_project(emulator)
    for entry in catalog["streams"]:
        keys = entry["key_properties"]
        records = run.records[entry["tap_stream_id"]]
        assert records, entry["tap_stream_id"]
        assert len({key_of(r, keys) for r in records}) == len(records), entry["tap_stream_id"]
        assert keys[0] == "project_id"
        assert {r["project_id"] for r in records} == {project}, entry["tap_stream_id"]

    # State: per media for sessions, per dimension for plays, at the last day read.
    bookmarks = run.final_state["bookmarks"]
    last_midnight = f"{last.isoformat()}T00:00:00+00:00"
    partitions = bookmarks["video_sessions"]["partitions"]
    assert len(partitions) == len(truth(emulator, "videos"))
    assert {p["replication_key_value"] for p in partitions} == {last_midnight}
    plays_partitions = bookmarks["video_plays"]["partitions"]
    assert {p["context"]["dimension"] for p in plays_partitions} == set(PLAYS_DIMENSIONS)
    assert {p["replication_key_value"] for p in plays_partitions} == {last.isoformat()}
    assert "partitions" not in bookmarks.get("session_events", {})

    # No secret reaches the output or the log.
    output = run.stdout + run.stderr
    assert API_KEY not in output
    assert not [token for token in emulator.stats()["tokens"] if token in output]


def test_a_resumed_run_asks_only_from_each_bookmark_day_on(emulator, catalog):
    emulator.reset(**VOLUME)
    config = apivideo_config(emulator, days=3)
    streams = ("videos", "video_sessions", "session_events", "video_plays")
    first_run = run_tap(TAP, config, catalog=selected(catalog, *streams))
    assert first_run.returncode == 0, first_run.stderr[-3000:]
    bookmark_day = today(emulator) - datetime.timedelta(days=1)

    emulator.advance(2 * 86_400)
    asked_before = len(emulator.stats()["recent_requests"])
    second = run_tap(TAP, config, catalog=selected(catalog, *streams), state=first_run.final_state)
    assert second.returncode == 0, second.stderr[-3000:]
    new_last = today(emulator) - datetime.timedelta(days=1)

    expected = sessions_truth(emulator, "video", bookmark_day, new_last)
    assert sorted(r["sessionId"] for r in second.records["video_sessions"]) == sorted(
        map(session_key, expected)
    )
    # Events of both session kinds: the live streams' sessions run unselected, as parents.
    assert {(e["sessionId"], e["position"]) for e in second.records["session_events"]} == {
        (e["sessionId"], e["position"]) for e in events_truth(emulator, bookmark_day, new_last)
    }
    assert {r["day"] for r in second.records["video_plays"]} == {
        d.isoformat() for d in days_between(bookmark_day, new_last)
    }
    periods = {
        request["query"].get("period")
        for request in emulator.stats()["recent_requests"][asked_before:]
        if "/analytics/videos/vi" in request["path"]
    }
    assert periods == {f"{bookmark_day.isoformat()}/{new_last.isoformat()}"}


def test_a_configuration_that_still_says_metadata_filters_the_video_sessions(emulator, catalog):
    """`metadata`, the first name of `video_metadata`, is read as it, with a WARNING."""
    emulator.reset(**VOLUME)
    videos = truth(emulator, "videos")
    authors = Counter(
        pair["value"] for video in videos for pair in video["metadata"] if pair["key"] == "Author"
    )
    author = next(name for name, count in authors.items() if count < len(videos))
    matching = {
        video["videoId"]
        for video in videos
        if {"key": "Author", "value": author} in video["metadata"]
    }
    config = apivideo_config(emulator, days=2, metadata={"Author": author})
    run = run_tap(TAP, config, catalog=selected(catalog, "videos", "video_sessions"))
    assert run.returncode == 0, run.stderr[-3000:]

    first = today(emulator) - datetime.timedelta(days=2)
    last = today(emulator) - datetime.timedelta(days=1)
    every_session = sessions_truth(emulator, "video", first, last)
    expected = [s for s in every_session if s["videoId"] in matching]
    assert 0 < len(expected) < len(every_session), "the filter would prove nothing here"
    assert sorted(r["sessionId"] for r in run.records["video_sessions"]) == sorted(
        map(session_key, expected)
    )
    assert len(run.records["videos"]) == len(videos)  # the filter is the sessions' only
    warnings = [line for line in run.stderr.splitlines() if "was renamed" in line]
    assert len(warnings) == 1, warnings
    assert "WARNING" in warnings[0]
    assert "The setting `metadata` was renamed `video_metadata`" in warnings[0]
    assert author not in warnings[0]


def test_start_date_older_than_30_days_is_clamped_with_one_warning(emulator, catalog):
    emulator.reset(**VOLUME)
    config = apivideo_config(emulator, days=45)
    run = run_tap(TAP, config, catalog=selected(catalog, "video_plays", "metrics"))
    assert run.returncode == 0, run.stderr[-3000:]
    warnings = [line for line in run.stderr.splitlines() if "only the last 30 days" in line]
    assert len(warnings) == 2, warnings  # once per stream, not per partition
    oldest = min(r["day"] for r in run.records["video_plays"])
    assert oldest == min(r["day"] for r in run.records["metrics"])
    assert datetime.date.fromisoformat(oldest) >= today(emulator) - datetime.timedelta(days=30)
    assert not {k: v for k, v in emulator.stats()["status_counts"].items() if k.startswith("4")}


def test_requests_follow_the_rate_limit_headers_without_a_429(emulator, catalog):
    emulator.reset(
        **{
            **VOLUME,
            "apivideo_rate_limit_per_minute": 10,
            "apivideo_rate_limit_window_seconds": 1,
        }
    )
    config = apivideo_config(emulator, days=3)
    streams = ("videos", "video_sessions", "session_events", "video_plays")
    run = run_tap(TAP, config, catalog=selected(catalog, *streams))
    assert run.returncode == 0, run.stderr[-3000:]
    stats = emulator.stats()
    assert stats["status_counts"].get("429", 0) == 0
    assert stats["requests_total"] > 4 * 10  # several windows were needed
    first = today(emulator) - datetime.timedelta(days=3)
    last = today(emulator) - datetime.timedelta(days=1)
    assert len(run.records["session_events"]) == len(events_truth(emulator, first, last))
    assert len(run.records["video_plays"]) == len(
        plays_truth(emulator, "video", days_between(first, last))
    )


def test_tokens_are_renewed_with_the_refresh_token_before_they_expire(emulator, catalog):
    emulator.reset(**{**VOLUME, "apivideo_token_ttl_seconds": 2, "latency_ms": 100})
    config = apivideo_config(emulator, days=3, max_concurrent_requests=1)
    run = run_tap(
        TAP, config, catalog=selected(catalog, "videos", "video_sessions", "session_events")
    )
    assert run.returncode == 0, run.stderr[-3000:]
    routes = emulator.stats()["requests_by_route"]
    refreshes = sum(count for route, count in routes.items() if "refresh" in route)
    assert refreshes >= 1, routes
    first = today(emulator) - datetime.timedelta(days=3)
    last = today(emulator) - datetime.timedelta(days=1)
    assert len(run.records["session_events"]) == len(events_truth(emulator, first, last))


def test_retired_endpoints_stop_only_their_streams_and_name_the_data_streams(emulator, catalog):
    emulator.reset(**{**VOLUME, "apivideo_retired": True})
    config = apivideo_config(emulator, days=2)
    streams = ("videos", "video_sessions", "session_events", "video_plays", "metrics")
    run = run_tap(TAP, config, catalog=selected(catalog, *streams))
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if "retired this endpoint" in line]
    # One line per stream, not one per video.
    assert len([line for line in errors if "video_sessions stopped" in line]) == 1
    assert len([line for line in errors if "video_plays stopped" in line]) == 1
    assert "`metrics`, `buckets` and `timeseries`" in errors[0]
    assert len(run.records["videos"]) == len(truth(emulator, "videos"))
    assert len(run.records["metrics"]) == METRIC_PAIRS * 2
    assert not run.records["video_sessions"]
    assert not run.records["video_plays"]


def test_a_default_run_on_todays_api_exits_0_with_media_and_data_analytics(emulator):
    """As it comes (no catalog): only streams of endpoints today's API still has."""
    emulator.reset(**{**VOLUME, "apivideo_retired": True})
    config = apivideo_config(emulator, days=2)
    catalog = discover(TAP, config)
    by_default = {
        entry["tap_stream_id"]
        for entry in catalog["streams"]
        for metadata in entry["metadata"]
        if metadata["breadcrumb"] == [] and metadata["metadata"].get("selected-by-default")
    }
    assert by_default == DEFAULT_STREAMS
    assert {entry["tap_stream_id"] for entry in catalog["streams"]} == ALL_STREAMS

    run = run_tap(TAP, config)

    assert run.returncode == 0, run.stderr[-3000:]
    assert set(run.records) == DEFAULT_STREAMS
    assert len(run.records["videos"]) == len(truth(emulator, "videos"))
    assert len(run.records["live_streams"]) == len(truth(emulator, "live_streams"))
    assert len(run.records["metrics"]) == METRIC_PAIRS * 2
    assert {(r["metric"], r["breakdown"]) for r in run.records["buckets"]}
    assert run.records["timeseries"]
    assert not [line for line in run.stderr.splitlines() if "ERROR" in line]
    # No request reached a retired endpoint.
    routes = emulator.stats()["requests_by_route"]
    assert not [route for route in routes if route.split(".")[-1] in ALL_STREAMS - DEFAULT_STREAMS]


RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def test_timeseries_emitted_at_is_rfc3339_whichever_form_the_api_sent(emulator, catalog):
    emulator.reset(**VOLUME)
    run = run_tap(TAP, apivideo_config(emulator, days=2), catalog=selected(catalog, "timeseries"))
    assert run.returncode == 0, run.stderr[-3000:]
    day = (today(emulator) - datetime.timedelta(days=1)).isoformat()
    api_rows = truth(emulator, "timeseries", day=day, metric="play")
    # The API's rows: ATOM, and on some the spec example's form ("2024-05-29T07+00:00:00:00",
    # docs/vendors/apivideo.md#timeseries).
    assert [r["emittedAt"] for r in api_rows if "+00:00:00:00" in r["emittedAt"]]
    emitted = [r for r in run.records["timeseries"] if r["day"] == day and r["metric"] == "play"]
    assert [r["emittedAt"] for r in emitted] == [
        f"{day}T{hour:02}:00:00+00:00" for hour in range(24)
    ]
    assert [r["metricValue"] for r in emitted] == [r["metricValue"] for r in api_rows]
    assert all(RFC3339.fullmatch(r["emittedAt"]) for r in run.records["timeseries"])
    assert len({(r["metric"], r["emittedAt"]) for r in run.records["timeseries"]}) == len(
        run.records["timeseries"]
    )


def test_media_ids_get_per_media_figures_from_the_media_id_breakdown_never_a_refused_filter(
    emulator, catalog
):
    emulator.reset(**VOLUME)
    video_id = truth(emulator, "videos")[0]["videoId"]
    live_id = truth(emulator, "live_streams")[0]["liveStreamId"]
    config = apivideo_config(emulator, days=2, video_ids=[video_id], live_stream_ids=[live_id])

    run = run_tap(TAP, config, catalog=selected(catalog, "metrics", "buckets", "timeseries"))

    assert run.returncode == 0, run.stderr[-3000:]
    asked = emulator.stats()["recent_requests"]
    assert [r for r in asked if "/data/" in r["path"]]
    assert not [r for r in asked if any(key.startswith("filterBy") for key in r["query"])]
    assert not {k: v for k, v in emulator.stats()["status_counts"].items() if k.startswith("4")}
    day = (today(emulator) - datetime.timedelta(days=1)).isoformat()
    for metric in ("play", "start", "view"):
        per_media = {
            (r["dimensionValue"], r["metricValue"])
            for r in run.records["buckets"]
            if r["day"] == day and r["metric"] == metric and r["breakdown"] == "media-id"
        }
        api_rows = truth(emulator, "buckets", day=day, metric=metric, breakdown="media-id")
        assert per_media == {
            (r["dimensionValue"], r["metricValue"])
            for r in api_rows
            if r["dimensionValue"] in {video_id, live_id}
        }
        assert per_media, metric
    # What the API cannot give per media is the whole project's, labelled so.
    assert {r["mediaId"] for r in run.records["metrics"]} == {"all"}
    assert len(run.records["metrics"]) == METRIC_PAIRS * 2
    assert run.records["timeseries"]
    assert [r for r in run.records["buckets"] if r["breakdown"] == "country"]


def test_a_project_without_analytics_still_syncs_its_media(emulator, catalog):
    emulator.reset(**{**VOLUME, "apivideo_analytics_disabled": [API_KEY]})
    config = apivideo_config(emulator, days=2)
    run = run_tap(TAP, config, catalog=selected(catalog, "videos", "video_sessions", "metrics"))
    assert run.returncode == 1
    disabled = [line for line in run.stderr.splitlines() if "Analytics are disabled" in line]
    assert len(disabled) == 2, disabled  # video_sessions and metrics, once each
    assert len(run.records["videos"]) == len(truth(emulator, "videos"))


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"api_key": "not-a-key"}, "`api_key`"),
        ({"start_date": "2026-01-20", "end_date": "2026-01-10"}, "`start_date`"),
        ({"dimensions": ["devicetype"]}, "`dimensions"),
        ({"page_size": 500}, "`page_size`"),
        ({"video_ids": [""]}, "`video_ids`"),
        ({"video_ids": ["vi4k0jvEUuaTdRAEjQ4Prklg", "vi4k0jv EUuaT"]}, "`video_ids`"),
        ({"live_stream_ids": ["vi4k0jvEUuaTdRAEjQ4Prklg"]}, "`live_stream_ids`"),
        ({"start_date": "2026-01-20", "end_date": "2026-01-20T12:00:00Z"}, "`end_date`"),
        ({"metadata": {"Author": "A"}, "video_metadata": {"Author": "B"}}, "`video_metadata`"),
    ],
)
def test_bad_input_fails_before_any_data_request(emulator, overrides, named):
    emulator.reset(**VOLUME)
    run = run_tap(TAP, apivideo_config(emulator, **overrides))
    assert run.returncode == 1
    assert named in run.stderr.splitlines()[-1]
    data_routes = {
        route: n
        for route, n in emulator.stats()["requests_by_route"].items()
        if "auth" not in route
    }
    assert not data_routes
    assert "not-a-key" not in run.stderr


def test_a_start_date_of_today_fails_before_any_request_naming_the_first_day_it_can_read(
    emulator,
):
    """Days are read whole, up to the start of today: a run from today reads none (it ended 0)."""
    today_utc = datetime.datetime.now(datetime.UTC).date()
    yesterday = today_utc - datetime.timedelta(days=1)
    run = run_tap(TAP, apivideo_config(emulator, start_date=today_utc.isoformat()))
    assert run.returncode == 1
    last = run.stderr.splitlines()[-1]
    assert f"setting `start_date` ({today_utc.isoformat()}) is today" in last
    assert "up to the start of today" in last
    assert f"earliest day it can read is yesterday, {yesterday.isoformat()}" in last
    assert f"Set `start_date` to {yesterday.isoformat()} or earlier" in last
    assert emulator.stats()["requests_total"] == 0


@pytest.mark.parametrize(
    ("bookmark", "problem"),
    [("2030-01-01", "later than the end of this sync"), ("garbage", "is not a date")],
)
def test_impossible_day_bookmarks_stop_the_run_before_any_data_request(
    emulator, catalog, bookmark, problem
):
    emulator.reset(**VOLUME)
    state = {
        "bookmarks": {
            "metrics": {
                "partitions": [{"context": {"mediaId": "all"}, "replication_key_value": bookmark}]
            }
        }
    }
    run = run_tap(TAP, apivideo_config(emulator), catalog=selected(catalog, "metrics"), state=state)
    assert run.returncode == 1
    last_line = run.stderr.splitlines()[-1]
    assert "stream `metrics` partition [mediaId=all]" in last_line
    assert problem in last_line
    assert not run.records
    assert not run.states  # the bad bookmark is not written back
    assert not [route for route in emulator.stats()["requests_by_route"] if "auth" not in route]


def test_server_errors_dropped_connections_and_a_revoked_token_are_retried(emulator, catalog):
    emulator.reset(**VOLUME)
    emulator.configure_faults(
        [
            {"kind": "status", "status": 503, "path": "/apivideo/analytics/sessions/", "count": 2},
            {"kind": "drop", "path": "/apivideo/analytics/videos/vi", "count": 1},
            {"kind": "revoke_token", "path": "/apivideo/analytics/videos/plays", "count": 1},
        ]
    )
    config = apivideo_config(emulator, days=2)
    streams = ("videos", "video_sessions", "session_events", "video_plays")
    run = run_tap(TAP, config, catalog=selected(catalog, *streams))
    assert run.returncode == 0, run.stderr[-3000:]
    assert sum(rule["applied"] for rule in emulator.faults()["rules"]) == 4
    first = today(emulator) - datetime.timedelta(days=2)
    last = today(emulator) - datetime.timedelta(days=1)
    assert len(run.records["video_sessions"]) == len(sessions_truth(emulator, "video", first, last))
    assert len(run.records["session_events"]) == len(events_truth(emulator, first, last))
    assert len(run.records["video_plays"]) == len(
        plays_truth(emulator, "video", days_between(first, last))
    )


def test_two_partitions_read_side_by_side_keep_their_own_days_and_bookmarks(emulator, capsys):
    """What a request needs travels in its token: nothing of a partition is kept on the stream.

    Two partitions of one stream are read interleaved, record by record (as a
    parent's children or a future scheduler might); each gets its own rows and
    its own bookmark, exactly as when read alone.
    """
    from tap_apivideo.tap import TapApiVideo

    config = apivideo_config(emulator, days=3, dimensions=["country", "browser"])
    alone_tap = TapApiVideo(config=config)
    alone_stream = alone_tap.streams["video_plays"]
    first, second = alone_stream.partitions[:2]
    alone = {key: list(alone_stream.get_records(ctx)) for key, ctx in (("a", first), ("b", second))}

    tap = TapApiVideo(config=config)
    stream = tap.streams["video_plays"]
    readers = {"a": iter(stream.get_records(first)), "b": iter(stream.get_records(second))}
    side_by_side: dict[str, list[dict]] = {"a": [], "b": []}
    while readers:
        for key in list(readers):
            record = next(readers[key], None)
            if record is None:
                del readers[key]
            else:
                side_by_side[key].append(record)
    capsys.readouterr()  # the STATE lines of both runs

    assert side_by_side == alone
    assert {r["dimension"] for r in side_by_side["a"]} == {first["dimension"]}
    assert {r["dimension"] for r in side_by_side["b"]} == {second["dimension"]}
    last_day = (today(emulator) - datetime.timedelta(days=1)).isoformat()
    for context in (first, second):
        assert stream.get_context_state(context).get("replication_key_value") == last_day


def test_children_get_their_first_pages_ahead_each_asked_once_in_the_sdks_order(emulator, catalog):
    """Parents queue their children's partitions as they emit a page; the SDK syncs as usual.

    Sessions (children of media) and events (grandchildren) are fetched
    several at once, each asked once, and records come in the SDK's order (a
    record's children are written before it): a session's events, then the
    session; a medium's sessions, then the medium.
    """
    emulator.reset(**{**VOLUME, "latency_ms": 20})
    config = apivideo_config(emulator, days=3, max_concurrent_requests=8)
    streams = ("videos", "live_streams", "video_sessions", "live_stream_sessions")
    run = run_tap(TAP, config, catalog=selected(catalog, *streams, "session_events"))
    assert run.returncode == 0, run.stderr[-3000:]

    sessions = run.records["video_sessions"] + run.records["live_stream_sessions"]
    assert run.records["video_sessions"]
    assert run.records["live_stream_sessions"]
    stats = emulator.stats()
    asked = [r["path"] for r in stats["recent_requests"] if r["path"].endswith("/events")]
    assert sorted(asked) == sorted(
        f"/apivideo/analytics/sessions/{s['sessionId']}/events" for s in sessions
    )
    assert stats["max_concurrent"] > 1, "children's first pages should be fetched ahead"

    # The SDK syncs a record's children before writing the record itself.
    events_of: str | None = None  # the session whose events are being written
    sessions_of: str | None = None  # the medium whose sessions are being written
    for line in run.stdout.splitlines():
        message = json.loads(line)
        if message.get("type") != "RECORD":
            continue
        record, stream = message["record"], message["stream"]
        if stream == "session_events":
            assert events_of in (None, record["sessionId"])
            events_of = record["sessionId"]
        elif stream in ("video_sessions", "live_stream_sessions"):
            assert events_of in (None, record["sessionId"])
            events_of = None
            medium = record.get("videoId") or record["liveStreamId"]
            assert sessions_of in (None, medium)
            sessions_of = medium
        else:
            assert events_of is None
            assert sessions_of in (None, record.get("videoId") or record.get("liveStreamId"))
            sessions_of = None
