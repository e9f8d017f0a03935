"""api-video 1.4.7 against the emulator: the /data/* analytics and the lists.

Run by tests/emulator/test_emulator_apivideo.py as a script, with that client
version's folder on PYTHONPATH and the emulator's URL as its argument; prints
``OK <checks>`` last.
"""

import json
from datetime import UTC, datetime, timedelta

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
from apivideo.model_utils import model_to_dict
from driver_common import (
    CHECKS,
    KEY2,
    admin,
    check_pagination,
    client,
    error_model,
    expect_error,
    norm,
    page_of,
    same_list,
    truth,
)

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
DAY = "2026-01-20"
FROM, TO = datetime(2026, 1, 20, tzinfo=UTC), datetime(2026, 1, 21, tzinfo=UTC)


def raw_json(call):
    resp = call(_preload_content=False)
    assert resp.status == 200
    return json.loads(resp.data)


# Pairs the 2025-01 spec's descriptions allow (docs/vendors/apivideo.md#metrics); the client reads
# the context's aggregation only from {count, rate, total, average, sum}.
pairs = [
    ("play", "count"),
    ("play", "rate"),
    ("play", "total"),
    ("start", "count"),
    ("end", "count"),
    ("impression", "count"),
    ("impression-time", "average"),
    ("impression-time", "sum"),
    ("watch-time", "average"),
    ("watch-time", "sum"),
    ("ccv", "peak"),
    ("ccv", "live"),
    ("view", "count"),
]
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

bucket_metrics = (
    "play",
    "play-rate",
    "start",
    "end",
    "impression",
    "ccv-peak",
    "ccv-average",
    "view",
)
breakdowns = (
    "media-id",
    "media-type",
    "continent",
    "country",
    "device-type",
    "operating-system",
    "browser",
    "referrer",
)
combos = [(m, b) for m in bucket_metrics for b in breakdowns] + [("play-total", "media-id")]
for metric, breakdown in combos:
    want = truth(stream="buckets", day=DAY, metric=metric, breakdown=breakdown)

    def call(**kw):
        return analytics.get_metrics_breakdown(
            metric, breakdown, _from=FROM, to=TO, page_size=100, **kw
        )

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
want = truth(
    stream="buckets",
    day=DAY,
    metric="play",
    breakdown="country",
    sortBy="metricValue",
    sortOrder="desc",
)
resp = analytics.get_metrics_breakdown(
    "play",
    "country",
    _from=FROM,
    to=TO,
    sort_by="metricValue",
    sort_order="desc",
    current_page=2,
    page_size=3,
)
same_list(resp.data, page_of(want, 2, 3))
check_pagination(resp.pagination, len(want), 2, 3)
vid = videos[0]["videoId"]
filters = {"filterBy[mediaId][]": vid, "filterBy[mediaType]": "video"}
want = truth(stream="buckets", day=DAY, metric="play-total", breakdown="media-id", **filters)
# context.metric play-total is outside the client's enum (see above): read the JSON.
body = raw_json(
    lambda **kw: analytics.get_metrics_breakdown(
        "play-total",
        "media-id",
        _from=FROM,
        to=TO,
        filter_by=FilterBy2(media_id=[vid], media_type="video"),
        **kw,
    )
)
assert body["data"] == want
assert [row["dimensionValue"] for row in want] == [vid]
# Elsewhere the spec refuses them: "only ... when you call /data/metrics/play/total or
# /data/buckets/play-total/media-id" (docs/vendors/apivideo.md#filters).
exc = expect_error(
    lambda: analytics.get_metrics_breakdown(
        "play", "device-type", _from=FROM, to=TO, filter_by=FilterBy2(media_id=[vid])
    ),
    400,
)
assert error_model(c, exc, AnalyticsPlays400Error, 400).name == "filterBy[mediaId]"
everything = truth(stream="buckets", day=DAY, metric="play", breakdown="country")
want = truth(
    stream="buckets", day=DAY, metric="play", breakdown="country", **{"filterBy[continent][]": "EU"}
)
resp = analytics.get_metrics_breakdown(
    "play", "country", _from=FROM, to=TO, filter_by=FilterBy2(continent=["EU"])
)
same_list(resp.data, want)
assert {r["dimensionValue"] for r in want} == {
    r["dimensionValue"] for r in everything if r["dimensionValue"] in ("FR", "ES", "DE", "GB")
}

for metric in bucket_metrics:
    want = truth(stream="timeseries", day=DAY, metric=metric)
    assert len(want) == 24
    resp = analytics.get_metrics_over_time(
        metric, _from=FROM, to=TO, interval="hour", page_size=100
    )
    same_list(resp.data, want)
    assert resp.context.interval == "hour"
    # Default interval for a one-day timeframe: hour.
    resp = analytics.get_metrics_over_time(metric, _from=FROM, to=TO, page_size=30)
    same_list(resp.data, want)
resp = analytics.get_metrics_over_time(
    "play",
    _from=FROM,
    to=TO,
    current_page=2,
    page_size=10,
    sort_by="metricValue",
    sort_order="desc",
)
want = truth(stream="timeseries", day=DAY, metric="play", sortBy="metricValue", sortOrder="desc")
same_list(resp.data, page_of(want, 2, 10))
week = analytics.get_metrics_over_time("play", _from=datetime(2026, 1, 14, tzinfo=UTC), to=TO)
assert week.context.interval == "day" and len(week.data) == 7
for row, day in zip(week.data, range(14, 21)):
    hourly = truth(stream="timeseries", day=f"2026-01-{day}", metric="play")
    assert row.metric_value == sum(r["metricValue"] for r in hourly), row
    assert row.emitted_at == f"2026-01-{day}T00:00:00+00:00"
minutes = analytics.get_metrics_over_time(
    "play", _from=FROM, to=FROM + timedelta(minutes=60), interval="minute", page_size=100
)
assert len(minutes.data) == 60 and minutes.context.interval == "minute"

# ---- errors
exc = expect_error(lambda: analytics.get_aggregated_metrics("start", "sum"), 400)
assert error_model(c, exc, AnalyticsPlays400Error, 400).name == "aggregation"
exc = expect_error(
    lambda: analytics.get_metrics_over_time("play", _from=FROM, to=TO, interval="minute"), 400
)
err = error_model(c, exc, AnalyticsPlays400Error, 400)
assert err.detail == "This interval cannot be used with a timeframe over 60 minutes."
exc = expect_error(
    lambda: analytics.get_aggregated_metrics(
        "play", "count", _from=datetime(2025, 12, 1, tzinfo=UTC)
    ),
    400,
)
assert error_model(c, exc, AnalyticsPlays400Error, 400).name == "from"
exc = expect_error(lambda: analytics.get_metrics_breakdown("play-total", "country"), 400)
assert error_model(c, exc, AnalyticsPlays400Error, 400).name == "breakdown"

admin("POST", "reset", {"apivideo_retired": True, "apivideo_analytics_disabled": [KEY2]})
c = client()
exc = expect_error(
    lambda: c.call_api(
        "/analytics/videos/plays",
        "GET",
        query_params=[("from", "2026-01-20"), ("dimension", "country")],
        auth_settings=["apiKey"],
    ),
    404,
)
assert error_model(c, exc, UnrecognizedRequestUrl, 404).title == "Unrecognized request URL."
assert AnalyticsApi(c).get_aggregated_metrics("play", "count").context.metric == "play"
c2 = client(KEY2)
exc = expect_error(lambda: AnalyticsApi(c2).get_metrics_over_time("play"), 403)
assert error_model(c2, exc, Model403ErrorSchema, 403).status == 403
assert VideosApi(c2).list().data

admin(
    "POST", "reset", {"apivideo_rate_limit_per_minute": 1, "apivideo_rate_limit_window_seconds": 30}
)
c = client()
AnalyticsApi(c).get_aggregated_metrics("play", "count")
exc = expect_error(lambda: AnalyticsApi(c).get_aggregated_metrics("play", "count"), 429)
assert (
    error_model(c, exc, TooManyRequests, 429).type
    == "https://docs.api.video/reference/too-many-requests"
)
print(f"OK {CHECKS[0]}")
