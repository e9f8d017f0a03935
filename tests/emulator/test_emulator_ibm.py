"""Tests of the emulated IBM Video Streaming Analytics API and its token endpoint.

Real HTTP over loopback against one emulator process for the module; every
test starts from a reset so tests don't depend on each other's state.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest

from video_api_emulator.process import EmulatorError, EmulatorProcess

CLIENT_ID, CLIENT_SECRET = "emulator-ibm-client-id", "emulator-ibm-client-secret"
TOKEN_BODY = {"grant_type": "client_credentials", "token_type": "jwt"}
BASE: dict = {}
MAX_VIEW_SECONDS = 3 * 3600
# Defaults: data_start 2026-01-01T00:00:00Z, thirty days (and a fraction).
DAY = timedelta(days=1)
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _reset(fresh_emu):
    """Each test starts from the module's settings."""


# ----------------------------------------------------------------------------- helpers


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def token_url(emu) -> str:
    return f"{emu.url}/oauth2/token"


def get_token(emu, http) -> str:
    resp = http.post(token_url(emu), data=TOKEN_BODY, headers=basic())
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def api(emu, path: str = "/views") -> str:
    return f"{emu.url}/ibm-analytics/v1{path}"


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def window(start: datetime, end: datetime) -> dict[str, str]:
    return {"date_time_from": iso(start), "date_time_to": iso(end)}


def fetch_all(emu, http, token, path="/views", key="data", **params):
    """Follow ``next`` links from page 1; return (items, counts seen, pages)."""
    resp = http.get(
        api(emu, path), params={"_limit": 10_000, **params}, headers={"Authorization": token}
    )
    items, counts, pages = [], set(), 0
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        items.extend(body[key])
        counts.add(body["pagination"]["count"])
        pages += 1
        nxt = body["pagination"]["next"]
        if nxt is None:
            return items, counts, pages
        resp = http.get(api(emu, nxt["href"]), headers={"Authorization": token})


def attrs(items, kind="View"):
    assert all(item["type"] == kind for item in items)
    return [item["attributes"] for item in items]


def assert_jsonapi_error(resp, status: int, pointers: set[str] | None = None) -> list[dict]:
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    errors = resp.json()["errors"]
    assert errors
    for err in errors:
        assert err["status"] == status
        assert isinstance(err["title"], str)
        assert isinstance(err["detail"], str)
    if pointers is not None:
        assert {e["source"]["pointer"] for e in errors} == pointers
    return errors


def overlaps(rec, start: datetime, end: datetime, inclusive=True, unfinished=True) -> bool:
    """The doc's filter, re-implemented on records (see data.Dataset.select)."""
    began, ended = parse(rec["started_at"]), parse(rec["finished_at"])
    if ended is None and not unfinished:
        return False
    if not inclusive:
        return ended is not None and start <= began and ended <= end
    started_inside = start <= began <= end
    ended_inside = began < start and ended is not None and start <= ended <= end
    return started_inside or ended_inside


def horizon_of(emu) -> datetime:
    """The emulator's "now", cut to whole seconds (query bounds are whole seconds)."""
    return parse(emu.horizon()["horizon"].replace("Z", "+00:00")).replace(microsecond=0)


def truth_views(emu, start=None, end=None, **params):
    return emu.truth(
        "ibm_video",
        from_=iso(start) if start else None,
        to=iso(end) if end else None,
        records=True,
        **params,
    )


# ----------------------------------------------------------------------------- token endpoint


def _jwt_part(token: str, index: int) -> dict:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_token_in_both_basic_forms(emu, http):
    standard = http.post(token_url(emu), data=TOKEN_BODY, headers=basic())
    with_id = http.post(
        token_url(emu), data={**TOKEN_BODY, "client_id": CLIENT_ID}, headers=basic()
    )
    raw = http.post(
        token_url(emu),
        data={**TOKEN_BODY, "client_id": CLIENT_ID},
        headers={"Authorization": f"Basic {CLIENT_SECRET}"},
    )
    tokens = []
    for resp in (standard, with_id, raw):
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["token_type"] == "jwt"
        assert body["expires_in"] == 86_400
        assert isinstance(body["refresh_token"], str)
        assert body["refresh_token"]
        token = body["access_token"]
        assert token.startswith("eyJ")
        assert token.count(".") == 2
        assert _jwt_part(token, 0) == {"alg": "HS256", "typ": "JWT"}
        claims = _jwt_part(token, 1)
        assert claims["client_id"] == CLIENT_ID
        assert claims["exp"] - claims["iat"] == 86_400
        assert abs(claims["iat"] - time.time()) < 60
        tokens.append(token)
        assert http.get(
            api(emu), params=window(START, START + DAY), headers={"Authorization": token}
        ).ok
    assert len(set(tokens)) == 3
    stats = emu.stats()
    assert stats["tokens_issued"] == 3
    assert stats["tokens"] == tokens
    assert stats["requests_by_route"]["ibm_oauth.token"] == 3


def test_token_errors(emu, http):
    def post(data, headers=None, **kw):
        return http.post(
            token_url(emu), data=data, headers=basic() if headers is None else headers, **kw
        )

    def error(resp, status, name):
        assert resp.status_code == status, resp.text
        assert resp.json()["error"] == name
        assert resp.json()["error_description"]

    error(post({"grant_type": "client_credentials"}), 400, "invalid_request")
    error(post({**TOKEN_BODY, "token_type": "bearer"}), 400, "invalid_request")
    # token_type must be a POST (body) parameter, not a query parameter.
    error(
        http.post(
            token_url(emu) + "?token_type=jwt",
            data={"grant_type": "client_credentials"},
            headers=basic(),
        ),
        400,
        "invalid_request",
    )
    error(post({"token_type": "jwt"}), 400, "invalid_request")
    error(post({**TOKEN_BODY, "grant_type": "password"}), 501, "unsupported_grant_type")
    error(post(TOKEN_BODY, basic(secret="wrong")), 400, "invalid_client")
    error(post(TOKEN_BODY, basic(client_id="nobody")), 400, "invalid_client")
    error(post(TOKEN_BODY, {}), 400, "invalid_client")
    error(post(TOKEN_BODY, {"Authorization": f"Basic {CLIENT_SECRET}"}), 400, "invalid_client")
    error(
        post({**TOKEN_BODY, "client_id": CLIENT_ID}, {"Authorization": "Basic wrong"}),
        400,
        "invalid_client",
    )
    error(post({**TOKEN_BODY, "client_id": "someone-else"}), 400, "invalid_client")
    error(
        http.post(token_url(emu), json=TOKEN_BODY, headers=basic()),
        400,
        "invalid_request",
    )
    assert emu.stats()["tokens_issued"] == 0


def test_refresh_token_grant(emu, http):
    first = http.post(token_url(emu), data=TOKEN_BODY, headers=basic()).json()
    refreshed = http.post(
        token_url(emu),
        data={
            "grant_type": "refresh_token",
            "token_type": "jwt",
            "refresh_token": first["refresh_token"],
        },
        headers=basic(),
    )
    assert refreshed.status_code == 200, refreshed.text
    token = refreshed.json()["access_token"]
    assert token != first["access_token"]
    assert http.get(
        api(emu), params=window(START, START + DAY), headers={"Authorization": token}
    ).ok
    bogus = http.post(
        token_url(emu),
        data={"grant_type": "refresh_token", "token_type": "jwt", "refresh_token": "nope"},
        headers=basic(),
    )
    assert bogus.status_code == 400
    assert bogus.json()["error"] == "invalid_grant"


def test_only_the_bare_token_is_accepted(emu, http):
    token = get_token(emu, http)
    params = window(START, START + DAY)
    assert http.get(api(emu), params=params, headers={"Authorization": token}).status_code == 200
    for headers in (
        {"Authorization": f"Bearer {token}"},
        {"Authorization": f"JWT {token}"},
        {},
        {"Authorization": token[:-2] + "xx"},
        {"Authorization": "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"},
    ):
        errors = assert_jsonapi_error(http.get(api(emu), params=params, headers=headers), 401)
        assert "token" in errors[0]["detail"]
    emu.reset(**BASE)  # a reset forgets every token
    assert_jsonapi_error(http.get(api(emu), params=params, headers={"Authorization": token}), 401)


def test_expired_token_is_401(emu, http):
    emu.reset(**BASE, ibm_token_ttl_seconds=1)
    resp = http.post(token_url(emu), data=TOKEN_BODY, headers=basic())
    assert resp.json()["expires_in"] == 1
    token = resp.json()["access_token"]
    params = window(START, START + DAY)
    assert http.get(api(emu), params=params, headers={"Authorization": token}).status_code == 200
    time.sleep(1.1)
    assert_jsonapi_error(http.get(api(emu), params=params, headers={"Authorization": token}), 401)


def test_revoke_token_fault_revokes_a_bare_token(emu, http):
    token = get_token(emu, http)
    params = window(START, START + DAY)
    emu.configure_faults([{"kind": "revoke_token", "path": "/ibm-analytics/"}])
    headers = {"Authorization": token}
    assert_jsonapi_error(http.get(api(emu), params=params, headers=headers), 401)
    assert_jsonapi_error(http.get(api(emu), params=params, headers=headers), 401)
    assert emu.stats()["faults_by_kind"] == {"revoke_token": 1}
    fresh = get_token(emu, http)
    assert http.get(api(emu), params=params, headers={"Authorization": fresh}).status_code == 200


def test_status_fault_uses_the_jsonapi_shape_and_token_endpoint_is_spared(emu, http):
    emu.configure_faults([{"kind": "status", "status": 503}])
    token = get_token(emu, http)  # rules without a path never hit the token endpoint
    resp = http.get(api(emu), params=window(START, START + DAY), headers={"Authorization": token})
    assert_jsonapi_error(resp, 503)
    assert "X-RateLimit-Remaining" in resp.headers
    emu.configure_faults([{"kind": "status", "status": 503, "path": "/oauth2/token"}])
    resp = http.post(token_url(emu), data=TOKEN_BODY, headers=basic())
    assert resp.status_code == 503
    assert resp.json()["error"] == "server_error"


# ----------------------------------------------------------------------------- parameters


def test_dates_are_required_and_errors_name_the_parameter(emu, http):
    token = get_token(emu, http)
    headers = {"Authorization": token}
    get = lambda path="/views", **params: http.get(api(emu, path), params=params, headers=headers)  # noqa: E731
    errors = assert_jsonapi_error(get(), 400, {"date_time_from", "date_time_to"})
    assert errors[0]["title"] == "Validation failed"
    assert_jsonapi_error(get("/views/live", date_time_from=iso(START)), 400, {"date_time_to"})
    good = window(START, START + DAY)
    for bad in (
        "yesterday",
        "2026-01-02",
        "1767312000",
        "2026-01-02 00:00:00",
        "2026-02-30T00:00:00Z",
    ):
        assert_jsonapi_error(get(**{**good, "date_time_from": bad}), 400, {"date_time_from"})
    assert_jsonapi_error(get(**good, inclusive_range="yes"), 400, {"inclusive_range"})
    assert_jsonapi_error(
        get(**good, list_unfinished_segments="True"), 400, {"list_unfinished_segments"}
    )
    assert_jsonapi_error(get("/views/live", **good, content_id="12,x"), 400, {"content_id"})
    assert_jsonapi_error(get("/viewers/live", content_id=""), 400, {"content_id"})
    assert_jsonapi_error(
        get(**{**good, "date_time_to": "nope"}, _limit=0), 400, {"date_time_to", "_limit"}
    )
    # /viewers: dates optional.
    assert get("/viewers").status_code == 200
    assert_jsonapi_error(get("/viewers", date_time_from="x"), 400, {"date_time_from"})
    # Z and fractions are ISO 8601 too.
    assert get(date_time_from="2026-01-01T00:00:00Z", date_time_to="2026-01-01T06:00:00.5+00:00").ok


def test_limit_and_page_bounds(emu, http):
    token = get_token(emu, http)
    params = window(START, START + 2 * DAY)
    for name, value in (
        ("_limit", "0"), ("_limit", "10001"), ("_limit", "abc"), ("_limit", "1.5"),
        ("_limit", "-1"), ("_page", "0"), ("_page", "-1"), ("_page", "2.0"),
    ):  # fmt: skip
        resp = http.get(api(emu), params={**params, name: value}, headers={"Authorization": token})
        assert_jsonapi_error(resp, 400, {name})
    for path in ("/views", "/viewers"):
        ok = http.get(
            api(emu, path), params={**params, "_limit": 10_000}, headers={"Authorization": token}
        )
        assert ok.status_code == 200
        default = http.get(api(emu, path), params=params, headers={"Authorization": token}).json()
        assert len(default["data"]) == 10  # _limit defaults to 10
        assert default["pagination"]["self"]["href"].startswith(f"{path}?_page=1&_limit=10&")


def test_unknown_paths_and_content_types_are_404(emu, http):
    token = get_token(emu, http)
    headers = {"Authorization": token}
    params = window(START, START + DAY)
    for path in ("/views/video", "/viewers/LIVE", "/nope", "/views/live/extra"):
        assert_jsonapi_error(http.get(api(emu, path), params=params, headers=headers), 404)
    assert_jsonapi_error(http.get(f"{emu.url}/ibm-analytics/v2/views", headers=headers), 404)
    assert_jsonapi_error(http.post(api(emu), params=params, headers=headers), 404)


def test_offsetless_dates_are_los_angeles_time(emu, http):
    # US daylight saving time starts on 2026-03-08: -08:00 before, -07:00 after.
    emu.reset(**BASE, data_start="2026-03-01T00:00:00Z", ibm_views=20_000)
    token = get_token(emu, http)
    headers = {"Authorization": token}
    for path, day, offset in (
        ("/views", "2026-03-03", "-08:00"),
        ("/views/recorded", "2026-03-20", "-07:00"),
    ):
        naive = {"date_time_from": f"{day}T09:00:00", "date_time_to": f"{day}T13:30:00"}
        explicit = {k: v + offset for k, v in naive.items()}
        utc = {k: v + "Z" for k, v in naive.items()}
        got = fetch_all(emu, http, token, path, **naive)
        assert got == fetch_all(emu, http, token, path, **explicit)
        assert got[0]
        assert attrs(got[0]) != attrs(fetch_all(emu, http, token, path, **utc)[0])
        start = datetime.fromisoformat(explicit["date_time_from"])
        end = datetime.fromisoformat(explicit["date_time_to"])
        content_type = path.split("/")[2] if path.count("/") == 2 else None
        truth = truth_views(emu, start, end, content_type=content_type)
        assert attrs(got[0]) == truth["records"]
        assert http.get(api(emu, path), params=naive, headers=headers).status_code == 200


# ----------------------------------------------------------------------------- range semantics


def test_a_view_spanning_adjacent_windows_comes_back_in_both(emu, http):
    token = get_token(emu, http)
    records = truth_views(emu)["records"]
    view = next(
        r
        for r in records[100:]
        if parse(r["finished_at"]) - parse(r["started_at"]) > timedelta(minutes=10)
    )
    began, ended = parse(view["started_at"]), parse(view["finished_at"])
    cut = began + (ended - began) / 2
    first = attrs(fetch_all(emu, http, token, **window(began - timedelta(hours=1), cut))[0])
    second = attrs(fetch_all(emu, http, token, **window(cut, ended + timedelta(hours=1)))[0])
    assert view in first
    assert view in second
    # Read literally, the doc's three criteria leave out a view that started
    # before the range and ended after it (docs/vendors/ibm-video.md#range-semantics).
    inside = window(began + timedelta(seconds=1), ended - timedelta(seconds=1))
    assert view not in attrs(fetch_all(emu, http, token, **inside)[0])
    # inclusive_range=false: only views that start and finish in the range.
    strict = attrs(
        fetch_all(
            emu, http, token, **window(began - timedelta(hours=1), cut), inclusive_range="false"
        )[0]
    )
    assert view not in strict
    assert all(parse(r["finished_at"]) <= cut for r in strict)


def test_filters_match_the_documented_criteria(emu, http):
    # Many short-spaced views, so windows near the horizon hold unfinished ones.
    emu.reset(**BASE, ibm_views=60_000)
    token = get_token(emu, http)
    horizon = horizon_of(emu)
    for start, end in (
        (horizon - timedelta(hours=2), horizon + timedelta(hours=1)),
        (START + 3 * DAY + timedelta(minutes=7), START + 3 * DAY + timedelta(hours=1, seconds=13)),
    ):
        # Every view that could match: those that started from MAX_VIEW_SECONDS
        # before the window (a superset; the default filter keeps each view
        # that started inside a range).
        nearby = truth_views(emu, start - timedelta(seconds=MAX_VIEW_SECONDS + 60), end)["records"]
        if start > horizon - DAY:
            assert any(r["finished_at"] is None for r in nearby)
        for inclusive, unfinished in ((True, True), (False, True), (True, False), (False, False)):
            params = {
                **window(start, end),
                "inclusive_range": str(inclusive).lower(),
                "list_unfinished_segments": str(unfinished).lower(),
            }
            items, counts, _ = fetch_all(emu, http, token, **params)
            want = [r for r in nearby if overlaps(r, start, end, inclusive, unfinished)]
            assert attrs(items) == want
            assert counts == {len(want)}
            assert want
            if not unfinished or not inclusive:
                assert all(r["finished_at"] is not None for r in attrs(items))
            flags = {k: v for k, v in params.items() if not k.startswith("date_")}
            truth = truth_views(emu, start, end, **flags)
            assert truth["records"] == want
            assert truth["finished"] + truth["unfinished"] == truth["count"] == len(want)


def test_unfinished_views_finish_after_advance(emu, http):
    emu.reset(**BASE, ibm_views=60_000)
    token = get_token(emu, http)
    horizon = horizon_of(emu)
    params = window(horizon - timedelta(hours=1), horizon + timedelta(hours=4))
    before = {r["view_id"]: r for r in attrs(fetch_all(emu, http, token, **params)[0])}
    open_views = [r for r in before.values() if r["finished_at"] is None]
    assert open_views
    assert truth_views(emu, horizon - timedelta(hours=1))["unfinished"] == len(open_views)
    recorded = next(r for r in open_views if r["content_type"] == "recorded")
    emu.advance(MAX_VIEW_SECONDS + 1)
    after = {r["view_id"]: r for r in attrs(fetch_all(emu, http, token, **params)[0])}
    # No new views (N is fixed); long views that started before the window
    # join it once they finish inside it.
    assert set(before) <= set(after)
    assert all(
        parse(after[v]["started_at"]) < parse(params["date_time_from"])
        for v in set(after) - set(before)
    )
    assert all(r["finished_at"] is not None for r in after.values())
    done = after[recorded["view_id"]]
    assert done["started_at"] == recorded["started_at"]
    assert parse(done["finished_at"]) >= horizon
    assert done["to"] >= recorded["to"]
    assert emu.truth("ibm_video")["unfinished"] == 0
    # Positions: live views stay at 0/0, recorded ones move forward.
    assert all(r["from"] == r["to"] == 0 for r in after.values() if r["content_type"] == "live")


def test_a_long_running_view_comes_back_where_it_starts_and_where_it_ends(emu, http):
    # Twenty days, from the middle of the thirty-day span: still running at the horizon.
    days = 20
    emu.reset(
        **BASE,
        ibm_views=400,
        ibm_long_running_views=1,
        ibm_long_running_view_seconds=days * 86_400,
    )
    token = get_token(emu, http)
    horizon = horizon_of(emu)
    old_and_running = [
        r
        for r in truth_views(emu, START, horizon)["records"]
        if r["finished_at"] is None and parse(r["started_at"]) < horizon - DAY
    ]
    assert len(old_and_running) == 1
    view = old_and_running[0]
    began = parse(view["started_at"])
    assert view["content_type"] == "live"
    assert view["from"] == view["to"] == 0

    def ids(start: datetime, end: datetime) -> set[str]:
        items = attrs(fetch_all(emu, http, token, **window(start, end))[0])
        return {r["view_id"] for r in items}

    # "started in the defined range and ... not finished yet": returned, running.
    assert view["view_id"] in ids(began - timedelta(hours=1), began + DAY)
    # Started before the range and not finished: none of the doc's three criteria
    # (docs/vendors/ibm-video.md#range-semantics).
    assert view["view_id"] not in ids(began + DAY, horizon)

    emu.advance(7 * 86_400)
    end = began + timedelta(days=days)
    # "started before the date range and ended in the defined range": back, final.
    ending = attrs(
        fetch_all(emu, http, token, **window(end - timedelta(hours=1), end + timedelta(hours=1)))[0]
    )
    final = next(r for r in ending if r["view_id"] == view["view_id"])
    assert final["started_at"] == view["started_at"]
    assert parse(final["finished_at"]) == end
    assert final in truth_views(emu, end - timedelta(hours=1), end + timedelta(hours=1))["records"]
    assert view["view_id"] not in ids(end + timedelta(seconds=1), end + DAY)


# ----------------------------------------------------------------------------- rendering


def test_view_attributes_follow_the_schema(emu, http):
    token = get_token(emu, http)
    items = fetch_all(emu, http, token, **window(START, START + 3 * DAY))[0]
    records = attrs(items)
    assert records
    keys = {
        "view_id", "content_type", "content_id", "started_at", "finished_at", "from", "to",
        "viewer_identifier", "country", "city", "is_mobile_view", "view_type", "client_id",
        "view_session_id", "device_info",
    }  # fmt: skip
    nullable = {
        "browser": {"major", "minor", "patch"},
        "os": {"major", "minor", "patch", "patch_minor"},
        "device": {"brand", "model"},
    }
    saw_null = False
    for r in records:
        assert set(r) == keys
        assert r["content_type"] in ("live", "recorded")
        assert r["view_type"] in ("onsite", "offsite")
        assert isinstance(r["is_mobile_view"], bool)
        assert r["started_at"].endswith("+00:00")
        assert len(r["started_at"]) == 25
        assert r["client_id"].isdigit()
        assert 19 <= len(r["client_id"]) <= 22
        assert len(r["view_session_id"]) == 17
        assert r["view_session_id"][8] == ":"
        assert len(r["country"]) == 2
        assert "@" in r["viewer_identifier"]
        assert isinstance(r["from"], int)
        assert isinstance(r["to"], int)
        assert r["to"] >= r["from"]
        assert str(r["content_id"]).isdigit()
        for group, fields in nullable.items():
            assert set(r["device_info"][group]) == fields | {"family"}
            assert isinstance(r["device_info"][group]["family"], str)
            saw_null |= any(r["device_info"][group][f] is None for f in fields)
    assert saw_null
    assert len({r["view_id"] for r in records}) == len(records)
    starts = [parse(r["started_at"]) for r in records]
    assert starts == sorted(starts)


def test_both_envelopes(emu, http):
    token = get_token(emu, http)
    params = {**window(START, START + DAY), "_limit": 2}
    body = http.get(api(emu), params=params, headers={"Authorization": token}).json()
    assert set(body) == {"data", "pagination"}
    assert set(body["pagination"]) == {"count", "self", "first", "prev", "next", "last"}
    emu.reset(**BASE, ibm_envelope="resources")
    token = get_token(emu, http)
    for path in ("/views", "/viewers"):
        old = http.get(api(emu, path), params=params, headers={"Authorization": token}).json()
        assert set(old) == {"resources", "pagination"}
        assert len(old["resources"]) == 2
    assert old["resources"][0]["type"] == "Viewer"
    with pytest.raises(EmulatorError):
        emu.reset(ibm_envelope="items")


def test_content_id_string_share(emu, http):
    def content_ids(**config):
        emu.reset(**BASE, **config)
        return [r["content_id"] for r in truth_views(emu)["records"]]

    assert all(isinstance(c, int) for c in content_ids(ibm_content_id_string_share=0))
    assert all(
        isinstance(c, str) and c.isdigit() for c in content_ids(ibm_content_id_string_share=1)
    )
    mixed = content_ids()
    share = sum(isinstance(c, str) for c in mixed) / len(mixed)
    assert 0.25 < share < 0.35
    # /views/{content_type}?content_id= matches either rendering.
    token = get_token(emu, http)
    target = int(mixed[0])
    live_or_recorded = truth_views(emu)["records"][0]["content_type"]
    got = attrs(
        fetch_all(
            emu,
            http,
            token,
            f"/views/{live_or_recorded}",
            **window(START, START + 40 * DAY),
            content_id=f"{target},1",
        )[0]
    )
    assert got
    assert {int(r["content_id"]) for r in got} == {target}
    assert {isinstance(r["content_id"], str) for r in got} == {True, False}


# ----------------------------------------------------------------------------- paging


def test_paging_links_and_order_match_truth(emu, http):
    token = get_token(emu, http)
    start, end = START + 2 * DAY, START + 4 * DAY + timedelta(hours=5)
    params = {**window(start, end), "inclusive_range": "true"}
    truth = truth_views(emu, start, end)
    pages, page, seen = [], 1, []
    while True:
        resp = http.get(
            api(emu),
            params={**params, "_page": page, "_limit": 7},
            headers={"Authorization": token},
        )
        body = resp.json()
        pag = body["pagination"]
        assert pag["count"] == truth["count"]
        last = -(-truth["count"] // 7)
        for name in ("self", "first", "last", "next", "prev"):
            if pag[name] is None:
                continue
            href = pag[name]["href"]
            assert href.startswith("/views?_page=")
            assert "/v1" not in href
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(href).query))
            assert query["date_time_from"] == params["date_time_from"]
            assert query["inclusive_range"] == "true"
            assert query["_limit"] == "7"
        assert pag["self"]["href"].startswith(f"/views?_page={page}&_limit=7&")
        assert pag["first"]["href"].startswith("/views?_page=1&")
        assert pag["last"]["href"].startswith(f"/views?_page={last}&")
        assert (pag["prev"] is None) == (page == 1)
        seen.extend(attrs(body["data"]))
        pages.append(pag)
        if pag["next"] is None:
            break
        assert pag["next"]["href"].startswith(f"/views?_page={page + 1}&")
        page += 1
    assert page == last
    assert seen == truth["records"]
    past = http.get(
        api(emu),
        params={**params, "_page": last + 5, "_limit": 7},
        headers={"Authorization": token},
    )
    assert past.status_code == 200
    assert past.json()["data"] == []
    assert past.json()["pagination"]["count"] == truth["count"]
    assert past.json()["pagination"]["next"] is None
    typed = http.get(
        api(emu, "/views/live"), params={**params, "_limit": 3}, headers={"Authorization": token}
    ).json()
    assert typed["pagination"]["next"]["href"].startswith("/views/live?_page=2&_limit=3&")
    assert (
        typed["pagination"]["count"] == truth_views(emu, start, end, content_type="live")["count"]
    )
    empty = http.get(
        api(emu), params=window(START - 10 * DAY, START - 9 * DAY), headers={"Authorization": token}
    ).json()
    assert empty["data"] == []
    assert empty["pagination"]["count"] == 0
    assert empty["pagination"]["last"]["href"].startswith("/views?_page=1&")
    assert empty["pagination"]["next"] is None


# ----------------------------------------------------------------------------- rate limit


def test_rate_limit_headers_and_429(emu, http):
    for _attempt in range(3):
        emu.reset(**BASE, ibm_rate_limit=4, ibm_rate_limit_window_seconds=3600)
        token = get_token(emu, http)  # the token endpoint is not limited
        params = window(START, START + DAY)
        responses = [
            http.get(api(emu), params=params, headers={"Authorization": token}) for _ in range(3)
        ]
        responses.append(http.get(api(emu), headers={"Authorization": token}))  # a 400 counts too
        responses.append(http.get(api(emu), params=params, headers={"Authorization": token}))
        resets = {r.headers["X-RateLimit-Reset"] for r in responses}
        if len(resets) == 1:  # no hour boundary crossed during the test
            break
    assert [r.status_code for r in responses] == [200, 200, 200, 400, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["3", "2", "1", "0", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in responses} == {"4"}
    reset = int(resets.pop())
    assert reset % 3600 == 0
    assert 0 < reset - time.time() <= 3600
    assert_jsonapi_error(responses[-1], 429)
    stats = emu.stats()
    assert stats["throttled"] == 1
    assert stats["status_counts"]["429"] == 1
    # Unknown paths and the token endpoint carry no quota.
    assert "X-RateLimit-Limit" not in http.get(f"{emu.url}/ibm-analytics/v1/nope").headers
    emu.reset(**BASE, ibm_rate_limit=0)
    token = get_token(emu, http)
    free = http.get(api(emu), params=params, headers={"Authorization": token})
    assert free.status_code == 200
    assert "X-RateLimit-Limit" not in free.headers


def test_a_client_honouring_the_headers_never_sees_429(emu, http):
    emu.reset(**BASE, ibm_rate_limit=5, ibm_rate_limit_window_seconds=1)
    token = get_token(emu, http)
    params = {**window(START, START + DAY), "_limit": 1}
    statuses = []
    waited = 0
    for _ in range(14):
        resp = http.get(api(emu), params=params, headers={"Authorization": token})
        statuses.append(resp.status_code)
        if resp.headers["X-RateLimit-Remaining"] == "0":
            pause = int(resp.headers["X-RateLimit-Reset"]) - time.time()
            waited += 1
            if pause > 0:
                time.sleep(pause)
    assert statuses == [200] * 14
    assert waited >= 2
    assert emu.stats()["throttled"] == 0


# ----------------------------------------------------------------------------- processing lag


def test_processing_lag_hides_views_until_processed(emu, http):
    emu.reset(**BASE, ibm_views=60_000, ibm_processing_lag_max_seconds=3600)
    token = get_token(emu, http)
    horizon = horizon_of(emu)
    start, end = horizon - timedelta(hours=6), horizon + timedelta(hours=1)
    shown = truth_views(emu, start, end)
    every = truth_views(emu, start, end, visible="all")
    api_now = attrs(fetch_all(emu, http, token, **window(start, end))[0])
    assert api_now == shown["records"]
    assert shown["count"] < every["count"]
    by_id = {r["view_id"]: r for r in every["records"]}
    # Lag also delays the finished version: some view shows as unfinished
    # although it has finished.
    assert any(
        r["finished_at"] is None and by_id[r["view_id"]]["finished_at"] is not None for r in api_now
    )
    assert {r["view_id"] for r in api_now} < set(by_id)
    emu.advance(3601 + MAX_VIEW_SECONDS)
    settled = attrs(fetch_all(emu, http, token, **window(start, end))[0])
    assert settled == truth_views(emu, start, end, visible="all")["records"]
    assert {r["view_id"] for r in settled} == set(by_id)
    with pytest.raises(EmulatorError):
        emu.truth("ibm_video", visible="later")


def test_lag_off_shows_views_the_instant_they_happen(emu):
    emu.reset(**BASE, ibm_views=60_000)
    assert emu.truth("ibm_video") == emu.truth("ibm_video", visible="all")


# ----------------------------------------------------------------------------- viewers


def test_viewers_group_segments_per_viewer(emu, http):
    emu.reset(**BASE, ibm_views=2_000, ibm_viewers=150)
    token = get_token(emu, http)
    views = truth_views(emu)["records"]
    viewers = attrs(fetch_all(emu, http, token, "/viewers")[0], "Viewer")
    truth = emu.truth("ibm_video", stream="viewers", records=True)
    assert viewers == truth["records"]
    assert len(viewers) == truth["count"] == 150
    owner = {r["view_id"]: r for r in views}
    total = 0
    for viewer in viewers:
        assert set(viewer) == {"viewer_identifier", "videos_watched", "last_activity", "segments"}
        segs = viewer["segments"]
        total += len(segs)
        for seg in segs:
            assert "view_id" not in seg
            assert "viewer_identifier" not in seg
            view = owner[seg["id"]]
            assert view["viewer_identifier"] == viewer["viewer_identifier"]
            assert {k: v for k, v in view.items() if k not in ("view_id", "viewer_identifier")} == {
                k: v for k, v in seg.items() if k != "id"
            }
        assert viewer["videos_watched"] == len({int(s["content_id"]) for s in segs})
        activity = [parse(s["finished_at"] or s["started_at"]) for s in segs]
        assert parse(viewer["last_activity"]) == max(activity)
        assert [s["started_at"] for s in segs] == sorted(s["started_at"] for s in segs)
    assert total == len(views)
    # viewer_identifier: substring match.
    needle = viewers[3]["viewer_identifier"].split("@")[0][-5:]
    found = attrs(fetch_all(emu, http, token, "/viewers", viewer_identifier=needle)[0], "Viewer")
    assert found
    assert [v["viewer_identifier"] for v in found] == [
        v["viewer_identifier"] for v in viewers if needle in v["viewer_identifier"]
    ]
    # Content type and id filter the segments; viewers without any drop out.
    live = attrs(fetch_all(emu, http, token, "/viewers/live")[0], "Viewer")
    assert live
    assert all(s["content_type"] == "live" for v in live for s in v["segments"])
    assert sum(len(v["segments"]) for v in live) == sum(r["content_type"] == "live" for r in views)
    one = int(views[0]["content_id"])
    by_id = attrs(
        fetch_all(emu, http, token, f"/viewers/{views[0]['content_type']}", content_id=str(one))[0],
        "Viewer",
    )
    assert {int(s["content_id"]) for v in by_id for s in v["segments"]} == {one}
    assert all(v["videos_watched"] == 1 for v in by_id)
    # Paging over viewers.
    page = http.get(
        api(emu, "/viewers"), params={"_limit": 40, "_page": 4}, headers={"Authorization": token}
    ).json()
    assert attrs(page["data"], "Viewer") == viewers[120:150]
    assert page["pagination"]["next"] is None
    assert page["pagination"]["prev"]["href"] == "/viewers?_page=3&_limit=40"


def test_viewers_unfinished_and_date_filters(emu, http):
    emu.reset(**BASE, ibm_views=60_000, ibm_viewers=500)
    token = get_token(emu, http)
    horizon = horizon_of(emu)
    start, end = horizon - timedelta(hours=1), horizon + timedelta(hours=1)
    recent = attrs(fetch_all(emu, http, token, "/viewers", **window(start, end))[0], "Viewer")
    want = truth_views(emu, start, end)["records"]
    assert sum(len(v["segments"]) for v in recent) == len(want)
    assert any(s["finished_at"] is None for v in recent for s in v["segments"])
    done = attrs(
        fetch_all(
            emu, http, token, "/viewers", **window(start, end), list_unfinished_segments="false"
        )[0],
        "Viewer",
    )
    segs = [s for v in done for s in v["segments"]]
    assert segs
    assert all(s["finished_at"] is not None for s in segs)
    assert len(segs) == sum(r["finished_at"] is not None for r in want)
    since = attrs(fetch_all(emu, http, token, "/viewers", date_time_from=iso(start))[0], "Viewer")
    assert sum(len(v["segments"]) for v in since) == len(want)


# ----------------------------------------------------------------------------- determinism, scale


def test_determinism_across_processes_and_seeds(emu):
    mine = emu.truth("ibm_video", records=True)["records"]
    mine_viewers = emu.truth("ibm_video", stream="viewers", records=True)["records"]
    with EmulatorProcess({"seed": 42}) as other:
        assert other.truth("ibm_video", records=True)["records"] == mine
        assert other.truth("ibm_video", stream="viewers", records=True)["records"] == mine_viewers
    emu.reset(**BASE, seed=43)
    reseeded = emu.truth("ibm_video", records=True)["records"]
    assert [r["started_at"] for r in reseeded] == [r["started_at"] for r in mine]
    assert reseeded != mine
    assert {r["view_id"] for r in reseeded}.isdisjoint({r["view_id"] for r in mine})


def test_each_client_reads_its_own_accounts_views_and_viewers(emu, http):
    """Two clients are two accounts: each token answers that account's data, as truth says."""
    other_id, other_secret = "other-ibm-client-id", "other-ibm-client-secret"
    emu.reset(
        **BASE,
        ibm_clients={CLIENT_ID: CLIENT_SECRET, other_id: other_secret},
        ibm_client_views={other_id: 700},
    )
    tokens = {
        CLIENT_ID: get_token(emu, http),
        other_id: http.post(
            token_url(emu), data=TOKEN_BODY, headers=basic(other_id, other_secret)
        ).json()["access_token"],
    }
    start, end = START, START + 40 * DAY
    served = {}
    for client_id, token in tokens.items():
        truth = emu.truth(
            "ibm_video", client=client_id, from_=iso(start), to=iso(end), records=True
        )
        items, counts, _ = fetch_all(emu, http, token, **window(start, end))
        assert attrs(items) == truth["records"]
        assert counts == {truth["count"]}
        served[client_id] = attrs(items)
        viewers, _, _ = fetch_all(emu, http, token, path="/viewers")
        viewers_truth = emu.truth("ibm_video", stream="viewers", client=client_id, records=True)
        assert attrs(viewers, "Viewer") == viewers_truth["records"]
    assert len(served[other_id]) == 700
    assert len(served[CLIENT_ID]) == 3000
    assert {r["view_id"] for r in served[CLIENT_ID]}.isdisjoint(
        r["view_id"] for r in served[other_id]
    )
    # Without ``client`` the truth is the first client's.
    assert emu.truth("ibm_video", from_=iso(start), to=iso(end))["count"] == 3000


def test_a_million_views_page_through_a_day(emu, http):
    emu.reset(**BASE, ibm_views=1_000_000)
    token = get_token(emu, http)
    start, end = START + 10 * DAY, START + 11 * DAY
    truth = truth_views(emu, start, end)
    assert 33_000 < truth["count"] < 35_000
    items, counts, pages = fetch_all(emu, http, token, **window(start, end))
    assert counts == {truth["count"]}
    assert pages == -(-truth["count"] // 10_000)
    assert attrs(items) == truth["records"]
    assert len({r["view_id"] for r in attrs(items)}) == truth["count"]
    whole = emu.truth("ibm_video", visible="all")
    assert whole["count"] == 1_000_000
    assert whole["finished"] + whole["unfinished"] == 1_000_000
