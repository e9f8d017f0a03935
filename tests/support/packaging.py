"""The packages of this repository, built as the release workflow builds them.

``tests/e2e/conftest.py`` builds every package once per session (the ``built``
fixture): ``tests/e2e/test_packaging.py`` inspects and installs the artifacts, and
``tests/e2e/test_community_meltano.py`` installs the taps from the same wheels into a
new Meltano project.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import typing as t
from dataclasses import dataclass
from pathlib import Path

from tests.support.meltano import PROJECT_ROOT
from tests.support.tap_syncs import user_env

#: folder in this repository -> the distribution it builds.
PACKAGES = {
    "video-taps-common": "video-taps-common",
    "tap-brightcove-audience": "tap-brightcove-audience",
    "tap-ibm-video": "tap-ibm-video",
    "tap-apivideo": "tap-apivideo",
    "tap-brightcove-interactivity": "tap-brightcove-interactivity",
    "emulator": "video-api-emulator",
}
COMMON = "video-taps-common"
TAPS = ("tap-brightcove-audience", "tap-ibm-video", "tap-apivideo", "tap-brightcove-interactivity")
#: The five distributions published to PyPI (the emulator never is).
PUBLISHED = (COMMON, *TAPS)


@dataclass(frozen=True)
class Built:
    """One package's wheel and sdist, plus what its pyproject.toml declares."""

    folder: str
    name: str
    version: str
    wheel: Path
    sdist: Path
    pyproject: dict


def pyproject_project(folder: str) -> dict:
    """The ``[project]`` table of a folder's pyproject.toml."""
    return tomllib.loads((PROJECT_ROOT / folder / "pyproject.toml").read_text())["project"]


def dist_stem(name: str, version: str) -> str:
    """``name-version`` as wheel and sdist file names spell it."""
    return f"{name.replace('-', '_')}-{version}"


def build(folders: t.Iterable[str], root: Path, out: Path, *, wheel_only: bool = False) -> None:
    """`python -m build` each folder under ``root`` at once: the sdist, then the wheel from it.

    The release workflow builds the same way; ``--installer uv`` only makes the
    isolated build environments faster to set up. ``wheel_only``: the wheel
    straight from the folder.
    """
    only = ["--wheel"] if wheel_only else []
    builds = {
        folder: subprocess.Popen(
            [sys.executable, "-m", "build", *only, "--installer", "uv", "--outdir", str(out)],
            cwd=root / folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=user_env(),
        )
        for folder in folders
    }
    for folder, running in builds.items():
        output, _ = running.communicate(timeout=300)
        assert running.returncode == 0, f"building {folder} failed:\n{output}"


def built_version(out: Path, name: str, *, with_sdist: bool = True) -> str:
    """The version of the one wheel of ``name`` in ``out`` (its sdist must match)."""
    [wheel] = out.glob(f"{name.replace('-', '_')}-*-py3-none-any.whl")
    version = wheel.name.split("-")[1]
    if with_sdist:
        assert (out / f"{dist_stem(name, version)}.tar.gz").is_file(), sorted(os.listdir(out))
    return version


def build_all(out: Path) -> dict[str, Built]:
    """Every package built as a release would be, into ``out``: by folder."""
    build(PACKAGES, PROJECT_ROOT, out)
    found = {}
    for folder, name in PACKAGES.items():
        project = pyproject_project(folder)
        assert project["name"] == name
        version = built_version(out, name)
        stem = dist_stem(name, version)
        found[folder] = Built(
            folder=folder,
            name=name,
            version=version,
            wheel=out / f"{stem}-py3-none-any.whl",
            sdist=out / f"{stem}.tar.gz",
            pyproject=project,
        )
    return found
