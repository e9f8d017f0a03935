"""The Singer SDK's standard tap tests, against the emulator."""

from __future__ import annotations

import os

from singer_sdk.testing import get_tap_test_class

from tap_apivideo.tap import TapApiVideo
from tap_brightcove_audience.tap import TapBrightcoveAudience
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
TestTapApiVideo = get_tap_test_class(
    tap_class=TapApiVideo,
    config={
        "api_key": "emulator-apivideo-key",
        "start_date": "2026-01-27T00:00:00Z",
        "api_url": f"{EMULATOR_URL}/apivideo",
    },
)
