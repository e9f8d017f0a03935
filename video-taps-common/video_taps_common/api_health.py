"""Whether the API as a whole is failing, so an outage ends a run in minutes, not hours.

Every request is retried on its own (8 tries over about 90 s), and partitions
sync one after another. When the API itself is down, each partition spent that
whole schedule in turn: api.video with 41 partitions took an hour to fail,
Interactivity with 24 forty minutes. A tap shares one :class:`ApiHealth`:

- once a request has used up its retries on a failure that is the API's own
  (a 5xx, a timeout, a connection dropped, refused or never answered), the
  API is taken to be failing;
- each request that *starts* after that gets a single try. If it fails the
  same way, the outage is confirmed and the run stops at once
  (:class:`ApiOutageError`), every finished partition checkpointed. If it
  succeeds, the failure was one partition's, and retries are back to normal.

A 400, 401, 403 or 404 belongs to its partition and never counts; nor does a
429, which is the API answering and pacing us.

Two failures say up front that retrying will not help: nothing listening on the
port (connection refused) and a host name that does not resolve. Those get
:data:`NEVER_CONNECTED_TRIES` tries (a few seconds), not the whole schedule.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import typing as t
from dataclasses import dataclass
from http import HTTPStatus

import requests
import urllib3
from singer_sdk.exceptions import RetriableAPIError

from video_taps_common.errors import RunAbortingError

#: Tries of a request whose connection was refused or whose host does not resolve.
NEVER_CONNECTED_TRIES = 3

#: What the SDK's request decorator retries (``RESTStream.request_decorator``).
RETRIED_ERRORS: tuple[type[Exception], ...] = (
    ConnectionResetError,
    RetriableAPIError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

logger = logging.getLogger(__name__)


class ApiOutageError(RunAbortingError):
    """The API failed for good on one partition and at once on the next: stop the run."""


@dataclass(frozen=True, slots=True)
class Outage:
    """The request that used up its retries, and when."""

    where: str
    error: str
    at: float


class ApiHealth:
    """One per tap: whether a request used up its retries on a failure of the API itself."""

    def __init__(self, clock: t.Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._outage: Outage | None = None

    @property
    def outage(self) -> Outage | None:
        """The failure that made the API count as failing, ``None`` while it works."""
        return self._outage

    @property
    def failing(self) -> bool:
        """Whether requests now get a single try."""
        return self._outage is not None

    def now(self) -> float:
        """The clock outages are timed on; a request notes it when it starts."""
        return self._clock()

    def gave_up(self, where: str, error: str) -> None:
        """A request used up its retries on a failure of the API (not of its partition)."""
        with self._lock:
            if self._outage is not None:
                return
            self._outage = Outage(where=where, error=error, at=self._clock())
        logger.warning(
            "The API failed for good on %s: %s. Further requests get a single try; if the "
            "next one fails too, the run stops instead of retrying every partition.",
            where,
            error,
        )

    def answered(self) -> None:
        """A request succeeded: the API works, and retries are back to normal."""
        if self._outage is None:
            return
        with self._lock:
            outage, self._outage = self._outage, None
        if outage is not None:
            logger.info(
                "The API answers again; the failure on %s was that request's alone.",
                outage.where,
            )

    def confirms_outage(self, started: float) -> Outage | None:
        """The outage a failed request confirms: one known before the request started."""
        outage = self._outage
        return outage if outage is not None and outage.at <= started else None


def is_api_failure(error: BaseException) -> bool:
    """A failure of the API itself (5xx, timeout, connection), not of one partition's request."""
    if isinstance(error, RetriableAPIError):
        response = error.response
        return response is None or response.status_code != HTTPStatus.TOO_MANY_REQUESTS
    return isinstance(error, RETRIED_ERRORS)


def never_connected(error: BaseException) -> bool:
    """True when no connection was made (refused, unknown host, connect timeout).

    A connection dropped mid-response is a fault of one request, retried and
    then charged to its partition; one that never opens fails every request.
    """
    never_opened = urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
    return isinstance(error, requests.exceptions.ConnectTimeout) or any(
        isinstance(cause, never_opened) for cause in causes(error)
    )


def retrying_cannot_help(error: BaseException) -> bool:
    """Nothing listens on the port, or the host name does not resolve.

    A connect timeout is not among them: a host that drops packets for a while
    may answer later, so it keeps the whole schedule.
    """
    hopeless = ConnectionRefusedError | socket.gaierror
    return any(isinstance(cause, hopeless) for cause in causes(error))


def describe_connection_failure(error: BaseException) -> str:
    """Why no connection was made, in words: refused, a name that does not resolve, or timeout."""
    for cause in causes(error):
        if isinstance(cause, socket.gaierror):
            host = _host_of(error)
            named = f"the host name {host!r}" if host else "the host name"
            return f"{named} does not resolve ({cause.strerror or cause})"
        if isinstance(cause, ConnectionRefusedError):
            address = _address_of(error)
            where = f" on {address}" if address else ""
            return f"connection refused: nothing listens{where}"
    return root_cause(error)


def root_cause(error: BaseException) -> str:
    """The innermost reason, e.g. ``[Errno 111] Connection refused``, not urllib3's wrapping."""
    *_, cause = causes(error)
    reason = getattr(cause, "reason", None)
    return str(reason or cause)


def causes(error: BaseException) -> t.Iterator[BaseException]:
    """``error`` and each exception it was raised from or during, outermost first."""
    cause: BaseException | None = error
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = cause.__cause__ or cause.__context__


def _connection_of(error: BaseException) -> t.Any:  # noqa: ANN401
    for cause in causes(error):
        connection = getattr(cause, "conn", None)
        if connection is not None:
            return connection
    return None


def _host_of(error: BaseException) -> str | None:
    connection = _connection_of(error)
    return getattr(connection, "host", None)


def _address_of(error: BaseException) -> str | None:
    connection = _connection_of(error)
    host, port = getattr(connection, "host", None), getattr(connection, "port", None)
    return f"{host}:{port}" if host and port else host
