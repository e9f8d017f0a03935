"""What a user running a tap nightly sees: declared plugins, errors, logs and records.

Checks of the shared layer's conventions that every tap inherits: meltano.yml
declares what each tap reports about itself, errors reach meltano at error
level with a short message, the log shows progress instead of one METRIC line
per request, and records have one shape that stream maps and targets can use.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.meltano import PROJECT_ROOT, isolated_env, meltano, meltano_install
from tests.taprun import run_tap
from tests.taps.test_audience_tap import ACCOUNTS, tap_config
from video_taps_common.progress import PartitionProgress, StreamSummary

TAP = "tap-brightcove-audience"
BIN = Path(sys.executable).parent


def meltano_extractors() -> dict[str, dict]:
    project = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    return {plugin["name"]: plugin for plugin in project["plugins"]["extractors"]}


def about(executable: str) -> dict:
    completed = subprocess.run(
        [str(BIN / executable), "--about", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(completed.stdout)


# Declared in meltano.yml ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(meltano_extractors()))
def test_meltano_yml_declares_every_capability_and_setting_the_tap_reports(name):
    plugin = meltano_extractors()[name]
    reported = about(plugin["executable"])

    assert set(plugin["capabilities"]) == set(reported["capabilities"])
    declared = {setting["name"] for setting in plugin["settings"]}
    assert set(reported["settings"]["properties"]) <= declared
    secrets = {
        key for key, spec in reported["settings"]["properties"].items() if spec.get("secret")
    }
    for setting in plugin["settings"]:
        if setting["name"] in secrets:
            assert setting.get("sensitive") is True, setting["name"]
    assert "structured-logging" in plugin["capabilities"]


# Errors as meltano shows them -----------------------------------------------------


@pytest.fixture(scope="module")
def _installed() -> None:
    meltano_install(TAP, "target-jsonl")


@pytest.mark.e2e
@pytest.mark.usefixtures("_installed")
def test_meltano_config_test_names_the_missing_settings(tmp_path):
    env = {**isolated_env(tmp_path)}
    result = meltano("config", "test", TAP, environment="prod", env=env, check=False)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    shown = next(line for line in output.splitlines() if "Invalid settings" in line)
    for setting in ("client_id", "client_secret", "account_ids", "start_date"):
        assert f"`{setting}`" in shown
    assert shown.count("`client_id`") == 1


@pytest.mark.e2e
@pytest.mark.usefixtures("_installed")
def test_a_tap_error_reaches_meltanos_log_at_error_level(emulator, tmp_path):
    bad = ACCOUNTS[0]
    emulator.configure_faults(
        [{"kind": "status", "status": 404, "path": f"/accounts/{bad}/", "count": -1}]
    )
    env = isolated_env(tmp_path, emulator_url=emulator.url)

    result = meltano("run", TAP, "target-jsonl", env=env, check=False)

    assert result.returncode != 0
    lines = (result.stdout + result.stderr).splitlines()
    tap_errors = [line for line in lines if "[error" in line and TAP in line]
    assert any("RESOURCE_NOT_FOUND" in line and bad in line for line in tap_errors), tap_errors
    assert any("partitions failed" in line for line in tap_errors)
    assert not [line for line in lines if "Traceback" in line]


# Logs ------------------------------------------------------------------------------


def test_the_log_has_no_per_request_metric_lines_but_a_summary_per_stream(emulator):
    emulator.reset(audience_view_events_per_account=3000)

    run = run_tap(TAP, tap_config(emulator, page_size=25))

    assert run.returncode == 0, run.stderr[-2000:]
    assert "http_request_duration" not in run.stderr
    summaries = [line for line in run.stderr.splitlines() if "Summary " in line]
    assert len(summaries) == 2
    view_events = next(line for line in summaries if "view_events" in line)
    assert f"{len(run.records['view_events']):,} records from 2 partitions" in view_events
    # 240 requests; the whole log stays a few dozen lines.
    assert len(run.stderr.splitlines()) < 60


def test_per_request_metrics_come_back_at_debug(emulator, monkeypatch):
    monkeypatch.setenv("TAP_BRIGHTCOVE_AUDIENCE_LOGLEVEL", "DEBUG")

    run = run_tap(TAP, tap_config(emulator))

    assert run.returncode == 0
    requests = [line for line in run.stderr.splitlines() if "http_request_duration" in line]
    routes = emulator.stats()["requests_by_route"]
    assert (
        len(requests)
        == routes["brightcove_audience.view_events"] + routes["brightcove_audience.leads"]
    )


class StepClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_line_shows_records_of_total_percent_rate_and_eta(caplog):
    clock = StepClock()
    logger = logging.getLogger("progress-test")
    progress = PartitionProgress("view_events", "account_id=1", logger, interval=10, clock=clock)
    progress.expect(60_000)

    with caplog.at_level(logging.INFO, logger="progress-test"):
        for _ in range(12):
            clock.now += 1
            progress.add(1000)  # 1,000 records a second

    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        "Progress view_events [account_id=1]: 10,000 of 60,000 records (16.7%), "
        "1,000 records/s, ETA 50 s"
    ]
    summary = StreamSummary("view_events")
    summary.add(progress, failed=False)
    assert summary.line() == (
        "view_events: 12,000 records from 1 partition in 12.0 s (1,000 records/s)"
    )


# Records -----------------------------------------------------------------------------


def test_a_stream_map_filter_on_a_field_some_records_lack(emulator):
    config = tap_config(
        emulator,
        stream_maps={"leads": {"__filter__": "country == 'US'"}},
    )

    run = run_tap(TAP, config)

    assert run.returncode == 0, run.stderr[-2000:]
    leads = run.records["leads"]
    assert leads
    assert {record["country"] for record in leads} == {"US"}


def test_is_synched_fills_the_one_is_synced_column():
    from tap_brightcove_audience.tap import TapBrightcoveAudience

    tap = TapBrightcoveAudience(
        config={
            "client_id": "id",
            "client_secret": "secret",
            "account_ids": ["1"],
            "start_date": "2026-01-01",
        }
    )
    stream = tap.streams["view_events"]

    synched = stream.post_process({"is_synched": True, "video_id": "1"}, {"account_id": "1"})
    synced = stream.post_process({"is_synced": False, "video_id": "1"}, {"account_id": "1"})

    assert synched["is_synced"] is True
    assert synced["is_synced"] is False
    assert "is_synched" not in synched
    assert "is_synched" not in stream.schema["properties"]
