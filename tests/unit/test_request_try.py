"""One try of one request, through the SDK's public pieces (mocked at the HTTP boundary).

``VideoStream`` sends each try itself (no private ``RESTStream._request``);
what an SDK user expects of every try must still happen: the authenticator
applied, the answer validated, ``calculate_sync_cost`` called and its tally
reported by ``log_sync_costs``, the per-request duration METRIC at DEBUG, and a
deprecated ``prepare_request`` still honoured. And what a refused answer does
to its partition when the object it reads is gone.
"""

from __future__ import annotations

import datetime
import json
import logging
import typing as t

import pytest
import requests
from requests.adapters import HTTPAdapter
from singer_sdk import typing as th
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.exceptions import FatalAPIError

from video_taps_common import VideoStream, json_body
from video_taps_common.errors import PartitionGoneError
from video_taps_common.rate_budget import RateBudget
from video_taps_common.tap_base import VideoTap

API_URL = "https://api.example.com/v1"


class CannedAdapter(HTTPAdapter):
    """Answers each request with the next canned (status, body) and keeps what was sent."""

    def __init__(self, *answers: tuple[int, dict]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **_: t.Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        status, body = self.answers.pop(0)
        response = requests.Response()
        response.status_code = status
        response.reason = "OK" if status < 400 else "Bad Request"  # noqa: PLR2004
        response._content = json.dumps(body).encode()  # noqa: SLF001 - building a fake answer
        response.headers["Content-Type"] = "application/json"
        response.request = request
        response.url = request.url or ""
        response.elapsed = datetime.timedelta(milliseconds=12)
        return response


class ThingsStream(VideoStream[int]):
    """A stream whose user counts each request's cost, as the SDK documents."""

    name = "things"
    path = "/things"
    schema = th.PropertiesList(th.Property("id", th.IntegerType)).to_dict()

    def __init__(self, tap: VideoTap) -> None:
        super().__init__(tap)
        self.costed: list[tuple[str | None, int, dict | None]] = []

    def calculate_sync_cost(
        self,
        request: requests.PreparedRequest,
        response: requests.Response,
        context: dict | None,
    ) -> dict[str, int]:
        self.costed.append((request.headers.get("X-Key"), response.status_code, context))
        return {"rest": 1, "bytes": len(response.content)}


class ThingsTap(VideoTap):
    name = "tap-things"
    config_jsonschema = th.PropertiesList(th.Property("api_url", th.StringType)).to_dict()

    def discover_streams(self) -> list[ThingsStream]:
        return [ThingsStream(self)]

    @property
    def rate_budget(self) -> RateBudget:
        return self._budget

    _budget = RateBudget(1000)

    @property
    def authenticator(self) -> APIKeyAuthenticator:
        return APIKeyAuthenticator(key="X-Key", value="the-key", location="header")


@pytest.fixture
def stream() -> ThingsStream:
    tap = ThingsTap(config={"api_url": API_URL}, parse_env_config=False)
    return t.cast("ThingsStream", tap.streams["things"])


def answered_by(stream: ThingsStream, *answers: tuple[int, dict]) -> CannedAdapter:
    adapter = CannedAdapter(*answers)
    stream.requests_session.mount("https://", adapter)
    return adapter


def test_each_page_is_costed_through_calculate_sync_cost_and_logged_by_log_sync_costs(
    stream, caplog
):
    adapter = answered_by(stream, (200, {"items": [1]}), (200, {"items": [2, 3]}))
    context = {"account_id": "1"}

    first = stream.fetch_page(context, 1)
    second = stream.fetch_page(context, 2)

    assert (json_body(first), json_body(second)) == ({"items": [1]}, {"items": [2, 3]})
    assert [request.headers["X-Key"] for request in adapter.sent] == ["the-key", "the-key"]
    assert stream.costed == [("the-key", 200, context), ("the-key", 200, context)]
    with caplog.at_level(logging.INFO):
        stream.log_sync_costs()
    expected = len(b'{"items": [1]}') + len(b'{"items": [2, 3]}')
    assert f"Total Sync costs for stream things: {{'rest': 2, 'bytes': {expected}}}" in (
        caplog.text
    )


def test_a_refused_request_is_validated_and_not_costed(stream):
    answered_by(stream, (400, {"error": "no such thing"}))

    with pytest.raises(FatalAPIError, match="400"):
        stream.fetch_page(None, 1)

    assert stream.costed == []


def test_the_request_duration_metric_is_logged_at_debug_only(stream, caplog):
    answered_by(stream, (200, {"items": []}), (200, {"items": []}))
    stream.metrics_logger.setLevel(logging.DEBUG)

    with caplog.at_level(logging.DEBUG, logger=stream.metrics_logger.name):
        stream.fetch_page({"account_id": "1"}, 1)
    durations = [r for r in caplog.records if "http_request_duration" in r.getMessage()]
    assert [r.levelno for r in durations] == [logging.DEBUG]
    point = json.loads(durations[0].getMessage().removeprefix("METRIC: "))
    assert point["value"] >= 0
    assert point["tags"]["endpoint"] == "/things"
    assert point["tags"]["http_status_code"] == 200  # noqa: PLR2004
    assert point["tags"]["context"] == {"account_id": "1"}

    caplog.clear()
    stream.metrics_logger.setLevel(logging.INFO)
    with caplog.at_level(logging.INFO, logger=stream.metrics_logger.name):
        stream.fetch_page(None, 2)
    assert not [r for r in caplog.records if "http_request_duration" in r.getMessage()]


def test_a_deprecated_prepare_request_override_is_still_the_request_sent(stream):
    """The SDK still honours ``prepare_request`` (with a warning); so does the family's base."""

    class LegacyStream(ThingsStream):
        def prepare_request(self, context: dict | None, next_page_token: int | None):  # noqa: ARG002
            return self.build_prepared_request(
                method="GET", url=f"{self.url_base}/legacy", params={"page": next_page_token}
            )

    legacy = LegacyStream(stream.video_tap)
    adapter = answered_by(legacy, (200, {"items": []}))

    with pytest.warns(DeprecationWarning, match="prepare_request is deprecated"):
        legacy.fetch_page(None, 3)

    assert [request.url for request in adapter.sent] == [f"{API_URL}/legacy?page=3"]
    assert adapter.sent[0].headers["X-Key"] == "the-key"  # authenticated all the same


def test_a_partition_whose_object_was_deleted_is_skipped_with_a_warning_not_failed(stream, caplog):
    """A child partition reading something deleted since its parent listed it (api.video)."""

    class GoneStream(ThingsStream):
        def validate_response(self, response: requests.Response) -> None:
            if response.status_code == 404:  # noqa: PLR2004
                raise PartitionGoneError("the videoId was deleted after it was listed")
            super().validate_response(response)

    gone = GoneStream(stream.video_tap)
    answered_by(gone, (404, {"name": "videoId"}))

    with caplog.at_level(logging.WARNING):
        records = list(gone.get_records({"videoId": "vi1"}))

    assert records == []
    assert "things [videoId=vi1]: the videoId was deleted after it was listed; skipped" in (
        caplog.text
    )
    summary = gone.video_tap.stream_summaries["things"]
    assert (summary.partitions, summary.failed) == (1, [])
