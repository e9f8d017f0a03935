"""Tests of the emulated api.video API (``/apivideo``): plain HTTP and the official client.

Real HTTP over loopback against one emulator process for the module; every
test starts from a reset. The official Python client (PyPI ``api-video``,
import ``apivideo``) runs in subprocesses from the folders ``make dev``
installs it into (``.venv/apivideo-client-<version>``): 1.3.0 reads the raw
statistics and plays endpoints, 1.4.7 the ``/data/*`` ones; both read
``/videos`` and ``/live-streams``. The driver scripts in ``apivideo_client_drivers/``
check every deserialised model against the emulator's truth.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from video_api_emulator.config import ConfigError, build_config
from video_api_emulator.process import EmulatorError

KEY, KEY2 = "emulator-apivideo-key", "emulator-apivideo-key-2"
ROOT = Path(__file__).resolve().parents[2]
CLIENTS = {v: ROOT / ".venv" / f"apivideo-client-{v}" for v in ("1.3.0", "1.4.7")}
# Defaults: data_start 2026-01-01, thirty days and 777 ms -> horizon 2026-01-31T00:00:00.777Z.
TODAY = date(2026, 1, 31)
#: Richer data than the defaults, fast to serve.
RICH = {
    "apivideo_videos": 12,
    "apivideo_live_streams": 4,
    "apivideo_sessions_per_media": 60,
    "apivideo_events_per_session": 8,
}
INVALID_CREDENTIALS = {
    "type": "https://docs.api.video/docs/authenticationinvalid_credentials",
    "title": "The user credentials were incorrect.",
    "name": "",
    "status": 400,
}
UNRECOGNIZED = {
    "type": "https://docs.api.video/reference/unrecognized-request-url",
    "title": "Unrecognized request URL.",
    "status": 404,
}
DISABLED = {
    "type": "https://docs.api.video/reference/authorization-disabled-analytics",
    "title": "You cannot get analytics from this project.",
    "status": 403,
}
TOO_MANY = {
    "type": "https://docs.api.video/reference/too-many-requests",
    "title": "Too many requests.",
    "status": 429,
}
OLD_ENDPOINTS = (
    "/analytics/videos/plays?from=2026-01-20&dimension=country",
    "/analytics/live-streams/plays?from=2026-01-20&dimension=country",
    "/analytics/videos/{video}?period=2026-01",
    "/analytics/live-streams/{live}?period=2026-01",
    "/analytics/sessions/{session}/events",
)


@pytest.fixture(autouse=True)
def _reset(fresh_emu):
    """Each test starts from the module's settings."""


# ----------------------------------------------------------------------------- helpers


def url(emu, path: str) -> str:
    return f"{emu.url}/apivideo{path}"


def get_token(emu, http, key: str = KEY) -> dict:
    resp = http.post(url(emu, "/auth/api-key"), json={"apiKey": key})
    assert resp.status_code == 200, resp.text
    return resp.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(key: str, password: str = "") -> dict[str, str]:
    raw = base64.b64encode(f"{key}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def api_get(emu, http, path: str, key: str = KEY, **params):
    return http.get(url(emu, path), params=params or None, headers=basic(key))


def first_ids(emu, key: str = KEY) -> dict[str, str]:
    """A video, a live stream and a session (of the first video with one) of a project."""
    video = emu.truth("apivideo", project=key, stream="videos")["records"][0]["videoId"]
    live = emu.truth("apivideo", project=key, stream="live_streams")["records"][0]["liveStreamId"]
    sessions = emu.truth(
        "apivideo", project=key, stream="video_sessions", from_="2026-01-01", to="2026-01-30"
    )["records"]
    return {"video": video, "live": live, "session": sessions[0]["session"]["sessionId"]}


def fresh_window(seconds: float) -> None:
    """Sleep until just after a fixed window of ``seconds`` (aligned on wall time) begins."""
    time.sleep(seconds - time.time() % seconds + 0.05)


# ----------------------------------------------------------------------------- config


def test_config_knobs_validated():
    cfg = build_config()
    assert cfg["apivideo_projects"] == {KEY: "main", KEY2: "second"}
    assert (cfg["apivideo_videos"], cfg["apivideo_live_streams"]) == (8, 3)
    assert (cfg["apivideo_sessions_per_media"], cfg["apivideo_events_per_session"]) == (6, 5)
    assert cfg["apivideo_token_ttl_seconds"] == 3600
    assert cfg["apivideo_rate_limit_per_minute"] == 500
    assert cfg["apivideo_rate_limit_window_seconds"] == 60
    assert cfg["apivideo_retired"] is False
    assert cfg["apivideo_analytics_disabled"] == []
    for bad in (
        {"apivideo_projects": {}},
        {"apivideo_projects": {"k": ""}},
        {"apivideo_videos": -1},
        {"apivideo_events_per_session": 2},
        {"apivideo_token_ttl_seconds": 0},
        {"apivideo_rate_limit_window_seconds": 0},
        {"apivideo_retired": "yes"},
        {"apivideo_analytics_disabled": ["not-a-key"]},
    ):
        with pytest.raises(ConfigError):
            build_config(bad)


def test_reset_rejects_bad_knob(emu):
    with pytest.raises(EmulatorError):
        emu.reset(apivideo_events_per_session=1)


# ----------------------------------------------------------------------------- auth


def test_token_endpoints(emu, http):
    body = get_token(emu, http)
    assert list(body) == ["token_type", "expires_in", "access_token", "refresh_token"]
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].count(".") == 2  # a JWT
    assert body["access_token"].startswith("eyJ")
    assert (
        "X-RateLimit-Limit"
        not in http.post(url(emu, "/auth/api-key"), json={"apiKey": KEY}).headers
    )
    # Unknown key, missing body, non-string key.
    resp = http.post(url(emu, "/auth/api-key"), json={"apiKey": "nope"})
    assert (resp.status_code, resp.json()) == (400, INVALID_CREDENTIALS)
    resp = http.post(url(emu, "/auth/api-key"), data=b"not json")
    assert resp.status_code == 400
    assert resp.json()["type"] == "https://docs.api.video/docs/attributerequired"
    assert resp.json()["name"] == "apiKey"
    resp = http.post(url(emu, "/auth/api-key"), json={"apiKey": 12})
    assert resp.status_code == 400
    assert resp.json()["problems"][0]["name"] == "apiKey"
    # Refresh: a new pair; the redeemed refresh token is used up.
    resp = http.post(url(emu, "/auth/refresh"), json={"refreshToken": body["refresh_token"]})
    assert resp.status_code == 200, resp.text
    renewed = resp.json()
    assert renewed["access_token"] != body["access_token"]
    assert renewed["refresh_token"] != body["refresh_token"]
    assert http.get(url(emu, "/videos"), headers=bearer(renewed["access_token"])).ok
    again = http.post(url(emu, "/auth/refresh"), json={"refreshToken": body["refresh_token"]})
    assert (again.status_code, again.json()) == (400, INVALID_CREDENTIALS)
    resp = http.post(url(emu, "/auth/refresh"), json={})
    assert resp.status_code == 400
    assert resp.json()["name"] == "refreshToken"
    stats = emu.stats()
    assert stats["tokens_issued"] == 3
    assert renewed["access_token"] in stats["tokens"]
    assert stats["requests_by_route"]["apivideo_auth.auth_api_key"] == 5


def test_bearer_basic_and_401s(emu, http):
    token = get_token(emu, http)["access_token"]
    assert http.get(url(emu, "/videos"), headers=bearer(token)).status_code == 200
    assert http.get(url(emu, "/videos"), headers=basic(KEY)).status_code == 200
    cases = {
        None: 'The "Authorization" header is missing.',
        "Bearer nope": "The access token is invalid or expired.",
        token: 'The "Authorization" header value is invalid.',  # bare token: no scheme
        basic("nope")["Authorization"]: "The API key is invalid.",
        basic(KEY, "secret")["Authorization"]: "The API key is invalid.",
    }
    for header, title in cases.items():
        resp = http.get(url(emu, "/videos"), headers={"Authorization": header} if header else {})
        assert resp.status_code == 401, header
        body = resp.json()
        assert set(body) == {"type", "title", "name", "status"}
        assert (body["title"], body["status"]) == (title, 401)
        assert "X-RateLimit-Remaining" in resp.headers
    # The admin revoke_token fault revokes these tokens too.
    emu.configure_faults([{"kind": "revoke_token", "path": "/apivideo/videos", "count": 1}])
    assert http.get(url(emu, "/videos"), headers=bearer(token)).status_code == 401
    resp = http.get(url(emu, "/live-streams"), headers=bearer(token))
    assert resp.status_code == 401
    assert resp.json()["title"] == "The access token is invalid or expired."


def test_token_expiry_is_a_401(emu, http):
    emu.reset(apivideo_token_ttl_seconds=1)
    body = get_token(emu, http)
    assert body["expires_in"] == 1
    assert http.get(url(emu, "/videos"), headers=bearer(body["access_token"])).ok
    time.sleep(1.2)
    resp = http.get(url(emu, "/videos"), headers=bearer(body["access_token"]))
    assert resp.status_code == 401
    assert resp.json()["title"] == "The access token is invalid or expired."
    # The refresh token outlives the access token.
    resp = http.post(url(emu, "/auth/refresh"), json={"refreshToken": body["refresh_token"]})
    assert resp.ok
    assert http.get(url(emu, "/videos"), headers=bearer(resp.json()["access_token"])).ok


def test_http_date_is_the_horizon(emu, http):
    resp = api_get(emu, http, "/videos")
    assert resp.headers["Date"] == "Sat, 31 Jan 2026 00:00:00 GMT"
    emu.advance(86_400)
    assert api_get(emu, http, "/videos").headers["Date"] == "Sun, 01 Feb 2026 00:00:00 GMT"


# ----------------------------------------------------------------------------- limits


def test_rate_limit_headers_and_429(emu, http):
    window = 3
    emu.reset(apivideo_rate_limit_per_minute=4, apivideo_rate_limit_window_seconds=window)
    fresh_window(window)
    seen = []
    for path in ("/videos", "/nope", "/analytics/videos/plays", "/live-streams"):
        resp = api_get(emu, http, path)
        seen.append((resp.status_code, resp.headers["X-RateLimit-Remaining"]))
        assert resp.headers["X-RateLimit-Limit"] == "4"
        assert 1 <= int(resp.headers["X-RateLimit-Retry-After"]) <= window
    assert seen == [(200, "3"), (404, "2"), (400, "1"), (200, "0")]
    resp = api_get(emu, http, "/videos")
    assert (resp.status_code, resp.json()) == (429, TOO_MANY)
    assert resp.headers["X-RateLimit-Remaining"] == "0"
    retry = int(resp.headers["X-RateLimit-Retry-After"])
    assert 1 <= retry <= window
    # Per API key: the other project still has its quota; auth is not counted.
    assert api_get(emu, http, "/videos", key=KEY2).status_code == 200
    assert http.post(url(emu, "/auth/api-key"), json={"apiKey": KEY}).status_code == 200
    assert emu.stats()["throttled"] == 1
    time.sleep(retry)
    resp = api_get(emu, http, "/videos")
    assert resp.status_code == 200
    assert resp.headers["X-RateLimit-Remaining"] == "3"


def test_rate_limit_zero_disables(emu, http):
    emu.reset(apivideo_rate_limit_per_minute=0)
    resp = api_get(emu, http, "/videos")
    assert resp.ok
    assert "X-RateLimit-Limit" not in resp.headers


def test_faults_and_latency_apply(emu, http):
    emu.reset(latency_ms=150)
    started = time.monotonic()
    assert api_get(emu, http, "/videos").ok
    assert time.monotonic() - started >= 0.14
    emu.reset(faults=[{"kind": "status", "status": 503, "path": "/apivideo/data", "count": 1}])
    resp = api_get(emu, http, "/data/metrics/play/count")
    assert resp.status_code == 503
    assert resp.json()["status"] == 503
    assert api_get(emu, http, "/data/metrics/play/count").ok
    # Token endpoints are faulted only by a rule naming them.
    emu.configure_faults([{"kind": "status", "status": 500, "count": 5}])
    assert http.post(url(emu, "/auth/api-key"), json={"apiKey": KEY}).ok
    emu.configure_faults([{"kind": "status", "status": 500, "path": "/auth/", "count": 1}])
    assert http.post(url(emu, "/auth/api-key"), json={"apiKey": KEY}).status_code == 500


# ----------------------------------------------------------------------------- routes


def test_unknown_routes_and_resources(emu, http):
    for path in ("/nope", "/analytics", "/data/metrics/play", "/videos/x/y", ""):
        resp = api_get(emu, http, path)
        assert (resp.status_code, resp.json()) == (404, UNRECOGNIZED), path
    assert http.post(url(emu, "/videos"), headers=basic(KEY)).status_code == 404
    for path, name in (
        ("/analytics/videos/viNOPE?period=2026-01", "videoId"),
        ("/analytics/live-streams/liNOPE?period=2026-01", "liveStreamId"),
        # The spec's example says videoId (docs/vendors/apivideo.md#session-events).
        ("/analytics/sessions/psNOPE/events", "videoId"),
    ):
        resp = api_get(emu, http, path)
        assert resp.status_code == 404
        assert resp.json() == {
            "type": "https://docs.api.video/docs/resourcenot_found",
            "title": "The requested resource was not found.",
            "name": name,
            "status": 404,
        }
    # A video id on the live-stream path, and a session of the other project.
    ids = first_ids(emu)
    assert (
        api_get(emu, http, f"/analytics/live-streams/{ids['video']}?period=2026").status_code == 404
    )
    other = api_get(emu, http, f"/analytics/sessions/{ids['session']}/events", key=KEY2)
    assert other.status_code == 404


def test_retired_endpoints_are_404(emu, http):
    emu.reset(apivideo_retired=True)
    ids = first_ids(emu)
    for path in OLD_ENDPOINTS:
        resp = api_get(emu, http, path.format(**ids))
        assert (resp.status_code, resp.json()) == (404, UNRECOGNIZED), path
    for path in ("/videos", "/live-streams", "/data/metrics/play/count", "/data/timeseries/play"):
        assert api_get(emu, http, path).status_code == 200, path
    emu.reset()
    for path in OLD_ENDPOINTS:
        assert api_get(emu, http, path.format(**ids)).status_code == 200, path


def test_analytics_disabled_is_403(emu, http):
    emu.reset(apivideo_analytics_disabled=[KEY])
    ids = first_ids(emu)
    for path in (
        *OLD_ENDPOINTS,
        "/data/metrics/play/count",
        "/data/buckets/play/country",
        "/data/timeseries/play",
    ):
        resp = api_get(emu, http, path.format(**ids))
        assert (resp.status_code, resp.json()) == (403, DISABLED), path
    assert api_get(emu, http, "/videos").ok
    assert api_get(emu, http, "/live-streams").ok
    assert api_get(emu, http, "/data/metrics/play/count", key=KEY2).ok


def test_thirty_day_rules(emu, http):
    def plays(**params):
        return api_get(emu, http, "/analytics/videos/plays", dimension="country", **params)

    assert plays(**{"from": "2026-01-01"}).ok  # today - 30 days: inside
    assert plays(**{"from": "2026-01-31", "to": "2026-01-31"}).ok  # today
    for params, name in (
        ({"from": "2025-12-31"}, "from"),
        ({"from": "2026-01-10", "to": "2026-02-01"}, "to"),
        ({"from": "2026-01-10", "to": "2026-01-09"}, "from"),
        ({"from": "2026-1-10"}, "from"),
    ):
        resp = plays(**params)
        assert resp.status_code == 400, params
        body = resp.json()
        assert list(body) == ["type", "title", "status", "detail", "name"]
        assert body["type"] == "https://docs.api.video/reference/request-invalid-query-parameter"
        assert body["name"] == name
    # Advancing the horizon moves "today".
    emu.advance(2 * 86_400)
    assert plays(**{"from": "2026-01-01"}).status_code == 400
    assert plays(**{"from": "2026-01-03"}).ok
    emu.reset()
    # /data: from at most 30 days before now (2026-01-31T00:00:00Z).
    ok = api_get(emu, http, "/data/metrics/play/count", **{"from": "2026-01-01T00:00:00+00:00"})
    assert ok.ok
    assert ok.json()["context"]["timeframe"] == {
        "from": "2026-01-01T00:00:00+00:00",
        "to": "2026-01-31T00:00:00+00:00",
    }
    old = api_get(emu, http, "/data/metrics/play/count", **{"from": "2025-12-31T23:59:59+00:00"})
    assert old.status_code == 400
    assert old.json()["name"] == "from"
    # play/total ignores from/to altogether.
    total = api_get(emu, http, "/data/metrics/play/total", **{"from": "2020-01-01T00:00:00Z"})
    assert total.ok


def test_plays_default_to_is_yesterday(emu, http):
    emu.reset(**RICH)
    resp = api_get(
        emu, http, "/analytics/videos/plays", dimension="country", **{"from": "2026-01-29"}
    )
    got = {r["value"]: r["plays"] for r in resp.json()["data"]}
    want: Counter[str] = Counter()
    for day in ("2026-01-29", "2026-01-30"):
        rows = emu.truth("apivideo", stream="video_plays", day=day, dimension="country")["records"]
        for row in rows:
            want[row["value"]] += row["plays"]
    assert got == dict(want)


def test_parameter_errors(emu, http):
    resp = api_get(emu, http, "/analytics/videos/plays", **{"from": "2026-01-20"})
    assert resp.json() == {
        "type": "https://docs.api.video/reference/invalid-attribute",
        "title": "An attribute is invalid.",
        "status": 400,
        "detail": "This value must be of type string.",
        "name": "dimension",
    }
    resp = api_get(
        emu, http, "/analytics/live-streams/plays", dimension="videoId", **{"from": "2026-01-20"}
    )
    assert resp.json()["detail"] == (
        "This value must be part of the following values: "
        "emittedAt,liveStreamId,country,deviceType,operatingSystem,browser"
    )
    for bad, detail in (
        ("vi123", "This value must be of the following structure(s): videoId:{videoId}"),
        ("videoId:viNOPE", "This value must refer to an existing video"),
    ):
        resp = api_get(
            emu,
            http,
            "/analytics/videos/plays",
            dimension="country",
            filter=bad,
            **{"from": "2026-01-20"},
        )
        assert (resp.status_code, resp.json()["name"], resp.json()["detail"]) == (
            400,
            "filter",
            detail,
        )
    ids = first_ids(emu)
    resp = api_get(emu, http, f"/analytics/videos/{ids['video']}")
    assert resp.status_code == 400
    assert resp.json()["type"] == "https://docs.api.video/docs/attributerequired"
    for period in ("2026-13", "2026-W54", "2026-01-10/2026-01-01", "yesterday"):
        resp = api_get(emu, http, f"/analytics/videos/{ids['video']}", period=period)
        assert (resp.status_code, resp.json()["name"]) == (400, "period"), period
    # /data pairs exactly as the spec's descriptions state them (docs/vendors/apivideo.md#metrics).
    for path, name in (
        ("/data/metrics/start/sum", "aggregation"),
        ("/data/metrics/ccv/count", "aggregation"),
        ("/data/metrics/plays/count", "metric"),
        ("/data/buckets/play-total/country", "breakdown"),
        ("/data/buckets/play/city", "breakdown"),
        ("/data/timeseries/play-total", "metric"),
    ):
        resp = api_get(emu, http, path)
        assert resp.status_code == 400, path
        assert resp.json()["type"] == "https://docs.api.video/reference/invalid-attribute"
        assert resp.json()["name"] == name
    for path, params, name in (
        ("/data/metrics/play/count", {"unique": "true"}, "unique"),
        ("/data/metrics/play/count", {"viewDuration": "5s"}, "viewDuration"),
        ("/data/metrics/view/count", {"viewDuration": "7s"}, "viewDuration"),
        ("/data/timeseries/play", {"interval": "week"}, "interval"),
        ("/data/timeseries/play", {"interval": "minute"}, "interval"),
        ("/data/buckets/play/country", {"sortBy": "value"}, "sortBy"),
        ("/data/metrics/play/count", {"from": "2026-01-20T00:00:00"}, "from"),
        ("/data/metrics/play/total", {"filterBy[country]": "FR"}, "filterBy[country]"),
        # docs/vendors/apivideo.md#filters: mediaId and mediaType only on the two play-total
        # endpoints.
        ("/data/metrics/play/count", {"filterBy[mediaId][]": "vi1"}, "filterBy[mediaId]"),
        ("/data/buckets/play/country", {"filterBy[mediaId]": "vi1"}, "filterBy[mediaId]"),
        ("/data/timeseries/play", {"filterBy[mediaType]": "video"}, "filterBy[mediaType]"),
    ):
        resp = api_get(emu, http, path, **params)
        assert resp.status_code == 400, (path, params)
        assert resp.json()["name"] == name
    # An unencoded "+" arrives as a space: refused like any non-ATOM value.
    raw = http.get(
        url(emu, "/data/metrics/play/count?from=2026-01-20T00:00:00+01:00"), headers=basic(KEY)
    )
    assert raw.status_code == 400


def test_pagination_links(emu, http):
    resp = api_get(emu, http, "/videos", pageSize=3)
    body = resp.json()
    page = body["pagination"]
    assert page == {
        "itemsTotal": 8,
        "pagesTotal": 3,
        "pageSize": 3,
        "currentPage": 1,
        "currentPageItems": 3,
        "links": [
            {"rel": "self", "uri": "/apivideo/videos?currentPage=1&pageSize=3"},
            {"rel": "first", "uri": "/apivideo/videos?currentPage=1&pageSize=3"},
            {"rel": "next", "uri": "/apivideo/videos?currentPage=2&pageSize=3"},
            {"rel": "last", "uri": "/apivideo/videos?currentPage=3&pageSize=3"},
        ],
    }
    items = list(body["data"])
    rels = []
    while True:
        links = {link["rel"]: link["uri"] for link in page["links"]}
        rels.append(sorted(links))
        if "next" not in links:
            break
        body = http.get(emu.url + links["next"], headers=basic(KEY)).json()
        page = body["pagination"]
        items += body["data"]
    assert rels == [
        ["first", "last", "next", "self"],
        ["first", "last", "next", "previous", "self"],
        ["first", "last", "previous", "self"],
    ]
    assert items == emu.truth("apivideo", stream="videos")["records"]
    assert page["currentPageItems"] == 2
    # Other parameters survive, percent-encoded, before currentPage and pageSize.
    resp = api_get(emu, http, "/videos", **{"metadata[Author]": "John Doe", "currentPage": 2})
    self_uri = resp.json()["pagination"]["links"][0]["uri"]
    assert self_uri == "/apivideo/videos?metadata%5BAuthor%5D=John%20Doe&currentPage=2&pageSize=25"
    # Past the last page: empty; bad values: the spec's range errors
    # (docs/vendors/apivideo.md#paging).
    past = api_get(emu, http, "/videos", currentPage=9).json()
    assert past["data"] == []
    assert past["pagination"]["currentPageItems"] == 0
    assert [link["rel"] for link in past["pagination"]["links"]] == [
        "self",
        "first",
        "previous",
        "last",
    ]
    resp = api_get(emu, http, "/videos", currentPage=0, pageSize=101)
    assert resp.status_code == 400
    assert resp.json() == {
        "title": "This parameter is out of the allowed range of values.",
        "name": "page",
        "status": 400,
        "range": {"min": 1},
        "problems": [
            {
                "title": "This parameter is out of the allowed range of values.",
                "name": "page",
                "range": {"min": 1},
            },
            {
                "title": "This parameter is out of the allowed range of values.",
                "name": "pageSize",
                "range": {"min": 1, "max": 100},
            },
        ],
    }
    resp = api_get(emu, http, "/data/timeseries/play", pageSize=0)
    assert (resp.status_code, resp.json()["name"]) == (400, "pageSize")


def test_list_filters_and_sort(emu, http):
    videos = emu.truth("apivideo", stream="videos")["records"]
    author = videos[0]["metadata"][0]["value"]
    got = api_get(emu, http, "/videos", **{"metadata[Author]": author}).json()["data"]
    assert got == [v for v in videos if {"key": "Author", "value": author} in v["metadata"]]
    tag = videos[0]["tags"][0]
    got = http.get(url(emu, "/videos"), params=[("tags[]", tag)], headers=basic(KEY)).json()["data"]
    assert got == [v for v in videos if tag in v["tags"]]
    got = api_get(emu, http, "/videos", sortBy="title", sortOrder="desc").json()["data"]
    assert [v["title"] for v in got] == sorted((v["title"] for v in videos), reverse=True)
    assert api_get(emu, http, "/videos", sortBy="duration").status_code == 400
    lives = emu.truth("apivideo", stream="live_streams")["records"]
    recorded = [v for v in videos if v["source"].get("liveStream")]
    assert recorded, "some videos are live recordings"
    live_id = recorded[0]["source"]["liveStream"]["liveStreamId"]
    got = api_get(emu, http, "/videos", liveStreamId=live_id).json()["data"]
    assert got == [v for v in recorded if v["source"]["liveStream"]["liveStreamId"] == live_id]
    got = api_get(emu, http, "/live-streams", streamKey=lives[1]["streamKey"]).json()["data"]
    assert got == [lives[1]]
    assert all(r["createdAt"] < "2026-01-01" for r in videos + lives)
    assert all(r["updatedAt"] < "2026-01-01" for r in videos + lives)
    assert all(len(v["videoId"]) == 24 and v["videoId"].startswith("vi") for v in videos)
    assert all(len(v["liveStreamId"]) == 24 and v["liveStreamId"].startswith("li") for v in lives)


# ----------------------------------------------------------------------------- data


def test_determinism_and_projects(emu, http):
    streams = {
        "videos": {},
        "live_streams": {},
        "video_sessions": {"from_": "2026-01-01", "to": "2026-01-30"},
        "session_events": {"from_": "2026-01-10", "to": "2026-01-12"},
    }
    first = {s: emu.truth("apivideo", stream=s, **p) for s, p in streams.items()}
    emu.reset()
    assert {s: emu.truth("apivideo", stream=s, **p) for s, p in streams.items()} == first
    # Served the same way after the reset, too.
    assert api_get(emu, http, "/videos").json()["data"] == first["videos"]["records"]
    other = emu.truth("apivideo", project=KEY2, stream="videos")["records"]
    assert {v["videoId"] for v in other}.isdisjoint(
        v["videoId"] for v in first["videos"]["records"]
    )
    emu.reset(seed=7)
    assert emu.truth("apivideo", stream="videos") != first["videos"]


def test_advancing_the_horizon_adds_sessions(emu, http):
    ids = first_ids(emu)

    def sessions() -> list[dict]:
        resp = api_get(emu, http, f"/analytics/videos/{ids['video']}", period="2026", pageSize=100)
        return resp.json()["data"]

    before = sessions()
    assert before
    assert all(s["session"]["loadedAt"] < "2026-01-31T00:00:00.777Z" for s in before)
    emu.advance(10 * 86_400)
    after = sessions()
    assert after[: len(before)] == before
    assert len(after) == 8  # six per 30 days, spread evenly: two more in 10 days
    assert all(s["session"]["loadedAt"] < "2026-02-10T00:00:00.777Z" for s in after)
    truth = emu.truth(
        "apivideo",
        stream="video_sessions",
        from_="2026-01-01",
        to="2026-12-31",
        media_id=ids["video"],
    )["records"]
    assert [{k: v for k, v in r.items() if k != "videoId"} for r in truth] == after
    new = after[-1]["session"]["sessionId"]
    assert api_get(emu, http, f"/analytics/sessions/{new}/events").ok


def test_sessions_events_and_analytics_agree(emu, http):
    emu.reset(**RICH)
    day = "2026-01-20"
    sessions = emu.truth("apivideo", stream="video_sessions", from_=day, to=day)["records"]
    assert len(sessions) > 15
    by: dict[str, Counter[str]] = {
        d: Counter() for d in ("country", "deviceType", "operatingSystem", "browser", "videoId")
    }
    for s in sessions:
        assert s["session"]["loadedAt"].startswith(day)
        by["country"][s["location"]["country"].lower()] += 1
        by["deviceType"][s["device"]["type"]] += 1
        by["operatingSystem"][s["os"]["name"].lower()] += 1
        by["browser"][s["client"]["name"].lower()] += 1
        by["videoId"][s["videoId"]] += 1
    for dimension, counts in by.items():
        rows = emu.truth("apivideo", stream="video_plays", day=day, dimension=dimension)["records"]
        assert {r["value"]: r["plays"] for r in rows} == counts, dimension
        assert [r["value"] for r in rows] == sorted(counts)
    assert set(by["deviceType"]) <= {
        "computer",
        "phone",
        "tablet",
        "tv",
        "console",
        "wearable",
        "unknown",
    }
    hours = emu.truth("apivideo", stream="video_plays", day=day, dimension="emittedAt")["records"]
    assert sum(r["plays"] for r in hours) == len(sessions)
    assert all(r["value"].endswith(":00:00.000Z") for r in hours)
    # Events: ready, play, ..., end; endedAt is the last event; positions per the schema.
    events = emu.truth("apivideo", stream="session_events", from_=day, to=day, kind="video")[
        "records"
    ]
    per_session: dict[str, list[dict]] = {}
    for e in events:
        per_session.setdefault(e["sessionId"], []).append(e)
    assert list(per_session) == [s["session"]["sessionId"] for s in sessions]
    for s in sessions:
        evs = per_session[s["session"]["sessionId"]]
        assert [e["position"] for e in evs] == list(range(8))
        assert (evs[0]["type"], evs[1]["type"], evs[-1]["type"]) == ("ready", "play", "end")
        assert evs[0]["emittedAt"] == s["session"]["loadedAt"]
        assert evs[-1]["emittedAt"] == s["session"]["endedAt"]
        stamps = [e["emittedAt"] for e in evs]
        assert stamps == sorted(set(stamps))
        for e in evs:
            if e["type"].startswith("seek"):
                assert set(e) == {"sessionId", "position", "type", "emittedAt", "from", "to"}
            else:
                assert set(e) == {"sessionId", "position", "type", "emittedAt", "at"}
    # /data counts the same sessions (videos and live streams).
    lives = emu.truth("apivideo", stream="live_stream_sessions", from_=day, to=day)["records"]
    plays = emu.truth("apivideo", stream="metrics", day=day, metric="play", aggregation="count")
    assert plays["records"] == [{"metricValue": len(sessions) + len(lives)}]
    impressions = emu.truth(
        "apivideo", stream="metrics", day=day, metric="impression", aggregation="count"
    )
    assert impressions["records"][0]["metricValue"] >= len(sessions) + len(lives)
    media = emu.truth("apivideo", stream="buckets", day=day, metric="play", breakdown="media-type")
    assert media["records"] == [
        {"dimensionValue": "live-stream", "metricValue": len(lives)},
        {"dimensionValue": "video", "metricValue": len(sessions)},
    ]
    hourly = emu.truth("apivideo", stream="timeseries", day=day, metric="play")["records"]
    assert len(hourly) == 24
    assert sum(r["metricValue"] for r in hourly) == len(sessions) + len(lives)
    assert hourly[0]["emittedAt"] == "2026-01-20T00:00:00+00:00"
    # Odd hours in the form of the spec's own example ('2024-05-29T07+00:00:00:00',
    # docs/vendors/apivideo.md#timeseries).
    assert hourly[1]["emittedAt"] == "2026-01-20T01+00:00:00:00"
    assert hourly[2]["emittedAt"] == "2026-01-20T02:00:00+00:00"


def test_benchmark_scale_is_fast(emu, http):
    emu.reset(
        apivideo_videos=50, apivideo_sessions_per_media=20, apivideo_events_per_session=20,
        apivideo_rate_limit_per_minute=0,
    )  # fmt: skip
    videos = api_get(emu, http, "/videos", pageSize=100).json()["data"]
    assert len(videos) == 50
    started = time.monotonic()
    for video in videos[:20]:
        resp = api_get(
            emu, http, f"/analytics/videos/{video['videoId']}", period="2026-01", pageSize=100
        )
        for session in resp.json()["data"]:
            events = api_get(
                emu, http, f"/analytics/sessions/{session['session']['sessionId']}/events"
            )
            assert events.json()["pagination"]["itemsTotal"] == 20
    assert time.monotonic() - started < 20


# ----------------------------------------------------------------------------- official client

#: The driver scripts (real files, linted): each runs with one client version on PYTHONPATH.
DRIVERS = Path(__file__).parent / "apivideo_client_drivers"


def run_driver(emu, version: str, driver: str, timeout: float = 60) -> str:
    folder = CLIENTS[version]
    if not (folder / "apivideo").is_dir():
        pytest.fail(f"api-video {version} is not installed in {folder}: run `make dev`")
    env = {**os.environ, "PYTHONPATH": str(folder)}
    proc = subprocess.run(
        [sys.executable, str(DRIVERS / driver), emu.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, f"driver failed:\n{proc.stdout}\n{proc.stderr[-6000:]}"
    return proc.stdout.strip().splitlines()[-1]


def test_client_1_3_0_reads_raw_statistics_plays_and_lists(emu):
    emu.reset(**RICH, apivideo_rate_limit_per_minute=0)
    out = run_driver(emu, "1.3.0", "client_1_3_0.py")
    assert out.startswith("OK "), out
    assert int(out.split()[1]) > 150, out


def test_client_1_4_7_reads_data_endpoints_and_lists(emu):
    emu.reset(**RICH, apivideo_rate_limit_per_minute=0)
    out = run_driver(emu, "1.4.7", "client_1_4_7.py")
    assert out.startswith("OK "), out
    assert int(out.split()[1]) > 80, out


def test_client_1_4_7_refreshes_short_lived_tokens(emu, http):
    emu.reset(apivideo_token_ttl_seconds=11)
    out = json.loads(run_driver(emu, "1.4.7", "client_1_4_7_refresh.py"))
    assert out["tokens"] >= 3
    # The first token has expired by now; the client never used an expired one.
    resp = http.get(url(emu, "/videos"), headers=bearer(out["first"]))
    assert resp.status_code == 401
    stats = emu.stats()
    assert stats["tokens_issued"] >= 3
    assert stats["status_counts"].get("401", 0) == 1
    assert stats["requests_by_route"]["apivideo_auth.auth_refresh"] >= 2
