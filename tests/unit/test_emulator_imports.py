"""The emulator package's import structure: layered, acyclic, no API reaching into another.

Why: ``server.py``, ``admin.py`` and the API packages once imported each other, the
circle hidden behind imports inside functions. The layers now are:

- foundation: ``core`` (the emulator object, stats, clock) and the shared helpers
  (``config``, ``data``, ``faults``, ``ratelimit``, ``tokens``, ``oauth_common``,
  ``brightcove_common``, ...) and ``admin``: none of them imports an API or the app;
- API units: each child of ``video_api_emulator.apis`` (a package or a module),
  importing only the foundation and its own modules, never another API unit;
- wiring: ``app`` (and ``__main__``, which runs it, and ``truth``, which reads what
  each API serves), the only modules that import every API.

The static check reads every import statement anywhere in a module (inside
functions and ``if TYPE_CHECKING:`` blocks too), so hiding an import in a function
does not hide a circle from it. The runtime check imports each module first, alone,
in an interpreter where no other module of the package is loaded yet, and lists
what that loaded. No emulator process, no network.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.import_graph import absolute_module, find_cycle

PACKAGE = "video_api_emulator"
PACKAGE_DIR = Path(__file__).resolve().parents[2] / "emulator" / PACKAGE
CORE = f"{PACKAGE}.core"
APP = f"{PACKAGE}.app"
APIS = f"{PACKAGE}.apis"
#: Modules allowed to import every API (they wire them into one application).
WIRING = {APP, f"{PACKAGE}.__main__", f"{PACKAGE}.truth"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Every module of the package, by dotted name, read from the source tree."""
    return {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _api_unit(name: str) -> str | None:
    """The API unit (``video_api_emulator.apis.<x>``) a module belongs to, if any."""
    parts = name.split(".")
    if len(parts) >= 3 and ".".join(parts[:2]) == APIS:
        return ".".join(parts[:3])
    return None


def _imports(name: str) -> Iterator[tuple[str, ast.stmt]]:
    """Each package module ``name`` imports, with the statement, wherever it is in the file."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"), filename=str(MODULES[name]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = absolute_module(name, node, importer_is_package=_is_package(name))
            # "from . import admin" imports the module admin; "from .x import y" imports x.
            targets = [source, *(f"{source}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            if target in MODULES:
                yield target, node


def _edges(name: str) -> set[str]:
    """What importing ``name`` executes: each imported module and its parent packages.

    A parent package the importer is itself inside is already imported by then, so
    it adds no edge (every submodule "imports" its own package).
    """
    own = set(_ancestors(name))
    edges: set[str] = set()
    for target, _node in _imports(name):
        edges.add(target)
        edges.update(a for a in _ancestors(target) if a not in own)
    edges.discard(name)
    return edges


GRAPH = {name: _edges(name) for name in MODULES}


def test_the_layers_exist() -> None:
    """The core, the app, and every API the app serves, found where this test looks."""
    assert CORE in MODULES
    assert APP in MODULES
    units = {_api_unit(m) for m in MODULES} - {None}
    assert units == {
        f"{APIS}.apivideo",
        f"{APIS}.brightcove_audience",
        f"{APIS}.brightcove_interactivity",
        f"{APIS}.brightcove_oauth",
        f"{APIS}.ibm_video",
    }
    # The app wires every API unit in.
    assert units <= GRAPH[APP]


def test_the_import_graph_has_no_cycle() -> None:
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_api_imports_another_api() -> None:
    """An API unit imports the foundation and its own modules, never another API."""
    crossings = [
        f"{name} imports {target}"
        for name in MODULES
        if (unit := _api_unit(name)) is not None
        for target in GRAPH[name]
        if _api_unit(target) not in (None, unit)
    ]
    assert crossings == []


def test_only_the_app_imports_the_apis() -> None:
    """The core, the shared helpers and the admin API see no vendor API and no app."""
    upward = [
        f"{name} imports {target}"
        for name in MODULES
        if name not in WIRING and _api_unit(name) is None
        for target in GRAPH[name]
        if target in WIRING or target == APIS or _api_unit(target) is not None
    ]
    assert upward == []


def test_the_apis_reach_the_emulator_through_the_core() -> None:
    """Every API unit takes the emulator object from the core, none from the app."""
    for unit in {_api_unit(m) for m in MODULES} - {None}:
        reached = set().union(*(GRAPH[m] for m in MODULES if _api_unit(m) == unit))
        assert CORE in reached, unit
        assert APP not in reached, unit


def test_package_modules_are_imported_at_module_level() -> None:
    """No import of a package module inside a function, class or ``if`` block.

    Such an import is what hid the circle; third-party imports are not checked.
    """
    hidden = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {(node.lineno, node.col_offset) for node in tree.body}
        hidden += [
            f"{name}:{node.lineno} imports {target}"
            for target, node in _imports(name)
            if (node.lineno, node.col_offset) not in top_level
        ]
    assert hidden == []


_IMPORT_EACH_ALONE = """
import importlib, json, sys
package = sys.argv[1]
loaded = {}
for name in json.loads(sys.argv[2]):
    for key in [k for k in sys.modules if k == package or k.startswith(package + ".")]:
        del sys.modules[key]
    importlib.import_module(name)
    loaded[name] = sorted(k for k in sys.modules if k == package or k.startswith(package + "."))
print(json.dumps(loaded))
"""


@pytest.fixture(scope="module")
def loaded_by() -> dict[str, list[str]]:
    """For each module: what importing it first, alone, loads of the package (one interpreter)."""
    names = sorted(MODULES)
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH_ALONE, PACKAGE, json.dumps(names)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_each_module_imports_first_and_alone(loaded_by: dict[str, list[str]]) -> None:
    assert sorted(loaded_by) == sorted(MODULES)
    for name, loaded in loaded_by.items():
        assert name in loaded


def test_importing_the_core_loads_no_api(loaded_by: dict[str, list[str]]) -> None:
    loaded = loaded_by[CORE]
    assert [m for m in loaded if m.startswith(APIS) or m in WIRING] == []


def test_importing_an_api_loads_no_other_api(loaded_by: dict[str, list[str]]) -> None:
    for name, loaded in loaded_by.items():
        unit = _api_unit(name)
        if unit is None:
            continue
        others = [m for m in loaded if _api_unit(m) not in (None, unit) or m in WIRING]
        assert others == [], name
