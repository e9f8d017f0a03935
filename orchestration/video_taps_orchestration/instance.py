"""Write ``$DAGSTER_HOME/dagster.yaml``: the shipped instance config plus the run-queue limits.

The limits are not written by hand anywhere: each budget of ``taps.py`` (how many
runs may draw on a documented limit at once) becomes one ``tag_concurrency_limits``
entry keyed on Dagster's own partition tag ``dagster/partition/account_<vendor>``,
which every run of a tap's tables carries however it was launched (a schedule, a job
backfill, an asset backfill from the UI):

- a budget per account: at most ``runs`` runs per account (``applyLimitPerUniqueValue``);
- a budget per machine (Audience's per-IP limit): at most ``runs`` runs of the tap.

Each run's share of the budget follows from the same number (``loads.run_command``).

Usage: ``video-taps-dagster-instance [DAGSTER_HOME]`` (default ``$DAGSTER_HOME``).
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .layout import account_dimension
from .taps import ACCOUNT, TAPS

__all__ = ["instance_config", "main", "run_queue_limits"]

PARTITION_TAG = "dagster/partition/"


def run_queue_limits() -> list[dict[str, Any]]:
    """One ``tag_concurrency_limits`` entry per budget of every tap."""
    limits: list[dict[str, Any]] = []
    for kind in TAPS:
        tag = PARTITION_TAG + account_dimension(kind)
        for budget in kind.budgets:
            entry: dict[str, Any] = {"key": tag, "limit": budget.runs}
            if budget.per == ACCOUNT:
                entry["value"] = {"applyLimitPerUniqueValue": True}
            limits.append(entry)
    return limits


def instance_config() -> dict[str, Any]:
    """The shipped ``dagster_instance.yaml`` with the run-queue limits added."""
    text = resources.files(__package__).joinpath("dagster_instance.yaml").read_text("utf-8")
    config = yaml.safe_load(text)
    config.setdefault("run_queue", {})["tag_concurrency_limits"] = run_queue_limits()
    return config


def main(argv: list[str] | None = None) -> int:
    """Write the instance config into the Dagster home given (or ``$DAGSTER_HOME``)."""
    argv = sys.argv[1:] if argv is None else argv
    home = argv[0] if argv else os.environ.get("DAGSTER_HOME")
    if not home:
        print(
            "usage: video-taps-dagster-instance DAGSTER_HOME (or set $DAGSTER_HOME)",
            file=sys.stderr,
        )
        return 2
    folder = Path(home)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "dagster.yaml"
    header = (
        "# Written by video-taps-dagster-instance from video_taps_orchestration/"
        "dagster_instance.yaml\n# and the run-queue limits of video_taps_orchestration/taps.py; "
        "write it again, do not edit.\n"
    )
    target.write_text(header + yaml.safe_dump(instance_config(), sort_keys=False), encoding="utf-8")
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
