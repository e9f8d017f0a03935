"""Singer message output that does not pay a system call per record.

The SDK's writers flush stdout after every message; with ``PYTHONUNBUFFERED``
(common in containers) every message is even its own write. At thousands of
records a second that is a large share of a tap's CPU time. Records only matter
to a target together with the STATE that follows them (a target commits up to a
bookmark), so this writer gathers records into chunks and writes them out at
every message that is not a RECORD, when a chunk is full, and when the run
ends (``VideoTap.sync_all`` calls :meth:`~BookmarkFlushingWriter.flush_pending`
whatever the outcome; not at interpreter exit, which printed records of
long-finished in-process runs after everything else). A crash can only hold
back records that no emitted bookmark covers, and the next run reads those
again. It encodes with msgspec, which the SDK ships for this.

It also writes each stream's SCHEMA once, not once per partition: the SDK's
``Stream.sync`` announces the schema every time it runs, and a child stream's
runs once per parent record (thousands of identical SCHEMA lines, each of which
some targets answer by flushing their batch). A SCHEMA that differs from the
last one written for its stream (a stream announcing new columns) goes out.
"""

from __future__ import annotations

import copy
import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import RecordMessage, SchemaMessage
from singer_sdk.singerlib.encoding.simple import Message

#: Records gathered before one write; large enough to make writes rare, small
#: enough that a target sees data promptly.
CHUNK_BYTES = 1 << 16


class BookmarkFlushingWriter(MsgSpecWriter):
    """msgspec-encoded messages, written in chunks and flushed at every non-RECORD.

    A SCHEMA identical to the last one written for its stream is not written again.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pending = bytearray()
        #: A copy of the SCHEMA last written for each stream (alias).
        self._schemas_written: dict[str, SchemaMessage] = {}

    def write_message(self, message: Message) -> None:
        """Gather records; flush them with the next SCHEMA, STATE or other message.

        A repeated SCHEMA is recognised by comparing it with a copy of the last
        one (a dict comparison), before any encoding: a child stream's sync
        announces its schema once per parent record, and encoding each to
        compare cost more CPU than the records of such a sync. The copy is
        deep, so a schema changed in place is still seen as changed.
        """
        if isinstance(message, SchemaMessage):
            if self._schemas_written.get(message.stream) == message:
                return
            self._schemas_written[message.stream] = copy.deepcopy(message)
        encoded = self.format_message(message)
        self._pending += encoded
        if len(self._pending) >= CHUNK_BYTES or not isinstance(message, RecordMessage):
            self.flush_pending()

    def flush_pending(self) -> None:
        """Write out everything gathered so far."""
        if self._pending:
            sys.stdout.buffer.write(self._pending)
            self._pending.clear()
        sys.stdout.flush()
