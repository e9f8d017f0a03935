"""Tests of the emulated api.video API (``/apivideo``): plain HTTP and the official client.

Real HTTP over loopback against one emulator process for the module; every
test starts from a reset. The official Python client (PyPI ``api-video``,
import ``apivideo``) runs in subprocesses from the folders ``make dev``
installs it into (``.venv/apivideo-client-<version>``): 1.3.0 reads the raw
statistics and plays endpoints, 1.4.7 the ``/data/*`` ones; both read
``/videos`` and ``/live-streams``. The driver scripts below check every
deserialised model against the emulator's truth.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import requests

from video_api_emulator.config import ConfigError, build_config
from video_api_emulator.process import EmulatorError, EmulatorProcess

KEY, KEY2 = "emulator-apivideo-key", "emulator-apivideo-key-2"
ROOT = Path(__file__).resolve().parents[1]
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


@pytest.fixture(scope="module")
def emu():
    with EmulatorProcess() as proc:
        yield proc


@pytest.fixture(autouse=True)
def _reset(emu):
    emu.reset()


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


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
        ("/analytics/sessions/psNOPE/events", "videoId"),  # the spec's example says videoId
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
    # /data pairs exactly as the spec's descriptions state them.
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
        # [OAS-2025-01] filterBy: mediaId and mediaType only on the two play-total endpoints.
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
    # Past the last page: empty; bad values: the spec's range errors.
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
    # Odd hours in the form of the spec's own example ('2024-05-29T07+00:00:00:00').
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

COMMON = textwrap.dedent(
    '''
    import json, re, sys, urllib.parse, urllib.request
    from datetime import date, datetime, timedelta, timezone

    import apivideo
    from apivideo.exceptions import ApiException
    from apivideo.model_utils import model_to_dict

    URL = sys.argv[1]
    KEY, KEY2 = "emulator-apivideo-key", "emulator-apivideo-key-2"
    CHECKS = [0]
    ISO = re.compile(r"^\\d{4}-\\d{2}-\\d{2}T\\d{2}")


    def admin(method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{URL}/_emulator/{path}", data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read())


    def truth(**params):
        if "from_" in params:
            params["from"] = params.pop("from_")
        query = urllib.parse.urlencode(params)
        return admin("GET", f"truth/apivideo?{query}")["records"]


    def client(key=KEY, strict=True, connect=True):
        c = apivideo.AuthenticatedApiClient(key)
        c.configuration.host = f"{URL}/apivideo"
        c.configuration.discard_unknown_keys = not strict
        if connect:
            c.connect()
        return c


    def norm(value):
        """JSON-ish values with every date-time as UTC ISO with milliseconds."""
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, datetime):
            return value.astimezone(timezone.utc).isoformat(timespec="milliseconds")
        if isinstance(value, str) and ISO.match(value):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.astimezone(timezone.utc).isoformat(timespec="milliseconds")
        return value


    def same(model, record, subset=False):
        """Assert a deserialised model carries exactly the record's values."""
        got = norm(model_to_dict(model, serialize=True))
        want = norm(record)
        if subset:
            assert set(got) <= set(want), (set(got) - set(want))
            want = {k: v for k, v in want.items() if k in got}
        assert got == want, (got, want)
        CHECKS[0] += 1


    def same_list(models, records, subset=False):
        assert len(models) == len(records), (len(models), len(records))
        for m, r in zip(models, records):
            same(m, r, subset)


    def page_of(records, page, size):
        return records[(page - 1) * size : page * size]


    def check_pagination(p, total, page, size):
        assert (p.items_total, p.current_page, p.page_size) == (total, page, size)
        assert p.pages_total == max(1, -(-total // size))
        rels = [link.rel for link in p.links]
        assert rels[:2] == ["self", "first"] and rels[-1] == "last"
        assert ("previous" in rels) == (page > 1) and ("next" in rels) == (page < p.pages_total)
        CHECKS[0] += 1


    class Raw:
        def __init__(self, data):
            self.data = data.encode() if isinstance(data, str) else data
            self.status = 200

        def getheader(self, name, default=None):
            return "application/json"


    def error_model(c, exc, model, status):
        """The ApiException's status, and its body deserialised into the client's error model."""
        assert exc.status == status, (exc.status, exc.body)
        obj = c.deserialize(Raw(exc.body), (model,))
        assert obj.status == status
        CHECKS[0] += 1
        return obj


    def expect_error(call, status):
        try:
            call()
        except ApiException as exc:
            assert exc.status == status, (exc.status, exc.body)
            return exc
        raise AssertionError(f"expected HTTP {status}")
    '''
)

DRIVER_130 = COMMON + textwrap.dedent(
    """
    from apivideo.apis import AnalyticsApi, LiveStreamsApi, RawStatisticsApi, VideosApi
    from apivideo.model.analytics_plays400_error import AnalyticsPlays400Error
    from apivideo.model.bad_request import BadRequest
    from apivideo.model.model403_error_schema import Model403ErrorSchema
    from apivideo.model.not_found import NotFound

    strict = client()
    # 1.3.0's Video model predates discarded/discardedAt/deletesAt/language
    # (2024): with its default discard_unknown_keys=False it can't read
    # today's /videos; the lenient client drops them.
    lenient = client(strict=False)

    # ---- /videos and /live-streams
    videos, lives = truth(stream="videos"), truth(stream="live_streams")
    resp = VideosApi(lenient).list()
    same_list(resp.data, videos, subset=True)
    check_pagination(resp.pagination, len(videos), 1, 25)
    resp = VideosApi(lenient).list(current_page=2, page_size=5)
    same_list(resp.data, page_of(videos, 2, 5), subset=True)
    check_pagination(resp.pagination, len(videos), 2, 5)
    author = videos[0]["metadata"][0]["value"]
    resp = VideosApi(lenient).list(metadata={"Author": author}, sort_by="title", sort_order="desc")
    wanted = [v for v in videos if {"key": "Author", "value": author} in v["metadata"]]
    same_list(resp.data, sorted(wanted, key=lambda v: v["title"], reverse=True), subset=True)
    resp = VideosApi(lenient).list(tags=[videos[1]["tags"][0]])
    same_list(resp.data, [v for v in videos if videos[1]["tags"][0] in v["tags"]], subset=True)
    resp = LiveStreamsApi(strict).list()
    same_list(resp.data, lives)
    resp = LiveStreamsApi(strict).list(current_page=2, page_size=3, sort_order="desc")
    same_list(resp.data, page_of(lives[::-1], 2, 3))

    # ---- raw statistics: sessions of a video / live stream, events of a session
    raw = RawStatisticsApi(strict)
    for video in (videos[0], videos[3]):
        vid = video["videoId"]
        month = [
            {k: v for k, v in s.items() if k != "videoId"}
            for s in truth(stream="video_sessions", from_="2026-01-01", to="2026-01-31",
                           media_id=vid)
        ]
        resp = raw.list_video_sessions(vid, "2026-01", page_size=100)
        same_list(resp.data, month)
        check_pagination(resp.pagination, len(month), 1, 100)
        resp = raw.list_video_sessions(vid, "2026-01", current_page=2, page_size=7)
        same_list(resp.data, page_of(month, 2, 7))
        check_pagination(resp.pagination, len(month), 2, 7)
        week = [s for s in month if "2026-01-05" <= s["session"]["loadedAt"][:10] <= "2026-01-11"]
        same_list(raw.list_video_sessions(vid, "2026-W02", page_size=100).data, week)
        span = [s for s in month if "2026-01-10" <= s["session"]["loadedAt"][:10] <= "2026-01-12"]
        same_list(raw.list_video_sessions(vid, "2026-01-10/2026-01-12", page_size=100).data, span)
        day = [s for s in month if s["session"]["loadedAt"].startswith("2026-01-15")]
        same_list(raw.list_video_sessions(vid, "2026-01-15").data, day)
        pairs = {m["key"]: m["value"] for m in video["metadata"]}
        same_list(raw.list_video_sessions(vid, "2026", metadata=pairs, page_size=100).data, month)
        assert raw.list_video_sessions(vid, "2026", metadata={"Author": "Nobody"}).data == []
    lid = lives[1]["liveStreamId"]
    live_sessions = [
        {k: v for k, v in s.items() if k != "liveStreamId"}
        for s in truth(stream="live_stream_sessions", from_="2026-01-01", to="2026-01-31",
                       media_id=lid)
    ]
    resp = raw.list_live_stream_sessions(lid, "2026-01-01/2026-01-31", page_size=100)
    same_list(resp.data, live_sessions)
    same_list(raw.list_live_stream_sessions(lid, "2026", current_page=3, page_size=4).data,
              page_of(live_sessions, 3, 4))
    events = truth(stream="session_events", from_="2026-01-14", to="2026-01-14")
    for kind_sessions in (month[:2], live_sessions[:2]):
        for s in kind_sessions:
            sid = s["session"]["sessionId"]
            mine = [{k: v for k, v in e.items() if k not in ("sessionId", "position")}
                    for e in truth(stream="session_events", from_=s["session"]["loadedAt"][:10],
                                   to=s["session"]["loadedAt"][:10])
                    if e["sessionId"] == sid]
            assert len(mine) == 8
            same_list(raw.list_session_events(sid).data, mine)
            resp = raw.list_session_events(sid, current_page=2, page_size=3)
            same_list(resp.data, page_of(mine, 2, 3))
            check_pagination(resp.pagination, 8, 2, 3)
            seeks = [e for e in resp.data if e.type.startswith("seek")]
            for e in seeks:
                assert isinstance(e._from, int) and isinstance(e.to, int)
    assert events

    # ---- plays
    analytics = AnalyticsApi(strict)

    def plays_truth(live, first, last, dimension):
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        stream = "live_stream_plays" if live else "video_plays"
        per_day = {d: truth(stream=stream, day=d.isoformat(), dimension=dimension) for d in days}
        if dimension == "emittedAt":
            if len(days) <= 2:
                return [r for d in days for r in per_day[d]]
            return [
                {"value": f"{d}T00:00:00.000Z", "plays": sum(r["plays"] for r in per_day[d])}
                for d in days
                if per_day[d]
            ]
        totals = {}
        for d in days:
            for r in per_day[d]:
                totals[r["value"]] = totals.get(r["value"], 0) + r["plays"]
        return [{"value": v, "plays": totals[v]} for v in sorted(totals)]

    video_dims = ("videoId", "emittedAt", "country", "deviceType", "operatingSystem", "browser")
    live_dims = ("liveStreamId", "emittedAt", "country", "deviceType", "operatingSystem", "browser")
    ranges = ((date(2026, 1, 20), date(2026, 1, 20)), (date(2026, 1, 18), date(2026, 1, 19)),
              (date(2026, 1, 10), date(2026, 1, 16)))
    for first, last in ranges:
        for dim in video_dims:
            resp = analytics.get_videos_plays(first, dim, to=last, page_size=100)
            same_list(resp.data, plays_truth(False, first, last, dim))
        for dim in live_dims:
            resp = analytics.get_live_streams_plays(first, dim, to=last, page_size=100)
            same_list(resp.data, plays_truth(True, first, last, dim))
    rows = plays_truth(False, date(2026, 1, 10), date(2026, 1, 16), "country")
    resp = analytics.get_videos_plays(date(2026, 1, 10), "country", to=date(2026, 1, 16),
                                      current_page=2, page_size=3)
    same_list(resp.data, page_of(rows, 2, 3))
    check_pagination(resp.pagination, len(rows), 2, 3)
    # Default to: yesterday.
    resp = analytics.get_videos_plays(date(2026, 1, 25), "browser", page_size=100)
    same_list(resp.data, plays_truth(False, date(2026, 1, 25), date(2026, 1, 30), "browser"))
    # One video: its sessions of the day.
    vid = videos[2]["videoId"]
    count = len(truth(stream="video_sessions", from_="2026-01-20", to="2026-01-20", media_id=vid))
    resp = analytics.get_videos_plays(date(2026, 1, 20), "videoId", to=date(2026, 1, 20),
                                      filter=f"videoId:{vid}")
    same_list(resp.data, [{"value": vid, "plays": count}] if count else [])
    resp = analytics.get_live_streams_plays(date(2026, 1, 20), "liveStreamId", to=date(2026, 1, 21),
                                            filter=f"liveStreamId:{lid}")
    assert [r.value for r in resp.data] in ([lid], [])

    # ---- errors
    # The client checks dimension against its enum before sending: bypass it.
    exc = expect_error(lambda: strict.call_api("/analytics/videos/plays", "GET", query_params=[
        ("from", "2026-01-20"), ("dimension", "city")], auth_settings=["apiKey"]), 400)
    err = error_model(strict, exc, AnalyticsPlays400Error, 400)
    assert (err.name, err.type) == ("dimension", "https://docs.api.video/reference/request-invalid-query-parameter")
    exc = expect_error(lambda: analytics.get_videos_plays(date(2025, 12, 1), "country"), 400)
    assert error_model(strict, exc, AnalyticsPlays400Error, 400).name == "from"
    exc = expect_error(lambda: analytics.get_videos_plays(date(2026, 1, 20), "country",
                                                          filter="videoId:viNOPE"), 400)
    err = error_model(strict, exc, AnalyticsPlays400Error, 400)
    assert err.detail == "This value must refer to an existing video"
    exc = expect_error(lambda: raw.list_video_sessions("viNOPE", "2026-01"), 404)
    assert error_model(strict, exc, NotFound, 404).name == "videoId"
    exc = expect_error(lambda: raw.list_live_stream_sessions(lid, "2026-13"), 400)
    assert error_model(strict, exc, BadRequest, 400).name == "period"
    exc = expect_error(lambda: raw.list_session_events("psNOPE"), 404)
    assert error_model(strict, exc, NotFound, 404).title == "The requested resource was not found."
    exc = expect_error(lambda: VideosApi(lenient).list(page_size=101), 400)
    assert error_model(lenient, exc, BadRequest, 400).name == "pageSize"

    admin("POST", "reset", {"apivideo_analytics_disabled": [KEY]})
    strict = client()
    exc = expect_error(lambda: AnalyticsApi(strict).get_videos_plays(date(2026, 1, 20), "country"),
                       403)
    err = error_model(strict, exc, Model403ErrorSchema, 403)
    assert err.title == "You cannot get analytics from this project."
    vid = videos[0]["videoId"]
    exc = expect_error(lambda: RawStatisticsApi(strict).list_video_sessions(vid, "2026"), 403)
    error_model(strict, exc, Model403ErrorSchema, 403)
    assert LiveStreamsApi(strict).list().data

    admin("POST", "reset", {"apivideo_rate_limit_per_minute": 2,
                            "apivideo_rate_limit_window_seconds": 30})
    strict = client()
    LiveStreamsApi(strict).list()
    LiveStreamsApi(strict).list()
    exc = expect_error(lambda: LiveStreamsApi(strict).list(), 429)
    # 1.3.0 has no model for 429 (the spec documents it from 2024-07 on).
    assert json.loads(exc.body)["title"] == "Too many requests."
    assert exc.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(exc.headers["X-RateLimit-Retry-After"]) <= 30
    print(f"OK {CHECKS[0]}")
    """
)

DRIVER_147 = COMMON + textwrap.dedent(
    """
    from apivideo.apis import AnalyticsApi, LiveStreamsApi, VideosApi
    from apivideo.exceptions import ApiValueError
    from apivideo.model.analytics_aggregated_metrics_response import (
        AnalyticsAggregatedMetricsResponse,
    )
    from apivideo.model.analytics_plays400_error import AnalyticsPlays400Error
    from apivideo.model.filter_by2 import FilterBy2
    from apivideo.model.model403_error_schema import Model403ErrorSchema
    from apivideo.model.too_many_requests import TooManyRequests
    from apivideo.model.unrecognized_request_url import UnrecognizedRequestUrl

    c = client()
    videos, lives = truth(stream="videos"), truth(stream="live_streams")
    resp = VideosApi(c).list(page_size=100)
    same_list(resp.data, videos)
    check_pagination(resp.pagination, len(videos), 1, 100)
    resp = VideosApi(c).list(current_page=3, page_size=4, sort_by="publishedAt")
    same_list(resp.data, page_of(sorted(videos, key=lambda v: v["publishedAt"]), 3, 4))
    same_list(LiveStreamsApi(c).list().data, lives)
    same_list(LiveStreamsApi(c).list(name=lives[2]["name"]).data, [lives[2]])

    analytics = AnalyticsApi(c)
    UTC = timezone.utc
    DAY = "2026-01-20"
    FROM, TO = datetime(2026, 1, 20, tzinfo=UTC), datetime(2026, 1, 21, tzinfo=UTC)


    def raw_json(call):
        resp = call(_preload_content=False)
        assert resp.status == 200
        return json.loads(resp.data)


    # Pairs the spec's descriptions allow ([OAS-2025-01]); the client reads the
    # context's aggregation only from {count, rate, total, average, sum}.
    pairs = [("play", "count"), ("play", "rate"), ("play", "total"), ("start", "count"),
             ("end", "count"), ("impression", "count"), ("impression-time", "average"),
             ("impression-time", "sum"), ("watch-time", "average"), ("watch-time", "sum"),
             ("ccv", "peak"), ("ccv", "live"), ("view", "count")]
    for metric, aggregation in pairs:
        want = truth(stream="metrics", day=DAY, metric=metric, aggregation=aggregation)
        want = want[0]["metricValue"]

        def call(**kw):
            return analytics.get_aggregated_metrics(metric, aggregation, _from=FROM, to=TO, **kw)

        if aggregation in ("peak", "live"):
            # Not in the response schema's aggregation enum: the client refuses
            # the context; the body itself is what the truth says.
            try:
                call()
                raise AssertionError("the 1.4.7 client accepted aggregation " + aggregation)
            except ApiValueError:
                pass
            body = raw_json(call)
            assert body["context"]["aggregation"] == aggregation and body["data"] == want, body
            CHECKS[0] += 1
            continue
        resp = call()
        assert isinstance(resp, AnalyticsAggregatedMetricsResponse)
        assert resp.data == want, (metric, aggregation, resp.data, want)
        assert resp.context.aggregation == aggregation
        if aggregation != "total":
            assert norm(model_to_dict(resp.context.timeframe)) == norm({"from": FROM, "to": TO})
        CHECKS[0] += 1
    extras = ({"unique": True}, {"view_duration": "30s"}, {"unique": True, "view_duration": "3s"})
    for extra in extras:
        params = {"unique": "true"} if extra.get("unique") else {}
        if "view_duration" in extra:
            params["viewDuration"] = extra["view_duration"]
        want = truth(stream="metrics", day=DAY, metric="view", aggregation="count", **params)
        want = want[0]["metricValue"]
        resp = analytics.get_aggregated_metrics("view", "count", _from=FROM, to=TO, **extra)
        assert resp.data == want
        seconds = extra.get("view_duration", "5s")[:-1]
        assert resp.context.metric == ("unique-" if extra.get("unique") else "") + f"view-{seconds}"
        CHECKS[0] += 1
    resp = analytics.get_aggregated_metrics("ccv", "live", _preload_content=False)
    assert json.loads(resp.data)["context"]["metric"] == "ccv"

    bucket_metrics = ("play", "play-rate", "start", "end", "impression", "ccv-peak", "ccv-average",
                      "view")
    breakdowns = ("media-id", "media-type", "continent", "country", "device-type",
                  "operating-system", "browser", "referrer")
    combos = [(m, b) for m in bucket_metrics for b in breakdowns] + [("play-total", "media-id")]
    for metric, breakdown in combos:
        want = truth(stream="buckets", day=DAY, metric=metric, breakdown=breakdown)

        def call(**kw):
            return analytics.get_metrics_breakdown(metric, breakdown, _from=FROM, to=TO,
                                                   page_size=100, **kw)

        if metric == "play-total" or breakdown == "referrer":
            # Not in the response schema's enums (context.metric has no
            # play-total, context.breakdown no referrer): read the JSON.
            try:
                call()
                raise AssertionError(f"the 1.4.7 client accepted {metric}/{breakdown}")
            except ApiValueError:
                pass
            body = raw_json(call)
            assert body["data"] == want, (metric, breakdown)
            CHECKS[0] += 1
            continue
        resp = call()
        same_list(resp.data, want)
        check_pagination(resp.pagination, len(want), 1, 100)
        assert resp.context.breakdown == breakdown
    want = truth(stream="buckets", day=DAY, metric="play", breakdown="country",
                 sortBy="metricValue", sortOrder="desc")
    resp = analytics.get_metrics_breakdown("play", "country", _from=FROM, to=TO,
                                           sort_by="metricValue", sort_order="desc",
                                           current_page=2, page_size=3)
    same_list(resp.data, page_of(want, 2, 3))
    check_pagination(resp.pagination, len(want), 2, 3)
    vid = videos[0]["videoId"]
    filters = {"filterBy[mediaId][]": vid, "filterBy[mediaType]": "video"}
    want = truth(stream="buckets", day=DAY, metric="play-total", breakdown="media-id", **filters)
    # context.metric play-total is outside the client's enum (see above): read the JSON.
    body = raw_json(lambda **kw: analytics.get_metrics_breakdown(
        "play-total", "media-id", _from=FROM, to=TO,
        filter_by=FilterBy2(media_id=[vid], media_type="video"), **kw))
    assert body["data"] == want
    assert [row["dimensionValue"] for row in want] == [vid]
    # Elsewhere the spec refuses them: "only ... when you call /data/metrics/play/total or
    # /data/buckets/play-total/media-id".
    exc = expect_error(lambda: analytics.get_metrics_breakdown(
        "play", "device-type", _from=FROM, to=TO, filter_by=FilterBy2(media_id=[vid])), 400)
    assert error_model(c, exc, AnalyticsPlays400Error, 400).name == "filterBy[mediaId]"
    everything = truth(stream="buckets", day=DAY, metric="play", breakdown="country")
    want = truth(stream="buckets", day=DAY, metric="play", breakdown="country",
                 **{"filterBy[continent][]": "EU"})
    resp = analytics.get_metrics_breakdown("play", "country", _from=FROM, to=TO,
                                           filter_by=FilterBy2(continent=["EU"]))
    same_list(resp.data, want)
    assert {r["dimensionValue"] for r in want} == {
        r["dimensionValue"] for r in everything if r["dimensionValue"] in ("FR", "ES", "DE", "GB")}

    for metric in bucket_metrics:
        want = truth(stream="timeseries", day=DAY, metric=metric)
        assert len(want) == 24
        resp = analytics.get_metrics_over_time(metric, _from=FROM, to=TO, interval="hour",
                                               page_size=100)
        same_list(resp.data, want)
        assert resp.context.interval == "hour"
        # Default interval for a one-day timeframe: hour.
        resp = analytics.get_metrics_over_time(metric, _from=FROM, to=TO, page_size=30)
        same_list(resp.data, want)
    resp = analytics.get_metrics_over_time("play", _from=FROM, to=TO, current_page=2, page_size=10,
                                           sort_by="metricValue", sort_order="desc")
    want = truth(stream="timeseries", day=DAY, metric="play", sortBy="metricValue",
                 sortOrder="desc")
    same_list(resp.data, page_of(want, 2, 10))
    week = analytics.get_metrics_over_time("play", _from=datetime(2026, 1, 14, tzinfo=UTC), to=TO)
    assert week.context.interval == "day" and len(week.data) == 7
    for row, day in zip(week.data, range(14, 21)):
        hourly = truth(stream="timeseries", day=f"2026-01-{day}", metric="play")
        assert row.metric_value == sum(r["metricValue"] for r in hourly), row
        assert row.emitted_at == f"2026-01-{day}T00:00:00+00:00"
    minutes = analytics.get_metrics_over_time("play", _from=FROM, to=FROM + timedelta(minutes=60),
                                              interval="minute", page_size=100)
    assert len(minutes.data) == 60 and minutes.context.interval == "minute"

    # ---- errors
    exc = expect_error(lambda: analytics.get_aggregated_metrics("start", "sum"), 400)
    assert error_model(c, exc, AnalyticsPlays400Error, 400).name == "aggregation"
    exc = expect_error(lambda: analytics.get_metrics_over_time("play", _from=FROM, to=TO,
                                                               interval="minute"), 400)
    err = error_model(c, exc, AnalyticsPlays400Error, 400)
    assert err.detail == "This interval cannot be used with a timeframe over 60 minutes."
    exc = expect_error(lambda: analytics.get_aggregated_metrics(
        "play", "count", _from=datetime(2025, 12, 1, tzinfo=UTC)), 400)
    assert error_model(c, exc, AnalyticsPlays400Error, 400).name == "from"
    exc = expect_error(lambda: analytics.get_metrics_breakdown("play-total", "country"), 400)
    assert error_model(c, exc, AnalyticsPlays400Error, 400).name == "breakdown"

    admin("POST", "reset", {"apivideo_retired": True, "apivideo_analytics_disabled": [KEY2]})
    c = client()
    exc = expect_error(lambda: c.call_api("/analytics/videos/plays", "GET", query_params=[
        ("from", "2026-01-20"), ("dimension", "country")], auth_settings=["apiKey"]), 404)
    assert error_model(c, exc, UnrecognizedRequestUrl, 404).title == "Unrecognized request URL."
    assert AnalyticsApi(c).get_aggregated_metrics("play", "count").context.metric == "play"
    c2 = client(KEY2)
    exc = expect_error(lambda: AnalyticsApi(c2).get_metrics_over_time("play"), 403)
    assert error_model(c2, exc, Model403ErrorSchema, 403).status == 403
    assert VideosApi(c2).list().data

    admin("POST", "reset", {"apivideo_rate_limit_per_minute": 1,
                            "apivideo_rate_limit_window_seconds": 30})
    c = client()
    AnalyticsApi(c).get_aggregated_metrics("play", "count")
    exc = expect_error(lambda: AnalyticsApi(c).get_aggregated_metrics("play", "count"), 429)
    assert error_model(c, exc, TooManyRequests, 429).type == "https://docs.api.video/reference/too-many-requests"
    print(f"OK {CHECKS[0]}")
    """
)

DRIVER_REFRESH = COMMON + textwrap.dedent(
    """
    import time

    from apivideo.apis import AnalyticsApi, VideosApi

    # 1.4.7 refreshes 10 s before expires_in runs out ([FND §4 "Auth"]); tokens
    # here live 11 s, so it refreshes every second or two, and the calls go on
    # past the first token's life.
    c = client(connect=False)
    with c:
        first = c._access_token
        tokens = {first}
        started = time.monotonic()
        while time.monotonic() - started < 12.5:
            assert VideosApi(c).list().data
            assert AnalyticsApi(c).get_aggregated_metrics("play", "count").context.metric == "play"
            tokens.add(c._access_token)
            time.sleep(0.5)
    assert len(tokens) >= 3, len(tokens)
    print(json.dumps({"first": first, "tokens": len(tokens)}))
    """
)


def run_driver(emu, version: str, source: str, timeout: float = 60) -> str:
    folder = CLIENTS[version]
    if not (folder / "apivideo").is_dir():
        pytest.fail(f"api-video {version} is not installed in {folder}: run `make dev`")
    env = {**os.environ, "PYTHONPATH": str(folder)}
    proc = subprocess.run(
        [sys.executable, "-c", source, emu.url],
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
    out = run_driver(emu, "1.3.0", DRIVER_130)
    assert out.startswith("OK "), out
    assert int(out.split()[1]) > 150, out


def test_client_1_4_7_reads_data_endpoints_and_lists(emu):
    emu.reset(**RICH, apivideo_rate_limit_per_minute=0)
    out = run_driver(emu, "1.4.7", DRIVER_147)
    assert out.startswith("OK "), out
    assert int(out.split()[1]) > 80, out


def test_client_1_4_7_refreshes_short_lived_tokens(emu, http):
    emu.reset(apivideo_token_ttl_seconds=11)
    out = json.loads(run_driver(emu, "1.4.7", DRIVER_REFRESH))
    assert out["tokens"] >= 3
    # The first token has expired by now; the client never used an expired one.
    resp = http.get(url(emu, "/videos"), headers=bearer(out["first"]))
    assert resp.status_code == 401
    stats = emu.stats()
    assert stats["tokens_issued"] >= 3
    assert stats["status_counts"].get("401", 0) == 1
    assert stats["requests_by_route"]["apivideo_auth.auth_refresh"] >= 2
