"""Each tap's Meltano plugin definition and its README's generated blocks, from the tap itself.

    .venv/bin/python scripts/plugin_definitions.py           # write every file
    .venv/bin/python scripts/plugin_definitions.py --check   # exit 1 naming each stale file

What it writes, per tap:

- ``plugins/extractors/<tap>--video-taps.lock``: the plugin definition in Meltano Hub's
  format (``name``, ``namespace``, ``variant``, ``label``, ``description``, ``pip_url``,
  ``repo``, ``executable``, ``capabilities``, ``settings``, ``settings_group_validation``,
  ``keywords``, ``maintenance_status``...). One file serves two readers:
  ``meltano add --plugin-type extractor <tap> --from-ref <the file>`` in anyone's project,
  and this repository's ``meltano.yml``, whose extractors name only the plugin and its
  ``variant``: Meltano takes the definition of a plugin with a variant from this lock file
  (``plugins/<type>/<name>--<variant>.lock``, the file ``meltano add`` writes from the Hub).
- The generated blocks of ``<tap>/README.md``, between ``<!-- generated: <block> -->`` and
  ``<!-- end generated: <block> -->``: installing it, the credentials as environment
  variables, the capabilities and the settings table (``<tap> --about --format=markdown``),
  and the streams table (the tap's discovered catalog).

Everything a tap can say comes from the tap: its settings (types, secret flags, titles,
descriptions, defaults, required ones), capabilities and streams from ``--about`` and
``--discover``, its URLs from its ``pyproject.toml``. The few facts it cannot say are in
``FAMILY`` below. ``tests/unit/test_plugin_definitions.py`` fails when a committed file
differs from what this script makes now, naming the file and the first differing line.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: The taps' executables: beside the interpreter running this script (the project's .venv).
BIN = Path(sys.executable).parent

#: One variant name for the whole family, in every definition and in meltano.yml.
VARIANT = "video-taps"
#: Meltano Hub's maintenance statuses: active, beta, development, inactive, unknown. Beta:
#: maintained and tested, but before 1.0 a minor release may still change settings.
MAINTENANCE_STATUS = "beta"
#: Keywords every tap of the family shares (the Hub's search terms).
FAMILY_KEYWORDS = ("meltano_sdk", "video", "analytics")


@dataclass(frozen=True)
class Facts:
    """What a tap's code does not say about it: how Meltano Hub presents it."""

    #: The Hub's short name of the source.
    label: str
    #: One line on what the data is (the Hub's ``description``).
    description: str
    #: The vendor's documentation of the API (the Hub's ``domain_url``).
    domain_url: str
    keywords: tuple[str, ...]
    #: When there are several ways to authenticate: each way's settings. Meltano accepts
    #: a configuration when one group of ``settings_group_validation`` is complete; each
    #: group is one way plus the settings the tap requires.
    credentials: tuple[tuple[str, ...], ...] = ()
    #: An example value per required setting for the README's ``export`` lines.
    examples: tuple[tuple[str, str], ...] = ()


FAMILY: dict[str, Facts] = {
    "tap-brightcove-audience": Facts(
        label="Brightcove Audience",
        description="Brightcove Video Cloud view events and leads (Audience API)",
        domain_url="https://apis.support.brightcove.com/audience/getting-started/overview-audience-api.html",
        keywords=("brightcove", "video cloud", "audience"),
        examples=(("account_ids", "'[\"1234567890001\"]'"),),
    ),
    "tap-ibm-video": Facts(
        label="IBM Video Streaming",
        description="IBM Video Streaming analytics: view segments and viewers",
        domain_url="https://developers.video.ibm.com/analytics-api/",
        keywords=("ibm", "ibm video streaming", "ustream"),
    ),
    "tap-apivideo": Facts(
        label="api.video",
        description="api.video analytics: media, /data metrics, breakdowns and time series",
        domain_url="https://docs.api.video/reference",
        keywords=("api.video", "apivideo"),
    ),
    "tap-brightcove-interactivity": Facts(
        label="Brightcove Interactivity",
        description="Brightcove Interactivity engagement reports",
        domain_url="https://apis.support.brightcove.com/interactivity/accessing-reporting-endpoints.html",
        keywords=("brightcove", "interactivity", "hapyak"),
        credentials=(("client_id", "client_secret"), ("api_key",)),
        examples=(("account_ids", "'[\"1234567890001\"]'"),),
    ),
}
TAPS = tuple(FAMILY)


class DefinitionError(ValueError):
    """A setting the generator cannot declare so that Meltano passes it on intact."""


# What the tap says ---------------------------------------------------------------------


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


@dataclass(frozen=True)
class TapFacts:
    """What one tap reports about itself."""

    tap: str
    about: dict[str, Any]
    about_markdown: str
    catalog: dict[str, Any]
    urls: dict[str, str]


def read_tap(tap: str) -> TapFacts:
    """``--about`` (JSON and Markdown) and ``--discover`` of the installed tap, and its URLs."""
    executable = str(BIN / tap)
    with ThreadPoolExecutor(max_workers=3) as pool:
        about = pool.submit(_run, executable, "--about", "--format=json")
        markdown = pool.submit(_run, executable, "--about", "--format=markdown")
        # Discovery needs no settings: the taps build their catalogs offline.
        catalog = pool.submit(_run, executable, "--discover")
        project = tomllib.loads((ROOT / tap / "pyproject.toml").read_text())["project"]
        return TapFacts(
            tap,
            json.loads(about.result()),
            markdown.result(),
            json.loads(catalog.result()),
            project["urls"],
        )


def read_taps() -> dict[str, TapFacts]:
    """Every tap's facts, read concurrently (twelve short processes)."""
    with ThreadPoolExecutor(max_workers=len(TAPS)) as pool:
        return dict(zip(TAPS, pool.map(read_tap, TAPS), strict=True))


# The definition ------------------------------------------------------------------------


def _types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type", [])
    return ({declared} if isinstance(declared, str) else set(declared)) - {"null"}


def reserved_setting_names() -> set[str]:
    """Setting names whose variable Meltano reads as one of its own extractor extras.

    ``TAP_X_<ALIAS>`` of an extra's alias (``metadata`` for ``_metadata``, the catalog
    metadata rules) is that extra's variable too, so a tap setting of that name could
    not be given by its environment variable.
    """
    from meltano.core.plugin.singer.tap import SingerTap  # noqa: PLC0415 - only here

    return {alias for extra in SingerTap.EXTRA_SETTINGS for alias in extra.aliases or []}


def setting_kind(name: str, schema: dict[str, Any]) -> str:
    """The Meltano ``kind`` of a setting whose JSON schema (from ``--about``) is ``schema``.

    Each kind makes Meltano pass a value given as an environment variable as the type
    the tap validates: JSON for arrays and objects, ``true``/``false`` for booleans, an
    int for integers, the text itself for strings. A JSON ``number`` has no such kind in
    Meltano 4.4: ``decimal`` casts the variable's text to a ``Decimal``, which Meltano then
    fails to write into the tap's configuration (``Object of type Decimal is not JSON
    serializable``), and ``string`` would reach the tap as text, which it refuses. Such a
    setting is refused here; declare it an integer in a finer unit (milliseconds).
    """
    types = _types(schema)
    if schema.get("secret"):
        return "password"
    if types == {"string"}:
        if "enum" in schema:
            return "options"
        if schema.get("format") in {"date-time", "date"}:
            return "date_iso8601"
        return "string"
    simple = {"integer": "integer", "boolean": "boolean", "array": "array", "object": "object"}
    if len(types) == 1 and (kind := simple.get(next(iter(types)))):
        return kind
    raise DefinitionError(
        f"setting {name!r} has JSON type {sorted(types) or schema}, which no Meltano 4.4 kind "
        "passes on intact from an environment variable (a number: declare it an integer "
        "in a finer unit, e.g. milliseconds)"
    )


def setting_definition(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """One entry of the definition's ``settings``."""
    if name in reserved_setting_names():
        raise DefinitionError(
            f"setting {name!r}: Meltano reads its environment variable as its own extra "
            f"`_{name}`; name the setting otherwise"
        )
    kind = setting_kind(name, schema)
    entry: dict[str, Any] = {
        "name": name,
        "label": schema.get("title") or name.replace("_", " ").title(),
        "description": schema.get("description", ""),
        "kind": kind,
        "sensitive": bool(schema.get("secret")),
    }
    if "default" in schema and schema["default"] is not None:
        entry["value"] = schema["default"]
    if kind == "options":
        entry["options"] = [{"label": str(value), "value": value} for value in schema["enum"]]
    return entry


def settings_groups(facts: TapFacts) -> list[list[str]]:
    """``settings_group_validation``: the required settings, once per way to authenticate."""
    required = list(facts.about["settings"].get("required", []))
    ways = FAMILY[facts.tap].credentials or ((),)
    groups = [[*way, *(name for name in required if name not in way)] for way in ways]
    known = set(facts.about["settings"]["properties"])
    for group in groups:
        unknown = set(group) - known
        if unknown:
            raise DefinitionError(f"{facts.tap}: settings_group_validation names {unknown}")
    return groups


def root_metadata(entry: dict[str, Any]) -> dict[str, Any]:
    """The stream-level metadata of one catalog entry."""
    (root,) = [m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == []]
    return root


def default_select(facts: TapFacts) -> list[str] | None:
    """Meltano's ``select`` that gives the tap's own default selection, if it is not all.

    Meltano 4.4 selects every stream of a plugin without ``select``, whatever the tap's
    catalog marks selected by default; this pattern list deselects the others.
    """
    off = sorted(
        entry["tap_stream_id"]
        for entry in facts.catalog["streams"]
        if not root_metadata(entry).get("selected-by-default")
    )
    return ["*.*", *(f"!{stream}.*" for stream in off)] if off else None


def definition(facts: TapFacts) -> dict[str, Any]:
    """The tap's plugin definition in Meltano Hub's format (and a lock file's)."""
    tap, family = facts.tap, FAMILY[facts.tap]
    properties = facts.about["settings"]["properties"]
    document: dict[str, Any] = {
        "plugin_type": "extractors",
        "name": tap,
        "namespace": tap.replace("-", "_"),
        "variant": VARIANT,
        "label": family.label,
        "description": family.description,
        "docs": facts.urls["Documentation"],
        "repo": facts.urls["Homepage"],
        "domain_url": family.domain_url,
        "pip_url": tap,
        "executable": tap,
        "capabilities": sorted(facts.about["capabilities"]),
        "settings_group_validation": settings_groups(facts),
        "settings": [setting_definition(name, schema) for name, schema in properties.items()],
        "keywords": [*FAMILY_KEYWORDS, *family.keywords],
        "maintenance_status": MAINTENANCE_STATUS,
    }
    select = default_select(facts)
    if select:
        document["select"] = select
    return document


def lock_path(tap: str) -> Path:
    """Where Meltano reads the definition of ``tap`` of the family's variant."""
    return ROOT / "plugins" / "extractors" / f"{tap}--{VARIANT}.lock"


def definition_url(tap: str, repo: str) -> str:
    """The definition's raw URL on the repository's default branch (for ``--from-ref``)."""
    owner_name = repo.removeprefix("https://github.com/")
    relative = lock_path(tap).relative_to(ROOT).as_posix()
    return f"https://raw.githubusercontent.com/{owner_name}/main/{relative}"


def env_var(tap: str, setting: str) -> str:
    """The environment variable Meltano reads ``setting`` of plugin ``tap`` from."""
    return re.sub(r"[^A-Za-z0-9]", "_", f"{tap}_{setting}").upper()


# The README's blocks -----------------------------------------------------------------


def _markdown_section(markdown: str, heading: str) -> str:
    """The body of ``## heading`` in ``--about --format=markdown``'s output."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    if match is None:
        raise DefinitionError(f"--about --format=markdown has no '## {heading}' section")
    return match.group(1).strip()


def _example(tap: str, name: str, kind: str) -> str:
    examples = dict(FAMILY[tap].examples)
    if name in examples:
        return examples[name]
    if kind == "date_iso8601":
        return "2026-01-01"
    if kind == "array":
        return "'[\"...\"]'"
    return "..."


def install_block(facts: TapFacts) -> str:
    tap = facts.tap
    url = definition_url(tap, facts.urls["Homepage"])
    return "\n".join(
        [
            "```bash",
            f"pip install {tap}",
            "```",
            "",
            "In a Meltano project (Meltano Hub does not list it; the definition comes from",
            "this repository):",
            "",
            "```bash",
            f"meltano add --plugin-type extractor {tap} \\",
            f"  --from-ref {url}",
            "```",
        ]
    )


def credentials_block(facts: TapFacts) -> str:
    """``export`` lines for the first complete group of required settings."""
    tap = facts.tap
    kinds = {
        name: setting_kind(name, schema)
        for name, schema in facts.about["settings"]["properties"].items()
    }
    groups = settings_groups(facts)
    lines = ["```bash"]
    for number, group in enumerate(groups):
        if number:
            lines.append("# or, the other way to authenticate:")
        shown = group if number == 0 else [name for name in group if name not in groups[0]]
        lines.extend(
            f"export {env_var(tap, name)}={_example(tap, name, kinds[name])}" for name in shown
        )
    lines.append("```")
    return "\n".join(lines)


def capabilities_block(facts: TapFacts) -> str:
    return _markdown_section(facts.about_markdown, "Capabilities")


def settings_block(facts: TapFacts) -> str:
    return _markdown_section(facts.about_markdown, "Settings")


def _replication(entry: dict[str, Any]) -> tuple[str, str]:
    method = entry.get("replication_method") or (
        "INCREMENTAL" if entry.get("replication_key") else "FULL_TABLE"
    )
    key = entry.get("replication_key")
    return method.lower().replace("_", " "), f"`{key}`" if key else ""


def streams_block(facts: TapFacts) -> str:
    """One row per stream of the discovered catalog: keys, replication, default selection."""
    rows = [
        "| stream | primary key | replication | replication key | selected by default |",
        "| --- | --- | --- | --- | --- |",
    ]
    for entry in facts.catalog["streams"]:
        method, key = _replication(entry)
        keys = ", ".join(f"`{name}`" for name in entry.get("key_properties") or [])
        selected = "yes" if root_metadata(entry).get("selected-by-default") else "no"
        rows.append(f"| `{entry['tap_stream_id']}` | {keys} | {method} | {key} | {selected} |")
    return "\n".join(rows)


BLOCKS = {
    "install": install_block,
    "credentials": credentials_block,
    "capabilities": capabilities_block,
    "settings": settings_block,
    "streams": streams_block,
}


def start_marker(block: str) -> str:
    return f"<!-- generated: {block} (scripts/plugin_definitions.py) -->"


def end_marker(block: str) -> str:
    return f"<!-- end generated: {block} -->"


def fill_blocks(text: str, blocks: dict[str, str], where: str) -> str:
    """``text`` with each block's content between its markers replaced."""
    for block, content in blocks.items():
        start, end = start_marker(block), end_marker(block)
        pattern = re.compile(re.escape(start) + r"\n.*?" + re.escape(end), re.S)
        if len(pattern.findall(text)) != 1:
            raise DefinitionError(
                f"{where} must hold the block {block!r} once, between the lines {start!r} "
                f"and {end!r}"
            )
        replacement = f"{start}\n{content}\n{end}"
        text = pattern.sub(lambda _, filled=replacement: filled, text)
    return text


# Files ---------------------------------------------------------------------------------


def lock_text(document: dict[str, Any]) -> str:
    """The definition as Meltano writes a lock file: JSON, two-space indents."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render(taps: dict[str, TapFacts] | None = None) -> dict[Path, str]:
    """Every generated file's content as this script makes it now."""
    taps = read_taps() if taps is None else taps
    files: dict[Path, str] = {}
    for tap, facts in taps.items():
        files[lock_path(tap)] = lock_text(definition(facts))
        readme = ROOT / tap / "README.md"
        blocks = {block: make(facts) for block, make in BLOCKS.items()}
        files[readme] = fill_blocks(readme.read_text(), blocks, str(readme.relative_to(ROOT)))
    return files


def first_difference(committed: str, generated: str) -> str:
    """The first line where ``committed`` differs from ``generated``, both shown."""
    old, new = committed.splitlines(), generated.splitlines()
    for number, (was, now) in enumerate(zip(old, new, strict=False), start=1):
        if was != now:
            return f"line {number}: committed {was!r}, generated {now!r}"
    number = min(len(old), len(new)) + 1
    if len(old) > len(new):
        return f"line {number}: committed {old[number - 1]!r}, generated nothing"
    return f"line {number}: committed nothing, generated {new[number - 1]!r}"


def stale(files: dict[Path, str]) -> list[str]:
    """Each file whose committed content differs from ``files``: its path and first difference."""
    found = []
    for path, content in files.items():
        committed = path.read_text() if path.exists() else ""
        if committed != content:
            found.append(f"{path.relative_to(ROOT)}: {first_difference(committed, content)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    files = render()
    if args.check:
        problems = stale(files)
        for problem in problems:
            print(f"stale: {problem}", file=sys.stderr)
        if problems:
            print("run: .venv/bin/python scripts/plugin_definitions.py", file=sys.stderr)
        return 1 if problems else 0
    for path, content in files.items():
        if not path.exists() or path.read_text() != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
