"""What a user running a tap nightly sees: declared plugins, errors, logs and records.

Checks of the shared layer's conventions that every tap inherits: errors reach meltano at error
level with a short message, the log shows progress instead of one METRIC line
per request, and records have one shape that stream maps and targets can use.
"""

from __future__ import annotations

from tests.support.audience import TAP, tap_config
from tests.taprun import run_tap

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
