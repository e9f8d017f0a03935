"""Reconciliation tests for the loaders pinned in meltano.yml.

A synthetic Singer stream (two streams with key_properties, a few thousand
records each, awkward strings, big integers, floats, booleans, date-times,
missing and null optional fields) is piped through the REAL meltano CLI into
target-duckdb, target-postgres (a throwaway real server) and target-jsonl, and
the destination is counted and compared value by value.

Why this exists: target-duckdb 0.8.0 only asks for ``duckdb>=1.0`` and, with
duckdb 2.x, loses rows without any error.  These tests are the proof that the
pin set in meltano.yml loads every row, and that re-sending the same keys with
new values updates in place (an upsert) instead of duplicating or dropping.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from psycopg.rows import dict_row

from tests.support.meltano import (
    duckdb_row_counts,
    isolated_env,
    jsonl_row_counts,
    meltano_install,
    meltano_invoke,
    postgres_row_counts,
    read_jsonl_output,
)
from tests.support.postgres import PostgresServer, postgres_server

# Records per stream: a few thousand, so that both CSV batching in
# target-duckdb and SDK batching in target-postgres see more than one batch
# boundary, while the whole module stays well under two minutes.
RECORDS_PER_STREAM = 3000
# Loader batch size in the tests: three batches per stream.
BATCH_SIZE_ROWS = 1000

STREAM_KEYS: dict[str, list[str]] = {
    "video_views": ["account_id", "view_id"],
    "leads": ["lead_id"],
}

_NULLABLE_STRING = {"type": ["string", "null"]}
SCHEMAS: dict[str, dict[str, Any]] = {
    "video_views": {
        "type": "object",
        "properties": {
            "account_id": {"type": "string"},
            "view_id": {"type": "integer"},
            "video_name": {"type": "string"},
            "video_seconds_viewed": {"type": ["integer", "null"]},
            "engagement_score": {"type": ["number", "null"]},
            "is_live": {"type": ["boolean", "null"]},
            "viewed_at": {"type": "string", "format": "date-time"},
            "player_name": _NULLABLE_STRING,
            "country": _NULLABLE_STRING,
        },
    },
    "leads": {
        "type": "object",
        "properties": {
            "lead_id": {"type": "string"},
            "email": {"type": "string"},
            "score": {"type": ["number", "null"]},
            "subscribed": {"type": ["boolean", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": ["string", "null"], "format": "date-time"},
            "notes": _NULLABLE_STRING,
        },
    },
}

# Strings that break naive CSV / JSON handling: separators, quotes, line
# breaks, backslashes, non-ASCII, SQL-ish text and a header-looking value.
_AWKWARD = [
    "plain",
    "comma, inside",
    'double "quoted" word',
    "line\nbreak",
    "crlf\r\nbreak",
    "back\\slash",
    "tab\tinside",
    "unicode é 日本 ✓",
    "emoji 🎬",
    "  padded  ",
    "'; DROP TABLE x; --",
    "account_id,view_id,video_name",
]
_BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def _timestamp(rng: random.Random) -> str:
    """A UTC date-time string in one of the spellings taps really emit."""
    moment = _BASE_TIME + timedelta(seconds=rng.randrange(0, 90 * 86400))
    style = rng.randrange(3)
    if style == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == 1:
        return moment.isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randrange(1_000_000):06d}Z"


def synthetic_records(n: int, *, revision: int = 1) -> dict[str, list[dict[str, Any]]]:
    """Deterministic records per stream; ``revision`` changes every non-key value.

    The keys depend only on the position, so revision 2 re-sends exactly the
    keys of revision 1 with different values: what an upsert test needs.
    """
    rng = random.Random(1000 + revision)  # values differ per revision, keys do not
    views: list[dict[str, Any]] = []
    leads: list[dict[str, Any]] = []
    for i in range(n):
        view: dict[str, Any] = {
            "account_id": ("6415818918001", "6415818919001")[i % 2],
            "view_id": i * 7919 + 1,
            "video_name": f"{_AWKWARD[(i + revision) % len(_AWKWARD)]} r{revision} #{i}",
            "video_seconds_viewed": rng.randrange(0, 2**40),
            "engagement_score": round(rng.uniform(-1000, 1000), 4),
            "is_live": rng.random() < 0.5,
            "viewed_at": _timestamp(rng),
        }
        # Optional fields: sometimes absent, sometimes explicit null.
        if i % 3:
            view["player_name"] = f"player-{rng.randrange(50)} r{revision}"
        if i % 5 == 0:
            view["country"] = None
        elif i % 5 != 1:
            view["country"] = rng.choice(["US", "GB", "BR", "JP", "DE"])
        if i % 11 == 0:
            view["video_seconds_viewed"] = None
        views.append(view)

        lead: dict[str, Any] = {
            "lead_id": f"lead-{i:06d}",
            "email": f"user{i}+r{revision}@example.com",
            "score": round(rng.uniform(0, 100), 3),
            "subscribed": (i + revision) % 2 == 0,
            "created_at": _timestamp(rng),
        }
        if i % 4:
            lead["updated_at"] = _timestamp(rng)
        if i % 6 == 0:
            lead["notes"] = f"{_AWKWARD[(i * 3 + revision) % len(_AWKWARD)]} r{revision}"
        elif i % 6 == 1:
            lead["notes"] = None
        if i % 13 == 0:
            lead["score"] = None
        leads.append(lead)
    return {"video_views": views, "leads": leads}


def singer_messages(n: int, *, revision: int = 1) -> Iterator[str]:
    """The Singer message lines (no newline) a tap would print for the records.

    Records of the two streams are interleaved and a STATE message follows
    every 500 records, as a real tap with two streams would write them.
    """
    records = synthetic_records(n, revision=revision)
    for stream, schema in SCHEMAS.items():
        yield json.dumps(
            {
                "type": "SCHEMA",
                "stream": stream,
                "schema": schema,
                "key_properties": STREAM_KEYS[stream],
            }
        )
    for i in range(n):
        for stream in SCHEMAS:
            yield json.dumps(
                {
                    "type": "RECORD",
                    "stream": stream,
                    "record": records[stream][i],
                    "time_extracted": "2026-03-01T00:00:00+00:00",
                },
                ensure_ascii=False,
            )
        if (i + 1) % 500 == 0 or i == n - 1:
            yield json.dumps(
                {"type": "STATE", "value": {"bookmarks": {"synthetic": {"position": i + 1}}}}
            )


# -- comparison ----------------------------------------------------------------


def _as_utc(value: Any) -> datetime | None:
    """A timestamp from either side as an aware UTC datetime (naive means UTC)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _same(expected: Any, actual: Any, prop: dict[str, Any]) -> bool:
    """Whether a loaded value equals the sent one, allowing only lossless type changes."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if prop.get("format") == "date-time":
        return _as_utc(expected) == _as_utc(actual)
    if isinstance(expected, float):
        return math.isclose(expected, float(actual), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, bool):
        return actual is expected
    return expected == actual


def assert_rows_match(
    stream: str, loaded: list[dict[str, Any]], expected: list[dict[str, Any]]
) -> None:
    """Every expected record is loaded exactly once with every value intact."""
    keys = STREAM_KEYS[stream]
    props = SCHEMAS[stream]["properties"]
    by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
    duplicates = 0
    for row in loaded:
        key = tuple(row[k] for k in keys)
        duplicates += key in by_key
        by_key[key] = row
    problems: list[str] = []
    for record in expected:
        key = tuple(record[k] for k in keys)
        row = by_key.pop(key, None)
        if row is None:
            problems.append(f"missing {key}")
            continue
        problems.extend(
            f"{key}.{column}: sent {record.get(column)!r}, loaded {row.get(column)!r}"
            for column, prop in props.items()
            if not _same(record.get(column), row.get(column), prop)
        )
    problems.extend(f"unexpected {key}" for key in by_key)
    summary = (
        f"{stream}: {len(loaded)} rows loaded, {len(expected)} sent, {duplicates} duplicate "
        f"keys, {len(problems)} problems, first: {problems[:10]}"
    )
    assert len(loaded) == len(expected), summary
    assert not duplicates, summary
    assert not problems, summary


def assert_resent_changes_every_row(
    sent: dict[str, list[dict[str, Any]]], resent: dict[str, list[dict[str, Any]]]
) -> None:
    """Revision 2 re-sends revision 1's keys, every row with other values.

    Else an upsert test could not tell a row updated in place from one left alone.
    """
    for stream, keys in STREAM_KEYS.items():
        assert [tuple(r[k] for k in keys) for r in sent[stream]] == [
            tuple(r[k] for k in keys) for r in resent[stream]
        ], stream
        assert all(a != b for a, b in zip(sent[stream], resent[stream], strict=True)), stream


# -- fixtures ----------------------------------------------------------------


def _stdin(revision: int) -> str:
    return "\n".join(singer_messages(RECORDS_PER_STREAM, revision=revision)) + "\n"


@pytest.fixture(scope="module")
def loaders_installed() -> None:
    # Only the loaders: these tests must not depend on the tap building.
    meltano_install(plugin_type="loaders")


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


def _duckdb_rows(path: Path, stream: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(f'select * from analytics."{stream}"')  # noqa: S608
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _postgres_rows(dsn: str, stream: str) -> list[dict[str, Any]]:
    with psycopg.connect(dsn) as con, con.cursor(row_factory=dict_row) as cursor:
        cursor.execute(f'select * from analytics."{stream}"')  # noqa: S608
        return list(cursor.fetchall())


# -- tests -------------------------------------------------------------------


@pytest.mark.e2e
def test_target_duckdb_loads_every_row_and_upserts(tmp_path: Path, loaders_installed: None) -> None:
    # Small batches: the broken pins lose the first row of EVERY batch, so
    # several batch boundaries per stream make the loss larger and certain.
    # No extractor here, so no load_schema: name the schema.
    env = isolated_env(tmp_path) | {
        "TARGET_DUCKDB_BATCH_SIZE_ROWS": str(BATCH_SIZE_ROWS),
        "TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA": "analytics",
    }
    warehouse = Path(env["TARGET_DUCKDB_FILEPATH"])
    expected = dict.fromkeys(SCHEMAS, RECORDS_PER_STREAM)

    meltano_invoke("target-duckdb", input=_stdin(1), env=env)
    assert duckdb_row_counts(warehouse, "analytics") == expected
    sent = synthetic_records(RECORDS_PER_STREAM, revision=1)
    for stream in SCHEMAS:
        assert_rows_match(stream, _duckdb_rows(warehouse, stream), sent[stream])

    # Same keys, new values: rows are updated in place, none added or lost.
    resent = synthetic_records(RECORDS_PER_STREAM, revision=2)
    assert_resent_changes_every_row(sent, resent)
    meltano_invoke("target-duckdb", input=_stdin(2), env=env)
    assert duckdb_row_counts(warehouse, "analytics") == expected
    for stream in SCHEMAS:
        assert_rows_match(stream, _duckdb_rows(warehouse, stream), resent[stream])


@pytest.mark.e2e
def test_target_postgres_loads_every_row_and_upserts(
    tmp_path: Path, loaders_installed: None, pg: PostgresServer
) -> None:
    env = isolated_env(tmp_path, postgres_env=pg.target_postgres_env("analytics")) | {
        "TARGET_POSTGRES_BATCH_SIZE_ROWS": str(BATCH_SIZE_ROWS)
    }
    expected = dict.fromkeys(SCHEMAS, RECORDS_PER_STREAM)

    meltano_invoke("target-postgres", input=_stdin(1), env=env)
    assert postgres_row_counts(pg.dsn, "analytics") == expected
    sent = synthetic_records(RECORDS_PER_STREAM, revision=1)
    for stream in SCHEMAS:
        assert_rows_match(stream, _postgres_rows(pg.dsn, stream), sent[stream])

    resent = synthetic_records(RECORDS_PER_STREAM, revision=2)
    assert_resent_changes_every_row(sent, resent)
    meltano_invoke("target-postgres", input=_stdin(2), env=env)
    assert postgres_row_counts(pg.dsn, "analytics") == expected
    for stream in SCHEMAS:
        assert_rows_match(stream, _postgres_rows(pg.dsn, stream), resent[stream])


@pytest.mark.e2e
def test_target_jsonl_writes_every_record(tmp_path: Path, loaders_installed: None) -> None:
    env = isolated_env(tmp_path)
    meltano_invoke("target-jsonl", input=_stdin(1), env=env)
    written = read_jsonl_output(env["TARGET_JSONL_DESTINATION_PATH"])
    expected = dict.fromkeys(SCHEMAS, RECORDS_PER_STREAM)
    assert jsonl_row_counts(env["TARGET_JSONL_DESTINATION_PATH"]) == expected
    sent = synthetic_records(RECORDS_PER_STREAM, revision=1)
    for stream in SCHEMAS:
        # JSON lines keep the records exactly, in order.
        assert written[stream] == sent[stream]


@pytest.mark.e2e
def test_postgres_server_is_real_and_cleans_up() -> None:
    """The fixture really serves SQL on loopback and leaves nothing behind."""
    with postgres_server(dbname="probe") as server:
        base_dir = server.base_dir
        assert base_dir is not None
        with psycopg.connect(server.dsn) as con:
            row = con.execute("select current_database(), inet_server_addr()::text").fetchone()
        assert row == ("probe", "127.0.0.1/32")
        port = server.port
    assert not base_dir.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/probe", connect_timeout=2)
