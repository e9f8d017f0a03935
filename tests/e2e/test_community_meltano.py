"""The community path, end to end and offline: a new Meltano project adds each tap by its file.

What someone who found these taps does, with the real ``meltano`` CLI: ``meltano init`` a
project in an empty folder; for each tap ``meltano add --plugin-type extractor <tap>
--from-ref <its definition file>`` (the file the tap's README links,
``plugins/extractors/<tap>--video-taps.lock``); a loader declared as the repository's
README says when Meltano Hub is out of reach (this repository's ``target-jsonl`` block);
``meltano install``, which installs each tap by its PyPI name (the definition's
``pip_url``) from a wheelhouse built from this checkout (``UV_FIND_LINKS``: the taps are
not on PyPI yet, their dependencies come from the index); the settings given as the
READMEs tell production users, as environment variables; ``meltano run``.

- Every stream a tap selects by default lands with the emulator's row count, and no
  other (api.video's project is one of today's API, whose retired endpoints answer 404:
  the README's ``select`` keeps them out).
- Every setting of every tap given by its environment variable is resolved by meltano
  as given (``meltano config print``, ``meltano config list`` naming the variable) and a
  sync runs with all of them.
"""

from __future__ import annotations

import datetime
import gzip
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.meltano import MELTANO, PROJECT_ROOT, read_jsonl_output
from tests.support.packaging import PUBLISHED, TAPS, Built
from tests.support.registry import default_streams
from tests.support.tap_syncs import SYNCS
from video_api_emulator.process import EmulatorProcess

pytestmark = pytest.mark.e2e

VARIANT = "video-taps"
#: What the emulator serves for the syncs: each tap's sync needs (SYNCS) at once, and
#: api.video as today's API (the retired endpoints answer 404).
EMULATOR_SETTINGS = {
    **{key: value for sync in SYNCS.values() for key, value in sync.emulator_settings.items()},
    "apivideo_retired": True,
}
#: The README's select for tap-apivideo (tap-apivideo/README.md, "Streams"), as a variable.
APIVIDEO_SELECT = "TAP_APIVIDEO__SELECT"
#: How long a meltano command may take here (install: every tap's venv).
TIMEOUT_S = 600


def definition_file(tap: str) -> Path:
    return PROJECT_ROOT / "plugins" / "extractors" / f"{tap}--{VARIANT}.lock"


def env_var(plugin: str, setting: str) -> str:
    """The variable meltano reads ``setting`` of ``plugin`` from."""
    return re.sub(r"[^A-Za-z0-9]", "_", f"{plugin}_{setting}").upper()


def as_variable(value: Any) -> str:
    """A setting's value as its environment variable holds it (arrays and objects: JSON)."""
    if isinstance(value, list | dict | bool):
        return json.dumps(value)
    return str(value)


def users_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without anything of this repository's meltano project or settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MELTANO_", "TAP_", "TARGET_", "UV_FIND_LINKS", "PIP_FIND_LINKS"))
        and key not in {"PYTHONPATH", "VIRTUAL_ENV"}
    }
    env.update({"MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", "NO_COLOR": "1"})
    env.update(extra or {})
    return env


def user_meltano(
    project: Path, *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``meltano ARGS`` in the user's project folder."""
    done = subprocess.run(
        [str(MELTANO), *args],
        cwd=project,
        env=users_env(env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if check:
        assert done.returncode == 0, (
            f"meltano {' '.join(args)} failed ({done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
        )
    return done


def readme_exports(tap: str) -> set[str]:
    """The variables the tap's README tells a user to export (its first way to authenticate)."""
    text = (PROJECT_ROOT / tap / "README.md").read_text()
    block = text.split("<!-- generated: credentials", 1)[1].split("<!-- end generated", 1)[0]
    first_way = block.split("# or, the other way", 1)[0]
    return set(re.findall(r"^export (TAP_[A-Z0-9_]+)=", first_way, re.M))


@pytest.fixture(scope="module")
def wheelhouse(built: dict[str, Built], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five published packages' wheels, built from this checkout, in one folder."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    for package in PUBLISHED:
        shutil.copy2(built[package].wheel, folder)
    return folder


@pytest.fixture(scope="module")
def project(wheelhouse: Path, built: dict[str, Built], tmp_path_factory) -> Path:
    """A new Meltano project with every tap added from its definition file and installed."""
    home = tmp_path_factory.mktemp("community")
    user_meltano(home, "init", "analytics", "--no_usage_stats")
    project = home / "analytics"
    for tap in TAPS:
        added = user_meltano(
            project,
            "add",
            "--plugin-type",
            "extractor",
            tap,
            "--from-ref",
            str(definition_file(tap)),
            "--no-install",
        )
        assert f"Added extractor '{tap}'" in added.stdout + added.stderr
    # The loader: Meltano Hub would give it (`meltano add target-jsonl`); out of its
    # reach, the README says to copy the loader's block from this repository's meltano.yml.
    document = yaml.safe_load((project / "meltano.yml").read_text())
    ours = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    (jsonl,) = [p for p in ours["plugins"]["loaders"] if p["name"] == "target-jsonl"]
    document["plugins"]["loaders"] = [jsonl]
    (project / "meltano.yml").write_text(yaml.safe_dump(document, sort_keys=False))

    # meltano installs with uv, which finds the taps and video-taps-common among the
    # wheels (their dependencies on the index), as pip would with PIP_FIND_LINKS.
    found_links = {"UV_FIND_LINKS": str(wheelhouse), "PIP_FIND_LINKS": str(wheelhouse)}
    user_meltano(project, "install", env=found_links)
    for tap in TAPS:
        python = project / ".meltano" / "extractors" / tap / "venv" / "bin" / "python"
        versions = subprocess.run(
            [
                str(python),
                "-c",
                "import importlib.metadata as m, sys;"
                "print(m.version(sys.argv[1]), m.version('video-taps-common'))",
                tap,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            cwd=project,
        ).stdout.split()
        assert versions == [built[tap].version, built["video-taps-common"].version], tap
    return project


def declared_extractors(project: Path) -> dict[str, dict]:
    document = yaml.safe_load((project / "meltano.yml").read_text())
    return {plugin["name"]: plugin for plugin in document["plugins"]["extractors"]}


def test_meltano_add_from_ref_declares_each_tap_as_its_definition_says(project):
    extractors = declared_extractors(project)
    for tap in TAPS:
        definition = json.loads(definition_file(tap).read_text())
        added = extractors[tap]
        assert added["variant"] == VARIANT
        assert added["pip_url"] == tap  # by its PyPI name
        assert added["namespace"] == definition["namespace"]
        assert added["capabilities"] == definition["capabilities"]
        assert added["settings_group_validation"] == definition["settings_group_validation"]
        assert [s["name"] for s in added["settings"]] == [s["name"] for s in definition["settings"]]
        secrets = {s["name"] for s in definition["settings"] if s["sensitive"]}
        assert {s["name"] for s in added["settings"] if s.get("sensitive")} == secrets
    # --from-ref leaves out a definition's `select`: tap-apivideo/README.md tells users to
    # set it (if meltano starts keeping it, that paragraph of the README goes).
    assert "select" in json.loads(definition_file("tap-apivideo").read_text())
    assert "select" not in extractors["tap-apivideo"]


def users_settings(emulator: EmulatorProcess) -> dict[str, str]:
    """The settings of every tap's sync (SYNCS), as the READMEs say: environment variables."""
    env = {}
    for tap in TAPS:
        settings = SYNCS[tap].settings(emulator)
        assert readme_exports(tap) <= {env_var(tap, name) for name in settings}, (
            f"{tap}/README.md tells users to set {sorted(readme_exports(tap))}"
        )
        env.update({env_var(tap, name): as_variable(value) for name, value in settings.items()})
    select = json.loads(definition_file("tap-apivideo").read_text())["select"]
    env[APIVIDEO_SELECT] = json.dumps(select)
    return env


def test_every_tap_lands_every_stream_it_selects_by_default(project, emulator, tmp_path):
    emulator.reset(**EMULATOR_SETTINGS)
    out = tmp_path / "jsonl"
    env = {
        **users_settings(emulator),
        "TARGET_JSONL_DESTINATION_PATH": str(out),
        "TARGET_JSONL_DO_TIMESTAMP_FILE": "false",
    }
    expected = {
        stream: count for tap in TAPS for stream, count in SYNCS[tap].expected(emulator).items()
    }

    blocks = [block for tap in TAPS for block in (tap, "target-jsonl")]
    user_meltano(project, "run", *blocks, env=env)

    landed = {stream: len(rows) for stream, rows in read_jsonl_output(out).items()}
    defaults = {stream for tap in TAPS for stream in default_streams(tap)}
    assert set(expected) == defaults
    assert set(landed) <= defaults, f"not selected by default, yet synced: {set(landed) - defaults}"
    assert {stream: landed.get(stream, 0) for stream in defaults} == expected
    assert sum(expected.values()) > 0


# Every setting from its environment variable -------------------------------------------


def truth_records(emulator: EmulatorProcess, api: str, **query: Any) -> list[dict]:
    return emulator.truth(api, records=True, **query)["records"]


def every_setting(tap: str, emulator: EmulatorProcess, batches: Path) -> dict[str, Any]:
    """A value for every setting of ``tap``'s definition, each one a sync can run with.

    The filters keep every row the sync would read without them (all the emulator's
    players, content ids, media ids); the labels are new, so records show they arrived.
    """
    base = SYNCS[tap].settings(emulator)
    streams = default_streams(tap)
    common = {
        "stream_maps": {stream: {"settings_origin": "config['origin']"} for stream in streams},
        "stream_map_config": {"origin": "environment"},
        "faker_config": {"seed": 7, "locale": "en_US"},
        "flattening_enabled": True,
        "flattening_max_depth": 1,
        "flattening_max_key_length": 120,
        "flattening_separator": "__",
        "batch_config": {
            "encoding": {"format": "jsonl", "compression": "gzip"},
            "storage": {"root": f"file://{batches / tap}", "prefix": "from-env-"},
        },
    }
    today = emulator.horizon()["horizon"]
    if tap == "tap-brightcove-audience":
        players = {
            str(record["player_id"])
            for account in base["account_ids"]
            for stream in streams
            for record in truth_records(
                emulator, "brightcove_audience", account_id=account, stream=stream, from_=0
            )
            if record.get("player_id") is not None
        }
        own = {
            "end_date": today,
            "page_size": 50,
            "where": "player_id==" + ",".join(sorted(players)),
            "max_requests_per_second": 40,
            "lookback_minutes": 0,
            "max_concurrent_requests": 4,
            "request_timeout_seconds": 60,
        }
    elif tap == "tap-ibm-video":
        contents = sorted(
            {int(record["content_id"]) for record in truth_records(emulator, "ibm_video")}
        )
        own = {
            "account_id": "ibm-account-from-env",
            "content_types": ["live", "recorded"],
            "content_ids": contents,
            "lookback_hours": 1,
            "list_unfinished_segments": False,
            "page_size": 500,
            "request_timeout_seconds": 60,
            "max_concurrent_requests": 2,
        }
    elif tap == "tap-apivideo":
        own = {
            "project_id": "project-from-env",
            "end_date": today[:10],
            "dimensions": ["videoId", "emittedAt", "country"],
            "video_ids": [
                r["videoId"] for r in truth_records(emulator, "apivideo", stream="videos")
            ],
            "live_stream_ids": [
                r["liveStreamId"]
                for r in truth_records(emulator, "apivideo", stream="live_streams")
            ],
            "video_metadata": {"team": "analytics"},
            "page_size": 50,
            "request_timeout_seconds": 30,
            "max_concurrent_requests": 4,
        }
    else:
        own = {
            "api_key": "emulator-interactivity-key",
            "end_date": today[:10],
            "window_days": 30,
            "summary_grain": "window",
            "report_timeout_seconds": 300,
            "reports_per_hour": 1000,
            "reports_per_day": 1000,
            "report_row_limit": 500_000,
            "request_timeout_seconds": 60,
        }
    return {**base, **common, **own}


def configured_sources(listing: str) -> dict[str, str]:
    """``meltano config list``: each setting -> the variable its value comes from."""
    return dict(
        re.findall(
            r"^(\w+)(?: \(required[^)]*\))? \[env: [^\]]*\].*current value: .*"
            r"\(from the (\w+) variable in the environment\)",
            listing,
            re.M,
        )
    )


def same_value(given: Any, resolved: Any) -> bool:
    """Meltano's value equals the given one (a date may come back in another ISO spelling)."""
    if given == resolved:
        return True
    if isinstance(given, str) and isinstance(resolved, str):
        try:
            return datetime.datetime.fromisoformat(given) == datetime.datetime.fromisoformat(
                resolved
            )
        except ValueError:
            return False
    return False


def batch_records(stdout: str) -> tuple[dict[str, list[dict]], dict[str, set[str]]]:
    """The records of every BATCH message's files, and each SCHEMA's properties, by stream."""
    records: dict[str, list[dict]] = {}
    schemas: dict[str, set[str]] = {}
    for line in stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "SCHEMA":
            schemas[message["stream"]] = set(message["schema"]["properties"])
        elif message["type"] == "BATCH":
            assert message["encoding"] == {"format": "jsonl", "compression": "gzip"}
            for url in message["manifest"]:
                assert url.startswith("file://"), url
                with gzip.open(url.removeprefix("file://"), "rt") as batch:
                    records.setdefault(message["stream"], []).extend(map(json.loads, batch))
    return records, schemas


@pytest.mark.parametrize("tap", TAPS)
def test_every_setting_works_from_its_environment_variable(tap, project, emulator, tmp_path):
    emulator.reset(**EMULATOR_SETTINGS)
    definition = json.loads(definition_file(tap).read_text())
    names = [setting["name"] for setting in definition["settings"]]
    given = every_setting(tap, emulator, tmp_path / "batches")
    if tap == "tap-brightcove-interactivity":
        # Two ways to authenticate, exactly one at a time: meltano resolves both pairs,
        # the sync uses the key (the community-path test above syncs with client_id
        # and client_secret from their variables).
        both = {**given, "client_id": "emulator-client-id", "client_secret": "x"}
        both_env = {env_var(tap, name): as_variable(value) for name, value in both.items()}
        resolved = json.loads(
            user_meltano(
                project, "config", "--unsafe", "print", tap, "--format=json", env=both_env
            ).stdout
        )
        assert resolved["client_id"] == "emulator-client-id"
        assert resolved["client_secret"] == "x"
        given = {k: v for k, v in given.items() if k not in {"client_id", "client_secret"}}
        names = [name for name in names if name not in {"client_id", "client_secret"}]
    assert set(given) == set(names), f"no value given for {set(names) - set(given)}"
    env = {env_var(tap, name): as_variable(value) for name, value in given.items()}
    if tap == "tap-apivideo":  # today's API: the README's select (see the test above)
        env[APIVIDEO_SELECT] = json.dumps(json.loads(definition_file(tap).read_text())["select"])
    (tmp_path / "batches" / tap).mkdir(parents=True)

    printed = user_meltano(project, "config", "--unsafe", "print", tap, "--format=json", env=env)
    listed = user_meltano(project, "config", "list", tap, "--all", env=env)

    resolved = json.loads(printed.stdout)
    wrong = {
        name: (given[name], resolved.get(name))
        for name in names
        if not same_value(given[name], resolved.get(name))
    }
    assert not wrong, f"meltano resolved these otherwise than given: {wrong}"
    sources = configured_sources(listed.stdout)
    assert sources == {name: env_var(tap, name) for name in names}, listed.stdout[-3000:]

    synced = user_meltano(project, "invoke", tap, env=env)

    records, schemas = batch_records(synced.stdout)
    streams = set(default_streams(tap))
    assert set(records) == streams, f"streams with records: {sorted(records)}"
    assert all(records[stream] for stream in streams)
    # The stream maps (with stream_map_config) and flattening shape the SCHEMA messages.
    # (In BATCH mode the SDK writes the batch files' records unmapped.)
    for stream in streams:
        assert "settings_origin" in schemas[stream], stream
    if tap == "tap-ibm-video":
        assert "device_info__browser" in schemas["views"]
    labels = {"tap-ibm-video": "account_id", "tap-apivideo": "project_id"}
    if tap in labels:
        label = labels[tap]
        assert {row[label] for rows in records.values() for row in rows} == {given[label]}
    assert list((tmp_path / "batches" / tap).glob("from-env-*")), (
        "batch_config's storage root and prefix were not used"
    )
