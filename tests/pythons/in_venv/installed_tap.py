"""The SDK's standard tap tests on one tap installed from its wheel, in a venv of one CPython.

The pythons tier (``tests/pythons/test_every_python.py``) runs this module with
that venv's pytest, cut off from the suite's conftest files (the venv holds the
tap, video-taps-common and pytest, nothing of the project's .venv). The suite
never collects it itself: its name is not ``test_*.py``.

Its environment names the tap (``VIDEO_TAPS_TAP``), the emulator
(``EMULATOR_URL``, already reset for the tap) and the wheels the venv must hold
(``VIDEO_TAPS_WHEELS``: the file names of the tap's and video-taps-common's).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import sys
from pathlib import Path

from singer_sdk.testing import get_tap_test_class

from tests.support.standard_configs import (
    SELECT_EVERY_STREAM,
    TAP_CLASSES,
    every_stream_selected,
    standard_config,
)

TAP = os.environ["VIDEO_TAPS_TAP"]
EMULATOR_URL = os.environ["EMULATOR_URL"]
_MODULE, _, _CLASS = TAP_CLASSES[TAP].partition(":")
TAP_CLASS = getattr(importlib.import_module(_MODULE), _CLASS)
CONFIG = standard_config(TAP, EMULATOR_URL)


def test_the_tap_and_video_taps_common_are_the_wheels_installed_in_this_venv():
    venv = Path(sys.prefix).resolve()
    for package in (_MODULE.split(".")[0], "video_taps_common"):
        module_file = Path(importlib.import_module(package).__file__).resolve()
        assert module_file.is_relative_to(venv), module_file
    wheels = set(os.environ["VIDEO_TAPS_WHEELS"].split())
    for distribution in (TAP, "video-taps-common"):
        installed = importlib.metadata.distribution(distribution)
        origin = json.loads(installed.read_text("direct_url.json"))
        assert "dir_info" not in origin, f"{distribution} is not an install of a folder"
        assert origin["url"].rsplit("/", 1)[-1] in wheels, origin["url"]


TestInstalledTap = get_tap_test_class(
    tap_class=TAP_CLASS,
    config=CONFIG,
    catalog=(
        every_stream_selected(TAP_CLASS(config=CONFIG).catalog_dict)
        if TAP in SELECT_EVERY_STREAM
        else None
    ),
)
