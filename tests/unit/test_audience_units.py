"""tap-brightcove-audience: single behaviours, without HTTP

Split from tests/taps/test_audience_tap.py."""

from __future__ import annotations

from tests.support.audience import START


def test_fields_the_schema_does_not_declare_are_dropped_with_one_warning(caplog):
    from tap_brightcove_audience.tap import TapBrightcoveAudience

    tap = TapBrightcoveAudience(
        config={
            "client_id": "id",
            "client_secret": "secret",
            "account_ids": ["1"],
            "start_date": START,
        },
        validate_config=True,
    )
    stream = tap.streams["view_events"]
    row = {"video_id": "1", "watched": 5, "surprise": "x"}

    with caplog.at_level("WARNING"):
        first = stream.keep_declared_fields(dict(row))
        second = stream.keep_declared_fields(dict(row))

    declared = set(stream.schema["properties"])
    assert first == second == {field: row.get(field) for field in declared}
    assert first["video_id"] == "1"
    assert first["watched"] == 5
    assert first["tracking_id"] is None
    warnings = [r for r in caplog.records if "surprise" in r.getMessage()]
    assert len(warnings) == 1
