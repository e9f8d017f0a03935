"""The contract with singer-sdk's private names: each exists as used, and one module uses them.

``video_taps_common.sdk_compat`` overrides a few private SDK methods because
the SDK offers no public hook in their place, and installs them on the
family's base tap and base stream. An SDK release that renames one of them,
changes its signature or stops calling it would silently switch the family's
behaviour off; these tests fail first, naming the hook.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest
import singer_sdk

from tap_apivideo.streams import STREAMS as APIVIDEO_STREAMS
from tap_brightcove_audience.streams import STREAMS as AUDIENCE_STREAMS
from tap_brightcove_interactivity.client import ReportStream
from tap_ibm_video.streams import STREAMS as IBM_STREAMS
from video_taps_common import VideoStream, sdk_compat
from video_taps_common.tap_base import VideoTap

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_DIRS = sorted(
    [*ROOT.glob("tap-*/tap_*"), ROOT / "video-taps-common" / "video_taps_common"]
)
COMPAT_MODULE = ROOT / "video-taps-common" / "video_taps_common" / "sdk_compat.py"

#: The issue's bound on private SDK names, all of them in ``sdk_compat``.
MAX_PRIVATE_NAMES = 5
#: Every override, by the private name it replaces.
OVERRIDES = {**sdk_compat.TAP_HOOKS, **sdk_compat.STREAM_HOOKS}


def _sdk_class(path: str) -> type:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _compat_override(name: str) -> object | None:
    return OVERRIDES.get(name)


@pytest.mark.parametrize(("owner", "name"), sdk_compat.PRIVATE_SDK_HOOKS)
def test_each_private_name_still_exists_in_the_sdk(owner: str, name: str) -> None:
    cls = _sdk_class(owner)
    if name == "_config":
        # An instance attribute: set by the SDK's constructor, read by the public ``config``.
        assert "self._config = " in inspect.getsource(cls.__init__)
        assert "self._config" in inspect.getsource(cls.config.fget)  # type: ignore[attr-defined]
        return
    assert callable(getattr(cls, name, None)), f"{owner}.{name} is gone"


@pytest.mark.parametrize(
    ("owner", "name"),
    [(o, n) for o, n in sdk_compat.PRIVATE_SDK_HOOKS if n != "_config"],
)
def test_each_override_has_the_sdk_signature(owner: str, name: str) -> None:
    sdk_signature = inspect.signature(getattr(_sdk_class(owner), name))
    override = _compat_override(name)
    assert override is not None, f"sdk_compat overrides no {name}"
    ours = inspect.signature(override)  # type: ignore[arg-type]
    assert [(p.name, p.kind) for p in ours.parameters.values()] == [
        (p.name, p.kind) for p in sdk_signature.parameters.values()
    ], f"{owner}.{name}{sdk_signature} no longer matches sdk_compat's {name}{ours}"


@pytest.mark.parametrize(
    ("caller", "call"),
    [
        ("singer_sdk.plugin_base.PluginBase.__init__", "self._validate_config("),
        ("singer_sdk.streams.core.Stream._write_record_message", "self._generate_record_messages("),
        ("singer_sdk.streams.core.Stream._sync_records", "self._increment_stream_state("),
        ("singer_sdk.streams.core.Stream.sync", "self._write_activate_version_message("),
    ],
)
def test_the_sdk_still_calls_each_hook(caller: str, call: str) -> None:
    owner, _, method = caller.rpartition(".")
    source = inspect.getsource(getattr(_sdk_class(owner), method))
    assert call in source, f"{caller} no longer calls {call}...): the override would do nothing"


def test_the_sdk_checks_the_config_once_the_file_and_the_environment_are_merged() -> None:
    """``validate_settings`` moves renamed settings: it must see every source of the config.

    Otherwise a new name given by its environment variable would replace an old
    name's different value from the file after the check, unrefused.
    """
    source = inspect.getsource(_sdk_class("singer_sdk.plugin_base.PluginBase").__init__)
    merged = source.index("self._env_var_config")
    kept = source.index("self._config = ")
    checked = source.index("self._validate_config(")
    assert merged < kept < checked, "the SDK now checks the config before it is whole"


@pytest.mark.parametrize(
    ("base", "hooks"), [(VideoTap, sdk_compat.TAP_HOOKS), (VideoStream, sdk_compat.STREAM_HOOKS)]
)
def test_each_override_is_installed_on_the_familys_base_class(base: type, hooks: dict) -> None:
    for name, hook in hooks.items():
        assert vars(base).get(name) is hook, f"{base.__name__}.{name} is not sdk_compat's"


@pytest.mark.parametrize(
    "stream_class",
    [*AUDIENCE_STREAMS, *IBM_STREAMS, *APIVIDEO_STREAMS, ReportStream],
    ids=lambda cls: cls.__name__,
)
def test_every_stream_of_the_taps_runs_the_overrides_unchanged(stream_class: type) -> None:
    """No stream class between a leaf and the base redefines a hook (it would bypass ours)."""
    for name, hook in sdk_compat.STREAM_HOOKS.items():
        assert getattr(stream_class, name) is hook, f"{stream_class.__name__}.{name}"


def _sdk_private_names() -> set[str]:
    """Every ``_name`` the SDK defines on its classes or sets on ``self``."""
    names: set[str] = set()
    for path in Path(singer_sdk.__file__).parent.rglob("*.py"):
        names.update(re.findall(r"self\.(_[a-z]\w*)", path.read_text()))
        names.update(re.findall(r"^[ \t]+def (_[a-z]\w*)\(", path.read_text(), re.MULTILINE))
    return names


def _private_sdk_uses(path: Path, sdk_names: set[str]) -> list[str]:
    """``file:line name`` for each private SDK name (attribute or module) the file uses."""
    tree = ast.parse(path.read_text())
    own = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("_")
        and node.name not in sdk_names
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in sdk_names and node.attr not in own:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.attr}")
        elif isinstance(node, ast.FunctionDef) and node.name in sdk_names:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} def {node.name}")
        elif isinstance(node, ast.ImportFrom) and _private_sdk_module(node.module):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} import {node.module}")
    return found


def _private_sdk_module(module: str | None) -> bool:
    parts = (module or "").split(".")
    return parts[0] == "singer_sdk" and any(part.startswith("_") for part in parts)


def test_no_module_but_sdk_compat_uses_a_private_sdk_name() -> None:
    sdk_names = _sdk_private_names()
    uses = [
        use
        for directory in PRODUCTION_DIRS
        for path in sorted(directory.rglob("*.py"))
        if path != COMPAT_MODULE
        for use in _private_sdk_uses(path, sdk_names)
    ]
    assert uses == [], "private singer-sdk names outside sdk_compat:\n" + "\n".join(uses)


def test_sdk_compat_stays_within_the_bound() -> None:
    names = {name for _, name in sdk_compat.PRIVATE_SDK_HOOKS}
    used = {
        use.rsplit(" ", 1)[-1] for use in _private_sdk_uses(COMPAT_MODULE, _sdk_private_names())
    }
    assert used <= names, f"sdk_compat uses private names it does not declare: {used - names}"
    assert len(names) <= MAX_PRIVATE_NAMES
