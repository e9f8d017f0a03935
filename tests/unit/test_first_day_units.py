"""The demo's configuration, read without an emulator: meltano.yml's demo environment,
the emulator's --demo flag and scripts/demo.py agree (split from tests/taps/test_first_day.py).
"""

from __future__ import annotations

import sys

import yaml

from tests.support.meltano import PROJECT_ROOT
from tests.support.registry import URL_SETTINGS
from video_api_emulator import __main__ as emulator_cli
from video_api_emulator.config import DEMO_PORT, demo_config


def _demo_environment() -> dict:
    project = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    (demo,) = [env for env in project["environments"] if env["name"] == "demo"]
    return {plugin["name"]: plugin["config"] for plugin in demo["config"]["plugins"]["extractors"]}


def test_the_demo_environment_points_every_url_at_the_demo_emulators_port():
    environment = _demo_environment()

    urls = {
        (tap, setting): value
        for tap, config in environment.items()
        for setting, value in config.items()
        if setting.endswith("_url")
    }
    assert {(tap, setting) for tap, setting in urls} == {
        (tap, setting) for tap, settings in URL_SETTINGS.items() for setting in settings
    }
    for value in urls.values():
        assert value.startswith(f"http://127.0.0.1:{DEMO_PORT}/"), value
    accounts = demo_config()["brightcove_accounts"]
    assert environment["tap-brightcove-audience"]["account_ids"] == accounts
    assert environment["tap-brightcove-interactivity"]["account_ids"] == accounts


def test_demo_flag_serves_the_demo_config_on_the_demo_port(monkeypatch):
    """`python -m video_api_emulator --demo`: the file make demo reads, on port 8765."""
    served: dict = {}

    async def fake_serve(**kwargs):
        served.update(kwargs)

    monkeypatch.setattr(emulator_cli, "serve", fake_serve)

    assert emulator_cli.main(["--demo"]) == 0
    assert served["port"] == DEMO_PORT
    assert served["config"] == demo_config()

    assert emulator_cli.main(["--demo", "--port", "0"]) == 0
    assert served["port"] == 0


def test_the_demo_script_reads_the_same_config_and_says_what_it_shows():
    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    try:
        import demo  # noqa: PLC0415 - scripts/demo.py, not a package
    finally:
        sys.path.remove(str(PROJECT_ROOT / "scripts"))

    assert demo_config() == demo.EMULATOR_CONFIG
    assert "player_id" in demo.WHAT_THE_DEMO_SHOWS
    assert "python -m video_api_emulator --demo" in demo.WHAT_THE_DEMO_SHOWS
    assert "meltano --environment demo run tap-ibm-video target-jsonl" in (
        " ".join(demo.WHAT_THE_DEMO_SHOWS.split())
    )
