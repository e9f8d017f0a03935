"""What the five published packages declare, read from their pyproject.toml and CHANGELOG.md.

The built artifacts are checked in ``tests/e2e/test_packaging.py``; this tier
catches the same drift without building: a classifier for a Python the pythons
tier does not run, a package that takes its version elsewhere than the family's
tag, a CHANGELOG out of the Keep a Changelog shape.
"""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.support.meltano import PROJECT_ROOT
from tests.support.pythons import CLAIMED

COMMON = "video-taps-common"
TAPS = ("tap-brightcove-audience", "tap-brightcove-interactivity", "tap-ibm-video", "tap-apivideo")
PUBLISHED = (COMMON, *TAPS)
REPOSITORY = "https://github.com/video-taps/video-taps"

#: ``## [1.2.3] - 2026-12-06``; the newest release may say ``unreleased`` until tagged.
RELEASE_HEADING = re.compile(r"## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2}|unreleased)")


def _pyproject(folder: str) -> dict:
    return tomllib.loads((PROJECT_ROOT / folder / "pyproject.toml").read_text())


@pytest.mark.parametrize("folder", PUBLISHED)
def test_the_package_claims_exactly_the_pythons_the_pythons_tier_runs(folder):
    project = _pyproject(folder)["project"]
    assert project["requires-python"] == ">=3.11"  # 3.10 reached its end of life in October 2026
    versions = [
        c.rsplit(" :: ", 1)[1]
        for c in project["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert versions == list(CLAIMED)
    assert "Programming Language :: Python :: 3 :: Only" in project["classifiers"]


@pytest.mark.parametrize("folder", PUBLISHED)
def test_the_package_takes_the_family_version_and_renders_its_readme_for_pypi(folder):
    pyproject = _pyproject(folder)
    project = pyproject["project"]
    assert project["name"] == folder
    assert set(project["dynamic"]) == {"version", "readme"}
    assert "hatch-vcs>=0.5" in pyproject["build-system"]["requires"]
    version = pyproject["tool"]["hatch"]["version"]
    assert version == {
        "source": "vcs",
        "raw-options": {"root": "..", "local_scheme": "no-local-version"},
    }
    readme = pyproject["tool"]["hatch"]["metadata"]["hooks"]["fancy-pypi-readme"]
    assert readme["fragments"] == [{"path": "README.md"}]
    assert [s["replacement"] for s in readme["substitutions"]] == [
        f"]({REPOSITORY}/blob/main/",
        rf"]({REPOSITORY}/blob/main/{folder}/\1)",
    ]
    assert project["urls"]["Homepage"] == REPOSITORY


@pytest.mark.parametrize("tap", TAPS)
def test_each_tap_requires_video_taps_common_by_a_compatible_range(tap):
    [on_common] = [
        Requirement(r) for r in _pyproject(tap)["project"]["dependencies"] if r.startswith(COMMON)
    ]
    assert on_common.url is None
    assert str(on_common.specifier) == "<0.2,>=0.1.dev0"
    # Development builds between tags, the release, and its patches; not the next minor.
    for admitted in ("0.1.dev0", "0.1.dev148", "0.1.0", "0.1.1.dev3", "0.1.9"):
        assert on_common.specifier.contains(Version(admitted), prereleases=True), admitted
    for refused in ("0.0.9", "0.2.0.dev1", "0.2.0"):
        assert not on_common.specifier.contains(Version(refused), prereleases=True), refused


def test_the_emulator_is_never_published():
    project = _pyproject("emulator")["project"]
    assert "Private :: Do Not Upload" in project["classifiers"]


@pytest.mark.parametrize("folder", PUBLISHED)
def test_the_changelog_keeps_a_changelog(folder):
    text = (PROJECT_ROOT / folder / "CHANGELOG.md").read_text()
    lines = text.splitlines()
    assert lines[0] == "# Changelog"
    assert "[Keep a Changelog](https://keepachangelog.com/en/1.1.0/)" in text
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[0] == "## [Unreleased]"
    releases = [RELEASE_HEADING.fullmatch(h) for h in headings[1:]]
    assert all(releases), headings
    versions = [Version(m.group(1)) for m in releases]
    assert versions == sorted(versions, reverse=True), "newest first"
    assert versions[-1] == Version("0.1.0"), "the first release's entry"
    assert all(m.group(2) != "unreleased" for m in releases[1:]), "only the newest is untagged"
    sections = {line for line in lines if line.startswith("### ")}
    kinds = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert sections <= {f"### {kind}" for kind in kinds}, sections
