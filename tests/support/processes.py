"""Local processes the tests, benchmarks and scripts start: a free port, a clean stop."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop_session(process: subprocess.Popen) -> None:
    """Stop a process started with ``start_new_session=True`` and everything it started.

    ``dagster dev`` starts a webserver, a daemon and code servers (and a run may still
    be going): a terminate gives it 15 s to stop them itself, then its whole session
    is killed, so no daemon outlives a throwaway instance.
    """
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
