"""The taps' and the shared library's import structure: acyclic, each tap on its own.

Why: Interactivity's ``tap`` imported ``streams``, which imported ``client``,
and both imported ``tap`` back (for type hints, under ``TYPE_CHECKING``); the
shared layer's stream modules leaned on each other the same way. The rules now:

- no import circle anywhere in ``video_taps_common`` or a tap, counting every
  import statement (inside functions and ``if TYPE_CHECKING:`` blocks too, so a
  circle cannot hide there);
- ``video_taps_common`` imports no tap, and no tap imports another;
- every module imports first and alone, in an interpreter where nothing else of
  the family is loaded yet.

No network; the runtime check runs in one child interpreter.
(``tests/unit/test_emulator_imports.py`` holds the emulator to the same rules.)
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.support.import_graph import absolute_module, find_cycle

ROOT = Path(__file__).resolve().parents[2]
#: Each package of the family, by import name, and its folder.
PACKAGES = {
    "video_taps_common": ROOT / "video-taps-common" / "video_taps_common",
    **{folder.name: folder for folder in sorted(ROOT.glob("tap-*/tap_*")) if folder.is_dir()},
}
SHARED = "video_taps_common"


def _module_name(package: str, path: Path) -> str:
    parts = [package, *path.relative_to(PACKAGES[package]).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {
    _module_name(package, path): path
    for package, folder in PACKAGES.items()
    for path in sorted(folder.rglob("*.py"))
}


def _package_of(name: str) -> str:
    return name.split(".")[0]


def _edges(name: str) -> set[str]:
    """Every module of the family ``name`` imports, anywhere in the file.

    ``from package import x`` counts as importing the package (its
    ``__init__``) and, where ``x`` is a module, that module; a module's own
    package is already imported by then and adds no edge.
    """
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"), filename=str(MODULES[name]))
    own_packages = {".".join(name.split(".")[:i]) for i in range(1, len(name.split(".")))}
    edges: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = absolute_module(
                name, node, importer_is_package=MODULES[name].name == "__init__.py"
            )
            targets = [source, *(f"{source}.{alias.name}" for alias in node.names)]
        else:
            continue
        edges.update(target for target in targets if target in MODULES)
    return edges - own_packages - {name}


GRAPH = {name: _edges(name) for name in MODULES}


def test_every_package_of_the_family_is_found() -> None:
    assert set(PACKAGES) == {
        SHARED,
        "tap_apivideo",
        "tap_brightcove_audience",
        "tap_brightcove_interactivity",
        "tap_ibm_video",
    }
    assert f"{SHARED}.video_stream" in MODULES
    assert "tap_brightcove_interactivity.tap" in MODULES


def test_the_import_graph_has_no_cycle() -> None:
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_circle_hidden_under_type_checking_is_found(tmp_path: Path) -> None:
    """The check reads ``if TYPE_CHECKING:`` imports too (the circle that was Interactivity's)."""
    graph = {"a.tap": {"a.streams"}, "a.streams": {"a.client"}, "a.client": {"a.tap"}}
    assert find_cycle(graph) == ["a.client", "a.tap", "a.streams", "a.client"]
    source = (
        "import typing as t\nif t.TYPE_CHECKING:\n    from tap_ibm_video.tap import TapIbmVideo\n"
    )
    module = tmp_path / "probe.py"
    module.write_text(source)
    MODULES["tap_ibm_video.probe"] = module
    try:
        assert "tap_ibm_video.tap" in _edges("tap_ibm_video.probe")
    finally:
        del MODULES["tap_ibm_video.probe"]


def test_the_shared_library_imports_no_tap_and_no_tap_imports_another() -> None:
    crossings = [
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if _package_of(target) not in (SHARED, _package_of(name))
    ]
    assert crossings == []


_IMPORT_EACH_ALONE = """
import importlib, json, sys
packages = json.loads(sys.argv[1])
failed = {}
for name in json.loads(sys.argv[2]):
    for key in [k for k in sys.modules if k.split(".")[0] in packages]:
        del sys.modules[key]
    try:
        importlib.import_module(name)
    except Exception as error:
        failed[name] = repr(error)
print(json.dumps(failed))
"""


def test_each_module_imports_first_and_alone() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _IMPORT_EACH_ALONE,
            json.dumps(sorted(PACKAGES)),
            json.dumps(sorted(MODULES)),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {}
