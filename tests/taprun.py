"""Run a tap's real CLI as a subprocess and read back its Singer messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
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
    timeout: float = 300,
) -> TapRun:
    """Run ``executable --config ...`` and parse its stdout as Singer messages."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [str(BIN / executable), "--config", _write(tmp, "config.json", config)]
        if state is not None:
            args += ["--state", _write(tmp, "state.json", state)]
        if catalog is not None:
            args += ["--catalog", _write(tmp, "catalog.json", catalog)]
        args += list(extra_args)
        completed = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            check=False,
        )
    run = TapRun(completed.returncode, completed.stdout, completed.stderr)
    for line in completed.stdout.splitlines():
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


def _write(folder: str, name: str, content: dict) -> str:
    path = Path(folder) / name
    path.write_text(json.dumps(content))
    return str(path)


def discover(executable: str, config: dict) -> dict:
    """The tap's catalog from ``--discover``."""
    run = subprocess.run(
        [str(BIN / executable), "--config", "/dev/stdin", "--discover"],
        input=json.dumps(config),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(run.stdout)


def select_only(catalog: dict, streams: set[str]) -> dict:
    """A copy of ``catalog`` with just ``streams`` selected (all their fields)."""
    selected = json.loads(json.dumps(catalog))
    for entry in selected["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return selected
