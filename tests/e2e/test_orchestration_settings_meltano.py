"""The Dagster code location's settings are meltano's own: one setting given four ways.

``meltano_project.read_project`` (what the code location reads its accounts, dates and
budgets from) asks meltano (``meltano compile``, and ``meltano config print`` where a
value holds a variable) instead of re-implementing its precedence. Here an inherited
plugin gets four settings, each given in every layer up to a different one: its own
environment variable, the active environment's config, its own config, its parent's.
The code location must read each as the real meltano prints it, which is the highest
layer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from orchestration.video_taps_orchestration.meltano_project import read_project
from tests.support.meltano import PROJECT_ROOT, copy_plugin_definitions, meltano

pytestmark = pytest.mark.e2e

TAP = "tap-brightcove-audience"
CHILD = "tap-brightcove-audience--eu"


def project_with_layers(directory: Path) -> Path:
    """This repository's meltano.yml, plus a child of the Audience tap and layered settings."""
    document = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    (tap,) = [p for p in document["plugins"]["extractors"] if p["name"] == TAP]
    tap.setdefault("config", {}).update(
        {
            "account_ids": ["1-parent"],
            "start_date": "2026-01-01",
            "lookback_minutes": 11,
            "max_requests_per_second": 7,
        }
    )
    document["plugins"]["extractors"].append(
        {
            "name": CHILD,
            "inherit_from": TAP,
            "config": {
                "account_ids": ["2-plugin"],
                "start_date": "2026-02-02",
                "lookback_minutes": 22,
            },
            "select_filter": ["view_events"],
        }
    )
    document["environments"].append(
        {
            "name": "layers",
            "config": {
                "plugins": {
                    "extractors": [
                        {
                            "name": CHILD,
                            "config": {
                                "account_ids": ["3-environment"],
                                "start_date": "2026-03-03",
                            },
                        }
                    ]
                }
            },
        }
    )
    (directory / "meltano.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    copy_plugin_definitions(directory)
    return directory


def test_a_setting_given_four_ways_resolves_as_meltano_says(tmp_path):
    project = project_with_layers(tmp_path)
    environ = {
        "MELTANO_PROJECT_ROOT": str(project),
        "TAP_BRIGHTCOVE_AUDIENCE__EU_ACCOUNT_IDS": '["4-variable"]',
    }
    printed = json.loads(
        meltano("config", "print", CHILD, "--format=json", env=environ, environment="layers").stdout
    )
    resolved = read_project(project, "layers", environ=environ).plugins[CHILD]
    expected = {
        "account_ids": ["4-variable"],  # the plugin's environment variable
        "start_date": "2026-03-03",  # the environment's config
        "lookback_minutes": 22,  # the plugin's own config
        "max_requests_per_second": 7,  # its parent's config
    }
    for setting, value in expected.items():
        assert printed[setting] == value, setting
        assert resolved.setting(setting) == printed[setting], setting
    assert resolved.parent == TAP
    assert resolved.root == TAP
    # Extras too: the table assets follow select, then select_filter (layout.py).
    assert resolved.setting("_select_filter") == ["view_events"]
