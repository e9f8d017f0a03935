"""What the meltano project says: its extractors, and the settings partitions come from.

Why read ``meltano.yml`` here instead of asking ``meltano config``: every
Dagster process (webserver, daemon, and each run worker) loads the code
location, and a meltano process per extractor would add seconds to every
run's start. The settings this module needs are few (``account_ids``,
``start_date``) and resolved the way meltano resolves them, in its order:

1. the plugin's environment variable (``TAP_BRIGHTCOVE_AUDIENCE__EU_ACCOUNT_IDS``:
   the name upper-cased, every other character ``_``; arrays as JSON);
2. the active environment's ``config`` for the plugin in ``meltano.yml``;
3. the plugin's own ``config`` in ``meltano.yml``;
4. for an inherited plugin (``inherit_from``), the same steps for its parent;
5. the setting's default ``value``, from the plugin's definition (a tap of this
   repository: its lock file, ``plugins/extractors/<tap>--video-taps.lock``).

``${VAR}`` / ``$VAR`` in a value are expanded from the process environment, as
meltano does. Not read: a project ``.env`` file and ``meltano config set``
values stored in the system database (keep account lists in ``meltano.yml`` or
the environment when Dagster schedules the runs).
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MeltanoProject", "env_var_name", "project_root", "shared_labels"]

_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def project_root() -> Path:
    """The meltano project: ``$MELTANO_PROJECT_ROOT``, else this repository's root."""
    configured = os.environ.get("MELTANO_PROJECT_ROOT")
    if configured:
        return Path(configured).resolve()
    return Path(__file__).resolve().parents[2]


def env_var_name(plugin: str, setting: str) -> str:
    """The variable meltano reads ``setting`` of ``plugin`` from (``tap-x--eu``: ``TAP_X__EU_``)."""
    return re.sub(r"[^A-Za-z0-9]", "_", f"{plugin}_{setting}").upper()


def _expand(value: Any, environ: Mapping[str, str]) -> Any:
    """``$VAR`` and ``${VAR}`` in strings replaced from ``environ`` (unset: empty), like meltano."""
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: environ.get(m.group(1) or m.group(2), ""), value)
    if isinstance(value, list):
        return [_expand(item, environ) for item in value]
    return value


@dataclass(frozen=True)
class MeltanoProject:
    """A meltano project folder, read once, in one meltano environment."""

    root: Path
    environment: str | None = None

    @cached_property
    def document(self) -> dict[str, Any]:
        """``meltano.yml`` as data."""
        # libyaml's loader when PyYAML has it: every run worker loads the code
        # location, and the pure-Python loader takes about a second for meltano.yml.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load((self.root / "meltano.yml").read_text(encoding="utf-8"), Loader=loader)  # noqa: S506

    @cached_property
    def environment_name(self) -> str:
        """The environment runs use: the one given, ``$MELTANO_ENVIRONMENT``, else the default."""
        return (
            self.environment
            or os.environ.get("MELTANO_ENVIRONMENT")
            or self.document.get("default_environment")
            or "dev"
        )

    @cached_property
    def extractors(self) -> dict[str, dict[str, Any]]:
        """Every extractor declared in ``plugins.extractors``, by name."""
        return {p["name"]: p for p in self.document.get("plugins", {}).get("extractors", [])}

    def root_plugin(self, plugin: str) -> str:
        """The plugin ``plugin`` inherits from, followed to the one that declares the tap."""
        seen = set()
        while "inherit_from" in self.extractors[plugin]:
            if plugin in seen:
                raise ValueError(f"meltano.yml: inherit_from loops at extractor {plugin!r}")
            seen.add(plugin)
            plugin = self.extractors[plugin]["inherit_from"]
        return plugin

    def family(self, tap: str) -> list[str]:
        """``tap`` and every extractor inheriting from it, in ``meltano.yml`` order."""
        return [name for name in self.extractors if self.root_plugin(name) == tap]

    def _environment_config(self, plugin: str) -> dict[str, Any]:
        for environment in self.document.get("environments") or []:
            if environment.get("name") != self.environment_name:
                continue
            plugins = (environment.get("config") or {}).get("plugins") or {}
            for declared in plugins.get("extractors") or []:
                if declared.get("name") == plugin:
                    return declared.get("config") or {}
        return {}

    def setting(self, plugin: str, setting: str, environ: Mapping[str, str] | None = None) -> Any:
        """The value meltano would give ``setting`` of ``plugin`` (None when unset)."""
        environ = os.environ if environ is None else environ
        declared = self.extractors[plugin]
        raw = environ.get(env_var_name(plugin, setting))
        if raw is not None:
            return self._from_env(plugin, setting, raw)
        for config in (self._environment_config(plugin), declared.get("config") or {}):
            if setting in config:
                return _expand(config[setting], environ)
        if "inherit_from" in declared:
            return self.setting(declared["inherit_from"], setting, environ)
        definition = self.setting_definitions(plugin).get(setting, {})
        if "value" in definition:
            return _expand(definition["value"], environ)
        return None

    def setting_definitions(self, plugin: str) -> dict[str, dict[str, Any]]:
        """The setting definitions of the tap ``plugin`` is (or inherits from), by name.

        As meltano finds them: a plugin declared in full in ``meltano.yml`` (it names a
        ``namespace``) holds its own; a plugin naming a ``variant`` takes them from its
        lock file, ``plugins/extractors/<name>--<variant>.lock`` (this repository's taps:
        the definitions ``scripts/plugin_definitions.py`` generates), plus any declared
        beside it in ``meltano.yml``.
        """
        root = self.extractors[self.root_plugin(plugin)]
        settings: list[dict[str, Any]] = []
        if "namespace" not in root:
            settings = self._locked_definition(root).get("settings") or []
        merged = {entry["name"]: entry for entry in settings}
        merged.update({entry["name"]: entry for entry in root.get("settings") or []})
        return merged

    def _locked_definition(self, declared: Mapping[str, Any]) -> dict[str, Any]:
        name, variant = declared["name"], declared.get("variant")
        lock = self.root / "plugins" / "extractors" / f"{name}--{variant}.lock"
        if not lock.is_file():
            raise ValueError(
                f"meltano.yml: extractor {name!r} names neither a namespace nor a variant "
                f"with a lock file ({lock.relative_to(self.root)} is missing), so meltano "
                "cannot know its settings"
            )
        return json.loads(lock.read_text(encoding="utf-8"))

    def _kind(self, plugin: str, setting: str) -> str | None:
        return self.setting_definitions(plugin).get(setting, {}).get("kind")

    def _from_env(self, plugin: str, setting: str, raw: str) -> Any:
        """An environment variable's text as the setting's kind (arrays are JSON, as in meltano)."""
        if self._kind(plugin, setting) != "array":
            return raw
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            # meltano falls back to a Python literal (single quotes) the same way.
            try:
                value = ast.literal_eval(raw)
            except (ValueError, SyntaxError):
                value = None
        if not isinstance(value, list):
            raise ValueError(
                f"{env_var_name(plugin, setting)} must be a JSON array of strings, "
                f"e.g. '[\"6415818918001\"]', not {raw!r}"
            )
        return value


def shared_labels(
    project: MeltanoProject, tap: str, setting: str, environ: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """Each value of ``setting`` that more than one plugin of ``tap``'s family gets: its plugins.

    IBM's ``account_id`` and api.video's ``project_id`` label every row and lead
    every key: two plugins with one label write the same keys in one schema, and
    one's rows overwrite the other's. A plugin inherits its parent's label
    unless it sets its own, so a label set on the parent alone is such a clash.
    """
    plugins: dict[str, list[str]] = {}
    for plugin in project.family(tap):
        label = project.setting(plugin, setting, environ)
        if label not in (None, ""):
            plugins.setdefault(str(label), []).append(plugin)
    return {label: names for label, names in plugins.items() if len(names) > 1}
