"""What the two import-structure tests share: resolving a relative import, finding a cycle.

``tests/unit/test_imports.py`` (the taps and ``video_taps_common``) and
``tests/unit/test_emulator_imports.py`` (the emulator) each build a graph of module
name -> the modules it imports, by their own rules; the graph's algorithms are here, once.
"""

from __future__ import annotations

import ast


def absolute_module(importer: str, node: ast.ImportFrom, *, importer_is_package: bool) -> str:
    """The absolute module name a ``from ... import`` in module ``importer`` names.

    A relative import counts from the importer's package: the importer itself when it
    is a package (its ``__init__.py``), else the package holding it.
    """
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    if not importer_is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in ``graph`` as a path that ends where it starts, or None.

    Depth-first from each node in name order, so the cycle reported is the same on
    every run.
    """
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for nxt in sorted(graph[node]):
            if nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in done and (found := visit(nxt)):
                return found
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done and (found := visit(start)):
            return found
    return None
