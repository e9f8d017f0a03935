"""The Dagster code location reads partitions from meltano.yml as meltano resolves settings.

orchestration/video_taps_orchestration/meltano_project.py needs no Dagster, so
these run in the test venv; one test asks the real meltano for the same values.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestration.video_taps_orchestration.meltano_project import (
    MeltanoProject,
    env_var_name,
    shared_labels,
)
from tests.support.audience import ACCOUNTS
from tests.support.meltano import PROJECT_ROOT, copy_plugin_definitions

TAP = "tap-brightcove-audience"
CHILD = "tap-brightcove-audience--eu"


def project_with_child(directory: Path, api_url: str | None = None) -> MeltanoProject:
    """This repository's meltano.yml plus an inherited Audience plugin (and the demo's api_url)."""
    document = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    document["plugins"]["extractors"].append({"name": CHILD, "inherit_from": TAP})
    if api_url is not None:
        (demo,) = [env for env in document["environments"] if env["name"] == "demo"]
        (tap,) = [p for p in demo["config"]["plugins"]["extractors"] if p["name"] == TAP]
        tap["config"]["api_url"] = api_url
    (directory / "meltano.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    copy_plugin_definitions(directory)
    return MeltanoProject(directory, "demo")


def test_env_var_names_follow_meltano():
    assert env_var_name(CHILD, "account_ids") == "TAP_BRIGHTCOVE_AUDIENCE__EU_ACCOUNT_IDS"


def test_the_environment_config_gives_the_accounts(tmp_path):
    project = project_with_child(tmp_path)
    assert project.setting(TAP, "account_ids", {}) == ACCOUNTS
    assert project.family(TAP) == [TAP, CHILD]


def test_a_variable_wins_over_meltano_yml_and_arrays_are_json(tmp_path):
    project = project_with_child(tmp_path)
    environ = {"TAP_BRIGHTCOVE_AUDIENCE_ACCOUNT_IDS": '["1", "2", "3"]'}
    assert project.setting(TAP, "account_ids", environ) == ["1", "2", "3"]


def test_an_inherited_plugin_falls_back_to_its_parent_including_its_variables(tmp_path):
    project = project_with_child(tmp_path)
    assert project.setting(CHILD, "account_ids", {}) == ACCOUNTS
    environ = {"TAP_BRIGHTCOVE_AUDIENCE_ACCOUNT_IDS": '["9"]'}
    assert project.setting(CHILD, "account_ids", environ) == ["9"]
    environ["TAP_BRIGHTCOVE_AUDIENCE__EU_ACCOUNT_IDS"] = '["7"]'
    assert project.setting(CHILD, "account_ids", environ) == ["7"]


def test_variables_in_values_are_expanded_and_defaults_apply(tmp_path):
    project = project_with_child(tmp_path, api_url="${EMULATOR_URL}/audience/v1")
    environ = {"EMULATOR_URL": "http://127.0.0.1:9"}
    assert project.setting(TAP, "api_url", environ) == "http://127.0.0.1:9/audience/v1"
    assert project.setting(TAP, "max_requests_per_second", environ) == 50


def test_an_array_variable_that_is_not_a_list_names_the_variable(tmp_path):
    project = project_with_child(tmp_path)
    with pytest.raises(ValueError, match="AUDIENCE_ACCOUNT_IDS must be a JSON array"):
        project.setting(TAP, "account_ids", {"TAP_BRIGHTCOVE_AUDIENCE_ACCOUNT_IDS": "{}"})


def test_a_label_set_on_a_parent_alone_is_shared_by_its_children(tmp_path):
    """Partitions of one tap load into one schema: one label for two plugins is a clash."""
    document = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    document["plugins"]["extractors"] += [
        {"name": "tap-apivideo--app", "inherit_from": "tap-apivideo"},
        {"name": "tap-apivideo--shop", "inherit_from": "tap-apivideo"},
    ]
    (tmp_path / "meltano.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    copy_plugin_definitions(tmp_path)
    project = MeltanoProject(tmp_path, "prod")

    assert shared_labels(project, "tap-apivideo", "project_id", {}) == {}
    on_parent = {"TAP_APIVIDEO_PROJECT_ID": "marketing"}
    assert shared_labels(project, "tap-apivideo", "project_id", on_parent) == {
        "marketing": ["tap-apivideo", "tap-apivideo--app", "tap-apivideo--shop"]
    }
    each = {
        **on_parent,
        "TAP_APIVIDEO__APP_PROJECT_ID": "app",
        "TAP_APIVIDEO__SHOP_PROJECT_ID": "shop",
    }
    assert shared_labels(project, "tap-apivideo", "project_id", each) == {}
