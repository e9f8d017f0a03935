"""A vendor-side response cache, for APIs whose docs say answers may come from one.

Why: a client must cope with a cache in front of the API (a fresh row can stay
invisible until the cached answer expires), so the emulator serves one where
the docs describe it (docs/vendors/brightcove-audience.md#caching). Entries are keyed on the
request's path and query string and expire in *emulator* time - the horizon,
which only ``POST /_emulator/advance`` moves - because the emulated data only
changes with the horizon; tests expire the cache by advancing it.

Only successful answers are stored (an API module decides what it puts here),
and the store is bounded in bytes so long benchmark runs can't grow memory.
"""

from __future__ import annotations

from collections import OrderedDict


class ResponseCache:
    """Response bodies by request key, each valid ``ttl_ms`` of emulator time."""

    def __init__(self, ttl_ms: int, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.ttl_ms = ttl_ms
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[int, bytes]] = OrderedDict()
        self._bytes = 0

    @property
    def enabled(self) -> bool:
        """False when the cache period is 0 (every answer is a MISS)."""
        return self.ttl_ms > 0

    def get(self, key: str, now_ms: int) -> bytes | None:
        """Return the body stored for ``key`` if it is younger than the cache period."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_ms, body = entry
        if now_ms - stored_ms >= self.ttl_ms:
            self._drop(key)
            return None
        return body

    def put(self, key: str, now_ms: int, body: bytes) -> None:
        """Store ``body`` for ``key`` as of ``now_ms`` (replacing an older entry)."""
        if not self.enabled or len(body) > self.max_bytes:
            return
        self._drop(key)
        self._entries[key] = (now_ms, body)
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._drop(oldest)

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[1])
