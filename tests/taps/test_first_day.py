"""What a user meets on the first day: bad input named up front, clean output, clear words.

Issue 17 items 3 and 4 and issue 16's generic bookmark/input checks, each as a
user would check it: the tap's exit code, the line it ends with, what reached
stdout, and whether any request was sent at all.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import textwrap

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_apivideo.tap import TapApiVideo
from tap_brightcove_audience.tap import TapBrightcoveAudience
from tap_brightcove_interactivity.tap import TapBrightcoveInteractivity
from tap_ibm_video.tap import TapIbmVideo
from tests.support.apivideo import apivideo_config
from tests.support.audience import ACCOUNTS, tap_config
from tests.support.ibm import ibm_config, views_truth
from tests.support.interactivity import interactivity_config
from tests.support.registry import URL_SETTINGS
from tests.taprun import discover, run_tap, run_tap_cli
from video_api_emulator.process import EmulatorProcess
from video_taps_common.errors import CredentialsRejectedError, InvalidInputError
from video_taps_common.tap_base import VideoTap

AUDIENCE = "tap-brightcove-audience"

#: Each tap, its class and its settings against the emulator.
TAPS = {
    "tap-brightcove-audience": (TapBrightcoveAudience, tap_config),
    "tap-ibm-video": (TapIbmVideo, ibm_config),
    "tap-apivideo": (TapApiVideo, apivideo_config),
    "tap-brightcove-interactivity": (TapBrightcoveInteractivity, interactivity_config),
}


def data_requests(emulator: EmulatorProcess) -> int:
    """Requests the emulator answered since its last reset (admin calls aside)."""
    return sum(emulator.stats()["requests_by_route"].values())


# Item 3: URL settings ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TAPS))
def test_every_url_setting_is_checked(name, emulator):
    tap_class, config = TAPS[name]

    tap = tap_class(config=config(emulator))

    assert set(tap.url_settings) == URL_SETTINGS[name]


@pytest.mark.parametrize(
    ("name", "setting"),
    [(name, setting) for name in sorted(URL_SETTINGS) for setting in sorted(URL_SETTINGS[name])],
)
@pytest.mark.parametrize("bad", ["/audience/v1", "", "127.0.0.1:8765/v1", "ftp://host/v1"])
def test_a_url_setting_without_scheme_or_host_is_an_error_naming_it(name, setting, bad, emulator):
    tap_class, config = TAPS[name]

    with pytest.raises(ConfigValidationError) as raised:
        tap_class(config=config(emulator, **{setting: bad}))

    message = str(raised.value)
    assert f"setting `{setting}`: expected an absolute http(s) URL" in message
    assert repr(bad) in message


def test_an_unset_variable_in_the_url_stops_the_run_before_any_request(emulator):
    """What `${EMULATOR_URL}/audience/v1` became with the variable unset."""
    run = run_tap_cli(AUDIENCE, tap_config(emulator, api_url="/audience/v1"))

    assert run.returncode == 1
    last_line = run.stderr.strip().splitlines()[-1]
    assert "setting `api_url`" in last_line
    assert "'/audience/v1'" in last_line
    assert "No scheme supplied" not in run.stderr
    assert run.stdout == ""
    assert data_requests(emulator) == 0


# Item 4: start_date -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TAPS))
def test_a_start_date_in_the_future_is_an_error_naming_the_setting(name, emulator):
    """Meltano makes "next tuesday" a date: a run from it loaded 0 rows and exited 0."""
    tap_class, config = TAPS[name]
    next_week = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7)).date()

    with pytest.raises(ConfigValidationError) as raised:
        tap_class(config=config(emulator, start_date=next_week.isoformat()))

    assert f"setting `start_date` ({next_week.isoformat()}) is in the future" in str(raised.value)


def test_a_start_date_in_the_future_stops_the_cli_before_any_request(emulator):
    run = run_tap_cli(AUDIENCE, tap_config(emulator, start_date="2099-01-01"))

    assert run.returncode == 1
    assert "setting `start_date` (2099-01-01) is in the future" in run.stderr.splitlines()[-1]
    assert data_requests(emulator) == 0


# Item 4: nothing written after the run ----------------------------------------------------

IN_PROCESS_CRASH = textwrap.dedent(
    """
    import json, sys
    from tap_brightcove_audience.tap import TapBrightcoveAudience

    tap = TapBrightcoveAudience(config=json.loads(sys.argv[1]))
    stream = tap.streams["view_events"]
    real = stream.request_records

    def crashing(context):
        for index, record in enumerate(real(context)):
            if index == 5:
                raise RuntimeError("a bug in the tap")
            yield record

    stream.request_records = crashing
    try:
        tap.sync_all()
    except RuntimeError:
        pass
    sys.stdout.flush()
    print("END-OF-RUN", flush=True)
    """
)


def test_an_in_process_tap_prints_nothing_at_interpreter_exit(emulator):
    """`make test` ended with Singer RECORD lines printed after pytest's summary."""
    config = tap_config(emulator, account_ids=[ACCOUNTS[0]])
    completed = subprocess.run(
        [sys.executable, "-c", IN_PROCESS_CRASH, json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )

    assert completed.returncode == 0, completed.stderr[-2000:]
    during, _, after = completed.stdout.partition("END-OF-RUN\n")
    assert after == ""
    messages = [json.loads(line) for line in during.splitlines()]
    records = [m for m in messages if m["type"] == "RECORD" and m["stream"] == "view_events"]
    assert len(records) == 5
    # The records reached the output with the bookmark that covers them.
    assert messages[-1]["type"] == "STATE"
    bookmarks = messages[-1]["value"]["bookmarks"]["view_events"]["partitions"]
    assert bookmarks[0]["replication_key_value"] == records[-1]["record"]["updated_at"]


def test_a_run_with_a_failed_partition_ends_with_its_final_state(emulator):
    emulator.configure_faults(
        [{"kind": "status", "status": 404, "path": f"/accounts/{ACCOUNTS[0]}/leads", "count": -1}]
    )

    run = run_tap(AUDIENCE, tap_config(emulator))

    assert run.returncode == 1
    last = json.loads(run.stdout.strip().splitlines()[-1])
    assert last["type"] == "STATE"
    assert last["value"] == run.final_state
    assert run.records["view_events"]


# Item 4: wording ---------------------------------------------------------------------------


def test_wrong_credentials_are_not_called_an_unhandled_error(emulator):
    run = run_tap_cli(AUDIENCE, tap_config(emulator, client_secret="wrong"))

    assert run.returncode == 1
    assert "unhandled error" not in run.stderr
    assert "refused the credentials" in run.stderr.strip().splitlines()[-1]


def test_token_request_and_refusal_read_as_english(emulator):
    ibm = run_tap("tap-ibm-video", ibm_config(emulator, client_secret="wrong"))
    apivideo = run_tap("tap-apivideo", apivideo_config(emulator, api_key="wrong-key"))

    assert "Requesting an IBM Video OAuth access token" in ibm.stderr
    assert "Requesting a IBM" not in ibm.stderr
    assert ibm.returncode == apivideo.returncode == 1
    assert "check the `api_key` setting " in apivideo.stderr
    assert "`api_key` settings" not in apivideo.stderr
    assert "unhandled error" not in ibm.stderr + apivideo.stderr


def test_when_every_partition_fails_the_summary_claims_no_other_was_synced(emulator):
    emulator.configure_faults(
        [{"kind": "status", "status": 404, "path": "/accounts/", "count": -1}]
    )

    run = run_tap(AUDIENCE, tap_config(emulator))

    assert run.returncode == 1
    last_line = run.stderr.strip().splitlines()[-1]
    assert "4 of 4 partitions failed and were skipped" in last_line
    assert "every other partition" not in last_line
    assert "no partition was synced in full" in last_line


def test_when_some_partitions_fail_the_summary_says_the_others_were_synced(emulator):
    emulator.configure_faults(
        [{"kind": "status", "status": 404, "path": f"/accounts/{ACCOUNTS[0]}/", "count": -1}]
    )

    run = run_tap(AUDIENCE, tap_config(emulator))

    last_line = run.stderr.strip().splitlines()[-1]
    assert "2 of 4 partitions failed and were skipped" in last_line
    assert "every other partition was synced and its bookmark saved" in last_line


# Issue 16.5: a catalog or a state that is not this tap's -----------------------------------


def test_a_stream_the_catalog_selects_but_the_tap_lacks_gets_a_warning(emulator):
    catalog = discover(AUDIENCE, tap_config(emulator))
    (leads,) = [entry for entry in catalog["streams"] if entry["tap_stream_id"] == "leads"]
    renamed = {**json.loads(json.dumps(leads)), "tap_stream_id": "leads_v1", "stream": "leads_v1"}
    for metadata in renamed["metadata"]:
        if metadata["breadcrumb"] == []:
            metadata["metadata"]["selected"] = True
    catalog["streams"].append(renamed)

    run = run_tap(AUDIENCE, tap_config(emulator), catalog=catalog)

    assert run.returncode == 0, run.stderr[-2000:]
    warnings = [line for line in run.stderr.splitlines() if "WARNING" in line]
    assert any("leads_v1" in line and "does not have" in line for line in warnings), warnings
    assert "leads_v1" not in run.records


def test_a_state_written_by_another_tap_is_an_error_naming_the_file(emulator):
    ibm_state = {
        "bookmarks": {
            "views": {"replication_key": "started_at", "replication_key_value": "2026-01-05"}
        }
    }

    run = run_tap(AUDIENCE, tap_config(emulator), state=ibm_state)

    assert run.returncode == 1
    last_line = run.stderr.strip().splitlines()[-1]
    assert "State file " in last_line
    assert "state.json cannot belong to tap-brightcove-audience" in last_line
    assert "views" in last_line
    assert not run.records
    assert data_requests(emulator) == 0


#: Each tap's wrong credential, and the emulator routes that only hand out tokens.
WRONG_CREDENTIALS = {
    "tap-brightcove-audience": {"client_secret": "wrong-secret"},
    "tap-ibm-video": {"client_secret": "wrong-secret"},
    "tap-apivideo": {"api_key": "wrong-secret"},
    "tap-brightcove-interactivity": {"client_secret": "wrong-secret"},
}
TOKEN_APIS = ("brightcove_oauth.", "ibm_oauth.", "apivideo_auth.")


def in_process_run(tap: VideoTap) -> BaseException | None:
    """``sync_all`` of a tap built in this process: the error it ended with, if any."""
    try:
        tap.sync_all()
    except Exception as error:  # noqa: BLE001 - the test looks at what it was
        return error
    return None


@pytest.mark.parametrize("name", sorted(TAPS))
def test_wrong_credentials_stop_every_tap_before_any_data_request(name, emulator, capsys):
    tap_class, config = TAPS[name]

    error = in_process_run(tap_class(config=config(emulator, **WRONG_CREDENTIALS[name])))

    assert isinstance(error, CredentialsRejectedError), error
    assert "wrong-secret" not in str(error)
    routes = emulator.stats()["requests_by_route"]
    assert routes, "the credentials were never tried"
    assert [route for route in routes if not route.startswith(TOKEN_APIS)] == []
    assert '"type":"RECORD"' not in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(TAPS))
def test_a_state_of_another_tap_stops_every_tap_before_any_request(name, emulator):
    """Checked before the credentials: Interactivity used to plan and submit reports first."""
    tap_class, config = TAPS[name]
    foreign = {"bookmarks": {"no_such_stream": {"replication_key_value": "2026-01-05"}}}

    error = in_process_run(tap_class(config=config(emulator), state=foreign))

    assert isinstance(error, InvalidInputError), error
    assert f"cannot belong to {name}" in str(error)
    assert data_requests(emulator) == 0


def test_no_tap_overrides_the_run_template():
    """Taps adapt the run through ``prepare_run``/``finish_run``, never by replacing it."""
    for tap_class, _config in TAPS.values():
        assert tap_class.sync_all is VideoTap.sync_all, tap_class.__name__


def test_bookmarks_of_streams_the_tap_lacks_beside_its_own_get_a_warning(emulator):
    state = {
        "bookmarks": {
            "leads": {"replication_key_value": "2026-01-02T00:00:00Z"},
            "leads_v0": {"replication_key_value": "2026-01-05T00:00:00Z"},
        }
    }

    run = run_tap(AUDIENCE, tap_config(emulator, account_ids=[ACCOUNTS[0]]), state=state)

    assert run.returncode == 0, run.stderr[-2000:]
    warnings = [line for line in run.stderr.splitlines() if "WARNING" in line]
    assert any("leads_v0" in line for line in warnings), warnings
    assert run.records["leads"]


# Item 4: state a failed run left behind -----------------------------------------------------


def test_a_failed_runs_signpost_and_starting_value_do_not_hold_back_the_resume(emulator):
    """The last STATE a killed run emitted carries that run's signpost and start.

    The SDK caps a finished bookmark at ``replication_key_signpost``: a stale one
    (the end of the failed run's range: its ``end_date`` here, the API's clock
    then otherwise) must not stop the resumed run short of its own end, nor
    ``starting_replication_value`` drag it back to where the failed run began.
    """
    emulator.reset(ibm_views=4_000)
    config = ibm_config(emulator, window_hours=24)
    failed = run_tap("tap-ibm-video", {**config, "end_date": "2026-01-20T00:00:00Z"})
    assert failed.returncode == 0, failed.stderr[-2000:]
    # The run "died" after this STATE (a kill -9 leaves it as the last one stored).
    last_stored = next(
        state
        for state in failed.states
        if "replication_key_signpost" in state["bookmarks"].get("views", {})
        and state["bookmarks"]["views"].get("replication_key_value", "") >= "2026-01-10"
    )
    views_state = last_stored["bookmarks"]["views"]
    stale_signpost = datetime.datetime.fromisoformat(views_state["replication_key_signpost"])
    bookmark = datetime.datetime.fromisoformat(views_state["replication_key_value"])
    assert stale_signpost == datetime.datetime(2026, 1, 20, tzinfo=datetime.UTC)
    assert views_state["starting_replication_value"] < views_state["replication_key_value"]

    resumed = run_tap("tap-ibm-video", config, state=last_stored)

    assert resumed.returncode == 0, resumed.stderr[-2000:]
    final = resumed.final_state["bookmarks"]["views"]
    assert "replication_key_signpost" not in final
    assert "starting_replication_value" not in final
    newer = [
        view
        for view in views_truth(emulator, start=stale_signpost.isoformat())
        if datetime.datetime.fromisoformat(view["started_at"]) >= stale_signpost
    ]
    assert len(newer) > 1000
    latest = max(datetime.datetime.fromisoformat(view["started_at"]) for view in newer)
    # The bookmark went past the stale signpost, to the newest view or the window it ends.
    assert datetime.datetime.fromisoformat(final["replication_key_value"]) >= latest
    # Every view that started after the failed run's end arrived...
    emitted = {view["view_id"] for view in resumed.records["views"]}
    assert {view["view_id"] for view in newer} <= emitted
    # ...and none from before the bookmark's look-back (2 h) less a view's length (3 h).
    earliest = min(
        datetime.datetime.fromisoformat(view["started_at"]) for view in resumed.records["views"]
    )
    assert earliest >= bookmark - datetime.timedelta(hours=5)
