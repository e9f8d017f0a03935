"""The CPython versions the five packages claim, and where this machine has each one.

``CLAIMED`` is the one list: the pythons tier (``tests/pythons/``) installs every
tap from its wheel into a venv of each of them, and the packages' classifiers
name exactly these (``tests/unit/test_package_metadata.py``). 3.10 reached its
end of life in October 2026, so ``requires-python`` stays ``>=3.11``. 3.14 runs in
the GitHub workflow's matrix only (these machines have no 3.14): it joins
``CLAIMED`` and the classifiers once it has passed there.

``VIDEO_TAPS_PYTHONS`` (interpreters separated by spaces: paths or commands on
PATH) replaces the interpreters found; the workflow gives the one its matrix
leg installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from uv import find_uv_bin

CLAIMED = ("3.11", "3.12", "3.13")

#: Where pyenv keeps its interpreters (PYENV_ROOT, else ~/.pyenv).
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


@dataclass(frozen=True)
class Interpreter:
    """A CPython to install the taps into: its ``X.Y`` and executable (None: not found)."""

    version: str
    executable: str | None
    #: Why it was not found, and how to provide it.
    missing: str = ""


def _patch_key(folder: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in folder.name.split("."))


def find(version: str) -> Interpreter:
    """CPython ``version`` (``X.Y``): pyenv's newest ``X.Y.Z``, ``pythonX.Y`` on PATH, or uv's."""
    pattern = re.compile(rf"{re.escape(version)}\.\d+")
    candidates = (
        sorted(
            (p for p in PYENV_VERSIONS.iterdir() if pattern.fullmatch(p.name)),
            key=_patch_key,
            reverse=True,
        )
        if PYENV_VERSIONS.is_dir()
        else []
    )
    for folder in candidates:
        executable = folder / "bin" / f"python{version}"
        if executable.is_file():
            return Interpreter(version, str(executable))
    on_path = shutil.which(f"python{version}")
    if on_path:
        return Interpreter(version, on_path)
    by_uv = subprocess.run(
        [find_uv_bin(), "python", "find", "--no-project", f"cpython@{version}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if by_uv.returncode == 0:
        return Interpreter(version, by_uv.stdout.strip())
    return Interpreter(
        version,
        None,
        f"CPython {version} is not under {PYENV_VERSIONS}, not on PATH as python{version} and "
        f"not known to uv: install it (`uv python install {version}` or `pyenv install "
        f"{version}`) or name the interpreters to test in VIDEO_TAPS_PYTHONS",
    )


def version_of(executable: str) -> str:
    """The ``X.Y`` of an interpreter, asked from the interpreter itself."""
    answer = subprocess.run(
        [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return answer.stdout.strip()


def interpreters() -> list[Interpreter]:
    """The interpreters to test: ``VIDEO_TAPS_PYTHONS`` if set, else every ``CLAIMED`` one."""
    named = os.environ.get("VIDEO_TAPS_PYTHONS", "").split()
    if named:
        found = []
        for name in named:
            executable = shutil.which(name) or name
            found.append(Interpreter(version_of(executable), executable))
        return found
    return [find(version) for version in CLAIMED]
