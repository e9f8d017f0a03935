"""The shipped Dagster run queue, read without Dagster

Split from tests/e2e/test_orchestration.py."""

from __future__ import annotations

import json

import yaml

from orchestration.video_taps_orchestration.vendors import TAPS
from tests.support.meltano import PROJECT_ROOT

#: The Dagster instance config the repository ships.
SHIPPED_INSTANCE = PROJECT_ROOT / "orchestration" / "dagster.yaml"


def test_shipped_run_queue_limits_are_the_documented_ones():
    """dagster.yaml's tag limits are vendors.py's (each run is given its share of them)."""
    config = yaml.safe_load(SHIPPED_INSTANCE.read_text())
    limits = {
        (item["key"], json.dumps(item["value"])): item["limit"]
        for item in config["run_queue"]["tag_concurrency_limits"]
    }
    per_value = json.dumps({"applyLimitPerUniqueValue": True})
    expected = {}
    for kind in TAPS:
        if kind.runs_per_vendor is not None:
            expected[("video-taps/vendor", json.dumps(kind.vendor))] = kind.runs_per_vendor
        expected[(f"video-taps/account/{kind.vendor}", per_value)] = kind.runs_per_account
    assert limits == expected
    (audience,) = [kind for kind in TAPS if kind.vendor == "brightcove-audience"]
    # 50 requests/s per IP: the runs one machine may hold share it.
    assert audience.shared_settings["max_requests_per_second"] == audience.runs_per_vendor
