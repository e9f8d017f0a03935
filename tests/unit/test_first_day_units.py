"""The demo's configuration, read without an emulator: meltano.yml's demo environment,
the emulator's --demo flag and scripts/demo.py agree (split from tests/taps/test_first_day.py).
"""

from __future__ import annotations

import ast
import sys

import yaml

from tap_brightcove_interactivity.schemas import REPORTS_BY_NAME
from tests.support.meltano import PROJECT_ROOT
from tests.support.registry import URL_SETTINGS
from video_api_emulator.apis.brightcove_interactivity.data import COLUMNS
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


def _demo_script():
    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    try:
        import demo  # noqa: PLC0415 - scripts/demo.py, not a package
    finally:
        sys.path.remove(str(PROJECT_ROOT / "scripts"))
    return demo


def test_the_demo_script_imports_nothing_from_the_tests():
    """The demo is what a newcomer runs first: it stands on the shipped packages alone."""
    tree = ast.parse((PROJECT_ROOT / "scripts" / "demo.py").read_text())
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module]
        )
    }

    assert sorted(name for name in imported if name and name.split(".")[0] == "tests") == []


def test_the_demo_loads_the_emulators_demo_config_and_names_the_columns_it_adds():
    """What the demo says after its table holds: the undeclared columns it names are real."""
    demo = _demo_script()
    added = {
        column
        for report, columns in COLUMNS.items()
        for column, _kind in columns
        if column not in REPORTS_BY_NAME[report].declared
    }

    assert demo_config() == demo.EMULATOR_CONFIG
    assert added, "the emulator adds no undeclared column: the demo's warning note is stale"
    said = " ".join(demo.WHAT_THE_DEMO_SHOWS.split())
    for column in added:
        assert f"the schema does not declare, synced as text: {column}" in said, column
