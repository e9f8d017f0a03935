"""A REST stream that fetches pages concurrently and emits them in order.

The SDK's ``RESTStream.request_records`` fetches one page after another, so a
sync with 100 ms of latency per page cannot approach a 50 requests/second limit.
APIs that report the total in their first response (``count`` for Brightcove
Audience, pagination counts for IBM) let us know every later page token up
front; this base class fetches those pages on a bounded thread pool under the
tap's shared :class:`~video_taps_common.rate_budget.RateBudget`, and yields
records strictly in page order so incremental bookmarks stay correct.

Everything per request still goes through the SDK's machinery: the
authenticator, ``get_http_request``/``get_url_params``, ``validate_response``
and the ``backoff`` decorator from ``request_decorator``.
"""

from __future__ import annotations

import datetime
import decimal
import logging
import sys
import threading
import typing as t
from dataclasses import dataclass
from functools import cached_property, partial
from http import HTTPStatus
from urllib.parse import urlsplit

import backoff
import msgspec
import requests
from requests.adapters import HTTPAdapter
from singer_sdk import RESTStream, metrics
from singer_sdk import singerlib as singer
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import RemoveRecordTransform
from singer_sdk.streams.rest import PageContext

from video_taps_common.api_health import (
    NEVER_CONNECTED_TRIES,
    RETRIED_ERRORS,
    ApiHealth,
    ApiOutageError,
    describe_connection_failure,
    is_api_failure,
    never_connected,
    retrying_cannot_help,
)
from video_taps_common.errors import (
    EndpointUnreachableError,
    RunAbortingError,
    StreamUnavailableError,
    TokenEndpointUnavailableError,
)
from video_taps_common.progress import PartitionProgress, describe_partition
from video_taps_common.sdk_compat import ActivateVersionHook, RecordMessagesHook

if t.TYPE_CHECKING:
    from backoff.types import Details
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from video_taps_common.rate_budget import RequestBudget

_TToken = t.TypeVar("_TToken")
_TResult = t.TypeVar("_TResult")

DEFAULT_MAX_CONCURRENT_REQUESTS = 8
#: Used when a tap declares no ``request_timeout_seconds`` setting.
DEFAULT_REQUEST_TIMEOUT_SECONDS = 60
#: Seconds to open a connection: a host that does not answer a SYN in this long
#: is not about to, and waiting the whole read timeout for it wastes retries.
CONNECT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class FetchedPage(t.Generic[_TToken]):
    """One page: the token that asked for it, its response and its decoded body."""

    token: _TToken
    response: requests.Response
    body: t.Any


class PartitionRecords:
    """The records of one partition's read, and how many it holds once the API said so.

    What :meth:`VendorStream.records_for_partition` may return instead of a
    plain iterable: the partition loop then shows progress as "N of total".
    The total travels with this read's own iterator, so nothing of the
    partition is kept on the stream.
    """

    def __init__(self, read: t.Callable[[PartitionRecords], t.Iterator[dict]]) -> None:
        """``read(self)`` yields the records and calls :meth:`announce_total` when it knows."""
        self.on_total: t.Callable[[int], None] | None = None
        self._records = read(self)

    def announce_total(self, total: int) -> None:
        """The partition holds ``total`` records, as the API said."""
        if self.on_total is not None:
            self.on_total(total)

    def through(self, wrap: t.Callable[[t.Iterator[dict]], t.Iterator[dict]]) -> PartitionRecords:
        """The same read with its records passed through ``wrap`` (e.g. to catch an error)."""
        self._records = wrap(self._records)
        return self

    def __iter__(self) -> t.Iterator[dict]:
        """The records themselves (no wrapper per record)."""
        return self._records


class UnauthorizedError(FatalAPIError):
    """A 401: the token was rejected; one retry with a fresh token may follow."""

    def __init__(self, message: str, response: requests.Response) -> None:
        super().__init__(message)
        self.response = response


class RateBudgetedTap(t.Protocol):
    """What a tap offers to streams built on :class:`ConcurrentPagesStream`."""

    @property
    def rate_budget(self) -> RequestBudget:
        """The one budget every stream and thread of the tap draws from."""
        ...

    def record_partition_done(
        self, stream: str, progress: PartitionProgress, error: Exception | None
    ) -> None:
        """Fold a finished or failed partition into the run's summary."""
        ...


class VendorStream(RecordMessagesHook, ActivateVersionHook, RESTStream[_TToken]):
    """What every stream of the family shares: errors, retries, auth, partitions, output.

    Subclasses say how records are fetched (:meth:`records_for_partition`);
    this class makes a failed partition skip only itself, translates transport
    failures into messages that name the setting to fix, renews a rejected
    token once and keeps the SDK's per-record overheads out of the hot path.
    """

    def __init__(self, tap: Tap, *args: t.Any, **kwargs: t.Any) -> None:  # noqa: ANN401
        """The SDK's; the tap is also kept as :attr:`video_tap`.

        Streams of the family share the tap's authenticator, rate budget, API
        health and clock; the SDK keeps the tap only under a private name.
        """
        super().__init__(tap, *args, **kwargs)
        #: The tap this stream belongs to (a :class:`~video_taps_common.tap_base.VideoTap`).
        self.video_tap: t.Any = tap

    #: Records are decoded from JSON here, so every value is already a JSON type
    #: (str, int, Decimal, bool, None, list, dict): the SDK's per-value
    #: conformance would translate nothing and costs a third of a sync's CPU.
    #: :meth:`keep_declared_fields` does the one thing it still did for us.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def complete_record(self, record: dict) -> dict:
        """Every record, of every stream, leaves with exactly its declared fields.

        Run by the output step every record passes (see ``sdk_compat``), so
        no stream can forget it: :meth:`keep_declared_fields`.
        """
        return self.keep_declared_fields(record)

    def keep_declared_fields(self, row: dict) -> dict:
        """Every declared field (``None`` where the API left it out), and no other.

        Targets and stream maps then see one shape for every record: an absent
        field used to be omitted, and a map such as ``country == "US"`` failed
        with ``NameNotDefined``. A field the API adds without notice would reach
        targets in RECORDs whose SCHEMA never mentioned it, so it is dropped
        with one WARNING per field name.
        """
        declared = self._declared_fields
        if declared.issuperset(row):
            if len(row) == len(declared):
                return row  # already complete (the partition loop filled it): no copy
            # Merged in C: declared order, the API's values.
            return {**self._all_fields_null, **row}
        unknown = set(row) - declared - self._reported_unknown_fields
        if unknown:
            self._reported_unknown_fields.update(unknown)
            self.logger.warning(
                "%s: the API sent fields the schema does not declare, dropped: %s",
                self.name,
                ", ".join(sorted(unknown)),
            )
        return {key: row.get(key) for key in self._all_fields_null}

    def record_messages(self, record: dict) -> t.Iterator[singer.RecordMessage]:
        """The RECORD messages of a record, without the SDK's per-record selection walk.

        The SDK walks every record, nested objects included, to drop deselected
        properties: for IBM views (a nested ``device_info``) that walk was a
        quarter of the tap's CPU, although a catalog selects every property
        unless a user deselects some. Then (:attr:`records_pass_through`) this
        runs instead (see ``sdk_compat``); otherwise the SDK's own method does.
        """
        for stream_map in self.stream_maps:
            mapped_record = stream_map.transform(record)
            if mapped_record is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped_record,
                    version=self.table_version,
                    time_extracted=datetime.datetime.now(datetime.UTC),
                )

    #: The version a full-table sync's records carry (``activate_version``); else none.
    table_version: int | None = None

    def activate_version(self, version: int) -> None:
        """A full-table sync began: its records carry ``version``, announced now.

        A stream that must hold the announcement back overrides this and calls
        :meth:`write_activate_version` later.
        """
        self.table_version = version
        self.write_activate_version(version)

    def write_activate_version(self, version: int) -> None:
        """ACTIVATE_VERSION for every stream map that emits records."""
        for stream_map in self.stream_maps:
            if not isinstance(stream_map, RemoveRecordTransform):
                self.video_tap.write_message(
                    singer.ActivateVersionMessage(stream=stream_map.stream_alias, version=version)
                )

    def log(self, message: str, *args: t.Any, level: int = logging.INFO, **kwargs: t.Any) -> None:  # noqa: ANN401
        """Two SDK lines go to DEBUG: child streams' "Beginning sync", and "unhandled error".

        A child syncs once per parent record: thousands of identical INFO
        lines; the progress and summary lines say what happened instead. And
        wrong credentials or an unreachable URL (a ``RunAbortingError``) end
        the run with their own ERROR, which "unhandled" only contradicted.
        """
        if self.parent_stream_type is not None and message.startswith("Beginning sync"):
            level = min(level, logging.DEBUG)
        if message.startswith("An unhandled error occurred") and isinstance(
            sys.exc_info()[1], RunAbortingError
        ):
            # The SDK says this of every error leaving a stream's sync; this one
            # the tap handles, with an ERROR that says what to fix.
            level = min(level, logging.DEBUG)
        super().log(message, *args, level=level, **kwargs)

    @cached_property
    def records_pass_through(self) -> bool:  # type: ignore[override]
        """Every property selected, and no type conformance: the SDK would change nothing."""
        return self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.NONE and all(self.mask.values())

    @cached_property
    def _all_fields_null(self) -> dict[str, None]:
        return dict.fromkeys(self.schema.get("properties", {}))

    @cached_property
    def _declared_fields(self) -> frozenset[str]:
        return frozenset(self.schema.get("properties", {}))

    @cached_property
    def _reported_unknown_fields(self) -> set[str]:
        return set()

    @property
    def max_concurrent_requests(self) -> int:
        """Requests in flight at once; latency × rate limit says how many are useful."""
        return int(self.config.get("max_concurrent_requests") or DEFAULT_MAX_CONCURRENT_REQUESTS)

    #: The setting whose value is this stream's ``url_base``, named in errors.
    url_setting: str = "api_url"

    @property
    def url_base(self) -> str:
        """The configured API root (setting ``url_setting``), without a trailing slash."""
        return str(self.config[self.url_setting]).rstrip("/")

    @property
    def authenticator(self) -> t.Any:  # noqa: ANN401
        """The tap's one authenticator: one token for every stream and thread."""
        return self.video_tap.authenticator  # type: ignore[attr-defined]

    @property
    def timeout(self) -> tuple[float, float]:  # type: ignore[override]
        """Connect and read timeouts; the read one is ``request_timeout_seconds``."""
        seconds = float(
            self.config.get("request_timeout_seconds") or DEFAULT_REQUEST_TIMEOUT_SECONDS
        )
        return (min(CONNECT_TIMEOUT_SECONDS, seconds), seconds)

    @cached_property
    def requests_session(self) -> requests.Session:
        """A session whose connection pool holds one connection per worker thread."""
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.max_concurrent_requests + 2)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    # Partitions ---------------------------------------------------------------

    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        """Records of one partition; an API failure skips only this partition.

        A partition that fails for good (after retries, or at once on a 4xx) is
        logged at ERROR with stream, partition and the API's message, and the
        SDK goes on to the next partition and stream, checkpointing each, so
        healthy accounts keep advancing. The tap ends the run non-zero with a
        summary. Errors that would fail every partition the same way (wrong
        credentials, an unreachable endpoint) stop the run at once.
        """
        if self.unavailable_reason is not None:
            # Already reported once for the stream; the same answer would follow.
            return
        progress = PartitionProgress(self.name, describe_partition(context), self.logger)
        failure: Exception | None = None
        try:
            records = self.records_for_partition(context)
            if isinstance(records, PartitionRecords):
                records.on_total = progress.expect
            fill = self._all_fields_null
            tenant = self.video_tap.tenant_fields
            for record in records:
                progress.add()
                # Every declared field from here on: the SDK evaluates a stream
                # map's filter (before the output step) on the record as it is.
                # Then whose row it is, where the API does not say (last, so no
                # field of the API's can override it).
                yield {**fill, **record, **tenant}
        except RunAbortingError as error:
            failure = error
            raise
        except StreamUnavailableError as error:
            self.logger.error(  # noqa: TRY400 - the message says what to do; no traceback
                "%s stopped: %s", self.name, error
            )
            self.unavailable_reason = str(error)
            failure = error
        except (FatalAPIError, RetriableAPIError, requests.exceptions.RequestException) as error:
            self.logger.error(  # noqa: TRY400 - the message is the API's; no traceback needed
                "%s [%s] failed and was skipped after %d records: %s",
                self.name,
                progress.partition,
                progress.records,
                error,
            )
            failure = error
        finally:
            t.cast("RateBudgetedTap", self.video_tap).record_partition_done(
                self.name, progress, failure
            )

    #: Why this stream cannot be read at all, once the API said so.
    unavailable_reason: str | None = None

    def records_for_partition(self, context: Context | None) -> t.Iterable[dict]:
        """Every record of one partition, in the order they are emitted.

        A :class:`PartitionRecords` lets it say how many records the partition
        holds once the API announced it (progress shows a percentage).
        """
        raise NotImplementedError

    # Requests -----------------------------------------------------------------

    def build_prepared_request(self, *args: t.Any, **kwargs: t.Any) -> requests.PreparedRequest:  # noqa: ANN401
        """A request WITHOUT credentials: they are attached inside the retried call.

        The SDK's version installs the authenticator on the session, so preparing
        a request fetched a token outside the retry loop and a single 503 from
        the token endpoint ended the sync. :meth:`send_request` authenticates each try.
        """
        request = requests.Request(*args, **kwargs)
        request.headers.setdefault("User-Agent", self.user_agent)
        return self.requests_session.prepare_request(request)

    def _unreachable(
        self, prepared: requests.PreparedRequest, error: Exception, tries: str
    ) -> EndpointUnreachableError:
        base = urlsplit(prepared.url or "")
        msg = (
            f"Could not connect to {base.scheme}://{base.netloc} (setting `{self.url_setting}`"
            f" = {self.url_base!r}) for {prepared.method} {base.path}: "
            f"{describe_connection_failure(error)}; gave up after {tries}"
        )
        return EndpointUnreachableError(msg)

    @property
    def api_health(self) -> ApiHealth:
        """The tap's one record of whether the API as a whole is failing."""
        return self.video_tap.api_health  # type: ignore[attr-defined]

    def translate_transport_errors(
        self, prepared: requests.PreparedRequest, call: t.Callable[[], _TResult]
    ) -> _TResult:
        """Run a retried request; failures that will not heal get messages naming the setting.

        A request that uses up its retries on a failure of the API itself
        marks the API as failing (:class:`~video_taps_common.api_health.ApiHealth`);
        one that started after that and fails the same way stops the run.
        """
        health = self.api_health
        started = health.now()
        try:
            result = call()
        except Exception as error:
            translated = self._translated(prepared, error)
            # An unreachable endpoint stops the run anyway, with its own message.
            if is_api_failure(error) and not isinstance(translated, RunAbortingError):
                self._note_api_failure(prepared, error, started)
            if translated is error:
                raise
            raise translated from error
        health.answered()
        return result

    def _note_api_failure(
        self, prepared: requests.PreparedRequest, error: Exception, started: float
    ) -> None:
        """Mark the API failing, or stop the run if it already was when this request began."""
        health = self.api_health
        described = self._describe_failure(prepared, error)
        outage = health.confirms_outage(started)
        if outage is None:
            path = urlsplit(prepared.url or "").path
            health.gave_up(
                f"{self.name} ({prepared.method} {path})", f"{described}, {self._tries_used()}"
            )
            return
        msg = (
            f"The API keeps failing: {described}, at the first try; before it, {outage.where} "
            f"failed for good ({outage.error}). The run stops here instead of retrying every "
            "remaining partition; every partition already finished has its bookmark saved, "
            "and the next run resumes from there."
        )
        raise ApiOutageError(msg) from error

    def _translated(self, prepared: requests.PreparedRequest, error: Exception) -> Exception:
        """``error`` as it should surface: a message naming the setting where one is at fault."""
        if isinstance(error, TokenEndpointUnavailableError):
            return EndpointUnreachableError(f"{error}; gave up after {self._tries_used()}")
        if isinstance(error, requests.exceptions.ConnectionError) and never_connected(error):
            return self._unreachable(prepared, error, self._tries_used())
        if isinstance(error, requests.exceptions.Timeout):
            return RetriableAPIError(
                f"{self._describe_failure(prepared, error)}, {self._tries_used()}"
            )
        return error

    def _describe_failure(self, prepared: requests.PreparedRequest, error: Exception) -> str:
        """One failed request in a few words (the API's message, or what the connection did)."""
        if isinstance(error, requests.exceptions.Timeout) and not never_connected(error):
            return (
                f"no answer from {prepared.method} {prepared.path_url} within "
                f"request_timeout_seconds={self.timeout[1]:g} s"
            )
        if isinstance(error, requests.exceptions.RequestException):
            return f"{prepared.method} {prepared.path_url}: {describe_connection_failure(error)}"
        return str(error)

    # Retries ------------------------------------------------------------------

    @cached_property
    def _retry_outcome(self) -> threading.local:
        """Per thread: the tries and seconds of the last request that gave up."""
        return threading.local()

    def _tries_used(self) -> str:
        """``8 tries over 91 s``: what the last give-up in this thread cost."""
        outcome = self._retry_outcome
        tries = getattr(outcome, "tries", None) or self.backoff_max_tries()
        seconds = getattr(outcome, "elapsed", 0.0)
        return f"{tries} {'try' if tries == 1 else 'tries'} over {seconds:.0f} s"

    def request_decorator(self, func: t.Callable[..., _TResult]) -> t.Callable[..., _TResult]:
        """The SDK's retries, with the give-ups an outage and a dead address call for.

        As the SDK's: ``backoff_wait_generator``, ``backoff_max_tries``,
        ``backoff_jitter`` and ``backoff_handler`` on the same errors. Different:
        a request gives up after its first failure once the API is known to be
        failing, and after :data:`NEVER_CONNECTED_TRIES` when nothing listens
        or the host name does not resolve; and the ``backoff`` library logs
        nothing itself (``backoff_handler`` writes the one line per retry).
        """

        def with_retries(*args: t.Any, **kwargs: t.Any) -> _TResult:  # noqa: ANN401
            refused_tries = 0

            def give_up(error: Exception) -> bool:
                nonlocal refused_tries
                if retrying_cannot_help(error):
                    refused_tries += 1
                    if refused_tries >= NEVER_CONNECTED_TRIES:
                        return True
                return is_api_failure(error) and self.api_health.failing

            self._retry_outcome.tries = None
            retried = backoff.on_exception(
                self.backoff_wait_generator,
                RETRIED_ERRORS,
                max_tries=self.backoff_max_tries,
                giveup=give_up,
                on_backoff=self.backoff_handler,
                on_giveup=self._note_give_up,
                jitter=self.backoff_jitter,
                logger=None,
            )(func)
            return retried(*args, **kwargs)

        return with_retries

    def _note_give_up(self, details: Details) -> None:
        self._retry_outcome.tries = details.get("tries")
        self._retry_outcome.elapsed = details.get("elapsed") or 0.0

    def pause_ahead(self) -> float:
        """Seconds every request must still wait before it may start (a rate window's reset)."""
        return 0.0

    def _forget_rejected_token(self, response: requests.Response) -> bool:
        forget = getattr(self.authenticator, "forget_token", None)
        if forget is None:
            return False
        forget(response.request.headers.get("Authorization"))
        return True

    def response_error_message(self, response: requests.Response) -> str:
        """The status, the request, and what the API's error body says."""
        request = response.request
        described = self.describe_error_body(response) or response.text[:300]
        return (
            f"{response.status_code} {response.reason} from {request.method} "
            f"{request.path_url}: {described}"
        )

    def describe_error_body(self, response: requests.Response) -> str:  # noqa: ARG002
        """The vendor's error body in a few words; the raw text when it says nothing."""
        return ""

    def validate_response(self, response: requests.Response) -> None:
        """Like the SDK's, but a 401 may be retried once with a fresh token."""
        if response.status_code == HTTPStatus.UNAUTHORIZED:
            raise UnauthorizedError(self.response_error_message(response), response)
        super().validate_response(response)

    def backoff_max_tries(self) -> int:
        """Survive a storm of throttling or 5xx answers lasting about a minute."""
        return 8

    def backoff_wait_generator(self) -> t.Generator[float, None, None]:
        """1, 2, 4, 8, 16 then 30 s between tries (plus jitter)."""
        return backoff.expo(base=2, factor=1, max_value=30)

    def backoff_handler(self, details: Details) -> None:
        """One WARNING per retry, saying how long it really waits.

        The SDK's ERROR lines alarmed users for retries that worked. After a 429
        the budget holds every request until the API's rate window resets,
        which may be far longer than the backoff's own wait: the line gives that.
        """
        error = details.get("exception")
        backoff_wait = details.get("wait") or 0.0
        window_wait = self.pause_ahead()
        hopeless = error is not None and retrying_cannot_help(error)
        self.logger.warning(
            "%s: retrying in %.1f s%s after try %d of %d: %s",
            self.name,
            max(backoff_wait, window_wait),
            " (when the API's rate window resets)" if window_wait > backoff_wait else "",
            details.get("tries") or 0,
            NEVER_CONNECTED_TRIES if hopeless else self.backoff_max_tries(),
            self._describe_retried(error),
        )

    def _describe_retried(self, error: BaseException | None) -> str:
        """A retried failure in a few words, without urllib3's wrapping."""
        if error is None:
            return "no answer"
        if isinstance(error, requests.exceptions.Timeout) and not never_connected(error):
            return f"no answer within request_timeout_seconds={self.timeout[1]:g} s"
        if isinstance(error, requests.exceptions.ConnectionError):
            return describe_connection_failure(error)
        return str(error)

    # One try -----------------------------------------------------------------

    def send_request(
        self,
        prepared: requests.PreparedRequest,
        context: Context | None,
        *,
        stream: bool = False,
    ) -> requests.Response:
        """One try of one request: authenticate, send, time, validate, count its cost.

        What the SDK's ``RESTStream`` does per try, through its public pieces,
        so an SDK user's hooks keep working: the ``authenticator`` is applied
        here, inside the retried call (a token fetched or renewed for this try),
        the ``requests_session`` sends with ``timeout`` and ``allow_redirects``,
        :meth:`log_request_duration` times it, ``validate_response`` judges it
        and a valid answer goes to ``update_sync_costs`` (so
        ``calculate_sync_cost`` and ``log_sync_costs`` work as in any SDK tap).
        ``stream=True`` leaves the body unread (closed if the answer is refused).
        """
        authenticated = self.authenticator(prepared)
        response = self.requests_session.send(
            authenticated,
            timeout=self.timeout,
            allow_redirects=self.allow_redirects,
            stream=stream,
        )
        self.log_request_duration(response, context)
        try:
            self.validate_response(response)
        except Exception:
            if stream:
                response.close()
            raise
        with self._sync_costs_lock:
            # The SDK's tally is a read-modify-write; requests finish on many threads.
            self.update_sync_costs(authenticated, response, context)
        return response

    @cached_property
    def _sync_costs_lock(self) -> threading.Lock:
        return threading.Lock()

    def log_request_duration(self, response: requests.Response, context: Context | None) -> None:
        """The SDK's ``http_request_duration`` METRIC line, at DEBUG.

        At INFO these lines were 98% of a sync's log; ``<TAP>_LOGLEVEL=DEBUG``
        (or the SDK's metrics logging config) shows them. The record and
        request counters stay at INFO.
        """
        if not self.metrics_logger.isEnabledFor(logging.DEBUG):
            return
        tags: dict[str, t.Any] = {
            metrics.Tag.STREAM: self.name,
            metrics.Tag.ENDPOINT: self.path,
            metrics.Tag.HTTP_STATUS_CODE: response.status_code,
            metrics.Tag.STATUS: (
                metrics.Status.SUCCEEDED
                if response.status_code < HTTPStatus.BAD_REQUEST
                else metrics.Status.FAILED
            ),
        }
        if context:
            tags[metrics.Tag.CONTEXT] = context
        point = metrics.Point(
            "timer",
            metric=metrics.Metric.HTTP_REQUEST_DURATION,
            value=response.elapsed.total_seconds(),
            tags=tags,
        )
        self.metrics_logger.debug("METRIC: %s", point)


class BudgetedStream(VendorStream[_TToken]):
    """Requests under the tap's shared rate budget, one JSON page at a time (:meth:`fetch_page`).

    In place of the SDK's per-request path (its ``_request``, which this class
    never calls): :meth:`fetch_page` builds the request with the SDK's
    ``get_http_request`` and ``build_prepared_request``, retries it with
    ``request_decorator`` (the ``backoff_*`` hooks), and each try takes a slot
    of the budget and goes through :meth:`~VendorStream.send_request`, which
    applies the authenticator, sends, validates and counts its sync cost as the
    SDK does.
    """

    @property
    def rate_budget(self) -> RequestBudget:
        """The tap-wide budget, so all streams together respect the vendor's limit."""
        tap = t.cast("RateBudgetedTap", self.video_tap)
        return tap.rate_budget

    def pause_ahead(self) -> float:
        """How long the tap's budget holds every request (after a 429: the window's reset)."""
        return self.rate_budget.pause_remaining()

    def fetch_page(self, context: Context | None, token: _TToken) -> FetchedPage[_TToken]:
        """Fetch and decode one page, with the SDK's retry and backoff around it."""
        http_request = self.get_http_request(
            page=PageContext(stream_context=context, next_page_token=token)
        )
        prepared = self.build_prepared_request(
            method=http_request.method,
            url=http_request.url,
            params=http_request.encode_params(),
            headers=http_request.headers,
        )
        response, body = self.translate_transport_errors(
            prepared, partial(self._decorated_request_json, prepared, context)
        )
        return FetchedPage(token=token, response=response, body=body)

    @cached_property
    def _decorated_request_json(
        self,
    ) -> t.Callable[[requests.PreparedRequest, Context | None], tuple[requests.Response, t.Any]]:
        return self.request_decorator(self._request_json)

    def _request_json(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> tuple[requests.Response, t.Any]:
        """Send under the rate budget, renewing a rejected token once, and decode JSON.

        Decoding happens inside the retried call so a truncated or malformed body
        is retried like a dropped connection instead of failing the sync.
        """
        try:
            response = self._budgeted_request(prepared_request, context)
        except UnauthorizedError as rejected:
            if not self._forget_rejected_token(rejected.response):
                raise
            # One more try: the authenticator fetches a fresh token for it.
            response = self._budgeted_request(prepared_request, context)
        return response, self._decode_json(response)

    def _budgeted_request(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        budget = self.rate_budget
        budget.acquire()
        try:
            return self.send_request(prepared_request, context)
        finally:
            budget.release()

    def _decode_json(self, response: requests.Response) -> t.Any:  # noqa: ANN401
        try:
            return _JSON_DECODER.decode(response.content)
        except ValueError as error:
            msg = (
                f"Unreadable JSON body ({len(response.content)} bytes) from "
                f"{response.request.method} {response.request.path_url}: {error}"
            )
            raise RetriableAPIError(msg, response) from error

    def validate_response(self, response: requests.Response) -> None:
        """The base's, and a 429 pauses every thread drawing from the budget."""
        self.rate_budget.observe(response)
        if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            self.rate_budget.throttled(response)
        super().validate_response(response)


#: msgspec decodes three times faster than ``json``; Decimal keeps numbers
#: exactly as the API wrote them, and integers of any size stay integers.
_JSON_DECODER = msgspec.json.Decoder(float_hook=decimal.Decimal)


def page_bytes(page: FetchedPage[t.Any]) -> int:
    """The size of a page's body as it came over the wire."""
    return len(page.response.content)
