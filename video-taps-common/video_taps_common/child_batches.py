"""Child streams synced many parents at a time, their first pages fetched concurrently.

The SDK syncs a child stream inside its parent's record loop: one parent
record, then that parent's whole child sync, then the next parent. For APIs
where every parent needs its own request (api.video: a sessions request per
video, an events request per session, thousands of them), that is one
request after another, and a sync at 100 ms latency reaches a tenth of a
500-a-minute limit's speed only by luck.

Here a parent collects its children's contexts instead, up to
``CHILD_BATCH_SIZE``, and hands the batch to each child, which fetches the
first page of many contexts at once (bounded by its ``max_concurrent_requests``
and the tap's rate budget) while syncing them one by one, in order, through the
SDK's own ``sync(context)``: state per context, SCHEMA, maps and the child's
own children work as before. A child that is itself a parent collects its own
children across the whole batch, so grandchildren go many at a time too.

Records reach the target in the same streams; only the interleaving differs:
a batch of parents is emitted before their children.
"""

from __future__ import annotations

import typing as t
from contextlib import closing
from functools import cached_property

from singer_sdk.exceptions import AbortedSyncFailedException, AbortedSyncPausedException

from video_taps_common.concurrent_stream import MAX_BUFFERED_PAGE_BYTES, FetchedPage
from video_taps_common.ordered import map_in_order
from video_taps_common.paged_stream import ConcurrentPagesStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

#: Parent contexts collected before their children sync. Each is a small dict;
#: the number bounds how far parents run ahead of their children.
CHILD_BATCH_SIZE = 1000


class BatchedChildrenMixin:
    """For a parent stream: children sync a batch of parents at a time, concurrently."""

    child_streams: list[t.Any]
    parent_stream_type: type | None

    @cached_property
    def _pending_child_contexts(self) -> list[Context]:
        return []

    def _sync_children(self, child_context: Context | None) -> None:
        """Queue the context; a full batch syncs at once."""
        if child_context is None or not self._children_to_sync():
            return
        self._pending_child_contexts.append(child_context)
        if len(self._pending_child_contexts) >= CHILD_BATCH_SIZE:
            self.flush_children()

    def _sync_records(
        self, context: Context | None = None, *, write_messages: bool = True
    ) -> t.Generator[dict, t.Any, t.Any]:
        """The SDK's, then (at the top of the tree) the children still queued."""
        yield from super()._sync_records(  # type: ignore[misc]
            context, write_messages=write_messages
        )
        if self.parent_stream_type is None:
            self.flush_children()

    def flush_children(self) -> None:
        """Sync every queued context in each child, then the children's own queues."""
        contexts = list(self._pending_child_contexts)
        self._pending_child_contexts.clear()
        if not contexts:
            return
        for child in self._children_to_sync():
            sync_contexts(child, contexts)
            if isinstance(child, BatchedChildrenMixin):
                child.flush_children()

    def _children_to_sync(self) -> list[t.Any]:
        return [c for c in self.child_streams if c.selected or c.has_selected_descendents]


def sync_contexts(stream: ConcurrentPagesStream, contexts: list[Context]) -> None:
    """``stream.sync(context)`` for each context, in order, first pages fetched ahead.

    A first page that fails is handed to its own ``sync`` as the error, so the
    stream's partition handling decides (skip that context, stop the stream, or
    stop the run) exactly as for a page it fetched itself.
    """

    def first_page(
        item: tuple[Context, t.Any],
    ) -> FetchedPage[t.Any] | Exception | None:
        context, token = item
        if token is None or stream.unavailable_reason is not None:
            return None
        try:
            return stream.fetch_page(context, token)
        except Exception as error:  # noqa: BLE001 - re-raised inside the context's own sync
            return error

    # Tokens are computed here, in the syncing thread: they may read state.
    items = ((context, stream.first_page_token(context)) for context in contexts)
    pages = map_in_order(
        first_page,
        items,
        max_workers=stream.max_concurrent_requests,
        thread_name_prefix=f"{stream.name}-first-pages",
        weigh=_weight,
        max_pending_weight=MAX_BUFFERED_PAGE_BYTES,
    )
    with closing(pages):
        for context, page in zip(contexts, pages, strict=True):
            stream._prefetched_first = page  # noqa: SLF001 - the stream's own hand-off slot
            try:
                stream.sync(context=context)
            except (AbortedSyncFailedException, AbortedSyncPausedException):
                continue
            finally:
                stream._prefetched_first = None  # noqa: SLF001


def _weight(page: FetchedPage[t.Any] | Exception | None) -> int:
    return len(page.response.content) if isinstance(page, FetchedPage) else 0
