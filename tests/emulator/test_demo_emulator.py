"""The demo emulator (`python -m video_api_emulator --demo`) serves what the demo loads.

Split from tests/taps/test_first_day.py.
"""

from __future__ import annotations

from video_api_emulator.config import demo_config
from video_api_emulator.process import EmulatorProcess


def test_demo_emulator_serves_what_the_demo_loads():
    # Any free port: the demo's own 8765 may be taken (by hand, or by another test worker).
    with EmulatorProcess(demo=True, port=0) as demo:
        served = demo.admin("GET", "config")["config"]

    for key, value in demo_config().items():
        assert served[key] == value, key
    assert demo_config()["ibm_views"] == 5_000  # the demo's volume, not the default 3,000
