"""The family's base stream: an SDK ``RESTStream``, pages fetched concurrently where they can be.

A stream of the family is written as any SDK REST stream: ``path``/``url_base``,
``get_url_params``/``get_http_request``, ``get_new_paginator``, ``parse_response``/
``records_jsonpath``, ``validate_response``, ``post_process``, partitions and
child streams, each called as the SDK documents. ``request_records`` is this
class's, because the SDK's fetches one page after another (meltano/sdk#183);
it drives the stream's paginator through the SDK's own contract. Behind it:

- **Concurrency** where the paginator offers it
  (:class:`~video_taps_common.paginators.AnnouncedPages`): the pages its first
  answer announces are fetched on a bounded pool and emitted in order. Any other
  paginator (a cursor, a ``Link`` header) is driven as the SDK drives it, one
  page after another (``advance`` until ``finished``).
- **Runs**: a partition may be read as several runs (IBM's time windows,
  api.video's day requests, :meth:`VideoStream.runs`), each paged by a fresh
  paginator, its requests seeing the run as their context. The first pages of
  later runs, and of the partitions a parent's children sync next, are fetched
  while earlier ones are emitted (:mod:`video_taps_common.partition_read`).
- **Every request** (:meth:`VideoStream.fetch_page`): a slot of the tap's rate
  budget per try, the SDK's retries (``backoff_*``), a rejected token renewed
  once, a JSON body decoded once, an outage ending the run, an unreachable URL
  named with its setting.
- **Every partition** fails alone, shows progress, and emits records with
  exactly their declared fields; bookmarks never pass the end of the sync's range.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import sys
import threading
import typing as t
import warnings
from functools import cached_property
from http import HTTPStatus
from urllib.parse import urlsplit

import backoff
import requests
from requests.adapters import HTTPAdapter
from singer_sdk import RESTStream, metrics
from singer_sdk import singerlib as singer
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.jsonpath import extract_jsonpath
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
    PartitionGoneError,
    RunAbortingError,
    StreamUnavailableError,
    TokenEndpointUnavailableError,
    UnauthorizedError,
)
from video_taps_common.json_body import json_body, says_json
from video_taps_common.partition_read import FirstPagesAhead, PartitionRead
from video_taps_common.progress import PartitionProgress, describe_partition
from video_taps_common.sdk_compat import install_stream_hooks
from video_taps_common.settings import as_utc, parse_datetime

if t.TYPE_CHECKING:
    from backoff.types import Details
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from video_taps_common.paginators import ResultSetShiftedError
    from video_taps_common.rate_budget import RequestBudget

_TToken = t.TypeVar("_TToken")

DEFAULT_MAX_CONCURRENT_REQUESTS = 8
#: Used when a tap declares no ``request_timeout_seconds`` setting.
DEFAULT_REQUEST_TIMEOUT_SECONDS = 60
#: Seconds to open a connection: a host that does not answer a SYN in this long
#: is not about to, and waiting the whole read timeout for it wastes retries.
CONNECT_TIMEOUT_SECONDS = 10.0


@install_stream_hooks
class VideoStream(RESTStream[_TToken]):
    """A REST stream of the family: the SDK's contract, fetched concurrently, failing per partition.

    Beyond the SDK's hooks a stream may use: :meth:`runs`, :meth:`run_records`,
    :meth:`run_done` and :meth:`run_shifted` (a partition read in several runs),
    :attr:`explicit_bookmarks` with :meth:`save_bookmark` (bookmarks that move
    when a range is done, not per record), :attr:`url_setting` and
    :meth:`describe_error_body` (errors that name the setting and the API's message).
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

    #: The setting whose value is this stream's ``url_base``, named in errors.
    url_setting: str = "api_url"

    #: Bookmarks move only when the stream says a range is done
    #: (:meth:`save_bookmark`), never per record: a record of a windowed read is
    #: not a point before which everything was read (a window holds rows out of
    #: order; a day is done only after its last request), and a sync that dies
    #: mid-range resumes at the last completed one.
    explicit_bookmarks: t.ClassVar[bool] = False

    # The SDK's contract -------------------------------------------------------

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        """The SDK's: the records at ``records_jsonpath``, from the body decoded once."""
        return extract_jsonpath(self.records_jsonpath, input=json_body(response))

    @property
    def url_base(self) -> str:
        """The configured API root (setting :attr:`url_setting`), without a trailing slash."""
        return str(self.config[self.url_setting]).rstrip("/")

    @property
    def authenticator(self) -> t.Any:  # noqa: ANN401
        """The tap's one authenticator, if it has one: one token for every stream and thread."""
        authenticator = getattr(self.video_tap, "authenticator", None)
        return authenticator if authenticator is not None else super().authenticator

    @property
    def timeout(self) -> tuple[float, float]:  # type: ignore[override]
        """Connect and read timeouts; the read one is ``request_timeout_seconds``."""
        seconds = float(
            self.config.get("request_timeout_seconds") or DEFAULT_REQUEST_TIMEOUT_SECONDS
        )
        return (min(CONNECT_TIMEOUT_SECONDS, seconds), seconds)

    @property
    def max_concurrent_requests(self) -> int:
        """Requests in flight at once; latency × rate limit says how many are useful."""
        return int(self.config.get("max_concurrent_requests") or DEFAULT_MAX_CONCURRENT_REQUESTS)

    @cached_property
    def requests_session(self) -> requests.Session:
        """A session whose connection pool holds one connection per worker thread."""
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.max_concurrent_requests + 2)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    # Runs: the family's one addition to the SDK's paging ----------------------

    def runs(self, context: Context | None) -> t.Iterable[Context | None]:
        """The runs one partition is read in, in the order their records are emitted.

        By default one: the partition itself. A stream whose partition is read
        in pieces (a time window, a day's request) returns one context per
        piece, each extending the partition's with what its requests need; the
        requests of a run receive it as their context (``get_url``,
        ``get_url_params``, ``get_http_request``), and a fresh paginator from
        ``get_new_paginator()`` pages it. Pulled lazily, in the syncing thread,
        as first pages are fetched ahead.
        """
        return [context]

    def run_records(self, run: Context | None, response: requests.Response) -> t.Iterable[dict]:
        """The records of one response of ``run``: :meth:`parse_response`'s by default.

        Override where a record needs what only its run knows (the day it was
        asked for). A parent stream's pages may be read twice (once to queue
        its children ahead): keep this free of side effects there.
        """
        del run
        return self.parse_response(response)

    def run_done(self, context: Context | None, run: Context | None) -> None:
        """Every record of ``run`` of partition ``context`` is out (e.g. save its bookmark)."""

    def run_shifted(
        self,
        context: Context | None,
        run: Context | None,
        shift: ResultSetShiftedError,
        last_record: dict | None,  # noqa: ARG002
        rereads: int,  # noqa: ARG002
    ) -> Context | None:
        """The run to read instead of ``run``, whose result set moved while paging; or raise.

        Called when the paginator's ``check_page`` found a later page
        contradicting the first. ``last_record`` is the last record this
        reading of ``run`` emitted, ``rereads`` how many times it moved so far.
        By default the partition fails (skipped, bookmark kept).
        """
        del run
        msg = f"{self.name} [{describe_partition(context)}]: {shift}; the result set moved"
        raise FatalAPIError(msg) from shift

    # Partitions ---------------------------------------------------------------

    #: Why this stream cannot be read at all, once the API said so.
    unavailable_reason: str | None = None

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
            records = self.request_records(context)
            if isinstance(records, PartitionRead):
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
        except PartitionGoneError as gone:
            self.logger.warning("%s [%s]: %s; skipped", self.name, progress.partition, gone)
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
            self.video_tap.record_partition_done(self.name, progress, failure)

    def request_records(self, context: Context | None) -> t.Iterable[dict]:
        """Every record of the partition: its runs in order, each paged by its paginator.

        In place of the SDK's sequential ``RESTStream.request_records``, with
        the same contract: ``get_new_paginator()`` gives each run a paginator
        (``SinglePagePaginator`` when it gives none), every page is requested as
        ``get_http_request(page=PageContext(run, paginator.current_value))``
        describes, its records come from :meth:`run_records`
        (``parse_response``), and the paginator ``advance``s on each answer
        until ``finished`` (an empty page ends it unless ``continue_if_empty``).
        A paginator that offers :class:`~video_taps_common.paginators.AnnouncedPages`
        has the pages its first answer announces fetched concurrently instead.
        The HTTP request counter counts every page.

        Returns a :class:`~video_taps_common.partition_read.PartitionRead`,
        which also tells the partition's size when a first answer announces it.
        """
        return PartitionRead(self, context)

    @cached_property
    def first_pages_ahead(self) -> FirstPagesAhead:
        """First pages of the partitions this stream syncs next, queued by its parent."""
        return FirstPagesAhead(self)

    # Bookmarks and the sync's range -------------------------------------------

    @cached_property
    def sync_end(self) -> datetime.datetime:
        """The end of every request's range in this run: the run's start or ``end_date``.

        Frozen, so paging sees a fixed set and bookmarks never pass it.
        """
        sync_started = self.video_tap.sync_started_at
        end_date = self.config.get("end_date")
        if end_date:
            return min(sync_started, parse_datetime(end_date))
        return sync_started

    def get_replication_key_signpost(self, context: Context | None) -> datetime.datetime:  # noqa: ARG002
        """Bookmarks never pass the frozen end of this sync's range."""
        return self.sync_end

    def resume_point(
        self, context: Context | None, lookback: datetime.timedelta
    ) -> datetime.datetime | None:
        """The bookmark minus ``lookback``, never before ``start_date``.

        These APIs show some rows only once processed, after a sync may already
        have passed their timestamp: each sync reads again a look-back before
        its bookmark, and rows read twice upsert on their keys.
        """
        start = self.get_starting_timestamp(context)
        if start is None:
            return None
        floor = parse_datetime(str(self.config["start_date"]))
        return max(as_utc(start) - lookback, floor)

    def bookmark_reached(self, value: str) -> str:
        """How far the stream's data is complete, given its newest bookmark: the run's summary.

        Most bookmarks are the newest record's moment, and say so themselves. A
        stream whose bookmark is the start of the last whole day it read (re-read
        next time) returns that day (``YYYY-MM-DD``: read to its end), so a reader
        of the summary (an orchestrator's freshness check) does not take it for a
        day older than it is.
        """
        return value

    def saved_bookmark(self, context: Context | None) -> str | None:
        """The partition's bookmark as saved, read from state directly.

        The SDK's ``get_starting_replication_key_value`` is filled only once the
        partition's ``sync`` begins; a parent queueing a child's first page
        ahead needs it before that.
        """
        value = self.get_context_state(context).get("replication_key_value")
        return str(value) if value else None

    def save_bookmark(self, context: Context | None, value: str) -> None:
        """Save ``value`` as the partition's bookmark and emit STATE now, records or not.

        For :attr:`explicit_bookmarks` streams. The SDK's own checkpoint writes
        STATE only if a RECORD went out since the last one, so a run of empty
        windows or days (a backfill over a quiet year) emitted none, and a run
        killed there started again at the first of them.
        """
        self.state_manager.increment_state(
            {self.replication_key: value}, context=context, replication_key=self.replication_key
        )
        self.video_tap.state_writer.write_state(self.tap_state)

    # Requests -----------------------------------------------------------------

    def fetch_page(self, context: Context | None, token: _TToken | None) -> requests.Response:
        """One page: the request the SDK's hooks describe, retried, under the rate budget.

        ``context`` is the run's (the partition's, for a stream of one run).
        At most ``max_concurrent_requests`` of this stream are in flight, across
        its pools. A JSON answer is decoded once (``json_body``); failures that
        will not heal get messages naming the setting (see
        :meth:`transport_errors_named`).
        """
        prepared = self.prepare_page_request(context, token)
        with self.request_slots, self.transport_errors_named(prepared):
            return self._send_with_retries(prepared, context)

    def prepare_page_request(
        self, context: Context | None, token: _TToken | None
    ) -> requests.PreparedRequest:
        """The page's request as ``get_http_request`` describes it (or ``prepare_request``)."""
        if type(self).prepare_request is not RESTStream.prepare_request:
            warnings.warn(
                "prepare_request is deprecated, use get_http_request instead",
                DeprecationWarning,
                stacklevel=2,
            )
            return self.prepare_request(context, token)
        http_request = self.get_http_request(
            page=PageContext(stream_context=context, next_page_token=token)
        )
        body = "json" if self.payload_as_json else "data"
        return self.build_prepared_request(
            method=http_request.method,
            url=http_request.url,
            params=http_request.encode_params(),
            headers=http_request.headers,
            **{body: http_request.data},
        )

    def build_prepared_request(self, *args: t.Any, **kwargs: t.Any) -> requests.PreparedRequest:  # noqa: ANN401
        """A request WITHOUT credentials: they are attached inside the retried call.

        The SDK's version installs the authenticator on the session, so preparing
        a request fetched a token outside the retry loop and a single 503 from
        the token endpoint ended the sync. :meth:`send_request` authenticates each try.
        """
        request = requests.Request(*args, **kwargs)
        request.headers.setdefault("User-Agent", self.user_agent)
        return self.requests_session.prepare_request(request)

    @cached_property
    def request_slots(self) -> threading.BoundedSemaphore:
        """Requests of this stream in flight at once, across its pools (runs, pages, children)."""
        return threading.BoundedSemaphore(self.max_concurrent_requests)

    @cached_property
    def _send_with_retries(
        self,
    ) -> t.Callable[[requests.PreparedRequest, Context | None], requests.Response]:
        return self.request_decorator(self.send_request)

    def send_request(
        self,
        prepared: requests.PreparedRequest,
        context: Context | None,
        *,
        stream: bool = False,
    ) -> requests.Response:
        """One try of one request: budget, authenticate, send, validate, count its cost, decode.

        What the SDK's ``RESTStream`` does per try, through its public pieces,
        so an SDK user's hooks keep working: a slot of the tap's
        :attr:`rate_budget` is held while the request runs; the
        ``authenticator`` is applied here, inside the retried call (a token
        fetched or renewed for this try, and once more after a 401); the
        ``requests_session`` sends with ``timeout`` and ``allow_redirects``;
        :meth:`log_request_duration` times it, ``validate_response`` judges it
        and a valid answer goes to ``update_sync_costs`` (so
        ``calculate_sync_cost`` and ``log_sync_costs`` work as in any SDK tap).
        A JSON body is decoded here, so an unreadable one is retried like a
        dropped connection. ``stream=True`` leaves the body unread (closed if
        the answer is refused).
        """
        budget = self.rate_budget
        for renewed_token in (False, True):
            budget.acquire()
            response: requests.Response | None = None
            try:
                authenticated = self.authenticator(prepared)
                response = self.requests_session.send(
                    authenticated,
                    timeout=self.timeout,
                    allow_redirects=self.allow_redirects,
                    stream=stream,
                )
                self._retry_outcome.refused = 0  # it connected
                self.log_request_duration(response, context)
                self.validate_response(response)
            except Exception as error:
                if stream and response is not None:
                    response.close()
                if (
                    isinstance(error, UnauthorizedError)
                    and not renewed_token
                    and self._forget_rejected_token(error.response)
                ):
                    continue  # once more: the authenticator fetches a fresh token for it
                raise
            finally:
                budget.release()
            with self._sync_costs_lock:
                # The SDK's tally is a read-modify-write; requests finish on many threads.
                self.update_sync_costs(authenticated, response, context)
            if not stream and says_json(response):
                self._decode(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    @property
    def rate_budget(self) -> RequestBudget:
        """The tap-wide budget, so all streams together respect the vendor's limit."""
        return self.video_tap.rate_budget

    def _decode(self, response: requests.Response) -> None:
        try:
            json_body(response)
        except ValueError as error:
            msg = (
                f"Unreadable JSON body ({len(response.content)} bytes) from "
                f"{response.request.method} {response.request.path_url}: {error}"
            )
            raise RetriableAPIError(msg, response) from error

    @cached_property
    def _sync_costs_lock(self) -> threading.Lock:
        return threading.Lock()

    def _forget_rejected_token(self, response: requests.Response) -> bool:
        forget = getattr(self.authenticator, "forget_token", None)
        if forget is None:
            return False
        forget(response.request.headers.get("Authorization"))
        return True

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

    # Answers ------------------------------------------------------------------

    def validate_response(self, response: requests.Response) -> None:
        """The SDK's, with the budget told of every answer and a 401 retried once.

        A 429 pauses every thread drawing from the budget; a 401 raises
        :class:`~video_taps_common.errors.UnauthorizedError`, which
        :meth:`send_request` answers with one more try under a fresh token.
        """
        budget = self.rate_budget
        budget.observe(response)
        if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            budget.throttled(response)
        if response.status_code == HTTPStatus.UNAUTHORIZED:
            raise UnauthorizedError(self.response_error_message(response), response)
        super().validate_response(response)

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

    # Retries and failures that will not heal ----------------------------------

    def request_decorator(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """The SDK's retries, with the give-ups an outage and a dead address call for.

        As the SDK's: ``backoff_wait_generator``, ``backoff_max_tries``,
        ``backoff_jitter`` and ``backoff_handler`` on the same errors. Different:
        a request gives up after its first failure once the API is known to be
        failing, and after :data:`NEVER_CONNECTED_TRIES` when nothing listens
        or the host name does not resolve; and the ``backoff`` library logs
        nothing itself (``backoff_handler`` writes the one line per retry).
        """
        return backoff.on_exception(
            self.backoff_wait_generator,
            RETRIED_ERRORS,
            max_tries=self.backoff_max_tries,
            giveup=self._retrying_is_useless,
            on_backoff=self.backoff_handler,
            on_giveup=self._note_give_up,
            jitter=self.backoff_jitter,
            logger=None,
        )(func)

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
        window_wait = self.rate_budget.pause_remaining()
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

    @cached_property
    def _retry_outcome(self) -> threading.local:
        """Per thread: connections refused in a row; tries and seconds of the last give-up."""
        return threading.local()

    def _retrying_is_useless(self, error: Exception) -> bool:
        """Nothing listened :data:`NEVER_CONNECTED_TRIES` times in a row, or the API is failing."""
        if retrying_cannot_help(error):
            outcome = self._retry_outcome
            outcome.refused = getattr(outcome, "refused", 0) + 1
            if outcome.refused >= NEVER_CONNECTED_TRIES:
                return True
        return is_api_failure(error) and self.api_health.failing

    def _note_give_up(self, details: Details) -> None:
        outcome = self._retry_outcome
        outcome.refused = 0
        outcome.tries = details.get("tries")
        outcome.elapsed = details.get("elapsed") or 0.0

    def _tries_used(self) -> str:
        """``8 tries over 91 s``: what the last give-up in this thread cost."""
        outcome = self._retry_outcome
        tries = getattr(outcome, "tries", None) or self.backoff_max_tries()
        seconds = getattr(outcome, "elapsed", 0.0)
        return f"{tries} {'try' if tries == 1 else 'tries'} over {seconds:.0f} s"

    @property
    def api_health(self) -> ApiHealth:
        """The tap's one record of whether the API as a whole is failing."""
        return self.video_tap.api_health

    @contextlib.contextmanager
    def transport_errors_named(self, prepared: requests.PreparedRequest) -> t.Iterator[None]:
        """Around a retried request: failures that will not heal get messages naming the setting.

        A request that uses up its retries on a failure of the API itself
        marks the API as failing (:class:`~video_taps_common.api_health.ApiHealth`);
        one that started after that and fails the same way stops the run.
        """
        health = self.api_health
        started = health.now()
        try:
            yield
        except Exception as error:
            translated = self._translated(prepared, error)
            # An unreachable endpoint stops the run anyway, with its own message.
            if is_api_failure(error) and not isinstance(translated, RunAbortingError):
                self._note_api_failure(prepared, error, started)
            if translated is error:
                raise
            raise translated from error
        health.answered()

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
            base = urlsplit(prepared.url or "")
            msg = (
                f"Could not connect to {base.scheme}://{base.netloc} (setting "
                f"`{self.url_setting}` = {self.url_base!r}) for {prepared.method} {base.path}: "
                f"{describe_connection_failure(error)}; gave up after {self._tries_used()}"
            )
            return EndpointUnreachableError(msg)
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

    def _describe_retried(self, error: BaseException | None) -> str:
        """A retried failure in a few words, without urllib3's wrapping."""
        if error is None:
            return "no answer"
        if isinstance(error, requests.exceptions.Timeout) and not never_connected(error):
            return f"no answer within request_timeout_seconds={self.timeout[1]:g} s"
        if isinstance(error, requests.exceptions.ConnectionError):
            return describe_connection_failure(error)
        return str(error)

    # Output -------------------------------------------------------------------

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

    @cached_property
    def records_pass_through(self) -> bool:
        """Every property selected, and no type conformance: the SDK's walk would change nothing."""
        return self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.NONE and all(self.mask.values())

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

    @cached_property
    def _all_fields_null(self) -> dict[str, None]:
        return dict.fromkeys(self.schema.get("properties", {}))

    @cached_property
    def _declared_fields(self) -> frozenset[str]:
        return frozenset(self.schema.get("properties", {}))

    @cached_property
    def _reported_unknown_fields(self) -> set[str]:
        return set()

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


__all__ = ["VideoStream"]
