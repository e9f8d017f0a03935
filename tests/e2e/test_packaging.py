"""Packages a user can install and publish.

Every package in this repository (video-taps-common, each tap, the emulator)
is built into an sdist and a wheel exactly as the release workflow builds them
(``python -m build``: the sdist, then the wheel from it). The five published
ones must pass what PyPI and a careful publisher check (``twine check --strict``,
``check-wheel-contents``), carry one version from the family's git tag without
a local segment, and describe themselves fully (Python versions, project URLs,
a README whose links work on PyPI). No metadata may name a path of the machine
that built it; every package carries the Apache-2.0 LICENSE and declares
ordinary versioned dependencies. The tap is then installed into clean venvs the
ways a user does it -- offline from a wheelhouse alone (pip and uv), and from the
two repository folders -- and each install syncs the emulator's full ground truth.

``backoff`` gets a test of its own: singer-sdk depends on ``python-backoff``
(a fork with the same import name), and the original ``backoff`` installed
beside it silently overwrites the fork's files.
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from uv import find_uv_bin

from tests.support.meltano import PROJECT_ROOT
from tests.support.packaging import COMMON, PACKAGES, PUBLISHED, TAPS, Built
from tests.support.packaging import build as _build
from tests.support.packaging import built_version as _built_version
from tests.support.packaging import dist_stem as _dist_stem
from tests.support.pythons import CLAIMED
from tests.support.tap_syncs import assert_sync_lands_the_truth, user_env

TAP = "tap-brightcove-audience"

#: The repository's public home: every project URL points into it.
REPOSITORY = "https://github.com/video-taps/video-taps"

#: SHA-256 of the canonical Apache License 2.0 text (apache.org LICENSE-2.0.txt).
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"

#: Prefixes that only ever mean "a folder on the machine that built this".
MACHINE_PATH_MARKERS = sorted(
    {
        str(PROJECT_ROOT),
        str(Path.home()),
        tempfile.gettempdir(),
        "/work/",
        "/tmp/",  # noqa: S108 - looked for, not used
        "/home/",
        "/root/",
        "/Users/",
        "/opt/",
        "/var/",
        "file:/",
    }
)

#: A token that is an absolute path: /x, ~/x, C:\x or C:/x.
ABSOLUTE_PATH = re.compile(r"""(?:^|[\s"'=@(,;])(?:/[^/\s]|~/|[A-Za-z]:[\\/])""")

#: Facts about the importable ``backoff`` module, printed as JSON by whichever
#: interpreter runs this script (the project's .venv or a freshly made one).
BACKOFF_FACTS = r"""
import base64, hashlib, importlib.metadata as md, json, pathlib
import backoff

def canonical(name):
    return name.lower().replace("_", "-").replace(".", "-")

module_dir = pathlib.Path(backoff.__file__).resolve().parent
owners = {}
for dist in md.distributions():
    for file in dist.files or []:
        if file.parts[0] == "backoff" and file.suffix == ".py":
            owners.setdefault(file.as_posix(), set()).add(canonical(dist.metadata["Name"]))

fork = md.distribution("python-backoff")
stale = []
for file in fork.files or []:
    if file.parts[0] == "backoff" and file.hash is not None:
        data = pathlib.Path(fork.locate_file(file)).read_bytes()
        digest = hashlib.new(file.hash.mode, data).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != file.hash.value:
            stale.append(file.as_posix())

try:
    original = md.version("backoff")
except md.PackageNotFoundError:
    original = None

print(json.dumps({
    "module_version": getattr(backoff, "__version__", None),
    "fork_version": fork.version,
    "original_backoff": original,
    "module_is_the_forks": pathlib.Path(fork.locate_file("backoff/__init__.py")).resolve()
        == pathlib.Path(backoff.__file__).resolve(),
    "files_on_disk": sorted(
        p.relative_to(module_dir.parent).as_posix() for p in module_dir.rglob("*.py")
    ),
    "owners": {name: sorted(found) for name, found in owners.items()},
    "stale_files": stale,
}))
"""


def _dist_info(package: Built, member: str) -> str:
    return f"{_dist_stem(package.name, package.version)}.dist-info/{member}"


def _wheel_text(package: Built, member: str) -> str:
    with zipfile.ZipFile(package.wheel) as wheel:
        return wheel.read(_dist_info(package, member)).decode()


def _wheel_has(package: Built, member: str) -> bool:
    with zipfile.ZipFile(package.wheel) as wheel:
        return _dist_info(package, member) in wheel.namelist()


def _sdist_members(package: Built) -> list[str]:
    with tarfile.open(package.sdist) as sdist:
        return sdist.getnames()


def _sdist_text(package: Built, member: str) -> str:
    with tarfile.open(package.sdist) as sdist:
        extracted = sdist.extractfile(f"{_dist_stem(package.name, package.version)}/{member}")
        assert extracted is not None
        return extracted.read().decode()


def _headers(metadata: str) -> list[tuple[str, str]]:
    """The core-metadata fields (everything but the long description)."""
    return list(email.parser.HeaderParser().parsestr(metadata).items())


def _machine_paths(text: str) -> list[str]:
    return [marker for marker in MACHINE_PATH_MARKERS if marker.lower() in text.lower()]


def _requirements(metadata: str) -> list[Requirement]:
    return [Requirement(value) for key, value in _headers(metadata) if key == "Requires-Dist"]


@pytest.mark.parametrize("folder", PACKAGES)
def test_wheel_and_sdist_name_no_path_of_the_machine_that_built_them(built, folder):
    package = built[folder]
    metadata = _wheel_text(package, "METADATA")
    pkg_info = _sdist_text(package, "PKG-INFO")
    record = _wheel_text(package, "RECORD")
    texts = {
        "wheel METADATA": metadata,
        "wheel RECORD": record,
        "wheel WHEEL": _wheel_text(package, "WHEEL"),
        "sdist PKG-INFO": pkg_info,
        "sdist pyproject.toml": _sdist_text(package, "pyproject.toml"),
    }
    if _wheel_has(package, "entry_points.txt"):
        texts["wheel entry_points.txt"] = _wheel_text(package, "entry_points.txt")

    for where, text in texts.items():
        assert _machine_paths(text) == [], f"{where} names a machine path"
    for where, metadata_text in (("wheel METADATA", metadata), ("sdist PKG-INFO", pkg_info)):
        for key, value in _headers(metadata_text):
            assert "file:" not in value.lower(), f"{where} {key}: {value!r} is a file URL"
            assert not ABSOLUTE_PATH.search(value), f"{where} {key}: {value!r} is a path"
        for requirement in _requirements(metadata_text):
            assert requirement.url is None, f"{where} requires {requirement} by direct reference"
    # The sdist's own build must not resolve a path either (hatchling context
    # formatting such as {root:parent:uri} would, on whatever machine builds it).
    assert "{root" not in texts["sdist pyproject.toml"]
    assert "allow-direct-references" not in texts["sdist pyproject.toml"]

    # RECORD lists exactly the wheel's files, all relative, inside the wheel.
    with zipfile.ZipFile(package.wheel) as wheel:
        names = set(wheel.namelist())
    recorded = {line.split(",")[0] for line in record.splitlines() if line}
    assert recorded == names
    for name in recorded:
        path = PurePosixPath(name)
        assert not path.is_absolute()
        assert ".." not in path.parts
        assert not ABSOLUTE_PATH.search(name)

    root = _dist_stem(package.name, package.version)
    for member in _sdist_members(package):
        path = PurePosixPath(member)
        assert path.parts[0] == root, member
        assert ".." not in path.parts, member

    # Console scripts name module:attribute, exactly as pyproject.toml declares them.
    scripts = package.pyproject.get("scripts", {})
    if scripts:
        entry_points = texts["wheel entry_points.txt"]
        assert "[console_scripts]" in entry_points
        for script, target in scripts.items():
            assert f"{script} = {target}" in entry_points.splitlines()
    else:
        assert "console_scripts" not in texts.get("wheel entry_points.txt", "")

    # PKG-INFO and METADATA agree on what the package needs.
    assert sorted(map(str, _requirements(pkg_info))) == sorted(map(str, _requirements(metadata)))


def test_dependencies_are_ordinary_versioned_requirements(built):
    common_version = Version(built[COMMON].version)
    next_minor = Version(f"{common_version.major}.{common_version.minor + 1}.dev0")
    for tap in TAPS:
        tap_requires = {
            canonicalize_name(r.name): r for r in _requirements(_wheel_text(built[tap], "METADATA"))
        }
        on_common = tap_requires[COMMON]
        assert on_common.url is None
        assert on_common.specifier.contains(common_version, prereleases=True), (
            f"{tap} accepts this checkout's {COMMON} {common_version}"
        )
        assert not on_common.specifier.contains(next_minor, prereleases=True), (
            f"{tap} is bounded to a compatible {COMMON}"
        )

    for folder, package in built.items():
        requires = {r.name for r in _requirements(_wheel_text(package, "METADATA"))}
        assert "backoff" not in {canonicalize_name(n) for n in requires}, (
            f"{folder} requires the original backoff; singer-sdk uses python-backoff"
        )
    common_requires = {
        canonicalize_name(r.name): r for r in _requirements(_wheel_text(built[COMMON], "METADATA"))
    }
    # video_taps_common imports backoff itself, so it declares the SDK's fork.
    assert "python-backoff" in common_requires
    assert Version("2.2.2") in common_requires["python-backoff"].specifier


def _run_tool(*command: str | Path) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**user_env(), "NO_COLOR": "1"},
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 0, f"{command[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_the_five_published_packages_pass_twine_check_strict_and_check_wheel_contents(built):
    """What PyPI renders and accepts, and wheels holding exactly their package's modules."""
    artifacts = [path for name in PUBLISHED for path in (built[name].wheel, built[name].sdist)]
    checked = _run_tool(Path(sys.executable).parent / "twine", "check", "--strict", *artifacts)
    assert checked.count("PASSED") == len(artifacts), checked
    assert "WARNING" not in checked, checked

    for name in PUBLISHED:
        [module] = _wheel_packages(name)
        _run_tool(
            Path(sys.executable).parent / "check-wheel-contents",
            "--no-config",
            "--package",
            PROJECT_ROOT / name / module,
            "--toplevel",
            module,
            built[name].wheel,
        )


def _wheel_packages(folder: str) -> list[str]:
    pyproject = tomllib.loads((PROJECT_ROOT / folder / "pyproject.toml").read_text())
    return pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]


def test_the_five_carry_one_family_version_from_git_without_a_local_segment(built):
    """One version for the family, PEP 440, nothing PyPI refuses (no ``+g<hash>``)."""
    versions = {name: Version(built[name].version) for name in PUBLISHED}
    assert len(set(versions.values())) == 1, versions
    version = versions[COMMON]
    assert version.local is None, version
    assert str(version) == built[COMMON].version, "the version is in its normal form"
    for name in PUBLISHED:
        assert "version" in built[name].pyproject["dynamic"], f"{name} takes it from git"
        assert "version" not in built[name].pyproject
    # The emulator is never published, and says so to PyPI.
    emulator_headers = _headers(_wheel_text(built["emulator"], "METADATA"))
    assert ("Classifier", "Private :: Do Not Upload") in emulator_headers


PYTHON_VERSION_CLASSIFIER = re.compile(r"Programming Language :: Python :: 3\.\d+")
#: A link of a README into this repository, as PyPI shows it.
REPOSITORY_LINK = re.compile(rf"\]\(({re.escape(REPOSITORY)}/blob/main/[^)#]*)")
#: A Markdown link or image target that is not absolute: it would be broken on PyPI.
RELATIVE_LINK = re.compile(r"\]\((?!https?://|mailto:|#)[^)]*\)")


def test_the_five_describe_themselves_for_pypi(built):
    """Pythons, project URLs into the repository, a README whose links work on PyPI."""
    claimed = {f"Programming Language :: Python :: {version}" for version in CLAIMED}
    for name in PUBLISHED:
        metadata = _wheel_text(built[name], "METADATA")
        headers = _headers(metadata)
        fields = {key for key, _ in headers}
        assert {"Summary", "Keywords", "Requires-Python", "License-Expression"} <= fields
        assert ("Requires-Python", ">=3.11") in headers
        pythons = {
            value
            for key, value in headers
            if key == "Classifier" and PYTHON_VERSION_CLASSIFIER.fullmatch(value)
        }
        assert pythons == claimed, f"{name} classifies exactly the Pythons tested"

        urls = dict(value.split(", ", 1) for key, value in headers if key == "Project-URL")
        assert set(urls) == {"Homepage", "Documentation", "Issues", "Changelog"}
        assert urls["Homepage"] == REPOSITORY
        assert urls["Issues"] == f"{REPOSITORY}/issues"
        assert urls["Documentation"] == f"{REPOSITORY}/tree/main/{name}#readme"
        assert urls["Changelog"] == f"{REPOSITORY}/blob/main/{name}/CHANGELOG.md"
        assert (PROJECT_ROOT / name / "CHANGELOG.md").is_file()

        assert ("Description-Content-Type", "text/markdown") in headers
        description = email.parser.Parser().parsestr(metadata).get_payload()
        readme = (PROJECT_ROOT / name / "README.md").read_text()
        assert description.splitlines()[0] == readme.splitlines()[0] == f"# {name}"
        assert len(description) >= len(readme), "the whole README"
        assert RELATIVE_LINK.findall(description) == [], f"{name}'s README links relatively on PyPI"
        for link in REPOSITORY_LINK.findall(description):
            target = link.removeprefix(f"{REPOSITORY}/blob/main/")
            assert (PROJECT_ROOT / target).exists(), f"{name}'s README links to {target}, absent"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def test_the_version_comes_from_the_family_tag(tmp_path):
    """A clone with no tag, a release tag, the commits after it, a new minor's start.

    The packages are copied into a repository of their own, whose history this
    test writes: without any tag (a fresh clone in CI) they build as
    ``0.1.dev<N>``; at the tag ``v0.1.0`` as exactly ``0.1.0`` (what the release
    workflow uploads); after it as ``0.1.1.dev<N>``. A new minor starts as
    CONTRIBUTING.md ("Packages, Python versions and releases") says: the commit
    that raises every tap's range on video-taps-common is tagged ``v0.2.0.dev0``,
    and builds as ``0.2.0.dev0``, then ``0.2.0.dev<N>``. At every step the tap's
    range admits the video-taps-common of the same commit.
    """
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in PUBLISHED:
        files = _git(PROJECT_ROOT, "ls-files", "--cached", "--others", "--exclude-standard", name)
        for file in files.splitlines():
            if (PROJECT_ROOT / file).is_file():
                (repo / file).parent.mkdir(parents=True, exist_ok=True)
                (repo / file).write_bytes((PROJECT_ROOT / file).read_bytes())
    _git(repo, "init", "--quiet", "--initial-branch=main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "--quiet", "-m", "first")

    def versions(out: str, folders: tuple[str, ...], *, release: bool = False) -> dict[str, str]:
        """Wheels straight from the folders; a release's from its sdist, as the workflow builds."""
        _build(folders, repo, tmp_path / out, wheel_only=not release)
        return {name: _built_version(tmp_path / out, name, with_sdist=release) for name in folders}

    def tap_admits(version: str) -> bool:
        pyproject = tomllib.loads((repo / TAP / "pyproject.toml").read_text())["project"]
        [on_common] = [Requirement(r) for r in pyproject["dependencies"] if r.startswith(COMMON)]
        return on_common.specifier.contains(version, prereleases=True)

    untagged = versions("untagged", (COMMON, TAP))
    assert untagged == {COMMON: "0.1.dev1", TAP: "0.1.dev1"}
    assert tap_admits(untagged[COMMON])

    _git(repo, "tag", "v0.1.0")
    assert versions("release", (COMMON, TAP), release=True) == {COMMON: "0.1.0", TAP: "0.1.0"}
    assert tap_admits("0.1.0")

    _git(repo, "commit", "--quiet", "--allow-empty", "-m", "after the release")
    after = versions("after", (COMMON,))
    assert after == {COMMON: "0.1.1.dev1"}
    assert tap_admits(after[COMMON])

    tap_pyproject = repo / TAP / "pyproject.toml"
    current_range = '"video-taps-common>=0.1.dev0,<0.2"'
    assert current_range in tap_pyproject.read_text()
    tap_pyproject.write_text(
        tap_pyproject.read_text().replace(current_range, '"video-taps-common>=0.2.0.dev0,<0.3"')
    )
    _git(repo, "commit", "--quiet", "-am", "video-taps-common 0.2 changes what the taps use")
    _git(repo, "tag", "v0.2.0.dev0")
    assert versions("next-minor", (COMMON, TAP)) == {COMMON: "0.2.0.dev0", TAP: "0.2.0.dev0"}
    assert tap_admits("0.2.0.dev0")
    assert not tap_admits(after[COMMON]), "the new range refuses the old minor"
    _git(repo, "commit", "--quiet", "--allow-empty", "-m", "on the way to 0.2.0")
    assert versions("next-minor-after", (COMMON,)) == {COMMON: "0.2.0.dev1"}
    assert tap_admits("0.2.0.dev1")


@pytest.mark.parametrize("folder", PACKAGES)
def test_wheel_and_sdist_ship_the_apache_license(built, folder):
    package = built[folder]
    license_text = (PROJECT_ROOT / "LICENSE").read_bytes()
    assert hashlib.sha256(license_text).hexdigest() == APACHE_2_0_SHA256, "full canonical text"
    assert (PROJECT_ROOT / folder / "LICENSE").is_file(), f"{folder}/LICENSE exists"
    assert (PROJECT_ROOT / folder / "LICENSE").read_bytes() == license_text
    assert package.pyproject["license"] == "Apache-2.0"

    for metadata in (_wheel_text(package, "METADATA"), _sdist_text(package, "PKG-INFO")):
        headers = _headers(metadata)
        assert ("License-Expression", "Apache-2.0") in headers
        assert ("License-File", "LICENSE") in headers
    assert _wheel_text(package, "licenses/LICENSE").encode() == license_text
    assert _sdist_text(package, "LICENSE").encode() == license_text


def _backoff_facts(python: Path | str) -> dict:
    found = subprocess.run(
        [str(python), "-c", BACKOFF_FACTS],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(python).parent,  # nothing importable by accident from the working folder
    )
    return json.loads(found.stdout)


def _assert_backoff_is_the_sdk_fork(facts: dict) -> None:
    assert facts["module_version"] is not None, "backoff.__version__ exists"
    assert facts["module_version"] == facts["fork_version"]
    assert facts["original_backoff"] is None, "the original backoff is not installed"
    assert facts["module_is_the_forks"]
    assert facts["files_on_disk"], "backoff/*.py found"
    for file in facts["files_on_disk"]:
        assert facts["owners"].get(file) == ["python-backoff"], f"{file} belongs to the fork alone"
    assert facts["stale_files"] == [], "every backoff file on disk is the one python-backoff wrote"


def test_the_backoff_module_is_the_one_python_backoff_installed():
    """The project's own environment (`make dev`) holds the SDK's backoff, intact."""
    _assert_backoff_is_the_sdk_fork(_backoff_facts(sys.executable))


def _new_venv(path: Path) -> Path:
    """A clean venv with its own bundled pip, as a user makes one."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
    return path / "bin" / "python"


def _offline_env() -> dict[str, str]:
    """pip with no configuration and no route out: only what is passed to it counts."""
    env = {k: v for k, v in user_env().items() if not k.upper().startswith(("PIP_", "UV_"))}
    unreachable = "http://127.0.0.1:9"  # the discard port: any attempt to go online fails
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        HTTP_PROXY=unreachable,
        HTTPS_PROXY=unreachable,
        http_proxy=unreachable,
        https_proxy=unreachable,
    )
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    return env


def _pip(python: Path, *args: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"pip {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _assert_installed_from_the_venv(python: Path) -> None:
    """The tap and common import from the venv's site-packages, not this repository."""
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import tap_brightcove_audience, video_taps_common;"
            "print(tap_brightcove_audience.__file__); print(video_taps_common.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=user_env(),
        cwd=python.parent,
    )
    venv = python.parent.parent.resolve()
    for module_file in where.stdout.split():
        assert Path(module_file).resolve().is_relative_to(venv), module_file
        assert not Path(module_file).resolve().is_relative_to(PROJECT_ROOT), module_file


@pytest.mark.e2e
def test_the_tap_installs_offline_from_wheels_alone_and_syncs(built, emulator, tmp_path):
    """`pip install --no-index --find-links <wheelhouse> tap-brightcove-audience`, and uv's."""
    # The wheelhouse, made online: this repository's wheels plus every
    # third-party dependency as a wheel (pip takes the two local wheels as given).
    wheelhouse = tmp_path / "wheelhouse"
    _pip(
        Path(sys.executable),
        "wheel",
        "--quiet",
        "--wheel-dir",
        str(wheelhouse),
        str(built[TAP].wheel),
        str(built[COMMON].wheel),
        env=user_env(),
        cwd=tmp_path,
    )
    for folder in (TAP, COMMON):
        copied = wheelhouse / built[folder].wheel.name
        assert copied.read_bytes() == built[folder].wheel.read_bytes()
    assert not list(wheelhouse.glob("backoff-*")), "the original backoff is not pulled in"

    python = _new_venv(tmp_path / "venv")
    offline = _offline_env()
    _pip(
        python,
        "install",
        "--quiet",
        "--no-cache-dir",
        "--no-index",
        "--find-links",
        str(wheelhouse),
        TAP,
        env=offline,
        cwd=tmp_path,
    )
    _pip(python, "check", env=offline, cwd=tmp_path)
    installed = {
        canonicalize_name(p["name"]): p["version"]
        for p in json.loads(_pip(python, "list", "--format", "json", env=offline, cwd=tmp_path))
    }
    # Between tags video-taps-common is a development release (0.1.dev<N>):
    # the tap's `>=0.1.dev0` bound admits it, for pip as for uv below.
    assert installed[TAP] == built[TAP].version
    assert installed[COMMON] == built[COMMON].version
    _assert_installed_from_the_venv(python)
    _assert_backoff_is_the_sdk_fork(_backoff_facts(python))

    uv_venv = tmp_path / "uv-venv"
    subprocess.run([find_uv_bin(), "venv", "--quiet", str(uv_venv)], check=True, timeout=120)
    uv_install = subprocess.run(
        [
            find_uv_bin(),
            "pip",
            "install",
            "--python",
            str(uv_venv / "bin" / "python"),
            "--offline",
            "--no-index",
            "--find-links",
            str(wheelhouse),
            TAP,
        ],
        capture_output=True,
        text=True,
        env=offline,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert uv_install.returncode == 0, uv_install.stderr
    assert f"+ {COMMON}=={built[COMMON].version}" in uv_install.stderr

    assert_sync_lands_the_truth(python, TAP, emulator, tmp_path)


def _install_from_folders(tmp_path: Path, tap_folder: str) -> Path:
    """A fresh venv with `pip install ./video-taps-common ./<tap>`; its python."""
    python = _new_venv(tmp_path / "venv")
    _pip(
        python,
        "install",
        "--quiet",
        f"./{COMMON}",
        f"./{tap_folder}",
        env=user_env(),
        cwd=PROJECT_ROOT,
    )
    _pip(python, "check", env=user_env(), cwd=tmp_path)
    return python


def _installed_names(python: Path, tmp_path: Path) -> set[str]:
    installed = json.loads(_pip(python, "list", "--format", "json", env=user_env(), cwd=tmp_path))
    return {canonicalize_name(p["name"]) for p in installed}


@pytest.mark.e2e
def test_the_tap_installs_from_the_two_folders_with_pip_and_syncs(emulator, tmp_path):
    """The documented local form: `pip install ./video-taps-common ./tap-brightcove-audience`."""
    python = _install_from_folders(tmp_path, TAP)
    _assert_installed_from_the_venv(python)
    _assert_backoff_is_the_sdk_fork(_backoff_facts(python))

    assert_sync_lands_the_truth(python, TAP, emulator, tmp_path)


@pytest.mark.e2e
@pytest.mark.parametrize("tap", [tap for tap in TAPS if tap != TAP])
def test_each_other_tap_installs_from_its_two_folders_alone_and_syncs(tap, emulator, tmp_path):
    """`pip install ./video-taps-common ./<tap>`: no other tap comes with it."""
    python = _install_from_folders(tmp_path, tap)
    names = _installed_names(python, tmp_path)
    assert not (set(TAPS) - {tap}) & names, f"{tap} brings another tap along"
    if tap == "tap-brightcove-interactivity":
        assert "ijson" in names  # the JSON reports' streaming parser comes with the tap

    assert_sync_lands_the_truth(python, tap, emulator, tmp_path)
