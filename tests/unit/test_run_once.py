"""The folder xdist workers share (``tests/support/run_once.py``) is removed when their run ends.

Each test runs a small pytest session of its own, with this suite's session hooks
(``-p tests.conftest``), whose tests use the shared folder and write down where
it was; the test then looks for it once that session has ended.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from tests.support.meltano import PROJECT_ROOT
from tests.support.run_once import RUN_ID_VARIABLE, run_folder

#: Tests that each use the shared folder and note it in ``$PROBE_OUT``, one file per test.
PROBE = textwrap.dedent(
    """
    import os
    from pathlib import Path

    import pytest

    from tests.support.run_once import first_in_run, shared_run_folder


    @pytest.mark.parametrize("n", range(4))
    def test_uses_the_shared_folder(n):
        folder = shared_run_folder()
        with first_in_run("probe"):
            pass
        if folder is not None:
            assert (folder / "probe.done").exists()
        Path(os.environ["PROBE_OUT"], f"{n}.txt").write_text(str(folder))
    """
)


def run_probe(tmp_path: Path, *options: str, run_id: str | None = None) -> set[str]:
    """The folders the probe's tests saw, after a pytest session with ``options``."""
    test_file = tmp_path / "test_probe.py"
    test_file.write_text(PROBE)
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "PROBE_OUT": str(out), "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop(RUN_ID_VARIABLE, None)  # this test may itself run on an xdist worker
    if run_id is not None:
        env[RUN_ID_VARIABLE] = run_id
    command = [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider"]
    completed = subprocess.run(
        [*command, "-q", *options, str(test_file)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    seen = {path.read_text() for path in out.iterdir()}
    assert len(list(out.iterdir())) == 4, seen
    return seen


def test_an_xdist_run_removes_its_workers_shared_folder_when_it_ends(tmp_path):
    (seen,) = run_probe(tmp_path, "-n", "2")
    folder = Path(seen)
    assert folder.name.startswith("video-taps-tests-")
    assert not folder.exists(), f"{folder} was left behind"


def test_a_run_without_xdist_leaves_the_folder_of_the_xdist_run_it_was_started_from(tmp_path):
    """A plain pytest started by an xdist worker inherits its run id, and its folder."""
    run_id = f"probe-{uuid.uuid4().hex}"
    try:
        assert run_probe(tmp_path, "-p", "no:xdist", run_id=run_id) == {str(run_folder(run_id))}
        assert run_folder(run_id).is_dir(), "removed the folder of a run still going on"
    finally:
        shutil.rmtree(run_folder(run_id), ignore_errors=True)


def test_a_run_without_xdist_and_without_a_run_id_has_no_shared_folder(tmp_path):
    assert run_probe(tmp_path, "-p", "no:xdist") == {"None"}
