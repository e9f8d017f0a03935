"""Renamed settings (``VideoTap.renamed_settings``): an old name keeps working, with a WARNING.

The mechanism runs when the SDK reads the config, before the schema check and
before any request: these tests build a tap from a config and read what the tap
then holds (``tap.config``), what it logged and what it refused.
"""

from __future__ import annotations

import logging
import typing as t

import pytest
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from tests.support.standard_configs import TAP_CLASSES
from tests.taprun import tap_class_for
from video_taps_common.tap_base import RenamedSetting, VideoTap

SECRET_VALUE = "s3cr3t-t0ken-value"


def seconds_to_milliseconds(seconds: t.Any) -> int:  # noqa: ANN401
    return round(float(seconds) * 1000)


class RenamingTap(VideoTap):
    """A tap with a plain rename, a rename to a secret setting and a change of unit."""

    name = "tap-renaming"
    config_jsonschema = th.PropertiesList(
        th.Property("api_token", th.StringType, secret=True),
        th.Property("video_filter", th.ObjectType(additional_properties=th.StringType)),
        th.Property("wait_milliseconds", th.IntegerType(minimum=50), default=5000),
    ).to_dict()
    renamed_settings = (
        RenamedSetting("filter", "video_filter"),
        RenamedSetting("token", "api_token"),
        RenamedSetting(
            "wait_seconds",
            "wait_milliseconds",
            convert=seconds_to_milliseconds,
            old_kind="a number of seconds",
            new_kind="a whole number of milliseconds",
        ),
    )

    def discover_streams(self) -> list:
        return []


def build(caplog: pytest.LogCaptureFixture, **config: t.Any) -> RenamingTap:  # noqa: ANN401
    with caplog.at_level(logging.WARNING, logger=RenamingTap.name):
        return RenamingTap(config=config, setup_mapper=False)


def refusal(caplog: pytest.LogCaptureFixture, **config: t.Any) -> str:  # noqa: ANN401
    with pytest.raises(ConfigValidationError) as raised:
        build(caplog, **config)
    return str(raised.value)


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_an_old_name_is_read_as_the_new_one_with_a_warning_naming_both(caplog):
    tap = build(caplog, filter={"Author": "John Doe"})
    assert tap.config["video_filter"] == {"Author": "John Doe"}
    assert "filter" not in tap.config
    assert warnings_of(caplog) == [
        "The setting `filter` was renamed `video_filter`: its value is used as "
        "`video_filter`. Rename it in your configuration."
    ]


def test_the_warning_never_shows_the_value(caplog):
    tap = build(caplog, token=SECRET_VALUE)
    assert tap.config["api_token"] == SECRET_VALUE
    (warning,) = warnings_of(caplog)
    assert "`token`" in warning
    assert "`api_token`" in warning
    assert SECRET_VALUE not in caplog.text


def test_a_change_of_unit_is_converted_and_the_warning_names_both_units(caplog):
    tap = build(caplog, wait_seconds=0.4)
    assert tap.config["wait_milliseconds"] == 400
    assert "wait_seconds" not in tap.config
    (warning,) = warnings_of(caplog)
    assert "`wait_seconds` (a number of seconds) was renamed `wait_milliseconds`" in warning
    assert "(a whole number of milliseconds)" in warning
    assert "0.4" not in warning
    assert "400" not in warning


def test_without_the_old_name_nothing_moves_and_nothing_warns(caplog):
    tap = build(caplog, wait_milliseconds=250)
    assert tap.config["wait_milliseconds"] == 250
    assert warnings_of(caplog) == []


def test_the_new_setting_default_still_applies_when_the_old_one_is_null(caplog):
    tap = build(caplog, wait_seconds=None)
    assert tap.config["wait_milliseconds"] == 5000
    assert "wait_seconds" not in tap.config


def test_both_names_with_the_same_value_are_accepted(caplog):
    tap = build(caplog, wait_seconds=0.25, wait_milliseconds=250, filter={"a": "b"},
                video_filter={"a": "b"})  # fmt: skip
    assert tap.config["wait_milliseconds"] == 250
    assert tap.config["video_filter"] == {"a": "b"}
    assert len(warnings_of(caplog)) == 2


def test_both_names_with_different_values_are_refused_naming_both(caplog):
    message = refusal(caplog, wait_seconds=1, wait_milliseconds=250)
    assert (
        "settings `wait_seconds` and `wait_milliseconds` are both given, with different values: "
        "`wait_seconds` was renamed `wait_milliseconds`; set only `wait_milliseconds`"
    ) in message


def test_a_secret_given_under_both_names_is_refused_without_either_value(caplog):
    message = refusal(caplog, token=SECRET_VALUE, api_token="another-secret")
    assert "`token` and `api_token` are both given" in message
    assert SECRET_VALUE not in message + caplog.text
    assert "another-secret" not in message + caplog.text


@pytest.mark.parametrize("value", ["soon", [1], {"s": 1}, "nan", float("inf")])
def test_a_value_the_conversion_refuses_is_an_error_naming_both_and_what_was_expected(
    caplog, value
):
    message = refusal(caplog, wait_seconds=value)
    assert (
        f"setting `wait_seconds` (renamed `wait_milliseconds`) must be a number of seconds, "
        f"got {value!r}"
    ) in message
    assert warnings_of(caplog) == []


def test_a_converted_value_out_of_range_is_refused_by_the_new_settings_schema(caplog):
    message = refusal(caplog, wait_seconds=0.01)
    assert "setting `wait_milliseconds`: 10 is less than the minimum of 50" in message


def test_a_refused_rename_is_reported_with_the_other_setting_errors(caplog):
    message = refusal(caplog, wait_seconds="soon", video_filter="not an object")
    assert "must be a number of seconds" in message
    assert "setting `video_filter`" in message


def test_without_validation_the_problem_is_a_warning_and_the_new_name_keeps_its_value(caplog):
    with caplog.at_level(logging.WARNING, logger=RenamingTap.name):
        tap = RenamingTap(
            config={"wait_seconds": 1, "wait_milliseconds": 250},
            setup_mapper=False,
            validate_config=False,
        )
    assert tap.config["wait_milliseconds"] == 250
    assert "wait_seconds" not in tap.config
    assert "set only `wait_milliseconds`" in caplog.text


@pytest.mark.parametrize("tap_name", sorted(TAP_CLASSES))
def test_each_taps_renames_lead_from_an_undeclared_name_to_a_declared_one(tap_name):
    """``--about`` and the plugin definitions list the new names only."""
    tap_class = tap_class_for(tap_name)
    properties = tap_class.config_jsonschema["properties"]
    for rename in tap_class.renamed_settings:
        assert rename.new in properties, rename
        assert rename.old not in properties, rename
        assert (rename.convert is None) == (rename.old_kind == rename.new_kind == ""), rename


def test_the_taps_declare_this_releases_renames():
    apivideo = tap_class_for("tap-apivideo")
    interactivity = tap_class_for("tap-brightcove-interactivity")
    assert [(r.old, r.new) for r in apivideo.renamed_settings] == [("metadata", "video_metadata")]
    assert [(r.old, r.new) for r in interactivity.renamed_settings] == [
        ("poll_interval_seconds", "poll_interval_milliseconds")
    ]


@pytest.mark.parametrize(
    ("seconds", "milliseconds"), [(0.4, 400), ("0.4", 400), (5, 5000), (0.0505, 50)]
)
def test_interactivity_reads_seconds_as_whole_milliseconds(seconds, milliseconds):
    interactivity = tap_class_for("tap-brightcove-interactivity")
    (rename,) = interactivity.renamed_settings
    assert rename.convert(seconds) == milliseconds


def test_interactivity_refuses_true_as_a_number_of_seconds():
    interactivity = tap_class_for("tap-brightcove-interactivity")
    (rename,) = interactivity.renamed_settings
    with pytest.raises(TypeError):
        rename.convert(True)
