"""The Meltano plugin definitions and the READMEs' generated blocks, against the taps.

``scripts/plugin_definitions.py`` writes each tap's definition
(``plugins/extractors/<tap>--video-taps.lock``) and the generated blocks of its README
from the tap's ``--about`` and ``--discover``. Here: every committed file is what the
script makes now (so capabilities, settings and streams never drift from the code),
meltano itself resolves this repository's extractors from those files (no second copy
in meltano.yml), and no setting is declared with a kind Meltano cannot pass on from an
environment variable. That each setting really works from its variable is shown with
the real meltano in ``tests/e2e/test_community_meltano.py``.
"""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
import yaml
from meltano.core.plugin import PluginType
from meltano.core.project import Project

from tests.support.meltano import PROJECT_ROOT

_SPEC = importlib.util.spec_from_file_location(
    "plugin_definitions", PROJECT_ROOT / "scripts" / "plugin_definitions.py"
)
assert _SPEC is not None
assert _SPEC.loader is not None
generator = importlib.util.module_from_spec(_SPEC)
sys.modules["plugin_definitions"] = generator
_SPEC.loader.exec_module(generator)

TAPS = generator.TAPS
#: The kinds a value given as an environment variable reaches the tap intact with
#: (Meltano 4.4: JSON for arrays and objects, an int, a boolean, or the text itself).
#: Not ``decimal``: Meltano casts the variable to a Decimal and then cannot serialise it.
KINDS_SAFE_FROM_THE_ENVIRONMENT = {
    "string",
    "password",
    "date_iso8601",
    "options",
    "integer",
    "boolean",
    "array",
    "object",
}


@pytest.fixture(scope="module")
def taps():
    """What each installed tap reports (``--about`` JSON and Markdown, ``--discover``)."""
    return generator.read_taps()


@pytest.fixture(scope="module")
def rendered(taps):
    return generator.render(taps)


def definition(tap: str) -> dict:
    return json.loads(generator.lock_path(tap).read_text())


def test_every_generated_file_is_what_the_script_makes_from_the_taps_now(rendered):
    assert sorted(path.relative_to(PROJECT_ROOT).as_posix() for path in rendered) == sorted(
        [f"plugins/extractors/{tap}--video-taps.lock" for tap in TAPS]
        + [f"{tap}/README.md" for tap in TAPS]
    )
    stale = generator.stale(rendered)
    assert not stale, (
        "stale generated files (run .venv/bin/python scripts/plugin_definitions.py):\n"
        + "\n".join(stale)
    )


def test_a_stale_file_is_named_with_its_first_differing_line(rendered):
    path = generator.lock_path("tap-apivideo")
    committed = path.read_text()
    edited = committed.replace('"kind": "integer"', '"kind": "decimal"', 1)
    pairs = zip(edited.splitlines(), committed.splitlines(), strict=True)
    (line,) = [number for number, (was, now) in enumerate(pairs, 1) if was != now]

    message = generator.first_difference(edited, rendered[path])

    assert message.startswith(f"line {line}: committed ")
    assert '"kind": "decimal"' in message
    assert '"kind": "integer"' in message


@pytest.mark.parametrize("tap", TAPS)
def test_the_definition_declares_what_the_tap_reports_in_the_hubs_format(tap, taps):
    about = taps[tap].about
    document = definition(tap)
    properties = about["settings"]["properties"]

    assert document["name"] == document["executable"] == document["pip_url"] == tap
    assert document["namespace"] == tap.replace("-", "_")
    assert document["variant"] == generator.VARIANT
    for key in ("label", "description", "repo", "docs", "keywords", "maintenance_status"):
        assert document[key], key
    assert document["maintenance_status"] in {"active", "beta", "development", "inactive"}
    assert set(document["capabilities"]) == set(about["capabilities"])
    assert "structured-logging" in document["capabilities"]
    assert [s["name"] for s in document["settings"]] == list(properties)
    for setting in document["settings"]:
        schema = properties[setting["name"]]
        assert setting["sensitive"] is bool(schema.get("secret")), setting["name"]
        assert setting["description"] == schema.get("description", ""), setting["name"]
        assert setting.get("value") == schema.get("default"), setting["name"]
    required = set(about["settings"].get("required", []))
    for group in document["settings_group_validation"]:
        assert required <= set(group) <= set(properties)


@pytest.mark.parametrize("tap", TAPS)
def test_no_setting_has_a_kind_meltano_cannot_give_from_an_environment_variable(tap):
    kinds = {setting["name"]: setting["kind"] for setting in definition(tap)["settings"]}
    assert set(kinds.values()) <= KINDS_SAFE_FROM_THE_ENVIRONMENT, kinds
    for setting in definition(tap)["settings"]:
        if setting["sensitive"]:
            assert setting["kind"] == "password", setting["name"]


def test_a_setting_named_like_a_meltano_extra_alias_is_refused():
    """TAP_X_METADATA is also meltano's `metadata` extra: such a setting cannot be given."""
    with pytest.raises(generator.DefinitionError, match="'metadata'.*own extra `_metadata`"):
        generator.setting_definition("metadata", {"type": ["object", "null"]})


def test_a_number_setting_is_refused_with_the_reason():
    with pytest.raises(generator.DefinitionError, match="'poll'.*number.*milliseconds"):
        generator.setting_kind("poll", {"type": ["number", "null"]})
    assert generator.setting_kind("poll", {"type": ["integer", "null"]}) == "integer"
    assert generator.setting_kind("key", {"type": ["string"], "secret": True}) == "password"
    assert generator.setting_kind("d", {"type": ["string"], "format": "date-time"}) == (
        "date_iso8601"
    )


@pytest.mark.parametrize("tap", TAPS)
def test_meltano_resolves_each_extractor_of_this_project_from_its_definition_file(tap):
    """meltano.yml names the tap and its variant; meltano reads the rest from the lock file."""
    declared = {
        p["name"]: p
        for p in yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())["plugins"]["extractors"]
    }[tap]
    assert set(declared) <= {"name", "variant", "pip_url", "load_schema", "select", "config"}, (
        f"meltano.yml repeats {sorted(set(declared) - {'name', 'variant', 'pip_url'})} of "
        f"{tap}'s definition: it belongs in {generator.lock_path(tap).relative_to(PROJECT_ROOT)}"
    )
    document = definition(tap)

    plugin = Project(PROJECT_ROOT).plugins.find_plugin(tap, plugin_type=PluginType.EXTRACTORS)

    assert not plugin.is_custom()
    assert plugin.variant == generator.VARIANT
    assert plugin.namespace == document["namespace"]
    assert plugin.executable == tap
    assert plugin.capabilities == document["capabilities"]
    assert [(s.name, str(s.kind)) for s in plugin.all_settings] == [
        (s["name"], "string" if s["kind"] == "password" else s["kind"])
        for s in document["settings"]
    ]
    assert all(s.sensitive for s in plugin.all_settings if s.name in _secrets(document))
    assert plugin.settings_group_validation == document["settings_group_validation"]
    # This project installs the tap from its folders, not from PyPI.
    assert plugin.pip_url == declared["pip_url"] != document["pip_url"]


def _secrets(document: dict) -> set[str]:
    return {s["name"] for s in document["settings"] if s["sensitive"]}
