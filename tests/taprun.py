"""Run a tap's CLI and read back its Singer messages: in this process, or as a subprocess.

:func:`run_tap` runs the tap's real click command (the console script's
entry point, with the same arguments) inside the test process: no interpreter
start per run, and the test's monkeypatches (e.g. retries without waits, see
``tests/taps/conftest.py``) apply. Its exit code, stdout and stderr are what the
executable would give: ``SystemExit`` codes, the SDK's log lines (its console
handler is set up on the captured stderr) and an unexpected exception handed to
the tap's ``sys.excepthook``, as the interpreter would.

:func:`run_tap_cli` starts the installed executable as a subprocess, for the
tests whose subject is the executable itself (interpreter exit, signals).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import typing as t
from collections import defaultdict
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

BIN = Path(sys.executable).parent


@dataclass
class TapRun:
    """What one tap invocation printed: Singer messages on stdout, logs on stderr."""

    returncode: int
    stdout: str
    stderr: str
    records: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    schemas: dict[str, dict] = field(default_factory=dict)
    states: list[dict] = field(default_factory=list)

    @property
    def final_state(self) -> dict:
        return self.states[-1] if self.states else {}

    def bookmarks(self, stream: str) -> dict[str, str]:
        """account_id -> replication value, from the final state's partitions."""
        stream_state = self.final_state["bookmarks"][stream]
        return {
            partition["context"]["account_id"]: partition["replication_key_value"]
            for partition in stream_state.get("partitions", [])
            if "replication_key_value" in partition
        }

    def records_for(self, stream: str, account_id: str) -> list[dict]:
        return [r for r in self.records[stream] if r["account_id"] == account_id]


def run_tap(
    executable: str,
    config: dict,
    *,
    state: dict | None = None,
    catalog: dict | None = None,
    extra_args: tuple[str, ...] = (),
    timeout: float = 300,  # noqa: ARG001 - pytest-timeout bounds an in-process run
) -> TapRun:
    """Run ``executable --config ...`` in this process and parse its stdout as Singer messages."""
    return run_tap_class(
        tap_class_for(executable), config, state=state, catalog=catalog, extra_args=extra_args
    )


def run_tap_class(
    tap_class: t.Any,  # noqa: ANN401 - a Tap subclass
    config: dict,
    *,
    state: dict | None = None,
    catalog: dict | None = None,
    extra_args: tuple[str, ...] = (),
) -> TapRun:
    """As :func:`run_tap`, for a tap class with no console script (one a test defines)."""
    with tempfile.TemporaryDirectory() as tmp:
        args = _cli_args(tmp, config, state, catalog, extra_args)
        code, stdout, stderr = _invoke_in_process(tap_class, tap_class.name, args)
    return _parse(TapRun(code, stdout, stderr))


def run_tap_cli(
    executable: str,
    config: dict,
    *,
    state: dict | None = None,
    catalog: dict | None = None,
    extra_args: tuple[str, ...] = (),
    timeout: float = 300,
) -> TapRun:
    """Run the installed ``executable --config ...`` as a subprocess (the CLI as shipped)."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [str(BIN / executable), *_cli_args(tmp, config, state, catalog, extra_args)]
        completed = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            check=False,
        )
    return _parse(TapRun(completed.returncode, completed.stdout, completed.stderr))


def _cli_args(
    folder: str,
    config: dict,
    state: dict | None,
    catalog: dict | None,
    extra_args: tuple[str, ...],
) -> list[str]:
    args = ["--config", _write(folder, "config.json", config)]
    if state is not None:
        args += ["--state", _write(folder, "state.json", state)]
    if catalog is not None:
        args += ["--catalog", _write(folder, "catalog.json", catalog)]
    return args + list(extra_args)


def _parse(run: TapRun) -> TapRun:
    for line in run.stdout.splitlines():
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        kind = message.get("type")
        if kind == "RECORD":
            run.records[message["stream"]].append(message["record"])
        elif kind == "SCHEMA":
            run.schemas[message["stream"]] = message
        elif kind == "STATE":
            run.states.append(message["value"])
    return run


@functools.cache
def tap_class_for(executable: str) -> t.Any:  # noqa: ANN401 - a Tap subclass
    """The tap class behind a console script (``tap_x.tap:TapX.cli`` -> ``TapX``)."""
    (entry_point,) = entry_points(group="console_scripts", name=executable)
    module, _, attribute = entry_point.value.partition(":")
    return getattr(importlib.import_module(module), attribute.split(".")[0])


def _invoke_in_process(tap_class: t.Any, executable: str, args: list[str]) -> tuple[int, str, str]:  # noqa: ANN401
    """(exit code, stdout, stderr) of the tap's click command run here as its script runs it.

    Each run gets an empty ``contextvars`` context (as a new process would) and
    leaves the process as it found it: root logger handlers and level, the
    excepthook and warning capture the SDK's command sets.
    """
    out = io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    stderr = io.StringIO()
    root = logging.getLogger()
    handlers, level, excepthook = list(root.handlers), root.level, sys.excepthook

    def main() -> int:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                # Reading ``cli`` sets up the SDK's console log handler on sys.stderr: ours.
                tap_class.cli.main(args=args, prog_name=executable, standalone_mode=True)
            except SystemExit as stop:
                return _exit_code(stop.code)
            except Exception:  # noqa: BLE001 - the interpreter hands it to sys.excepthook
                sys.excepthook(*sys.exc_info())
                return 1
            finally:
                stdout.flush()
            return 0

    try:
        code = contextvars.Context().run(main)
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
        sys.excepthook = excepthook
        logging.captureWarnings(capture=False)
    return code, out.getvalue().decode(), stderr.getvalue()


def _exit_code(code: object) -> int:
    """The process exit status ``sys.exit(code)`` gives."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _write(folder: str, name: str, content: dict) -> str:
    path = Path(folder) / name
    path.write_text(json.dumps(content))
    return str(path)


def discover(executable: str, config: dict) -> dict:
    """The tap's catalog from ``--discover`` (in this process)."""
    with tempfile.TemporaryDirectory() as tmp:
        args = _cli_args(tmp, config, None, None, ("--discover",))
        code, stdout, stderr = _invoke_in_process(tap_class_for(executable), executable, args)
    assert code == 0, f"{executable} --discover failed:\n{stderr[-4000:]}"
    return json.loads(stdout)


def select_only(catalog: dict, streams: set[str]) -> dict:
    """A copy of ``catalog`` with just ``streams`` selected (all their fields)."""
    selected = json.loads(json.dumps(catalog))
    for entry in selected["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return selected
