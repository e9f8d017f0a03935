"""The demo emulator (`python -m video_api_emulator --demo`) serves what the demo loads.

Split from tests/taps/test_first_day.py.
"""

from __future__ import annotations

from video_api_emulator.config import DEFAULTS, DEMO_PORT, demo_config
from video_api_emulator.process import EmulatorError, EmulatorProcess


def test_demo_emulator_serves_what_the_demo_loads():
    # Any free port: the demo's own 8765 may be taken (by hand, or by another test worker).
    with EmulatorProcess(demo=True, port=0) as demo:
        served = demo.admin("GET", "config")["config"]

    changed = {key for key, value in demo_config().items() if value != DEFAULTS[key]}
    assert changed, "demo_config.json changes nothing: this test would prove nothing"
    for key, value in demo_config().items():
        assert served[key] == value, key


def test_demo_emulator_listens_where_the_demo_environment_looks_unless_told():
    """`--demo` without `--port`: port 8765, where meltano.yml's demo environment points.

    Another emulator (a user's, another test worker's) may hold the port; the refusal
    to bind then names the port asked for, which shows the same.
    """
    try:
        with EmulatorProcess(demo=True) as demo:
            asked = demo.url
    except EmulatorError as refused:
        asked = str(refused)
        if "address already in use" not in asked:
            raise
    assert f"127.0.0.1:{DEMO_PORT}" in asked or f"'127.0.0.1', {DEMO_PORT})" in asked, asked
