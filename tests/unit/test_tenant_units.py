"""The label of whose rows they are, without the emulator: where it comes from, how it is checked.

api.video's default is the project its access token names; the claims below
are those of the docs' two sample tokens (the raw statistics doc's
``Authorization: Bearer`` example, and the 2023-09 spec's ``access-token``
example).
"""

from __future__ import annotations

import base64
import json
import logging
import types

import pytest
from singer_sdk.singerlib import Catalog

from tap_apivideo.auth import project_in_token
from tap_apivideo.schemas import PROJECT
from tap_apivideo.tap import TapApiVideo, key_label
from tap_ibm_video.tap import TapIbmVideo

#: The claims of the raw statistics doc's sample token.
DOC_SAMPLE_CLAIMS = {
    "iat": 1642824319.096665,
    "nbf": 1642824319.096665,
    "exp": 1642827919.096665,
    "projectId": "prRzIJJA7BLsqHjS45KVpB1",
}
#: The claims of the 2023-09 spec's access-token example.
SPEC_SAMPLE_CLAIMS = {
    "aud": "libcast",
    "sub": "usMonitor",
    "context": {"user": "usMonitor", "project": "prMonitor", "member": "meMonitor"},
}


def jwt(claims: object) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'JWT', 'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("token", "project"),
    [
        (jwt(DOC_SAMPLE_CLAIMS), "prRzIJJA7BLsqHjS45KVpB1"),
        (jwt(SPEC_SAMPLE_CLAIMS), "prMonitor"),
        (jwt({"sub": "someone"}), None),
        (jwt({"projectId": "  "}), None),
        (jwt(["not", "claims"]), None),
        ("not-a-jwt", None),
        ("a.%%%.c", None),
        (None, None),
    ],
)
def test_the_project_an_access_token_names(token, project):
    assert project_in_token(token) == project


def test_the_key_label_is_short_stable_and_reveals_nothing_of_the_key():
    key = "live_mGsgbDUtzRHa47VEtN0rFnDExZ7AyBy0U6eaTrbYhLg"
    label = key_label(key)
    assert label == key_label(key)
    assert label.startswith("key-")
    assert len(label) == len("key-") + 12
    assert int(label[4:], 16) >= 0
    assert key[:6] not in label
    assert key_label(key + "x") != label


def apivideo_tap(**config: object) -> TapApiVideo:
    return TapApiVideo(
        config={"api_key": "secret-key", "start_date": "2026-01-01", **config},
        validate_config=True,
        setup_mapper=False,
    )


def with_token_naming(tap: TapApiVideo, project: str | None) -> TapApiVideo:
    """The tap's authenticator replaced by one whose token names ``project``."""
    tap.__dict__["authenticator"] = types.SimpleNamespace(
        ensure_token=lambda: None, project_id=project
    )
    return tap


def test_apivideo_labels_rows_with_the_setting_else_the_tokens_project(caplog):
    assert with_token_naming(apivideo_tap(project_id="app"), "prX").tenant_fields == {
        "project_id": "app"
    }
    with caplog.at_level(logging.WARNING):
        tap = with_token_naming(apivideo_tap(), "prRzIJJA7BLsqHjS45KVpB1")
        assert tap.tenant_fields == {"project_id": "prRzIJJA7BLsqHjS45KVpB1"}
    assert not caplog.records


def test_apivideo_falls_back_to_the_key_digest_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        tap = with_token_naming(apivideo_tap(), None)
        assert tap.tenant_fields == {"project_id": key_label("secret-key")}
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "changes when the key is rotated" in warning
    assert "Set `project_id`" in warning
    assert "secret-key" not in warning


def test_ibm_labels_rows_with_the_account_id_else_the_client_id():
    config = {"client_id": "cid-1", "client_secret": "s", "start_date": "2026-01-01"}
    default = TapIbmVideo(config=config, setup_mapper=False)
    assert default.tenant_fields == {"account_id": "cid-1"}
    named = TapIbmVideo(config={**config, "account_id": "acme"}, setup_mapper=False)
    assert named.tenant_fields == {"account_id": "acme"}


@pytest.mark.parametrize("value", ["", " ", "app ", 7])
def test_a_label_setting_must_be_a_trimmed_non_empty_string(value):
    (error,) = PROJECT.setting_errors({"project_id": value})
    assert error.startswith("setting `project_id`: expected a non-empty label")
    assert not PROJECT.setting_errors({"project_id": "app"})
    assert not PROJECT.setting_errors({})


def old_catalog_entry(keys: list[str]) -> dict:
    """A catalog entry as the release before the column discovered it."""
    return {
        "tap_stream_id": "metrics",
        "stream": "metrics",
        "key_properties": keys,
        "schema": {
            "type": "object",
            "properties": {"day": {"type": ["string"]}, "metric": {"type": ["string"]}},
            "required": ["day", "metric"],
        },
        "metadata": [
            {"breadcrumb": [], "metadata": {"table-key-properties": keys, "selected": True}},
            {"breadcrumb": ["properties", "day"], "metadata": {"inclusion": "automatic"}},
            {"breadcrumb": ["properties", "metric"], "metadata": {"inclusion": "automatic"}},
        ],
    }


def test_an_old_catalog_gets_the_column_first_in_schema_and_keys_once():
    catalog = Catalog.from_dict({"streams": [old_catalog_entry(["day", "metric"])]})
    assert PROJECT.upgrade_catalog(catalog) == ["metrics"]
    entry = catalog.to_dict()["streams"][0]
    assert entry["key_properties"] == ["project_id", "day", "metric"]
    assert list(entry["schema"]["properties"]) == ["project_id", "day", "metric"]
    assert entry["schema"]["properties"]["project_id"]["type"] == ["string"]
    assert entry["schema"]["required"][0] == "project_id"
    root = next(m["metadata"] for m in entry["metadata"] if not m["breadcrumb"])
    assert root["table-key-properties"] == ["project_id", "day", "metric"]
    assert root["selected"] is True
    column = next(m for m in entry["metadata"] if m["breadcrumb"] == ["properties", "project_id"])
    assert column["metadata"]["inclusion"] == "automatic"
    # A catalog that has it is left alone.
    assert PROJECT.upgrade_catalog(catalog) == []
    assert catalog.to_dict()["streams"][0] == entry


# Brightcove's rows carry their account: their keys are digests that include it.


def test_brightcove_audience_keys_differ_between_accounts_for_the_same_event():
    from tap_brightcove_audience.schemas import LEAD_IDENTITY, VIEW_EVENT_IDENTITY
    from video_taps_common import stable_key

    event = {"created_at": "2026-01-02T03:04:05Z", "video_id": "1", "player_id": "p"}
    for identity in (VIEW_EVENT_IDENTITY, LEAD_IDENTITY):
        assert identity[0] == "account_id"
        keys = {stable_key({**event, "account_id": account}, identity) for account in ("1", "2")}
        assert len(keys) == 2


def test_brightcove_interactivity_keys_differ_between_accounts_for_the_same_row():
    import datetime

    from tap_brightcove_interactivity.row_keys import EventKeys, SummaryKeys
    from tap_brightcove_interactivity.scheduler import ReportRequest
    from tap_brightcove_interactivity.schemas import REPORTS

    day = datetime.date(2026, 1, 2)
    summary = next(spec for spec in REPORTS if spec.grain == "summary")
    assert summary.key_properties[0] == "account_id"
    row = {"project_id": "64088f5dfc95e9001abd0001", "plays": 3}
    for keys_of in (EventKeys, lambda request: SummaryKeys(request, summary)):
        keys = {
            keys_of(ReportRequest(summary.name, account, day, day, "csv")).key(row, day.isoformat())
            for account in ("6415818918001", "6415818919001")
        }
        assert len(keys) == 2
