"""api-video 1.3.0 against the emulator: raw statistics, plays and the lists.

Run by tests/emulator/test_emulator_apivideo.py as a script, with that client
version's folder on PYTHONPATH and the emulator's URL as its argument; prints
``OK <checks>`` last.
"""

import json
from datetime import date, timedelta

from apivideo.apis import AnalyticsApi, LiveStreamsApi, RawStatisticsApi, VideosApi
from apivideo.model.analytics_plays400_error import AnalyticsPlays400Error
from apivideo.model.bad_request import BadRequest
from apivideo.model.model403_error_schema import Model403ErrorSchema
from apivideo.model.not_found import NotFound
from driver_common import (
    CHECKS,
    KEY,
    admin,
    check_pagination,
    client,
    error_model,
    expect_error,
    page_of,
    same_list,
    truth,
)

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
        for s in truth(stream="video_sessions", from_="2026-01-01", to="2026-01-31", media_id=vid)
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
    for s in truth(stream="live_stream_sessions", from_="2026-01-01", to="2026-01-31", media_id=lid)
]
resp = raw.list_live_stream_sessions(lid, "2026-01-01/2026-01-31", page_size=100)
same_list(resp.data, live_sessions)
same_list(
    raw.list_live_stream_sessions(lid, "2026", current_page=3, page_size=4).data,
    page_of(live_sessions, 3, 4),
)
events = truth(stream="session_events", from_="2026-01-14", to="2026-01-14")
for kind_sessions in (month[:2], live_sessions[:2]):
    for s in kind_sessions:
        sid = s["session"]["sessionId"]
        mine = [
            {k: v for k, v in e.items() if k not in ("sessionId", "position")}
            for e in truth(
                stream="session_events",
                from_=s["session"]["loadedAt"][:10],
                to=s["session"]["loadedAt"][:10],
            )
            if e["sessionId"] == sid
        ]
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
ranges = (
    (date(2026, 1, 20), date(2026, 1, 20)),
    (date(2026, 1, 18), date(2026, 1, 19)),
    (date(2026, 1, 10), date(2026, 1, 16)),
)
for first, last in ranges:
    for dim in video_dims:
        resp = analytics.get_videos_plays(first, dim, to=last, page_size=100)
        same_list(resp.data, plays_truth(False, first, last, dim))
    for dim in live_dims:
        resp = analytics.get_live_streams_plays(first, dim, to=last, page_size=100)
        same_list(resp.data, plays_truth(True, first, last, dim))
rows = plays_truth(False, date(2026, 1, 10), date(2026, 1, 16), "country")
resp = analytics.get_videos_plays(
    date(2026, 1, 10), "country", to=date(2026, 1, 16), current_page=2, page_size=3
)
same_list(resp.data, page_of(rows, 2, 3))
check_pagination(resp.pagination, len(rows), 2, 3)
# Default to: yesterday.
resp = analytics.get_videos_plays(date(2026, 1, 25), "browser", page_size=100)
same_list(resp.data, plays_truth(False, date(2026, 1, 25), date(2026, 1, 30), "browser"))
# One video: its sessions of the day.
vid = videos[2]["videoId"]
count = len(truth(stream="video_sessions", from_="2026-01-20", to="2026-01-20", media_id=vid))
resp = analytics.get_videos_plays(
    date(2026, 1, 20), "videoId", to=date(2026, 1, 20), filter=f"videoId:{vid}"
)
same_list(resp.data, [{"value": vid, "plays": count}] if count else [])
resp = analytics.get_live_streams_plays(
    date(2026, 1, 20), "liveStreamId", to=date(2026, 1, 21), filter=f"liveStreamId:{lid}"
)
assert [r.value for r in resp.data] in ([lid], [])

# ---- errors
# The client checks dimension against its enum before sending: bypass it.
exc = expect_error(
    lambda: strict.call_api(
        "/analytics/videos/plays",
        "GET",
        query_params=[("from", "2026-01-20"), ("dimension", "city")],
        auth_settings=["apiKey"],
    ),
    400,
)
err = error_model(strict, exc, AnalyticsPlays400Error, 400)
assert (err.name, err.type) == (
    "dimension",
    "https://docs.api.video/reference/request-invalid-query-parameter",
)
exc = expect_error(lambda: analytics.get_videos_plays(date(2025, 12, 1), "country"), 400)
assert error_model(strict, exc, AnalyticsPlays400Error, 400).name == "from"
exc = expect_error(
    lambda: analytics.get_videos_plays(date(2026, 1, 20), "country", filter="videoId:viNOPE"), 400
)
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
exc = expect_error(lambda: AnalyticsApi(strict).get_videos_plays(date(2026, 1, 20), "country"), 403)
err = error_model(strict, exc, Model403ErrorSchema, 403)
assert err.title == "You cannot get analytics from this project."
vid = videos[0]["videoId"]
exc = expect_error(lambda: RawStatisticsApi(strict).list_video_sessions(vid, "2026"), 403)
error_model(strict, exc, Model403ErrorSchema, 403)
assert LiveStreamsApi(strict).list().data

admin(
    "POST", "reset", {"apivideo_rate_limit_per_minute": 2, "apivideo_rate_limit_window_seconds": 30}
)
strict = client()
LiveStreamsApi(strict).list()
LiveStreamsApi(strict).list()
exc = expect_error(lambda: LiveStreamsApi(strict).list(), 429)
# 1.3.0 has no model for 429 (the spec documents it from 2024-07 on;
# docs/vendors/apivideo.md#rate-limits).
assert json.loads(exc.body)["title"] == "Too many requests."
assert exc.headers["X-RateLimit-Remaining"] == "0"
assert 1 <= int(exc.headers["X-RateLimit-Retry-After"]) <= 30
print(f"OK {CHECKS[0]}")
