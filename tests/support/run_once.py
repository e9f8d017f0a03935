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
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock

#: The variable pytest-xdist sets, equal in every worker of one run.
RUN_ID_VARIABLE = "PYTEST_XDIST_TESTRUNUID"


def shared_run_folder() -> Path | None:
    """A folder every worker of this xdist run shares (None outside xdist)."""
    run_id = os.environ.get(RUN_ID_VARIABLE)
    if not run_id:
        return None
    folder = Path(tempfile.gettempdir()) / f"video-taps-tests-{run_id}"
    folder.mkdir(exist_ok=True)
    return folder


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
