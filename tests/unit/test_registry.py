"""Each tap's stream registry against every other place that names its streams.

A tap declares its streams once, in its ``streams.py`` (``STREAMS``, each selected by
default or not; Interactivity's is ``schemas.REPORTS``). The tests' stream sets and
expected rows derive from it (``tests/support/registry.py``, ``video_api_emulator.truth``),
as do the demo's. Everything that cannot derive from it is checked here, and a failure
names the place that lags: the tap's discovery, meltano.yml's ``select``, the READMEs'
stream tables, the emulator, the dbt sources.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from meltano.core.plugin.singer.catalog import (
    ListSelectedExecutor,
    MetadataExecutor,
    select_metadata_rules,
)

from tests.support.registry import PROJECT_ROOT, TAPS, declared_streams
from video_api_emulator import truth

TAP_NAMES = sorted(TAPS)
#: The settings a tap needs to be built for discovery (none is checked or used).
DISCOVERY_CONFIG = {
    "tap-brightcove-audience": {"client_id": "c", "client_secret": "s", "account_ids": ["1"]},
    "tap-ibm-video": {"client_id": "c", "client_secret": "s"},
    "tap-apivideo": {"api_key": "k"},
    "tap-brightcove-interactivity": {"client_id": "c", "client_secret": "s", "account_ids": ["1"]},
}
#: A backticked stream name, as the READMEs write them.
NAME = re.compile(r"`([a-z][a-z0-9_]*)`")


def registry(tap: str) -> dict[str, bool]:
    """The tap's streams -> selected by default, from its ``streams.py``."""
    declared = declared_streams(tap)
    assert declared, f"{TAPS[tap].streams_module} declares no stream"
    return declared


def discovered_catalog(tap: str) -> dict:
    """The catalog the tap discovers (``--discover``), built in this process."""
    tap_module = __import__(f"{TAPS[tap].package}.tap", fromlist=["*"])
    (tap_class,) = [
        value
        for value in vars(tap_module).values()
        if isinstance(value, type) and getattr(value, "name", None) == tap
    ]
    config = {"start_date": "2026-01-01", **DISCOVERY_CONFIG[tap]}
    return tap_class(config=config, validate_config=False, parse_env_config=False).catalog_dict


def differences(place: str, found: set[str], declared: set[str], fix: str) -> str:
    """What a lagging place lacks and has too many, and how to bring it in line."""
    return (
        f"{place} lags the registry: it lacks {sorted(declared - found)} and has "
        f"{sorted(found - declared)} too many. {fix}"
    )


# Discovery ----------------------------------------------------------------------------


@pytest.mark.parametrize("tap", TAP_NAMES)
def test_discovery_gives_the_registry_and_its_default_selection(tap):
    declared = registry(tap)
    catalog = discovered_catalog(tap)

    found = {entry["tap_stream_id"]: _selected_by_default(entry) for entry in catalog["streams"]}

    where = f"{tap}'s discover_streams ({TAPS[tap].name}/{TAPS[tap].package}/tap.py)"
    assert set(found) == set(declared), differences(
        where, set(found), set(declared), f"It must build every stream of {_module(tap)}."
    )
    assert found == declared, f"{where}: selected-by-default differs from {_module(tap)}"


def _selected_by_default(entry: dict) -> bool:
    (root,) = [m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == []]
    return bool(root.get("selected-by-default"))


# meltano.yml --------------------------------------------------------------------------


def meltano_project() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())


def project_select(tap: str) -> tuple[list[str] | None, str]:
    """The ``select`` meltano applies to ``tap`` in this project, and where it comes from.

    meltano.yml's own ``select`` if it has one, else the default of the plugin's
    definition (its lock file, ``plugins/extractors/<tap>--<variant>.lock``, generated
    by scripts/plugin_definitions.py), else none (meltano selects every stream).
    """
    (plugin,) = [p for p in meltano_project()["plugins"]["extractors"] if p["name"] == tap]
    if "select" in plugin:
        return plugin["select"], "meltano.yml's `select`"
    lock = PROJECT_ROOT / "plugins" / "extractors" / f"{tap}--{plugin['variant']}.lock"
    select = json.loads(lock.read_text()).get("select")
    return select, f"the `select` of {lock.relative_to(PROJECT_ROOT)}"


def streams_meltano_selects(tap: str, select: list[str] | None) -> set[str]:
    """The streams ``meltano run`` syncs with this ``select``: meltano's own rules, applied.

    As ``SingerTap.apply_catalog_rules`` does: every stream deselected, then the
    ``select`` patterns (Meltano's default ``*.*`` when there are none) applied to the
    catalog the tap discovers.
    """
    catalog = discovered_catalog(tap)
    rules = select_metadata_rules(["!*.*"]) + select_metadata_rules(select or ["*.*"])
    MetadataExecutor(rules).visit(catalog)
    listed = ListSelectedExecutor()
    listed.visit(catalog)
    return {node.key for node in listed.streams if node.selection}


@pytest.mark.parametrize("tap", TAP_NAMES)
def test_meltano_yml_selects_exactly_the_streams_the_tap_selects_by_default(tap):
    select, where = project_select(tap)
    defaults = {name for name, selected in registry(tap).items() if selected}

    selected = streams_meltano_selects(tap, select)

    assert selected == defaults, differences(
        f"{where} of {tap} ({select or 'none: every stream'})",
        selected,
        defaults,
        f"It must pick the streams {_module(tap)} marks selected by default (Meltano "
        "syncs every stream when `select` is absent; a definition's default is written "
        "by .venv/bin/python scripts/plugin_definitions.py).",
    )


@pytest.mark.parametrize("tap", TAP_NAMES)
def test_the_demo_environment_selects_every_stream(tap):
    """The demo loads every stream of every tap and checks each against the emulator."""
    (demo,) = [env for env in meltano_project()["environments"] if env["name"] == "demo"]
    (demo_plugin,) = [p for p in demo["config"]["plugins"]["extractors"] if p["name"] == tap]
    declared = set(registry(tap))

    selected = streams_meltano_selects(tap, demo_plugin.get("select", project_select(tap)[0]))

    assert selected == declared, differences(
        f"meltano.yml's demo environment's `select` of {tap}",
        selected,
        declared,
        "The demo loads every stream.",
    )


# The READMEs ----------------------------------------------------------------------------


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every table of a Markdown text: its rows (header first, rule dropped) of cells."""
    tables: list[list[list[str]]] = []
    rows: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not all(set(cell) <= {"-", ":"} for cell in cells):
                rows.append(cells)
        elif rows:
            tables.append(rows)
            rows = []
    return tables


@pytest.mark.parametrize("tap", TAP_NAMES)
def test_the_taps_readme_lists_every_stream_in_its_stream_table(tap):
    readme = TAPS[tap].folder / "README.md"
    declared = registry(tap)
    (table,) = [t for t in markdown_tables(readme.read_text()) if t[0][0] == "stream"]

    listed = {NAME.fullmatch(row[0])[1]: row for row in table[1:]}

    where = f"{readme.relative_to(PROJECT_ROOT)}'s stream table"
    assert set(listed) == set(declared), differences(
        where, set(listed), set(declared), "One row per stream."
    )
    if "selected by default" in table[0]:
        column = table[0].index("selected by default")
        marked = {name: row[column] == "yes" for name, row in listed.items()}
        assert marked == declared, f"{where}: `selected by default` differs from {_module(tap)}"
    else:
        assert all(declared.values()), f"{where} needs a `selected by default` column"


@pytest.mark.parametrize("tap", TAP_NAMES)
def test_the_root_readme_names_every_stream_of_the_tap(tap):
    readme = PROJECT_ROOT / "README.md"
    declared = registry(tap)
    (row,) = [
        row
        for table in markdown_tables(readme.read_text())
        for row in table
        if row[0].startswith(f"[`{tap}`]")
    ]
    cell = row[-1]
    default_part, _, other_part = cell.partition("not selected by default:")

    named = set(NAME.findall(cell))
    assert named == set(declared), differences(
        f"README.md's row of {tap}", named, set(declared), "The last cell names every stream."
    )
    not_default = set(NAME.findall(other_part))
    assert not_default == {name for name, selected in declared.items() if not selected}, (
        f"README.md's row of {tap}: the streams after 'not selected by default:' differ "
        f"from {_module(tap)}"
    )
    assert set(NAME.findall(default_part)) & not_default == set()


# The emulator ---------------------------------------------------------------------------


@pytest.mark.parametrize("tap", TAP_NAMES)
def test_the_emulator_serves_every_stream_and_no_other(tap):
    """Each stream has its route, data and truth in the emulator; each route a stream."""
    source = TAPS[tap].source
    served = set(truth.served_streams()[source])
    declared = set(registry(tap))

    missing = declared - served
    assert not missing, (
        f"emulator/video_api_emulator/apis/{source}/ serves no {sorted(missing)} of {tap}: add "
        "the route (and its name to the API's `streams`), its data and its truth there"
    )
    assert served == declared, (
        f"emulator/video_api_emulator/apis/{source}/ serves {sorted(served - declared)}, "
        f"which {_module(tap)} does not declare: a stream the tap lost, or a route too many"
    )


# The dbt sources -----------------------------------------------------------------------


def staging_folder(tap: str) -> Path:
    return PROJECT_ROOT / "transform" / "models" / "staging" / TAPS[tap].source


@pytest.mark.parametrize("tap", TAP_NAMES)
def test_the_dbt_sources_model_every_stream_or_say_why_not(tap):
    source = TAPS[tap].source
    sources_file = staging_folder(tap) / f"_{source}__sources.yml"
    where = sources_file.relative_to(PROJECT_ROOT)
    (dbt_source,) = yaml.safe_load(sources_file.read_text())["sources"]
    assert dbt_source["name"] == source, where
    tables = {table["name"]: table for table in dbt_source["tables"]}
    declared = set(registry(tap))
    # The project's convention: stream <s> is staged by stg_<prefix>__<s>.sql in the folder.
    modelled = {model.stem.split("__", 1)[1] for model in staging_folder(tap).glob("stg_*__*.sql")}

    assert set(tables) == declared, differences(
        where, set(tables), declared, "One source table per stream."
    )
    for name, table in sorted(tables.items()):
        why = (table.get("meta") or {}).get("not_modelled")
        if name in modelled:
            assert not why, f"{where}: `{name}` is modelled and marked not_modelled"
        else:
            assert str(why or "").strip(), (
                f"{where}: stream `{name}` of {tap} has no staging model "
                f"(stg_<prefix>__{name}.sql in {where.parent}) and no "
                "`meta: {not_modelled: <why>}`"
            )
    assert modelled <= declared, differences(
        f"the staging models of {where.parent}", modelled, declared, "A model reads a stream."
    )


def _module(tap: str) -> str:
    return TAPS[tap].streams_module
