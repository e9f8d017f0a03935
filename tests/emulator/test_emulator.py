"""Tests of the local API emulator, over real HTTP on loopback.

One emulator process serves the module; every test starts from a reset so
tests don't depend on each other's state.
"""

from __future__ import annotations

import base64
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from video_api_emulator.process import EmulatorError, EmulatorProcess

ACCOUNT = "6415818918001"
OTHER_ACCOUNT = "6415818919001"
CLIENT_ID, CLIENT_SECRET = "emulator-client-id", "emulator-client-secret"
FORM = "application/x-www-form-urlencoded"
# High rate limit by default so ordinary tests never trip the limiter.
BASE = {"audience_rate_limit_per_second": 100_000}


@pytest.fixture(autouse=True)
def _reset(fresh_emu):
    """Each test starts from the module's settings."""


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def get_token(emu, http) -> str:
    resp = http.post(
        f"{emu.url}/oauth/v4/access_token",
        data={"grant_type": "client_credentials"},
        headers=basic(),
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def api(emu, stream: str = "view_events", account: str = ACCOUNT) -> str:
    return f"{emu.url}/audience/v1/accounts/{account}/{stream}"


def bearer(token: str) -> dict[str, str]:
    # The Audience OpenAPI marks Content-Type: application/json as required
    # (docs/vendors/brightcove-audience.md#content-type-header).
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def fetch_all(emu, http, token, stream="view_events", **params):
    """Page through a query with limit=100; return (items, counts seen)."""
    items, counts, offset = [], set(), 0
    while True:
        resp = http.get(
            api(emu, stream),
            params={**params, "limit": 100, "offset": offset},
            headers=bearer(token),
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        counts.add(body["count"])
        items.extend(body["result"])
        offset += 100
        if offset >= body["count"]:
            return items, counts


def to_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def assert_error(resp, status: int, code: str, mentions: str | None = None) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert isinstance(body, list)
    assert body[0]["error_code"] == code
    if mentions is not None:
        assert mentions in body[0]["message"]


# ----------------------------------------------------------------------------- process/admin


def test_url_and_health(emu):
    assert emu.url.startswith("http://127.0.0.1:")
    assert emu.health() == {"ok": True}


def test_reset_returns_effective_config_and_rejects_unknown_keys(emu):
    cfg = emu.reset(seed=7)
    assert cfg["seed"] == 7
    assert cfg["audience_rate_limit_per_second"] == 50
    assert cfg["brightcove_accounts"] == [ACCOUNT, OTHER_ACCOUNT]
    with pytest.raises(EmulatorError, match="unknown config key"):
        emu.reset(no_such_key=1)


def test_stats_shape(emu, http):
    token = get_token(emu, http)
    http.get(api(emu), headers=bearer(token))
    stats = emu.stats()
    assert stats["requests_total"] == 2
    assert stats["requests_by_route"] == {
        "brightcove_oauth.access_token": 1,
        "brightcove_audience.view_events": 1,
    }
    assert stats["status_counts"] == {"200": 2}
    assert stats["tokens_issued"] == 1
    assert len(stats["tokens"]) == 1
    assert stats["throttled"] == 0
    assert stats["max_in_1s"][f"account:{ACCOUNT}"] == 1
    assert stats["max_in_1s"]["ip"] == 1
    assert stats["max_concurrent"] == 1


# ----------------------------------------------------------------------------- OAuth


def test_token_issuance(emu, http):
    resp = http.post(
        f"{emu.url}/oauth/v4/access_token",
        data={"grant_type": "client_credentials"},
        headers=basic(),
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert isinstance(body["access_token"], str)
    assert len(body["access_token"]) > 20
    # grant_type as a URL parameter works too (Content-Type is still required).
    resp = http.post(
        f"{emu.url}/oauth/v4/access_token?grant_type=client_credentials",
        headers={**basic(), "Content-Type": FORM},
    )
    assert resp.status_code == 200
    assert resp.json()["access_token"] != body["access_token"]


def test_token_errors(emu, http):
    url = f"{emu.url}/oauth/v4/access_token"
    form = {"grant_type": "client_credentials"}
    resp = http.post(url, data=form, headers=basic(secret="wrong"))
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_client"
    resp = http.post(url, data=form)
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_client"
    resp = http.post(url, headers=basic())
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"
    resp = http.post(url, data={"grant_type": "password"}, headers=basic())
    assert resp.status_code == 400
    assert resp.json()["error"] == "unsupported_grant_type"


def test_missing_unknown_and_expired_token(emu, http):
    assert_error(http.get(api(emu)), 401, "UNAUTHORIZED_ERROR")
    resp = http.get(api(emu), headers=bearer("not-a-token"))
    assert resp.json() == [{"error_code": "UNAUTHORIZED_ERROR", "message": "Permission denied"}]
    emu.reset(**BASE, token_ttl_seconds=0.5)
    token = get_token(emu, http)
    assert http.get(api(emu), headers=bearer(token)).status_code == 200
    time.sleep(0.7)
    assert_error(http.get(api(emu), headers=bearer(token)), 401, "UNAUTHORIZED_ERROR")


def test_reset_invalidates_tokens_and_unknown_account_is_401(emu, http):
    token = get_token(emu, http)
    assert_error(
        http.get(api(emu, account="123"), headers=bearer(token)), 401, "UNAUTHORIZED_ERROR"
    )
    emu.reset(**BASE)
    assert_error(http.get(api(emu), headers=bearer(token)), 401, "UNAUTHORIZED_ERROR")


# ----------------------------------------------------------------------------- Audience basics


def test_envelope_defaults_and_headers(emu, http):
    token = get_token(emu, http)
    resp = http.get(api(emu), headers=bearer(token))
    assert resp.headers["X-Cache"] == "MISS"
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert list(body) == ["count", "limit", "offset", "result"]
    assert (body["count"], body["limit"], body["offset"]) == (250, 25, 0)
    assert len(body["result"]) == 25
    item = body["result"][0]
    for field in ("created_at", "updated_at", "video_id", "video_name", "player_id", "page_url"):
        assert isinstance(item[field], str)
    assert isinstance(item["watched"], int)
    assert 0 <= item["watched"] <= 100
    assert isinstance(item["time_watched"], int)
    assert isinstance(item["is_synced"], bool)
    assert item["video_id"].isdigit()
    assert item["page_url"].startswith(f"https://players.brightcove.net/{ACCOUNT}/")
    assert item["created_at"].endswith("Z")
    assert len(item["created_at"]) == 24
    assert None not in item.values()  # absent fields are omitted, not null
    last = http.get(api(emu), params={"offset": 240}, headers=bearer(token)).json()
    assert len(last["result"]) == 10
    beyond = http.get(api(emu), params={"offset": 1000}, headers=bearer(token)).json()
    assert beyond["count"] == 250
    assert beyond["result"] == []


def test_paging_matches_truth_in_order(emu, http):
    token = get_token(emu, http)
    items, counts = fetch_all(emu, http, token, sort="updated_at")
    truth = emu.truth(account_id=ACCOUNT, stream="view_events", records=True)
    assert counts == {truth["count"]} == {250}
    assert items == truth["records"]
    assert truth["min_replication_value"] == items[0]["updated_at"]
    assert truth["max_replication_value"] == items[-1]["updated_at"]
    leads, lead_counts = fetch_all(emu, http, token, stream="leads")
    lead_truth = emu.truth(account_id=ACCOUNT, stream="leads", records=True)
    assert lead_counts == {40}
    assert leads == lead_truth["records"]
    assert {"email_address", "first_name", "last_name", "created_at"} <= set(leads[0])


def test_limit_offset_validation(emu, http):
    token = get_token(emu, http)
    for params, name in (
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"offset": -1}, "offset"),
    ):
        resp = http.get(api(emu), params=params, headers=bearer(token))
        assert_error(resp, 400, "BAD_REQUEST_ERROR", mentions=name)
    resp = http.get(api(emu), params={"limit": 100}, headers=bearer(token))
    assert len(resp.json()["result"]) == 100


def test_bad_dates_name_the_parameter(emu, http):
    token = get_token(emu, http)
    for params, name in (
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-01-01T00:00:00Z"}, "from"),
        ({"to": "5w"}, "to"),
    ):
        resp = http.get(api(emu), params=params, headers=bearer(token))
        assert_error(resp, 400, "BAD_REQUEST_ERROR", mentions=name)


def test_unknown_path_is_404(emu, http):
    token = get_token(emu, http)
    resp = http.get(f"{emu.url}/audience/v1/accounts/{ACCOUNT}/plays", headers=bearer(token))
    assert_error(resp, 404, "RESOURCE_NOT_FOUND")
    # Any other path on the Audience host, e.g. a wrong API version.
    resp = http.get(f"{emu.url}/audience/v9/accounts/{ACCOUNT}/view_events", headers=bearer(token))
    assert_error(resp, 404, "RESOURCE_NOT_FOUND")


# ----------------------------------------------------------------------------- date ranges


def test_date_formats(emu, http):
    token = get_token(emu, http)
    everything = emu.truth(account_id=ACCOUNT, stream="view_events", records=True)["records"]
    horizon = emu.horizon()["horizon_ms"]
    day = 86_400_000

    def expected(lo: int | None, hi: int) -> int:
        return sum(
            1
            for r in everything
            if (lo is None or to_ms(r["updated_at"]) >= lo) and to_ms(r["updated_at"]) <= hi
        )

    jan10 = int(datetime(2026, 1, 10, tzinfo=UTC).timestamp() * 1000)
    probe = to_ms(everything[100]["updated_at"])
    cases = [
        ({"from": "2026-01-10"}, jan10, horizon),
        ({"from": "2026-01-10", "to": "now"}, jan10, horizon),
        ({"from": str(jan10), "to": str(jan10 + 3 * day)}, jan10, jan10 + 3 * day),
        ({"from": "2026-01-10", "to": "5d"}, jan10, jan10 + 5 * day),
        ({"from": "-48h", "to": "now"}, horizon - 2 * day, horizon),
        ({"from": "-2d", "to": "now"}, horizon - 2 * day, horizon),
        ({"from": "-300m", "to": "2026-01-20"}, jan10 + 10 * day - 300 * 60_000, jan10 + 10 * day),
        ({"from": "2026-01-20", "to": "+21600s"}, jan10 + 10 * day, jan10 + 10 * day + 21_600_000),
        ({"from": "-3d", "to": "-1d"}, horizon - 3 * day, horizon - day),
        ({"to": "2026-01-05"}, None, jan10 - 5 * day),
        # Inclusive on both ends: from == to == one record's updated_at.
        ({"from": str(probe), "to": str(probe)}, probe, probe),
    ]
    for params, lo, hi in cases:
        want = expected(lo, hi)
        assert want > 0, params
        body = http.get(api(emu), params={**params, "limit": 1}, headers=bearer(token)).json()
        assert body["count"] == want, params
        truth = emu.truth(
            account_id=ACCOUNT, stream="view_events", from_=params.get("from"), to=params.get("to")
        )
        assert truth["count"] == want, params


def test_leads_range_filters_created_at(emu, http):
    token = get_token(emu, http)
    leads = emu.truth(account_id=ACCOUNT, stream="leads", records=True)["records"]
    cut = leads[10]["created_at"]
    body = http.get(
        api(emu, "leads"), params={"from": str(to_ms(cut)), "limit": 100}, headers=bearer(token)
    ).json()
    assert body["result"] == leads[10:]


# ----------------------------------------------------------------------------- where/fields/sort


def test_where_fields_and_sort(emu, http):
    token = get_token(emu, http)
    records = emu.truth(account_id=ACCOUNT, stream="view_events", records=True)["records"]
    videos = Counter(r["video_id"] for r in records)
    (v1, n1), (v2, n2) = videos.most_common(2)

    def query(**params):
        resp = http.get(api(emu), params={"limit": 100, **params}, headers=bearer(token))
        assert resp.status_code == 200, resp.text
        return resp.json()

    assert query(where=f"video_id=={v1}")["count"] == n1
    assert query(where=f"video_id=={v1},{v2}")["count"] == n1 + n2
    player = next(r["player_id"] for r in records if r["video_id"] == v1)
    both = sum(1 for r in records if r["video_id"] == v1 and r["player_id"] == player)
    body = query(where=f"video_id=={v1};player_id=={player}")
    assert body["count"] == both
    assert all(r["video_id"] == v1 and r["player_id"] == player for r in body["result"])
    name = next(r["video_name"] for r in records if r["video_id"] == v1)
    assert query(where=f"video_name=={name}")["count"] == n1
    assert query(where="is_synced==true")["count"] == sum(r["is_synced"] for r in records)

    body = query(fields="video_id,watched")
    assert all(set(r) == {"video_id", "watched"} for r in body["result"])
    body = query(fields="tracking_id")  # optional field: omitted where absent
    assert any(r == {} for r in body["result"])
    assert any("tracking_id" in r for r in body["result"])

    watched = [r["watched"] for r in query(sort="-watched")["result"]]
    assert watched == sorted(watched, reverse=True)
    names = [r["video_name"] for r in query(sort="video_name")["result"]]
    assert names == sorted(names)
    created = [r["created_at"] for r in query(sort="-created_at")["result"]]
    assert created == sorted(created, reverse=True)

    for params, name in (
        ({"where": "nope==1"}, "where"),
        ({"where": "utm_source==google"}, "where"),  # sortable/selectable, not filterable
        ({"where": "watched==lots"}, "where"),
        ({"where": "video_id"}, "where"),
        ({"fields": "video_id,nope"}, "fields"),
        ({"sort": "nope"}, "sort"),
        ({"sort": "created_at,video_id"}, "sort"),
    ):
        resp = http.get(api(emu), params=params, headers=bearer(token))
        assert_error(resp, 400, "BAD_REQUEST_ERROR", mentions=name)
    resp = http.get(api(emu, "leads"), params={"sort": "watched"}, headers=bearer(token))
    assert_error(resp, 400, "BAD_REQUEST_ERROR", mentions="sort")


# ----------------------------------------------------------------------------- horizon


def test_advance_adds_rows_and_reveals_revisions(emu):
    # The data model itself: rows appear the instant they are created.
    emu.reset(**BASE, audience_processing_lag=False)
    before = emu.truth(account_id=ACCOUNT, stream="view_events", records=True)
    leads_before = emu.truth(account_id=ACCOUNT, stream="leads")["count"]
    old_horizon = emu.horizon()["horizon_ms"]
    new = emu.advance(86_400)
    assert new["horizon_ms"] == old_horizon + 86_400_000
    after = emu.truth(account_id=ACCOUNT, stream="view_events", records=True)
    assert after["count"] > before["count"]
    assert emu.truth(account_id=ACCOUNT, stream="leads")["count"] > leads_before

    old = {r["created_at"]: r for r in before["records"]}
    now = {r["created_at"]: r for r in after["records"]}
    assert set(old) < set(now)
    assert all(to_ms(c) >= old_horizon for c in set(now) - set(old))
    revised = [c for c in old if now[c]["updated_at"] != old[c]["updated_at"]]
    assert revised, "a revision fell due within the advanced day"
    for c in revised:
        prev, cur = old[c], now[c]
        assert cur["created_at"] == prev["created_at"]
        assert cur["updated_at"] > prev["updated_at"]
        assert cur["watched"] > prev["watched"]
        assert cur["time_watched"] > prev["time_watched"]
        assert cur["video_id"] == prev["video_id"]
        assert cur["page_url"] == prev["page_url"]
    # An incremental read from the old max updated_at sees every revision.
    since = emu.truth(
        account_id=ACCOUNT, stream="view_events", from_=to_ms(before["max_replication_value"])
    )
    assert since["count"] >= len(revised)


# ----------------------------------------------------------------------------- faults


def test_status_faults_with_after_and_count(emu, http):
    token = get_token(emu, http)
    emu.configure_faults([{"kind": "status", "status": 500, "after": 1, "count": 2}])
    codes = [http.get(api(emu), headers=bearer(token)).status_code for _ in range(4)]
    assert codes == [200, 500, 500, 200]
    emu.configure_faults([{"kind": "status", "status": 504}, {"kind": "status", "status": 429}])
    assert_error(http.get(api(emu), headers=bearer(token)), 504, "GATEWAY_TIMEOUT_ERROR")
    assert_error(http.get(api(emu), headers=bearer(token)), 429, "REQUEST_THROTTLED_ERROR")
    assert http.get(api(emu), headers=bearer(token)).status_code == 200
    stats = emu.stats()
    assert stats["faults_injected"] == 4
    assert stats["throttled"] == 0  # injected 429s are not limiter throttles


def test_fault_path_filter_and_token_endpoint_untouched(emu, http):
    emu.configure_faults([{"kind": "status", "status": 500, "path": "/leads", "count": -1}])
    token = get_token(emu, http)  # default rules never hit the token endpoint
    assert http.get(api(emu), headers=bearer(token)).status_code == 200
    assert_error(http.get(api(emu, "leads"), headers=bearer(token)), 500, "INTERNAL_ERROR")
    emu.configure_faults([{"kind": "status", "status": 503, "path": "/oauth/v4/access_token"}])
    resp = http.post(
        f"{emu.url}/oauth/v4/access_token",
        data={"grant_type": "client_credentials"},
        headers=basic(),
    )
    assert resp.status_code == 503


def test_drop_truncate_malformed_faults(emu, http):
    token = get_token(emu, http)
    emu.configure_faults([{"kind": "drop"}])
    with pytest.raises(requests.ConnectionError):
        http.get(api(emu), headers=bearer(token))
    emu.configure_faults([{"kind": "truncate"}])
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(api(emu), headers=bearer(token), timeout=10)
    emu.configure_faults([{"kind": "malformed"}])
    resp = requests.get(api(emu), headers=bearer(token), timeout=10)
    assert resp.status_code == 200
    with pytest.raises(ValueError):  # noqa: PT011 - any JSON decode error
        resp.json()
    assert requests.get(api(emu), headers=bearer(token), timeout=10).json()["count"] == 250
    assert emu.stats()["faults_by_kind"] == {"drop": 1, "malformed": 1, "truncate": 1}


def test_revoke_token_fault(emu, http):
    token = get_token(emu, http)
    emu.configure_faults([{"kind": "revoke_token"}])
    assert_error(http.get(api(emu), headers=bearer(token)), 401, "UNAUTHORIZED_ERROR")
    assert_error(http.get(api(emu), headers=bearer(token)), 401, "UNAUTHORIZED_ERROR")
    fresh = get_token(emu, http)
    assert http.get(api(emu), headers=bearer(fresh)).status_code == 200


def test_faults_from_config(emu, http):
    emu.reset(**BASE, faults=[{"kind": "status", "status": 500}])
    token = get_token(emu, http)
    assert http.get(api(emu), headers=bearer(token)).status_code == 500
    assert http.get(api(emu), headers=bearer(token)).status_code == 200
    with pytest.raises(EmulatorError):
        emu.configure_faults([{"kind": "explode"}])


# ----------------------------------------------------------------------------- rate limit, latency


def test_rate_limit_per_account_and_ip(emu):
    emu.reset()  # documented default: 50 requests/s
    with requests.Session() as session:
        token = get_token(emu, session)
    local = threading.local()

    def one(_: int) -> requests.Response:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session.get(api(emu), params={"limit": 1}, headers=bearer(token))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(one, range(120)))
    elapsed = time.monotonic() - started
    codes = Counter(r.status_code for r in responses)
    assert elapsed < 2.5, "too slow to exercise a per-second limit"
    assert codes[429] > 0
    assert codes[200] + codes[429] == 120
    throttled = next(r for r in responses if r.status_code == 429)
    assert_error(throttled, 429, "REQUEST_THROTTLED_ERROR")
    stats = emu.stats()
    assert stats["throttled"] == codes[429]
    assert stats["status_counts"]["429"] == codes[429]
    assert stats["max_in_1s"][f"account:{ACCOUNT}"] <= 50
    assert stats["max_in_1s"]["ip"] <= 50
    assert stats["max_in_1s"][f"account:{ACCOUNT}"] >= 40
    time.sleep(1.05)  # throttled requests don't count: the window drains
    assert one(0).status_code == 200


def test_latency_is_non_blocking(emu):
    emu.reset(**BASE, latency_ms=400)
    with requests.Session() as session:
        token = get_token(emu, session)

    def one(_: int) -> int:
        return requests.get(api(emu), headers=bearer(token), timeout=10).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(one, range(8)))
    elapsed = time.monotonic() - started
    assert codes == [200] * 8
    assert 0.4 <= elapsed < 1.6  # serialised latency would take >= 3.2 s
    assert emu.stats()["max_concurrent"] >= 4


# ----------------------------------------------------------------------------- determinism


def test_determinism_across_processes_and_seeds(emu):
    mine = emu.truth(account_id=OTHER_ACCOUNT, stream="view_events", records=True)["records"]
    with EmulatorProcess({"seed": 42}) as other:
        theirs = other.truth(account_id=OTHER_ACCOUNT, stream="view_events", records=True)
        leads = other.truth(account_id=OTHER_ACCOUNT, stream="leads", records=True)
    assert theirs["records"] == mine
    assert (
        leads["records"]
        == emu.truth(account_id=OTHER_ACCOUNT, stream="leads", records=True)["records"]
    )
    emu.reset(**BASE, seed=43)
    reseeded = emu.truth(account_id=OTHER_ACCOUNT, stream="view_events", records=True)["records"]
    assert [r["created_at"] for r in reseeded] == [r["created_at"] for r in mine]
    assert reseeded != mine


def test_large_dataset_pages_quickly(emu, http):
    emu.reset(**BASE, audience_view_events_per_account=1_000_000, brightcove_accounts=[ACCOUNT])
    token = get_token(emu, http)
    first = http.get(
        api(emu), params={"limit": 100, "sort": "updated_at"}, headers=bearer(token)
    ).json()
    # Every row exists; the last minutes' rows are still being processed.
    assert 999_000 < first["count"] < 1_000_000
    assert first["count"] == emu.truth(account_id=ACCOUNT, stream="view_events")["count"]
    assert emu.truth(account_id=ACCOUNT, stream="view_events", visible="all")["count"] == 1_000_000
    started = time.monotonic()
    for i in range(1, 51):
        params = {"limit": 100, "offset": i * 100, "sort": "updated_at"}
        resp = http.get(api(emu), params=params, headers=bearer(token))
        assert len(resp.json()["result"]) == 100
    assert time.monotonic() - started < 5
    since = {"from": "2026-01-02", "sort": "-created_at"}
    count = http.get(api(emu), params=since, headers=bearer(token)).json()["count"]
    assert 900_000 < count < 1_000_000
    body = http.get(
        api(emu), params={**since, "limit": 5, "offset": count - 5}, headers=bearer(token)
    ).json()
    assert len(body["result"]) == 5
    assert body["result"][-1]["updated_at"] >= "2026-01-02"
    emu.reset(**BASE)


def test_date_relative_to_other_bound_uses_timedelta_math(emu, http):
    """from=-365d&to=2015-12-31 style: the relative bound hangs off the absolute one."""
    token = get_token(emu, http)
    to_day = datetime(2026, 1, 20, tzinfo=UTC)
    lo = int((to_day - timedelta(days=3)).timestamp() * 1000)
    hi = int(to_day.timestamp() * 1000)
    body = http.get(
        api(emu), params={"from": "-3d", "to": "2026-01-20", "limit": 100}, headers=bearer(token)
    ).json()
    assert body["count"] > 0
    assert all(lo <= to_ms(r["updated_at"]) <= hi for r in body["result"])


# ----------------------------------------------------------------------------- processing lag

MINUTE_MS = 60_000
LAG_MAX_S = 3 * 3600  # the emulator's longest processing lag (brightcove_audience.LAG_MAX_MS)
DENSE = {"audience_view_events_per_account": 100_000}  # a session every ~26 s


def test_lag_hides_rows_until_processed_and_advancing_shows_them(emu, http):
    emu.reset(**BASE, **DENSE, revise_every=0)  # no revisions: rows never change
    token = get_token(emu, http)
    horizon = emu.horizon()["horizon_ms"]
    since = horizon - 4 * 3_600_000
    window = {"account_id": ACCOUNT, "stream": "view_events", "from_": since, "records": True}
    shown = emu.truth(**window)["records"]
    every = emu.truth(**window, visible="all")["records"]
    shown_at = {r["created_at"] for r in shown}
    hidden = [r for r in every if r["created_at"] not in shown_at]
    assert shown_at < {r["created_at"] for r in every}
    assert hidden, "the last minutes' rows are still being processed"
    # Every hidden row happened before "now", within the longest lag.
    assert all(horizon - LAG_MAX_S * 1000 <= to_ms(r["updated_at"]) < horizon for r in hidden)

    def hidden_share(lo_minutes: float, hi_minutes: float) -> float:
        aged = [
            r
            for r in every
            if lo_minutes <= (horizon - to_ms(r["updated_at"])) / MINUTE_MS < hi_minutes
        ]
        return sum(r["created_at"] not in shown_at for r in aged) / len(aged)

    # The spread: nothing within a minute, most within ten, a few percent later.
    assert hidden_share(0, 1) == 1
    assert 0 < hidden_share(1, 10) < 1
    assert hidden_share(10, 180) < 0.06
    assert hidden_share(180, 240) == 0

    # The API holds back exactly what the truth says.
    body = http.get(api(emu), params={"from": since, "limit": 1}, headers=bearer(token)).json()
    assert body["count"] == len(shown)
    late = hidden[0]
    exact = {"from": to_ms(late["updated_at"]), "to": to_ms(late["updated_at"])}
    assert http.get(api(emu), params=exact, headers=bearer(token)).json()["count"] == 0
    # ... so a later request returns a row older than rows already returned.
    assert late["updated_at"] < shown[-1]["updated_at"]

    emu.advance(LAG_MAX_S)
    body = http.get(api(emu), params=exact, headers=bearer(token)).json()
    assert body["result"] == [late]
    # Eventually the API shows every row the eventual truth listed.
    settled = emu.truth(**{**window, "to": horizon - 1})["records"]
    assert settled == every


def test_lag_delays_revisions_and_leads(emu, http):
    emu.reset(
        **BASE, **DENSE, audience_leads_per_account=100_000, revise_every=1, revise_after_seconds=60
    )
    since = emu.horizon()["horizon_ms"] - 4 * 3_600_000
    window = {"account_id": ACCOUNT, "from_": since, "records": True}
    shown = {r["created_at"]: r for r in emu.truth(**window)["records"]}
    every = {r["created_at"]: r for r in emu.truth(**window, visible="all")["records"]}
    # Until its revision is processed, a session shows its previous version.
    stale = [c for c in shown if shown[c]["updated_at"] != every[c]["updated_at"]]
    assert stale
    for c in stale:
        assert shown[c]["updated_at"] == c < every[c]["updated_at"]
        assert shown[c]["watched"] < every[c]["watched"]
    # Leads wait to be processed too.
    leads_shown = emu.truth(**window, stream="leads")["records"]
    leads_every = emu.truth(**window, stream="leads", visible="all")["records"]
    assert len(leads_shown) < len(leads_every)
    assert all(r in leads_every for r in leads_shown)

    emu.advance(LAG_MAX_S)
    now = {r["created_at"]: r for r in emu.truth(**window)["records"]}
    assert all(now[c] == every[c] for c in stale)


def test_lag_off_shows_rows_the_instant_they_happen(emu):
    emu.reset(**BASE, **DENSE, audience_processing_lag=False)
    for stream in ("view_events", "leads"):
        query = {"account_id": ACCOUNT, "stream": stream, "records": True}
        assert emu.truth(**query) == emu.truth(**query, visible="all")
    assert emu.truth(account_id=ACCOUNT)["count"] == 100_000
    with pytest.raises(EmulatorError, match="visible"):
        emu.truth(account_id=ACCOUNT, visible="later")


# ----------------------------------------------------------------------------- response cache


def test_identical_request_is_a_cache_hit_until_the_period_ends(emu, http):
    emu.reset(**BASE, **DENSE)
    token = get_token(emu, http)
    params = {"limit": 5, "sort": "-updated_at"}

    def get(**extra):
        return http.get(api(emu), params={**params, **extra}, headers=bearer(token))

    first = get()
    assert first.headers["X-Cache"] == "MISS"
    again = get()
    assert again.headers["X-Cache"] == "HIT"
    assert again.content == first.content
    assert get(offset=5).headers["X-Cache"] == "MISS"  # another query
    assert http.get(api(emu), params=params, headers=bearer("nope")).status_code == 401

    # Within the cache period, fresh rows stay invisible ...
    emu.advance(299)
    stale = get()
    assert stale.headers["X-Cache"] == "HIT"
    assert stale.content == first.content
    assert emu.truth(account_id=ACCOUNT)["count"] > first.json()["count"]
    # ... and after it the API answers afresh.
    emu.advance(1)
    fresh = get()
    assert fresh.headers["X-Cache"] == "MISS"
    assert fresh.json()["count"] == emu.truth(account_id=ACCOUNT)["count"]


def test_errors_and_faults_are_never_cached_and_reset_clears_the_cache(emu, http):
    token = get_token(emu, http)

    def get(**params):
        return http.get(api(emu), params=params, headers=bearer(token))

    for _ in range(2):
        resp = get(limit=500)
        assert_error(resp, 400, "BAD_REQUEST_ERROR")
        assert resp.headers["X-Cache"] == "MISS"
    emu.configure_faults([{"kind": "status", "status": 500, "count": 1}])
    assert get(limit=7).status_code == 500
    assert [(r.status_code, r.headers["X-Cache"]) for r in (get(limit=7), get(limit=7))] == [
        (200, "MISS"),
        (200, "HIT"),
    ]
    emu.reset(**BASE)
    token = get_token(emu, http)
    assert get(limit=7).headers["X-Cache"] == "MISS"
    emu.reset(**BASE, audience_cache_seconds=0)
    token = get_token(emu, http)
    assert [get(limit=7).headers["X-Cache"] for _ in range(2)] == ["MISS", "MISS"]


# ----------------------------------------------------------------------------- headers, errors


def test_audience_requires_a_json_content_type(emu, http):
    token = get_token(emu, http)
    auth = {"Authorization": f"Bearer {token}"}
    for stream in ("view_events", "leads"):
        url = api(emu, stream)
        assert_error(http.get(url, headers=auth), 400, "BAD_REQUEST_ERROR", mentions="Content-Type")
        resp = http.get(url, headers={**auth, "Content-Type": "text/plain"})
        assert_error(resp, 400, "BAD_REQUEST_ERROR", mentions="Content-Type")
        resp = http.get(url, headers={**auth, "Content-Type": "application/json; charset=utf-8"})
        assert resp.status_code == 200
        # The cache never answers a request the API refuses.
        assert_error(http.get(url, headers=auth), 400, "BAD_REQUEST_ERROR")
    # Authentication comes first: no token and no Content-Type is a 401.
    assert_error(http.get(api(emu)), 401, "UNAUTHORIZED_ERROR")


def test_token_endpoint_requires_a_form_content_type(emu, http):
    url = f"{emu.url}/oauth/v4/access_token?grant_type=client_credentials"
    resp = http.post(url, headers=basic())
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"
    assert "Content-Type" in resp.json()["error_description"]
    resp = http.post(url, data="{}", headers={**basic(), "Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"
    resp = http.post(url, headers={**basic(), "Content-Type": f"{FORM}; charset=utf-8"})
    assert resp.status_code == 200


def test_oauth_errors_carry_the_documented_names(emu, http):
    form = {"grant_type": "client_credentials"}
    resp = http.post(f"{emu.url}/oauth/v4/access_token", data=form, headers=basic(secret="wrong"))
    assert resp.status_code == 400
    assert resp.json() == {
        "error": "invalid_client",
        "error_description": "credential is not valid",
    }
    resp = http.post(f"{emu.url}/oauth/v4/nope", data=form, headers=basic())
    assert resp.status_code == 404
    assert resp.json() == [
        {
            "error_code": "RESOURCE_NOT_FOUND",
            "message": "The api could not find the resource you requested",
        }
    ]


def test_every_audience_error_status_has_the_json_error_shape(emu, http):
    token = get_token(emu, http)
    expected = [
        (403, "ACCESS_DENIED"),
        (502, "BAD_GATEWAY_ERROR"),
        (503, "SERVICE_UNAVAILABLE_ERROR"),
        (418, "IM_A_TEAPOT_ERROR"),
        (599, "HTTP_599_ERROR"),
    ]
    emu.configure_faults([{"kind": "status", "status": status} for status, _ in expected])
    for status, code in expected:
        resp = http.get(api(emu, "leads"), headers=bearer(token))
        assert_error(resp, status, code)
        assert resp.headers["Content-Type"].startswith("application/json")
        assert resp.json()[0]["message"]
