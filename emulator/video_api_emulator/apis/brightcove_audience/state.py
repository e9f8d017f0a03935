"""Brightcove Audience per-reset state: the tables, query caches and response cache.

Citations: sections of docs/vendors/brightcove-audience.md (see the package docstring).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ...core import Emulator
from ...data import LRU, WhereClauses, rows_between, select
from ...response_cache import ResponseCache
from .data import LeadsTable, ViewEventsTable, build_pools
from .params import REPLICATION_FIELD

#: Result rows per rendered, cached block (see ``AudienceState.page_json``).
BLOCK_ROWS = 1000


class AudienceState:
    """Per-reset Audience data: tables per (account, stream), query caches, response cache."""

    def __init__(self, emu: Emulator) -> None:
        cfg = emu.config
        self.emu = emu
        self.accounts = frozenset(cfg["brightcove_accounts"])
        # Built per account on first use: a reset is then cheap (tests reset
        # before each test, most of which never ask the Audience API).
        self._tables: dict[tuple[str, str], ViewEventsTable | LeadsTable] = {}
        #: The same tables with every row processed: the eventual truth.
        self._settled_tables: dict[tuple[str, str], ViewEventsTable | LeadsTable] = {}
        self._building = threading.Lock()
        # Ordered index arrays per query shape; paging then costs O(limit).
        self.cache = LRU(maxsize=32)
        # Rendered blocks of BLOCK_ROWS consecutive result rows per query shape.
        self.blocks = LRU(maxsize=64)
        # docs/vendors/brightcove-audience.md#caching: the API's own response cache (what clients
        # can observe).
        self.responses = ResponseCache(int(round(cfg["audience_cache_seconds"] * 1000)))

    def table(
        self, account: str, stream: str, *, settled: bool = False
    ) -> ViewEventsTable | LeadsTable:
        """The table the API serves now, or (``settled``) the eventual one."""
        key = (account, stream)
        if key not in self._tables:
            self._build_account(account)
        return (self._settled_tables if settled else self._tables)[key]

    def _build_account(self, account: str) -> None:
        if account not in self.accounts:
            raise KeyError(account)
        with self._building:
            if (account, "view_events") in self._tables:
                return
            cfg = self.emu.config
            seed = int(cfg["seed"])
            pools = build_pools(seed, account)
            tables = {
                (account, "view_events"): ViewEventsTable(seed, pools, cfg),
                (account, "leads"): LeadsTable(seed, pools, cfg),
            }
            self._settled_tables.update({key: table.settled() for key, table in tables.items()})
            self._tables.update(tables)

    def ordered(
        self,
        account: str,
        stream: str,
        from_ms: int | None,
        to_ms: int | None,
        where: WhereClauses,
        sort: tuple[str, bool],
        *,
        settled: bool = False,
    ) -> tuple[np.ndarray, tuple[Any, ...]]:
        """Return (cached) ordered row indices for one query shape, and its cache key.

        Bounds that exclude nothing are dropped from the key: every row's
        timestamps lie in [data_start, horizon), so a client sending
        ``to=<its wall clock>`` with each page still hits the cache.
        ``settled`` queries the eventual table (every row processed).
        """
        horizon = self.emu.horizon_ms
        table = self.table(account, stream, settled=settled)
        if to_ms is not None and to_ms >= horizon:
            to_ms = None
        if from_ms is not None and from_ms <= table.timeline.start_ms:
            from_ms = None
        key = (account, stream, settled, horizon, from_ms, to_ms, where, sort)
        ks = self.cache.get_or_compute(
            key,
            lambda: select(
                table,
                horizon,
                range_field=REPLICATION_FIELD[stream],
                from_ms=from_ms,
                to_ms=to_ms,
                where=where,
                sort_field=sort[0],
                descending=sort[1],
            ),
        )
        return ks, key

    def page_json(self, query_key: tuple[Any, ...], ks: np.ndarray, offset: int, limit: int) -> str:
        """Rows ``ks[offset:offset+limit]`` as comma-separated JSON objects.

        ``query_key`` is the key :meth:`ordered` returned with ``ks``.

        Rendering costs mostly per numpy call, not per row, so results are
        rendered in blocks of ``BLOCK_ROWS`` rows, cached, and pages are sliced
        out of them: a client paging through a result renders each block once.
        """
        account, stream, settled, horizon = query_key[:4]
        table = self.table(account, stream, settled=settled)
        stop = min(len(ks), offset + limit)
        pieces = []
        pos = offset
        while pos < stop:
            block = pos // BLOCK_ROWS
            text, ends = self.blocks.get_or_compute(
                (query_key, block),
                lambda b=block: table.render_block(
                    ks[b * BLOCK_ROWS : (b + 1) * BLOCK_ROWS], horizon
                ),
            )
            base = block * BLOCK_ROWS
            upto = min(stop, base + BLOCK_ROWS)
            pieces.append(rows_between(text, ends, pos - base, upto - base))
            pos = upto
        return ",".join(pieces)
