"""The family's Singer writer: one SCHEMA per stream unless it changes, records in chunks."""

from __future__ import annotations

import json

import pytest
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage

from video_taps_common.singer_output import BookmarkFlushingWriter

SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}}}
WIDER = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "player_id": {"type": ["string", "null"]}},
}


def written(capsysbinary: pytest.CaptureFixture[bytes]) -> list[dict]:
    """The messages the writer put on stdout."""
    return [json.loads(line) for line in capsysbinary.readouterr().out.decode().splitlines()]


def test_a_schema_repeated_unchanged_is_written_once_per_stream(capsysbinary):
    """A child stream's SDK ``sync`` runs once per parent and announces its schema each time."""
    writer = BookmarkFlushingWriter()
    for parent in range(3):
        writer.write_message(SchemaMessage("events", SCHEMA, ["id"]))
        writer.write_message(RecordMessage("events", {"id": parent}))
        writer.write_message(SchemaMessage("sessions", SCHEMA, ["id"]))
    writer.write_message(StateMessage({"bookmarks": {}}))
    writer.flush_pending()

    messages = written(capsysbinary)
    assert [(m["type"], m.get("stream")) for m in messages] == [
        ("SCHEMA", "events"),
        ("RECORD", "events"),
        ("SCHEMA", "sessions"),
        ("RECORD", "events"),
        ("RECORD", "events"),
        ("STATE", None),
    ]
    assert [m["record"]["id"] for m in messages if m["type"] == "RECORD"] == [0, 1, 2]


def test_a_changed_schema_is_announced_again_and_then_kept(capsysbinary):
    """A report with a column the schema lacked re-announces the stream, wider."""
    writer = BookmarkFlushingWriter()
    writer.write_message(SchemaMessage("report", SCHEMA, ["id"]))
    writer.write_message(RecordMessage("report", {"id": 1}))
    writer.write_message(SchemaMessage("report", WIDER, ["id"]))
    writer.write_message(RecordMessage("report", {"id": 2, "player_id": "p"}))
    writer.write_message(SchemaMessage("report", WIDER, ["id"]))
    writer.write_message(SchemaMessage("report", WIDER, ["id", "player_id"]))
    writer.flush_pending()

    schemas = [m for m in written(capsysbinary) if m["type"] == "SCHEMA"]
    assert [(m["schema"], m["key_properties"]) for m in schemas] == [
        (SCHEMA, ["id"]),
        (WIDER, ["id"]),
        (WIDER, ["id", "player_id"]),
    ]
