"""Packages a user can install and publish.

Every package in this repository (video-taps-common, each tap, the emulator)
is built into a wheel and an sdist exactly as a release would be.
Their metadata must name no path of the machine that built them, must carry
the Apache-2.0 LICENSE, and must declare ordinary versioned dependencies. The
tap is then installed into clean venvs the two ways a user does it -- offline
from a wheelhouse alone, and from the two repository folders -- and each
install syncs the emulator's full ground truth.

``backoff`` gets a test of its own: singer-sdk depends on ``python-backoff``
(a fork with the same import name), and the original ``backoff`` installed
beside it silently overwrites the fork's files.
"""

from __future__ import annotations

import datetime
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
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from uv import find_uv_bin

from tests.support.apivideo import DEFAULT_STREAMS as APIVIDEO_DEFAULT_STREAMS
from tests.support.apivideo import expected_rows as apivideo_rows
from tests.support.audience import ACCOUNTS, START_MS, STREAMS
from tests.support.ibm import STREAMS as IBM_STREAMS
from tests.support.interactivity import expected_row_count
from tests.support.meltano import PROJECT_ROOT
from tests.support.registry import all_streams
from video_api_emulator import truth

#: folder in this repository -> the distribution it builds.
PACKAGES = {
    "video-taps-common": "video-taps-common",
    "tap-brightcove-audience": "tap-brightcove-audience",
    "tap-ibm-video": "tap-ibm-video",
    "tap-apivideo": "tap-apivideo",
    "tap-brightcove-interactivity": "tap-brightcove-interactivity",
    "emulator": "video-api-emulator",
}
TAP = "tap-brightcove-audience"
COMMON = "video-taps-common"

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


@dataclass(frozen=True)
class Built:
    """One package's wheel and sdist, plus what its pyproject.toml declares."""

    folder: str
    name: str
    version: str
    wheel: Path
    sdist: Path
    pyproject: dict


def _project(folder: str) -> dict:
    return tomllib.loads((PROJECT_ROOT / folder / "pyproject.toml").read_text())["project"]


def _dist_stem(name: str, version: str) -> str:
    return f"{name.replace('-', '_')}-{version}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Built]:
    """Every package built as a release would be: the sdist, then the wheel from it."""
    out = tmp_path_factory.mktemp("dist")
    builds = {
        folder: subprocess.Popen(
            [find_uv_bin(), "build", "--quiet", "--out-dir", str(out), str(PROJECT_ROOT / folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for folder in PACKAGES
    }
    for folder, build in builds.items():
        output, _ = build.communicate(timeout=300)
        assert build.returncode == 0, f"building {folder} failed:\n{output}"

    found = {}
    for folder, name in PACKAGES.items():
        project = _project(folder)
        assert project["name"] == name
        stem = _dist_stem(name, project["version"])
        found[folder] = Built(
            folder=folder,
            name=name,
            version=project["version"],
            wheel=out / f"{stem}-py3-none-any.whl",
            sdist=out / f"{stem}.tar.gz",
            pyproject=project,
        )
        assert found[folder].wheel.is_file(), sorted(p.name for p in out.iterdir())
        assert found[folder].sdist.is_file(), sorted(p.name for p in out.iterdir())
    return found


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
    tap_requires = {
        canonicalize_name(r.name): r for r in _requirements(_wheel_text(built[TAP], "METADATA"))
    }

    on_common = tap_requires[COMMON]
    assert on_common.url is None
    assert common_version in on_common.specifier, "the tap accepts this repository's common"
    next_minor = Version(f"{common_version.major}.{common_version.minor + 1}")
    assert next_minor not in on_common.specifier, "the tap is bounded to a compatible common"

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


def _user_env() -> dict[str, str]:
    """This environment minus what would leak the repository into a venv."""
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}


def _offline_env() -> dict[str, str]:
    """pip with no configuration and no route out: only what is passed to it counts."""
    env = {k: v for k, v in _user_env().items() if not k.upper().startswith(("PIP_", "UV_"))}
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
        env=_user_env(),
        cwd=python.parent,
    )
    venv = python.parent.parent.resolve()
    for module_file in where.stdout.split():
        assert Path(module_file).resolve().is_relative_to(venv), module_file
        assert not Path(module_file).resolve().is_relative_to(PROJECT_ROOT), module_file


def _api_row_counts(emulator) -> dict[str, int]:
    return {
        stream: truth.audience_rows(emulator, stream, accounts=ACCOUNTS, since_ms=START_MS)
        for stream in STREAMS
    }


def _sync_counts(
    python: Path,
    emulator,
    workdir: Path,
    tap: str = TAP,
    settings: dict | None = None,
    streams: tuple[str, ...] = STREAMS,
) -> dict[str, int]:
    """Run the venv's tap executable against the emulator; RECORD messages per stream."""
    config = workdir / "config.json"
    config.write_text(
        json.dumps(
            settings
            or {
                "client_id": "emulator-client-id",
                "client_secret": "emulator-client-secret",
                "account_ids": ACCOUNTS,
                "start_date": "2026-01-01T00:00:00Z",
                "api_url": f"{emulator.url}/audience/v1",
                "oauth_url": f"{emulator.url}/oauth/v4/access_token",
            }
        )
    )
    sync = subprocess.run(
        [str(python.parent / tap), "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_user_env(),
        cwd=workdir,
    )
    assert sync.returncode == 0, f"the sync failed:\n{sync.stderr[-4000:]}"
    counts = dict.fromkeys(streams, 0)
    for line in sync.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            counts[message["stream"]] += 1
    return counts


@pytest.mark.e2e
def test_the_tap_installs_offline_from_wheels_alone_and_syncs(built, emulator, tmp_path):
    """`pip install --no-index --find-links <wheelhouse> tap-brightcove-audience`."""
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
        env=_user_env(),
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
    assert installed[TAP] == built[TAP].version
    assert installed[COMMON] == built[COMMON].version
    _assert_installed_from_the_venv(python)
    _assert_backoff_is_the_sdk_fork(_backoff_facts(python))

    assert _sync_counts(python, emulator, tmp_path) == _api_row_counts(emulator)


def _install_from_folders(tmp_path: Path, tap_folder: str) -> Path:
    """A fresh venv with `pip install ./video-taps-common ./<tap>`; its python."""
    python = _new_venv(tmp_path / "venv")
    _pip(
        python,
        "install",
        "--quiet",
        f"./{COMMON}",
        f"./{tap_folder}",
        env=_user_env(),
        cwd=PROJECT_ROOT,
    )
    _pip(python, "check", env=_user_env(), cwd=tmp_path)
    return python


@pytest.mark.e2e
def test_the_tap_installs_from_the_two_folders_with_pip_and_syncs(emulator, tmp_path):
    """The documented local form: `pip install ./video-taps-common ./tap-brightcove-audience`."""
    python = _install_from_folders(tmp_path, TAP)
    _assert_installed_from_the_venv(python)
    _assert_backoff_is_the_sdk_fork(_backoff_facts(python))

    assert _sync_counts(python, emulator, tmp_path) == _api_row_counts(emulator)


@pytest.mark.e2e
def test_tap_ibm_video_installs_from_its_two_folders_alone_and_syncs(emulator, tmp_path):
    """`pip install ./video-taps-common ./tap-ibm-video`: no other tap comes with it."""
    python = _install_from_folders(tmp_path, "tap-ibm-video")
    installed = json.loads(_pip(python, "list", "--format", "json", env=_user_env(), cwd=tmp_path))
    assert TAP not in {canonicalize_name(p["name"]) for p in installed}
    horizon = emulator.horizon()["horizon"]
    settings = {
        "client_id": "emulator-ibm-client-id",
        "client_secret": "emulator-ibm-client-secret",
        "start_date": "2026-01-01T00:00:00Z",
        "end_date": horizon,
        "window_hours": 24 * 7,
        "api_url": f"{emulator.url}/ibm-analytics/v1",
        "oauth_url": f"{emulator.url}/oauth2/token",
    }
    counts = _sync_counts(python, emulator, tmp_path, "tap-ibm-video", settings, IBM_STREAMS)
    start = "2026-01-01T00:00:00+00:00"
    assert counts == {
        stream: truth.ibm_rows(emulator, stream, start=start, end=horizon) for stream in IBM_STREAMS
    }


@pytest.mark.e2e
def test_tap_apivideo_installs_from_its_two_folders_alone_and_syncs(emulator, tmp_path):
    """`pip install ./video-taps-common ./tap-apivideo`: no other tap comes with it."""
    python = _install_from_folders(tmp_path, "tap-apivideo")
    installed = json.loads(_pip(python, "list", "--format", "json", env=_user_env(), cwd=tmp_path))
    assert {TAP, "tap-ibm-video"}.isdisjoint(canonicalize_name(p["name"]) for p in installed)
    emulator.reset(apivideo_rate_limit_per_minute=100_000)
    settings = {
        "api_key": "emulator-apivideo-key",
        "start_date": "2026-01-29T00:00:00Z",
        "api_url": f"{emulator.url}/apivideo",
    }
    # No catalog: the streams selected by default, each as the API holds it.
    streams = tuple(sorted(APIVIDEO_DEFAULT_STREAMS))
    counts = _sync_counts(python, emulator, tmp_path, "tap-apivideo", settings, streams)
    assert counts == {
        stream: apivideo_rows(emulator, stream, datetime.date(2026, 1, 29)) for stream in streams
    }


@pytest.mark.e2e
def test_tap_brightcove_interactivity_installs_from_its_two_folders_alone_and_syncs(
    emulator, tmp_path
):
    """`pip install ./video-taps-common ./tap-brightcove-interactivity`, nothing more."""
    tap = "tap-brightcove-interactivity"
    python = _install_from_folders(tmp_path, tap)
    installed = json.loads(_pip(python, "list", "--format", "json", env=_user_env(), cwd=tmp_path))
    names = {canonicalize_name(p["name"]) for p in installed}
    assert {TAP, "tap-ibm-video", "tap-apivideo"}.isdisjoint(names)
    assert "ijson" in names  # the JSON reports' streaming parser comes with the tap
    emulator.reset(
        interactivity_reports_per_minute=0,
        interactivity_reports_per_hour=0,
        interactivity_reports_per_day=0,
    )
    settings = {
        "client_id": "emulator-client-id",
        "client_secret": "emulator-client-secret",
        "account_ids": ACCOUNTS[:1],
        "start_date": "2026-01-25T00:00:00Z",
        "summary_days": 7,
        "report_format": "json",
        "poll_interval_seconds": 0.1,
        "reports_per_minute": 1000,
        "api_url": f"{emulator.url}/interactivity-reporting/api/reports/v2",
        "oauth_url": f"{emulator.url}/oauth/v4/access_token",
    }
    reports = all_streams(tap)
    counts = _sync_counts(python, emulator, tmp_path, tap, settings, reports)
    assert counts == {
        report: expected_row_count(
            emulator, report, accounts=ACCOUNTS[:1], start_day="2026-01-25", summary_days=7
        )
        for report in reports
    }
