"""The synthetic Singer stream the loader tests send

Split from tests/e2e/test_support_targets.py."""

from __future__ import annotations

from tests.e2e.test_support_targets import STREAM_KEYS, singer_messages, synthetic_records


def test_synthetic_revisions_share_keys_and_differ_in_values() -> None:
    """Guards the upsert tests: revision 2 must re-send revision 1's keys, changed."""
    first = synthetic_records(50, revision=1)
    second = synthetic_records(50, revision=2)
    for stream, keys in STREAM_KEYS.items():
        assert [tuple(r[k] for k in keys) for r in first[stream]] == [
            tuple(r[k] for k in keys) for r in second[stream]
        ]
        assert all(a != b for a, b in zip(first[stream], second[stream], strict=True))
    lines = list(singer_messages(10))
    assert sum('"type": "RECORD"' in line for line in lines) == 20
