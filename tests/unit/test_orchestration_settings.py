"""The parts of the Dagster code location that need neither Dagster nor meltano.

``meltano_project.py``, ``layout.py`` and ``meltano_pipes.py`` import no Dagster, so
they run in the test venv. Settings themselves are meltano's to resolve (the e2e test
tests/e2e/test_orchestration_settings_meltano.py gives one setting four ways).
"""

from __future__ import annotations

import json

import pytest

from orchestration.video_taps_orchestration import meltano_project
from orchestration.video_taps_orchestration.layout import filtered_streams, selected_streams
from orchestration.video_taps_orchestration.meltano_pipes import bookmark_moment, read_meltano_log
from orchestration.video_taps_orchestration.meltano_project import (
    MeltanoError,
    env_var_name,
    meltano_executable,
)

CHILD = "tap-brightcove-audience--eu"


def test_env_var_names_follow_meltano():
    assert env_var_name(CHILD, "account_ids") == "TAP_BRIGHTCOVE_AUDIENCE__EU_ACCOUNT_IDS"


# -- which meltano runs (README: VIDEO_TAPS_MELTANO) --------------------------------


def test_another_project_root_still_finds_the_meltano_make_dev_built(tmp_path):
    """A project elsewhere, no VIDEO_TAPS_MELTANO, no meltano on PATH: this repository's."""
    built = meltano_project.REPOSITORY / ".venv" / "bin" / "meltano"
    assert built.exists(), "run `make dev`"
    found = meltano_executable(tmp_path, {"PATH": str(tmp_path)})
    assert found == str(built)


def test_a_project_with_its_own_venv_uses_its_meltano(tmp_path):
    own = tmp_path / ".venv" / "bin" / "meltano"
    own.parent.mkdir(parents=True)
    own.write_text("#!/bin/sh\n")
    assert meltano_executable(tmp_path, {"PATH": ""}) == str(own)
    assert meltano_executable(tmp_path, {"VIDEO_TAPS_MELTANO": "/opt/m"}) == "/opt/m"


def test_no_meltano_anywhere_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setattr(meltano_project, "REPOSITORY", tmp_path / "elsewhere")
    with pytest.raises(MeltanoError, match="set VIDEO_TAPS_MELTANO"):
        meltano_executable(tmp_path, {"PATH": str(tmp_path)})


# -- the tables a plugin loads -------------------------------------------------------


STREAMS = ["buckets", "metrics", "video_sessions", "videos"]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (["*.*"], STREAMS),
        (["videos.*", "metrics.*"], ["metrics", "videos"]),
        (["*.*", "!video_sessions.*"], ["buckets", "metrics", "videos"]),
        # Deselecting one column keeps the stream.
        (["*.*", "!videos.title"], STREAMS),
        (["video*.*"], ["video_sessions", "videos"]),
        (["videos.videoId"], ["videos"]),
        ([], []),
    ],
)
def test_select_rules_choose_the_tables(rules, expected):
    assert selected_streams(rules, STREAMS) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([], STREAMS),
        (["videos"], ["videos"]),
        (["!metrics"], ["buckets", "video_sessions", "videos"]),
        (["*", "!video*"], ["buckets", "metrics"]),
        (["metrics.*", "buckets"], ["buckets", "metrics"]),
        (["nothing_like_it"], []),
    ],
)
def test_select_filter_narrows_the_tables_as_meltano_narrows_a_runs_catalog(filters, expected):
    assert filtered_streams(filters, STREAMS) == expected


# -- what one run reports ------------------------------------------------------------


def log_line(**fields: object) -> str:
    return json.dumps(fields)


def test_a_runs_log_gives_each_streams_emitted_and_loaded_rows():
    lines = [
        log_line(event="Summary view_events: 1,234 records from 2 partitions in 0.5 s (2 rec/s)",
                 producer=True, name="tap-brightcove-audience"),
        log_line(event="Summary leads: 0 records from 1 partition in 0.0 s (0 records/s); "
                       "FAILED: account_id=2", producer=True, level="error"),
        log_line(event="METRIC", consumer=True, metric_info={
            "metric": "record_count", "value": 1000, "tags": {"stream": "view_events"}}),
        log_line(event="METRIC", consumer=True, metric_info={
            "metric": "record_count", "value": 234, "tags": {"stream": "view_events"}}),
        # The tap's own record_count metrics are not the loader's.
        log_line(event="METRIC", producer=True, metric_info={
            "metric": "record_count", "value": 99, "tags": {"stream": "view_events"}}),
        "not json at all",
    ]  # fmt: skip
    report = read_meltano_log(lines)
    assert report.emitted["view_events"].records == 1234
    assert report.emitted["view_events"].partitions == 2
    assert report.emitted["view_events"].failed is None
    assert report.emitted["leads"].records == 0
    assert report.emitted["leads"].failed == "account_id=2"
    assert report.loaded == {"view_events": 1234}
    assert report.loader_counts


def test_a_summary_lines_bookmark_is_reported_and_a_day_counts_to_its_end():
    lines = [
        log_line(event="Summary view_events: 12 records from 2 partitions in 0.5 s (24 records/s)"
                       "; bookmark 2026-03-02T09:00:00+00:00", producer=True),
        log_line(event="Summary metrics: 3 records from 1 partition in 0.1 s (30 records/s)"
                       "; bookmark 2026-03-01", producer=True),
        log_line(event="Summary leads: 0 records from 1 partition in 0.0 s (0 records/s)"
                       "; bookmark 2026-03-01T00:00:00Z; FAILED: account_id=2", producer=True),
        log_line(event="Summary videos: 4 records from 1 partition in 0.0 s (0 records/s)",
                 producer=True),
    ]  # fmt: skip
    report = read_meltano_log(lines)
    assert report.emitted["view_events"].bookmark == "2026-03-02T09:00:00+00:00"
    assert report.emitted["leads"].bookmark == "2026-03-01T00:00:00Z"
    assert report.emitted["leads"].failed == "account_id=2"
    assert report.emitted["videos"].bookmark is None
    moment = bookmark_moment(report.emitted["view_events"].bookmark)
    assert moment.isoformat() == "2026-03-02T09:00:00+00:00"
    moment = bookmark_moment(report.emitted["metrics"].bookmark)
    assert moment.isoformat() == "2026-03-02T00:00:00+00:00"
    assert bookmark_moment(None) is None
