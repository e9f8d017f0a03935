"""Primary keys for API objects that carry no id of their own.

Brightcove Audience view events and leads have no documented id
(docs/vendors/brightcove-audience.md#record-identity),
yet targets need a key to upsert on. A digest of the fields that never change
for one object is unique per object and identical in every sync, so a view
event whose ``watched`` and ``updated_at`` grow keeps its key.
"""

from __future__ import annotations

import hashlib
import json
import typing as t


def stable_key(record: t.Mapping[str, t.Any], fields: t.Sequence[str]) -> str:
    """Hex SHA-256 of ``fields`` of ``record`` (absent and null are the same)."""
    identity = [record.get(field) for field in fields]
    encoded = json.dumps(identity, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
