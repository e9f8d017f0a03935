"""Capture the old release's Singer output into this folder (run once, by hand).

    git archive <commit> | tar -x -C <old-checkout>
    .venv/bin/python -m tests.support.before_tenant.capture <old-checkout>

Runs that checkout's ``tap-apivideo`` and ``tap-ibm-video`` (its packages put
first on ``PYTHONPATH``) against an emulator of this checkout reset to
``EMULATOR``, and writes each tap's stdout and the catalog it ran with here, gzipped.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.before_tenant import (
    CATALOGS,
    EMULATOR,
    MESSAGES,
    apivideo_config,
    ibm_config,
)
from video_api_emulator.process import EmulatorProcess

PACKAGES = ("video-taps-common", "tap-apivideo", "tap-ibm-video")
MODULES = {"tap-apivideo": "tap_apivideo.tap", "tap-ibm-video": "tap_ibm_video.tap"}


def capture(old_checkout: Path) -> None:
    """Run the old taps and write their stdout to the files of ``MESSAGES``."""
    path = os.pathsep.join(str(old_checkout / package) for package in PACKAGES)
    env = {**os.environ, "PYTHONPATH": path}
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        for tap, configure in (("tap-apivideo", apivideo_config), ("tap-ibm-video", ibm_config)):
            emulator.reset(**EMULATOR)
            config = Path(tmp) / f"{tap}.json"
            config.write_text(json.dumps(configure(emulator)))
            check = [sys.executable, "-c", f"import {MODULES[tap]} as m; print(m.__file__)"]
            where = subprocess.run(check, env=env, capture_output=True, text=True, check=True)
            assert where.stdout.startswith(str(old_checkout)), where.stdout
            command = [sys.executable, "-m", MODULES[tap], "--config", str(config)]
            discovered = subprocess.run(
                [*command, "--discover"], env=env, capture_output=True, text=True, check=True
            )
            catalog = Path(tmp) / f"{tap}.catalog.json"
            catalog.write_text(json.dumps(select_all(json.loads(discovered.stdout))))
            with gzip.GzipFile(CATALOGS[tap], "wb", mtime=0) as out:
                out.write(catalog.read_bytes())
            run = subprocess.run(
                [*command, "--catalog", str(catalog)], env=env, stdout=subprocess.PIPE, check=True
            )
            # mtime 0: the same output gives the same file.
            with gzip.GzipFile(MESSAGES[tap], "wb", mtime=0) as out:
                out.write(run.stdout)


def select_all(catalog: dict) -> dict:
    """Every stream selected (api.video's retired ones too: their tables need migrating)."""
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if not entry["breadcrumb"]:
                entry["metadata"]["selected"] = True
    return catalog


if __name__ == "__main__":
    capture(Path(sys.argv[1]).resolve())
