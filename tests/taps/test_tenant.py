"""Every row says whose it is: IBM's account, api.video's project (the "tenant" column).

Neither API names the account or project in its answers, so each tap labels
every row (setting ``account_id`` / ``project_id``, else a default: IBM's
``client_id``, the project id api.video's access token names) and puts the
label first in every primary key: several accounts then load into one schema
without overwriting each other. What the release before the column wrote
keeps working: its state resumes where it stopped, and its catalog (meltano
reuses a cached one) gets the column.
"""

from __future__ import annotations

import datetime

import pytest

from tests.support import apivideo, before_tenant, ibm
from tests.taprun import TapRun, discover, run_tap, select_only

TENANT = {"tap-ibm-video": "account_id", "tap-apivideo": "project_id"}


def config_for(tap: str, emulator, **overrides: object) -> dict:
    if tap == "tap-ibm-video":
        return ibm.ibm_config(emulator, **overrides)
    return apivideo.apivideo_config(emulator, days=1, **overrides)


def every_record_labelled(run: TapRun, column: str) -> set:
    """The labels the run's records carry (every record must carry one)."""
    assert run.records
    labels = {record.get(column) for records in run.records.values() for record in records}
    assert None not in labels
    return labels


def assert_ok(run: TapRun) -> None:
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.mark.parametrize("tap", sorted(TENANT))
def test_every_stream_declares_its_label_first_in_its_key_and_required(tap, emulator):
    column = TENANT[tap]
    catalog = discover(tap, config_for(tap, emulator))
    for entry in catalog["streams"]:
        stream = entry["tap_stream_id"]
        assert entry["key_properties"][0] == column, stream
        root = next(m["metadata"] for m in entry["metadata"] if not m["breadcrumb"])
        assert root["table-key-properties"][0] == column, stream
        schema = entry["schema"]
        assert next(iter(schema["properties"])) == column, stream
        assert schema["properties"][column]["type"] == ["string"], stream
        assert column in schema["required"], stream


def test_ibm_rows_carry_the_client_id_or_the_account_id_setting(emulator):
    emulator.reset(ibm_views=300, ibm_viewers=40)
    streams = set(ibm.STREAMS)
    catalog = select_only(discover(ibm.TAP, ibm.ibm_config(emulator)), streams)

    default = run_tap(ibm.TAP, ibm.ibm_config(emulator), catalog=catalog)
    assert_ok(default)
    assert set(default.records) == streams
    assert every_record_labelled(default, "account_id") == {ibm.CLIENT_ID}
    assert "Every row is labelled account_id='emulator-ibm-client-id'" in default.stderr

    named = run_tap(ibm.TAP, ibm.ibm_config(emulator, account_id="support"), catalog=catalog)
    assert_ok(named)
    assert every_record_labelled(named, "account_id") == {"support"}
    assert len(named.records["views"]) == len(default.records["views"]) == 300


def test_apivideo_rows_carry_the_project_the_token_names_or_the_project_id_setting(emulator):
    emulator.reset(**apivideo.VOLUME)
    projects = {
        key: emulator.truth("apivideo", project=key, stream="videos")["project_id"]
        for key in (apivideo.API_KEY, apivideo.SECOND_API_KEY)
    }
    assert len(set(projects.values())) == 2
    assert all(project.startswith("pr") for project in projects.values())
    for key, project in projects.items():
        run = run_tap(apivideo.TAP, apivideo.apivideo_config(emulator, days=1, api_key=key))
        assert_ok(run)
        assert set(run.records) == apivideo.DEFAULT_STREAMS
        assert every_record_labelled(run, "project_id") == {project}
        assert f"Every row is labelled project_id='{project}'" in run.stderr

    named = run_tap(apivideo.TAP, apivideo.apivideo_config(emulator, days=1, project_id="app"))
    assert_ok(named)
    assert every_record_labelled(named, "project_id") == {"app"}


@pytest.mark.parametrize("tap", sorted(TENANT))
@pytest.mark.parametrize("label", ["", "  ", " marketing"])
def test_a_blank_or_padded_label_fails_before_any_request(tap, label, emulator):
    column = TENANT[tap]
    run = run_tap(tap, config_for(tap, emulator, **{column: label}))
    assert run.returncode == 1
    last = run.stderr.splitlines()[-1]
    assert f"setting `{column}`" in last
    assert "non-empty label" in last
    assert emulator.stats()["requests_total"] == 0


# The release before the column ----------------------------------------------------


def first_request(emulator, path_part: str) -> dict:
    asked = [r for r in emulator.stats()["recent_requests"] if path_part in r["path"]]
    assert asked, path_part
    return asked[0]


def test_an_ibm_state_from_the_release_before_resumes_from_its_bookmark_less_the_look_back(
    emulator,
):
    old_state = before_tenant.final_state(ibm.TAP)
    bookmark = ibm.parse_time(old_state["bookmarks"]["views"]["replication_key_value"])
    emulator.reset()  # 3,000 views over the same thirty days
    emulator.advance(6 * 3600)  # views running at the bookmark finish
    config = ibm.ibm_config(emulator)
    catalog = select_only(discover(ibm.TAP, config), {"views"})

    run = run_tap(ibm.TAP, config, state=old_state, catalog=catalog)
    assert_ok(run)

    lookback = datetime.timedelta(hours=2)  # the tap's default lookback_hours
    resumed_at = (bookmark - lookback).isoformat()
    assert first_request(emulator, "/views")["query"]["date_time_from"] == resumed_at
    expected = ibm.views_truth(emulator, start=resumed_at)
    assert 0 < len(expected) < 3000
    assert {r["view_id"] for r in run.records["views"]} == {v["view_id"] for v in expected}
    assert every_record_labelled(run, "account_id") == {ibm.CLIENT_ID}
    # The same state entry moved on: the stream-level bookmark, no partition added.
    views_state = run.final_state["bookmarks"]["views"]
    assert "partitions" not in views_state
    assert ibm.parse_time(views_state["replication_key_value"]) > bookmark


def test_an_apivideo_state_from_the_release_before_resumes_from_its_bookmark_day(emulator):
    old_state = before_tenant.final_state(apivideo.TAP)
    emulator.reset(**before_tenant.EMULATOR)
    emulator.advance(86_400)  # a day later: one new whole day
    config = apivideo.apivideo_config(emulator, days=20)
    catalog = select_only(discover(apivideo.TAP, config), set(apivideo.ALL_STREAMS))

    run = run_tap(apivideo.TAP, config, state=old_state, catalog=catalog)
    assert_ok(run)

    old_day = datetime.date.fromisoformat(
        old_state["bookmarks"]["metrics"]["partitions"][0]["replication_key_value"]
    )
    yesterday = apivideo.today(emulator) - datetime.timedelta(days=1)
    assert old_day == yesterday - datetime.timedelta(days=1)
    assert first_request(emulator, "/data/")["query"]["from"] == f"{old_day}T00:00:00+00:00"
    for stream in ("metrics", "buckets", "timeseries", "video_plays", "live_stream_plays"):
        days = {record["day"] for record in run.records[stream]}
        assert days == {old_day.isoformat(), yesterday.isoformat()}, stream
        assert len(run.records[stream]) == apivideo.expected_rows(emulator, stream, old_day)
    assert len(run.records["video_sessions"]) == apivideo.expected_rows(
        emulator, "video_sessions", old_day
    )
    project = emulator.truth("apivideo", stream="videos")["project_id"]
    assert every_record_labelled(run, "project_id") == {project}
    # Each partition of the old state moved on in place: same contexts, none added.
    for stream, old in old_state["bookmarks"].items():
        new = run.final_state["bookmarks"][stream]
        contexts = [p["context"] for p in old.get("partitions", [])]
        assert [p["context"] for p in new.get("partitions", [])] == contexts, stream
        for partition in new.get("partitions", []):
            if partition.get("replication_key") == "day":
                assert partition["replication_key_value"] == yesterday.isoformat(), stream


@pytest.mark.parametrize("tap", sorted(TENANT))
def test_a_catalog_from_the_release_before_gets_the_label_in_schema_and_key(tap, emulator):
    """meltano reuses the catalog it cached from the release before; its keys lack the label."""
    column = TENANT[tap]
    if tap == "tap-apivideo":
        emulator.reset(**before_tenant.EMULATOR)
    old_catalog = before_tenant.catalog(tap)
    old_keys = {e["tap_stream_id"]: e["key_properties"] for e in old_catalog["streams"]}
    assert all(column not in keys for keys in old_keys.values())

    run = run_tap(tap, config_for(tap, emulator), catalog=old_catalog)
    assert_ok(run)

    assert set(run.schemas) == set(old_keys)
    for stream, message in run.schemas.items():
        assert message["key_properties"] == [column, *old_keys[stream]], stream
        assert next(iter(message["schema"]["properties"])) == column, stream
    assert every_record_labelled(run, column)
    warnings = [line for line in run.stderr.splitlines() if "catalog was written before" in line]
    assert len(warnings) == 1
    assert "--refresh-catalog" in warnings[0]
