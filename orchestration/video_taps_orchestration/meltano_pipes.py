"""One ``meltano run``, reported to Dagster through Pipes: per table, rows and bookmark.

The op that materialises a tap's tables starts this module as its external process
(``python -m video_taps_orchestration.meltano_pipes``, in the Dagster venv). It runs
the ``meltano run`` the op hands it, passes meltano's log on (as text, to the run's
compute logs; warnings and errors also to the run's event log), and when meltano is
done reports through Pipes, per table:

- the materialisation, when the tap synced the table without a failed partition and
  the loader loaded what the tap emitted, with the rows emitted and loaded and the
  newest bookmark meltano stored;
- the check ``rows_loaded_match_tap``: the rows the loader loaded (its
  ``record_count`` metric, which SDK loaders log per stream) equal the rows the tap
  emitted (its ``Summary <stream>: N records ...`` line), and the tap skipped none of
  the table's partitions.

The sources are the tap's summary lines (records, partitions, failures, and the
newest bookmark of the stream's state, which the target hands meltano to store once
the rows before it are loaded) and the loader's metrics (meltano's
``--log-format=json`` keeps their tags); the taps themselves know nothing of Dagster.
A table is materialised only when every row the tap emitted was loaded, so the
bookmark reported is the one meltano stored. (Asking meltano for the stored state
afterwards, ``meltano state get``, would start one more meltano process per run.)
It exits with meltano's code.
"""

from __future__ import annotations

import datetime
import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RunReport", "bookmark_moment", "read_meltano_log"]

#: ``Summary view_events: 1,234 records from 2 partitions in 0.5 s (...)[; bookmark V]``
#: ``[; FAILED: ...]``
_SUMMARY = re.compile(
    r"^Summary (?P<stream>\S+): (?P<records>[\d,]+) records? from (?P<partitions>\d+) "
    r"partitions? in [^;]*(?:; bookmark (?P<bookmark>[^;]+))?(?:; FAILED: (?P<failed>.*))?$"
)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ROWS_CHECK = "rows_loaded_match_tap"


@dataclass
class StreamFigures:
    """What the tap said of one stream in its summary."""

    records: int
    partitions: int
    failed: str | None = None
    #: The newest bookmark of the stream's state when the tap ended, if it keeps one.
    bookmark: str | None = None


@dataclass
class RunReport:
    """What meltano's log of one run says, per stream."""

    emitted: dict[str, StreamFigures] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)
    #: Whether the loader logged any per-stream record count (SDK loaders do).
    loader_counts: bool = False

    def take(self, line: Mapping[str, Any]) -> None:
        """Fold one JSON log line of meltano's into the report."""
        event = str(line.get("event", ""))
        if line.get("producer") and event.startswith("Summary "):
            match = _SUMMARY.match(event)
            if match:
                self.emitted[match["stream"]] = StreamFigures(
                    records=int(match["records"].replace(",", "")),
                    partitions=int(match["partitions"]),
                    failed=match["failed"],
                    bookmark=match["bookmark"],
                )
        metric = line.get("metric_info")
        is_count = isinstance(metric, Mapping) and metric.get("metric") == "record_count"
        if line.get("consumer") and is_count:
            stream = str((metric.get("tags") or {}).get("stream"))
            self.loaded[stream] = self.loaded.get(stream, 0) + int(metric.get("value") or 0)
            self.loader_counts = True


def read_meltano_log(lines: Iterable[str]) -> RunReport:
    """A report from meltano's JSON log lines (other lines are ignored)."""
    report = RunReport()
    for text in lines:
        parsed = _json_line(text)
        if parsed is not None:
            report.take(parsed)
    return report


def _json_line(text: str) -> dict[str, Any] | None:
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def bookmark_moment(value: object) -> datetime.datetime | None:
    """A bookmark as the moment it reaches: a day (``YYYY-MM-DD``) is synced to its end."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if _DAY.match(value):
            day = datetime.date.fromisoformat(value)
            return datetime.datetime.combine(
                day, datetime.time(), datetime.UTC
            ) + datetime.timedelta(days=1)
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _text(line: Mapping[str, Any]) -> str:
    """A meltano JSON log line as meltano's own console prints it."""
    who = line.get("name") or "meltano"
    level = f"[{line.get('level', 'info'):<8}]"
    text = f"{line.get('timestamp', '')} {level} {who} {line.get('event', '')}"
    metric = line.get("metric_info")
    if isinstance(metric, Mapping):
        text += f" {json.dumps(metric, sort_keys=True)}"
    return text


def report_tables(pipes: Any, report: RunReport, extras: Mapping[str, Any], code: int) -> None:  # noqa: ANN401
    """Materialisations and checks per table, through Pipes."""
    tables: Mapping[str, str] = extras["tables"]
    for stream, asset_key in tables.items():
        emitted = report.emitted.get(stream)
        loaded = report.loaded.get(stream)
        if emitted is None and loaded is None:
            # Selected (every table of the multi-asset is) but not synced: the tap
            # stopped before it, or never reached it.
            pipes.report_asset_check(
                check_name=ROWS_CHECK,
                passed=False,
                severity="ERROR",
                metadata={"rows_emitted": 0, "note": "not in the tap's summary: not synced"},
                asset_key=asset_key,
            )
            continue
        if loaded is None and emitted is not None and emitted.records == 0:
            loaded = 0  # no record, no sink: nothing to load
        passed = (
            emitted is not None
            and not emitted.failed
            and loaded is not None
            and loaded == emitted.records
        )
        check_metadata: dict[str, Any] = {"rows_emitted": emitted.records if emitted else 0}
        if loaded is not None:
            check_metadata["rows_loaded"] = loaded
        if emitted is not None and emitted.failed:
            check_metadata["failed_partitions"] = emitted.failed
        severity = "ERROR"
        if loaded is None and not report.loader_counts:
            severity = "WARN"
            check_metadata["note"] = "the loader logs no per-stream record count"
        pipes.report_asset_check(
            check_name=ROWS_CHECK,
            passed=bool(passed),
            severity=severity,
            metadata=check_metadata,
            asset_key=asset_key,
        )
        counted = loaded is not None or (not report.loader_counts and code == 0)
        if (
            emitted is None
            or emitted.failed
            or not counted
            or (loaded is not None and loaded != emitted.records)
        ):
            continue
        metadata: dict[str, Any] = {
            "rows_emitted": emitted.records,
            "sync": extras["sync"],
            "state_id": extras["state_id"],
            "plugin": extras["plugin"],
        }
        if loaded is not None:
            metadata["rows_loaded"] = loaded
        if extras.get("account"):
            metadata["account"] = extras["account"]
        moment = bookmark_moment(emitted.bookmark)
        if emitted.bookmark is not None and moment is not None:
            metadata["bookmark"] = emitted.bookmark
            metadata["bookmark_at"] = {"raw_value": moment.timestamp(), "type": "timestamp"}
        pipes.report_asset_materialization(asset_key=asset_key, metadata=metadata)


def main() -> int:
    """Run the command the op passed, report, exit with meltano's code."""
    from dagster_pipes import open_dagster_pipes  # the Dagster venv has it

    with open_dagster_pipes() as pipes:
        extras = pipes.extras
        command: list[str] = extras["command"]
        process = subprocess.Popen(  # noqa: S603 - the op's meltano command line
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )

        def forward(signum: int, _frame: object) -> None:
            process.send_signal(signum)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        report = RunReport()
        assert process.stdout is not None
        for raw in process.stdout:
            line = _json_line(raw)
            if line is None:
                sys.stderr.write(raw)
                continue
            report.take(line)
            text = _text(line)
            sys.stderr.write(text + "\n")
            level = str(line.get("level", ""))
            if level in {"error", "critical"}:
                pipes.log.error(text)
            elif level == "warning":
                pipes.log.warning(text)
        code = process.wait()
        report_tables(pipes, report, extras, code)
        pipes.log.info(
            f"meltano exited {code}; {len(report.emitted)} stream(s) in the tap's summary"
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
