"""Each Dagster run has a ``.meltano/run`` of its own, yet reuses the catalog an earlier run cached.

``meltano_folders.py`` gives every ``meltano run`` its own ``run/`` folder (two runs
of one plugin at once would overwrite each other's catalog there), which would make
meltano discover the tap's catalog again in every run. Runs instead leave meltano's
cached catalog for the next one and find it there; meltano itself still compares
the cache key with the run's settings. Real meltano, the repository's project.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestration.video_taps_orchestration.meltano_folders import (
    catalog_cache,
    keep_catalog,
    private_sys_dir,
    seed_catalog,
)
from tests.support.meltano import MELTANO, PROJECT_ROOT, meltano_install

pytestmark = pytest.mark.e2e

TAP = "tap-brightcove-audience"
CACHED = "Using cached catalog file"


def dump_catalog(shared: Path, database: Path, **settings: str) -> tuple[bool, dict]:
    """One run's ``meltano invoke --dump=catalog``: whether meltano used a cached catalog."""
    with private_sys_dir(shared) as private:
        seed_catalog(shared, private, TAP, TAP)
        result = subprocess.run(
            [str(MELTANO), "--log-level=debug", "--environment=demo", "invoke",
             "--dump=catalog", TAP],
            cwd=PROJECT_ROOT,
            env={**os.environ, **settings, "MELTANO_PROJECT_ROOT": str(PROJECT_ROOT),
                 "MELTANO_SYS_DIR_ROOT": str(private),
                 "MELTANO_DATABASE_URI": f"sqlite:///{database}"},
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        keep_catalog(shared, private, TAP, TAP)
    return CACHED in result.stderr, json.loads(result.stdout)


def test_a_run_uses_the_catalog_an_earlier_run_cached_unless_its_settings_or_install_differ(
    tmp_path,
):
    meltano_install()
    shared = tmp_path / "shared"
    shared.mkdir()
    # The installed plugins are the repository's, but this tap's venv folder is this
    # test's (its files linked), so the test can stand for a new install of it; the
    # catalogs runs share are this test's.
    installed = PROJECT_ROOT / ".meltano"
    for entry in installed.iterdir():
        if entry.name not in ("run", "video-taps-catalogs", "video-taps-locks", "extractors"):
            (shared / entry.name).symlink_to(entry)
    for plugin in (installed / "extractors").iterdir():
        (shared / "extractors" / plugin.name).mkdir(parents=True)
        for entry in (plugin / "venv").iterdir() if (plugin / "venv").is_dir() else ():
            venv = shared / "extractors" / plugin.name / "venv"
            venv.mkdir(exist_ok=True)
            if entry.name == ".meltano_plugin_fingerprint":
                shutil.copy2(entry, venv / entry.name)
            else:
                (venv / entry.name).symlink_to(entry)
    database = tmp_path / "meltano.db"

    first_cached, first = dump_catalog(shared, database)
    assert not first_cached
    assert catalog_cache(shared, TAP).exists()

    second_cached, second = dump_catalog(shared, database)
    assert second_cached
    assert second == first

    # Another install of the tap (meltano rewrites the fingerprint when it installs):
    # its streams may differ, so nothing kept from the old one is used.
    fingerprint = shared / "extractors" / TAP / "venv" / ".meltano_plugin_fingerprint"
    fingerprint.write_text(fingerprint.read_text())
    reinstalled_cached, _ = dump_catalog(shared, database)
    assert not reinstalled_cached
    assert dump_catalog(shared, database)[0]

    # Settings the catalog was not discovered with: meltano discovers again.
    changed_cached, changed = dump_catalog(
        shared, database, TAP_BRIGHTCOVE_AUDIENCE_START_DATE="2025-01-01"
    )
    assert not changed_cached
    assert {s["tap_stream_id"] for s in changed["streams"]} == {
        s["tap_stream_id"] for s in first["streams"]
    }
