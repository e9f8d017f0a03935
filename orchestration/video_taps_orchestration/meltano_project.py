"""The meltano project as meltano itself resolves it: plugins, settings, extras.

Nothing here re-implements meltano's settings precedence (the plugin's environment
variable, the environment's ``config``, the plugin's ``config``, the parent's, the
default): meltano answers, through two of its commands.

- ``meltano compile`` writes, in one process, every plugin of the project as meltano
  resolves it in the active environment, including ``env``: the variables meltano
  gives the plugin when it runs it (``TAP_X_ACCOUNT_IDS``, ``MELTANO_EXTRACT_...``,
  ``MELTANO_EXTRACT__LOAD_SCHEMA``), secrets redacted. One process for the whole
  project matters: every code-location load reads it, and a meltano process costs
  about 1.4 s of CPU.
- The manifest is portable, so meltano leaves ``$VAR`` references in values as
  written. A plugin with such a value is asked again with ``meltano config print
  <plugin> --format=json`` (and ``--extras``), which expands them as a run would.

Read only where this module needs no Dagster, so the tests' own venv can import it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "MeltanoError",
    "MeltanoProject",
    "Plugin",
    "env_var_name",
    "meltano_executable",
    "project_root",
    "read_project",
]

#: This repository (``orchestration/video_taps_orchestration/`` is two levels down).
REPOSITORY = Path(__file__).resolve().parents[2]
#: The prefix of the variables meltano sets for a plugin of each type, whatever its name.
GENERIC_PREFIX = {
    "extractors": "MELTANO_EXTRACT",
    "loaders": "MELTANO_LOAD",
    "utilities": "MELTANO_UTILIZE",
}
#: A reference to a variable, which ``meltano compile`` leaves unexpanded.
_REFERENCE = re.compile(r"\$\{?\w+")
#: meltano's own start-up dominates; more at once only queue on the CPUs.
_PARALLEL = 4
_TIMEOUT_S = 300


class MeltanoError(RuntimeError):
    """A meltano command failed, or the project lacks what the code location needs."""


def project_root() -> Path:
    """The meltano project: ``$MELTANO_PROJECT_ROOT``, else this repository."""
    configured = os.environ.get("MELTANO_PROJECT_ROOT")
    return Path(configured).resolve() if configured else REPOSITORY


def meltano_executable(root: Path, environ: Mapping[str, str] | None = None) -> str:
    """The meltano to run: ``$VIDEO_TAPS_MELTANO``, else the one ``make dev`` built.

    Looked for in order: ``$VIDEO_TAPS_MELTANO``; the project's ``.venv/bin/meltano``;
    this repository's ``.venv/bin/meltano`` (where ``make dev`` puts it, also when
    ``MELTANO_PROJECT_ROOT`` names another project); ``meltano`` on PATH. The Dagster
    venv has no meltano of its own (its pins clash), so when none exists the code
    location refuses to load, naming the variable, instead of every run failing.
    """
    environ = os.environ if environ is None else environ
    configured = environ.get("VIDEO_TAPS_MELTANO")
    if configured:
        return configured
    for candidate in (root / ".venv" / "bin" / "meltano", REPOSITORY / ".venv" / "bin" / "meltano"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("meltano", path=environ.get("PATH"))
    if found:
        return found
    msg = (
        f"no meltano executable: not in {root / '.venv/bin'}, not in "
        f"{REPOSITORY / '.venv/bin'} (run `make dev`), not on PATH; set VIDEO_TAPS_MELTANO "
        "to the meltano that runs this project"
    )
    raise MeltanoError(msg)


def env_var_name(plugin: str, setting: str) -> str:
    """The variable meltano reads ``setting`` of ``plugin`` from (``tap-x--eu``: ``TAP_X__EU_``)."""
    return re.sub(r"[^A-Za-z0-9]", "_", f"{plugin}_{setting}").upper()


@dataclass(frozen=True)
class Plugin:
    """One plugin as meltano resolves it in the active environment."""

    name: str
    plugin_type: str
    #: The plugin that declares the package (itself, unless it inherits).
    root: str
    #: The plugin it inherits from, if any.
    parent: str | None
    #: The executable of ``root`` (an inherited plugin runs its parent's).
    executable: str
    #: Its settings' values as meltano gives them (extras under ``_load_schema``...).
    values: Mapping[str, Any] = field(default_factory=dict)

    def setting(self, name: str) -> Any:
        """The setting's value, typed as meltano's JSON gives it (None when unset)."""
        return self.values.get(name)

    @property
    def load_schema(self) -> str | None:
        """The schema its tables land in (the ``load_schema`` extra)."""
        value = self.values.get("_load_schema")
        return str(value) if value else None


@dataclass(frozen=True)
class MeltanoProject:
    """A meltano project in one environment, as meltano resolved it."""

    root: Path
    environment: str
    meltano: str
    #: The plugins read: every extractor, and those asked for.
    plugins: Mapping[str, Plugin]
    #: The name of every plugin the project declares.
    declared: frozenset[str] = frozenset()

    def of_type(self, plugin_type: str) -> list[Plugin]:
        """Every plugin of one type (``extractors``, ``loaders``, ``utilities``), in order."""
        return [plugin for plugin in self.plugins.values() if plugin.plugin_type == plugin_type]

    def family(self, tap: str) -> list[Plugin]:
        """``tap`` and every extractor inheriting from it, in ``meltano.yml`` order."""
        return [p for p in self.of_type("extractors") if p.root == tap]

    def has(self, name: str) -> bool:
        """Whether the project declares a plugin of that name."""
        return name in self.declared


def _decode(value: str, expected: Any) -> Any:  # noqa: ANN401 - a setting of any kind
    """A variable's text as the JSON value meltano means (arrays and objects are JSON)."""
    if isinstance(expected, (list, dict)) or value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _values_from_env(plugin_type: str, env: Mapping[str, str]) -> dict[str, Any]:
    """Settings and extras from the variables meltano sets under the type's generic prefix."""
    prefix = GENERIC_PREFIX[plugin_type] + "_"
    values: dict[str, Any] = {}
    for key, text in env.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :].lower()  # "_load_schema" for the extra __LOAD_SCHEMA
        values[name] = _decode(text, None)
    return values


def _typed(values: Mapping[str, Any], settings: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Integers and booleans typed by the settings' declared kinds (the rest are already JSON)."""
    kinds = {entry.get("name"): entry.get("kind") for entry in settings}
    typed = dict(values)
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        kind = kinds.get(name)
        if kind == "integer":
            with contextlib.suppress(ValueError):
                typed[name] = int(value)
        elif kind == "boolean":
            typed[name] = value.lower() in {"true", "1", "yes", "on"}
    return typed


class _Meltano:
    """Runs meltano commands in the project, with the environment chosen."""

    def __init__(
        self, root: Path, environment: str | None, meltano: str, environ: Mapping[str, str]
    ):
        self.root, self.environment, self.meltano = root, environment, meltano
        self.environ = {**environ, "MELTANO_PROJECT_ROOT": str(root)}

    def __call__(self, *args: str) -> str:
        command = [self.meltano, "--log-level=warning"]
        if self.environment:
            command.append(f"--environment={self.environment}")
        command.extend(args)
        try:
            result = subprocess.run(  # noqa: S603 - our own command line
                command,
                cwd=self.root,
                env=self.environ,
                capture_output=True,
                text=True,
                timeout=_TIMEOUT_S,
                check=False,
            )
        except FileNotFoundError as error:
            msg = f"{self.meltano} does not exist; set VIDEO_TAPS_MELTANO to the project's meltano"
            raise MeltanoError(msg) from error
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip()[-2000:]
            command = " ".join(args)
            msg = f"`meltano {command}` failed in {self.root} (exit {result.returncode}):\n{tail}"
            raise MeltanoError(msg)
        return result.stdout


def read_project(
    root: Path | None = None,
    environment: str | None = None,
    meltano: str | None = None,
    environ: Mapping[str, str] | None = None,
    also: Sequence[str] = (),
) -> MeltanoProject:
    """Every extractor of the project (and the plugins ``also`` names), resolved by meltano.

    ``environment`` defaults to ``$MELTANO_ENVIRONMENT``, else the project's
    ``default_environment`` (as meltano chooses it). Plugins of other types are
    left out unless named in ``also`` (a loader's or dbt's settings, when needed).
    """
    environ = dict(os.environ if environ is None else environ)
    root = (root or project_root()).resolve()
    meltano = meltano or meltano_executable(root, environ)
    environment = environment or environ.get("MELTANO_ENVIRONMENT") or None
    run = _Meltano(root, environment, meltano, environ)
    with tempfile.TemporaryDirectory(prefix="meltano-compile-") as folder:
        run("compile", f"--directory={folder}", "--indent=-1")
        manifests = sorted(Path(folder).glob("meltano-manifest*.json"))
        document = _pick_manifest(manifests, environment)
    environment = environment or document.get("default_environment") or ""
    plugins: dict[str, Plugin] = {}
    declared: dict[str, Mapping[str, Any]] = {}
    for plugin_type, entries in (document.get("plugins") or {}).items():
        if plugin_type not in GENERIC_PREFIX:
            continue
        for entry in entries:
            declared[entry["name"]] = {**entry, "plugin_type": plugin_type}
    wanted = [
        name
        for name, entry in declared.items()
        if entry["plugin_type"] == "extractors" or name in also
    ]
    # Values meltano left as $VAR references: ask meltano to expand them, per plugin.
    unexpanded = [
        name
        for name, entry in ((name, declared[name]) for name in wanted)
        if any(_REFERENCE.search(text) for text in (entry.get("env") or {}).values())
    ]
    expanded = _expanded_values(
        run,
        unexpanded,
        extras={n for n in unexpanded if declared[n]["plugin_type"] == "extractors"},
    )
    for name in wanted:
        entry = declared[name]
        plugin_type = entry["plugin_type"]
        root_name = _root_of(declared, name)
        root_entry = declared[root_name]
        values = expanded.get(name) or _values_from_env(plugin_type, entry.get("env") or {})
        plugins[name] = Plugin(
            name=name,
            plugin_type=plugin_type,
            root=root_name,
            parent=entry.get("inherit_from"),
            executable=str(root_entry.get("executable") or root_name),
            values=_typed(values, root_entry.get("settings") or []),
        )
    return MeltanoProject(
        root=root,
        environment=environment,
        meltano=meltano,
        plugins=plugins,
        declared=frozenset(declared),
    )


def _pick_manifest(manifests: list[Path], environment: str | None) -> dict[str, Any]:
    """The manifest of ``environment``; without one, of the project's default environment.

    ``meltano compile`` without ``--environment`` writes one manifest per environment
    and one for none; meltano's own commands then use ``default_environment``.
    """
    by_name = {path.name: path for path in manifests}
    if environment is None and "meltano-manifest.json" in by_name:
        bare = json.loads(by_name["meltano-manifest.json"].read_text(encoding="utf-8"))
        environment = bare.get("default_environment")
        if not environment:
            return bare
    wanted = f"meltano-manifest.{environment}.json"
    if wanted in by_name:
        return json.loads(by_name[wanted].read_text(encoding="utf-8"))
    named = ", ".join(sorted(by_name)) or "no manifest"
    raise MeltanoError(f"`meltano compile` wrote {named}, not {wanted}")


def _root_of(declared: Mapping[str, Mapping[str, Any]], name: str) -> str:
    seen: set[str] = set()
    while declared[name].get("inherit_from"):
        if name in seen:
            raise MeltanoError(f"meltano.yml: inherit_from loops at {name!r}")
        seen.add(name)
        name = declared[name]["inherit_from"]
        if name not in declared:
            raise MeltanoError(
                f"meltano.yml: a plugin inherits from {name!r}, which is not declared"
            )
    return name


def _expanded_values(
    run: _Meltano, names: list[str], extras: set[str]
) -> dict[str, dict[str, Any]]:
    """``meltano config print`` of each plugin (and its extras, for those named), in parallel."""
    if not names:
        return {}
    calls = [(name, False) for name in names] + [(name, True) for name in names if name in extras]

    def config(call: tuple[str, bool]) -> dict[str, Any]:
        name, of_extras = call
        args = ["config", "print", name, "--format=json"] + (["--extras"] if of_extras else [])
        return json.loads(run(*args))

    with ThreadPoolExecutor(_PARALLEL) as pool:
        answers = list(pool.map(config, calls))
    values: dict[str, dict[str, Any]] = {name: {} for name in names}
    for (name, _extras), answer in zip(calls, answers, strict=True):
        values[name].update(answer)
    return values
