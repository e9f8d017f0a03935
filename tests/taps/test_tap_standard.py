"""The Singer SDK's standard tap tests, against the emulator."""

from __future__ import annotations

import os

import pytest
from singer_sdk.testing import get_tap_test_class

from tap_apivideo.tap import TapApiVideo
from tap_brightcove_audience.tap import TapBrightcoveAudience
from tap_brightcove_interactivity.tap import TapBrightcoveInteractivity
from tap_ibm_video.tap import TapIbmVideo

EMULATOR_URL = os.environ["EMULATOR_URL"]

TestTapBrightcoveAudience = get_tap_test_class(
    tap_class=TapBrightcoveAudience,
    config={
        "client_id": "emulator-client-id",
        "client_secret": "emulator-client-secret",
        "account_ids": ["6415818918001", "6415818919001"],
        "start_date": "2026-01-01T00:00:00Z",
        "api_url": f"{EMULATOR_URL}/audience/v1",
        "oauth_url": f"{EMULATOR_URL}/oauth/v4/access_token",
    },
)

TestTapIbmVideo = get_tap_test_class(
    tap_class=TapIbmVideo,
    config={
        "client_id": "emulator-ibm-client-id",
        "client_secret": "emulator-ibm-client-secret",
        "start_date": "2026-01-01T00:00:00Z",
        "api_url": f"{EMULATOR_URL}/ibm-analytics/v1",
        "oauth_url": f"{EMULATOR_URL}/oauth2/token",
        "window_hours": 24 * 7,
    },
)

#: Four days: every stream has rows, and the whole sync (/data asks 86 requests a
#: day) stays within one minute's 500 reads of the emulator's production limit.
_APIVIDEO_CONFIG = {
    "api_key": "emulator-apivideo-key",
    "start_date": "2026-01-27T00:00:00Z",
    "api_url": f"{EMULATOR_URL}/apivideo",
}
#: Every stream selected: the retired endpoints' streams are not by default, and
#: the emulator still serves them.
_APIVIDEO_CATALOG = TapApiVideo(config=_APIVIDEO_CONFIG).catalog_dict
for _entry in _APIVIDEO_CATALOG["streams"]:
    for _metadata in _entry["metadata"]:
        if _metadata["breadcrumb"] == []:
            _metadata["metadata"]["selected"] = True
TestTapApiVideo = get_tap_test_class(
    tap_class=TapApiVideo, config=_APIVIDEO_CONFIG, catalog=_APIVIDEO_CATALOG
)

#: The reports take 0.2 s to generate and the emulator's budget is off, so the
#: suite does not wait out the API's 4 reports a minute (the tap's budget
#: matches); one account, the last 10 days.
_FastTapBrightcoveInteractivity = get_tap_test_class(
    tap_class=TapBrightcoveInteractivity,
    config={
        "client_id": "emulator-client-id",
        "client_secret": "emulator-client-secret",
        "account_ids": ["6415818918001"],
        "start_date": "2026-01-22T00:00:00Z",
        "summary_days": 10,
        "api_url": f"{EMULATOR_URL}/interactivity-reporting/api/reports/v2",
        "oauth_url": f"{EMULATOR_URL}/oauth/v4/access_token",
        "poll_interval_seconds": 0.1,
        "reports_per_minute": 10_000,
        "reports_per_hour": 10_000,
        "reports_per_day": 10_000,
        # The emulator's reports carry a column the tap does not declare
        # (`player_id`); the tap keeps it by growing the stream's schema at run
        # time (tested in test_interactivity_tap.py), while the SDK's schema test
        # compares records with the catalog read before the sync. A stream map
        # drops it here, which also proves maps apply to columns added at run time.
        "stream_maps": {
            name: {"player_id": None}
            for name in (
                "experience_stream_raw",
                "project_engagement_summary_raw",
                "project_stream_raw",
                "user_stream_raw",
            )
        },  # fmt: skip
    },
)


_QUICK_REPORTS = {
    "interactivity_reports_per_minute": 0,
    "interactivity_reports_per_hour": 0,
    "interactivity_reports_per_day": 0,
    "interactivity_generation_seconds": 0.2,
}


class TestTapBrightcoveInteractivity(_FastTapBrightcoveInteractivity):
    """The SDK's standard tests, with the emulator's report budget off."""

    @pytest.fixture(autouse=True, scope="class")
    def _quick_reports_for_the_class_sync(self, session_emulator) -> None:
        """Before the SDK's class-scoped sync, which runs ahead of per-test fixtures."""
        session_emulator.reset(**_QUICK_REPORTS)

    @pytest.fixture(autouse=True)
    def _quick_reports_for_each_test(self, emulator) -> None:
        """After the per-test reset, for the tests that sync again themselves."""
        emulator.reset(**_QUICK_REPORTS)
