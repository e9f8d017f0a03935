"""The Singer SDK's standard tap tests, against the emulator.

The settings are in ``tests/support/standard_configs.py``, shared with the
pythons tier, which runs the same tests on each tap installed from its wheel.
"""

from __future__ import annotations

import os

import pytest
from singer_sdk.testing import get_tap_test_class

from tap_apivideo.tap import TapApiVideo
from tap_brightcove_audience.tap import TapBrightcoveAudience
from tap_brightcove_interactivity.tap import TapBrightcoveInteractivity
from tap_ibm_video.tap import TapIbmVideo
from tests.support.standard_configs import (
    EMULATOR_SETTINGS,
    every_stream_selected,
    standard_config,
)

EMULATOR_URL = os.environ["EMULATOR_URL"]

TestTapBrightcoveAudience = get_tap_test_class(
    tap_class=TapBrightcoveAudience,
    config=standard_config("tap-brightcove-audience", EMULATOR_URL),
)

TestTapIbmVideo = get_tap_test_class(
    tap_class=TapIbmVideo, config=standard_config("tap-ibm-video", EMULATOR_URL)
)

_APIVIDEO_CONFIG = standard_config("tap-apivideo", EMULATOR_URL)
TestTapApiVideo = get_tap_test_class(
    tap_class=TapApiVideo,
    config=_APIVIDEO_CONFIG,
    catalog=every_stream_selected(TapApiVideo(config=_APIVIDEO_CONFIG).catalog_dict),
)

_FastTapBrightcoveInteractivity = get_tap_test_class(
    tap_class=TapBrightcoveInteractivity,
    config=standard_config("tap-brightcove-interactivity", EMULATOR_URL),
)
_QUICK_REPORTS = EMULATOR_SETTINGS["tap-brightcove-interactivity"]


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
