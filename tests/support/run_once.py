"""Work done once per test run, even when pytest-xdist splits the run into workers.

``make test`` runs the end-to-end tier on two xdist workers (a test file each at a
time). Some of its set-up is expensive and writes shared places: ``meltano install``
rebuilds the project's plugin venvs under ``.meltano/`` (a second install while the
other worker runs a tap would pull the venv from under it), and the packages are
built once for the packaging and community-path tests. The workers of one run share
``PYTEST_XDIST_TESTRUNUID``; the first to arrive does the work under a file lock and
leaves a marker, the others wait for the lock and then find the marker.

Without xdist (``pytest tests/e2e/test_x.py``) every process does the work itself,
as before.

The folder is removed when the run ends, by xdist's controller (the process that
started the workers), once every worker has exited: ``tests/conftest.py`` notes the
run id as each worker is configured (:func:`note_workers_run_id`) and removes the
folder at ``pytest_unconfigure`` (:func:`remove_run_folder`). A run without xdist
starts no workers, so it removes nothing: a folder it sees belongs to the xdist run
it was started from (the id is inherited through the environment).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

#: The variable pytest-xdist sets, equal in every worker of one run.
RUN_ID_VARIABLE = "PYTEST_XDIST_TESTRUNUID"


#: The run id of the workers this process started, in xdist's controller only.
_WORKERS_RUN_ID = pytest.StashKey[str]()


def run_folder(run_id: str) -> Path:
    """Where the workers of run ``run_id`` share their work."""
    return Path(tempfile.gettempdir()) / f"video-taps-tests-{run_id}"


def shared_run_folder() -> Path | None:
    """A folder every worker of this xdist run shares (None outside xdist)."""
    run_id = os.environ.get(RUN_ID_VARIABLE)
    if not run_id:
        return None
    folder = run_folder(run_id)
    folder.mkdir(exist_ok=True)
    return folder


def note_workers_run_id(config: pytest.Config, run_id: str) -> None:
    """In xdist's controller, as a worker is configured: the id its workers share."""
    config.stash[_WORKERS_RUN_ID] = run_id


def remove_run_folder(config: pytest.Config) -> None:
    """At the end of an xdist run, in the controller: remove the folder its workers shared.

    Only an id xdist made up for this run: one given with ``--testrunuid`` may
    be shared with other runs on purpose, and the folder is theirs too.
    """
    run_id = config.stash.get(_WORKERS_RUN_ID, None)
    if run_id is None or config.getoption("testrunuid", None):
        return
    shutil.rmtree(run_folder(run_id), ignore_errors=True)


def in_xdist_run() -> bool:
    """Whether this process is one worker of several."""
    return shared_run_folder() is not None


@contextlib.contextmanager
def first_in_run(name: str) -> Iterator[bool]:
    """Yield True to the one process of the run that must do ``name``; False to the others.

    The others block until it finished. The work counts as done only if the ``with``
    block ends without an exception, so a failure is retried (and reported) by the
    next worker rather than hidden.
    """
    folder = shared_run_folder()
    if folder is None:
        yield True
        return
    marker = folder / f"{name}.done"
    with FileLock(str(folder / f"{name}.lock")):
        if marker.exists():
            yield False
            return
        yield True
        marker.touch()
