"""The Audience API's base stream: auth, the date window, limit/offset paging, errors.

API facts used here come from api-docs/brightcove-audience.txt ("the overview"):
- ``GET {api_url}/accounts/{account_id}/<resource>`` with a Bearer token.
- Paging: ``limit`` (max 100) and ``offset``; every response carries ``count``,
  the total number of matching items ("Paging results").
- ``from``/``to`` accept epoch milliseconds and filter on ``updated_at``
  ("Date ranges"); ``sort`` takes one field, ``-`` for descending.
- Errors are a JSON array of ``{"error_code", "message"}`` ("Error handling").
"""

from __future__ import annotations

import datetime
import typing as t
from dataclasses import dataclass, replace
from functools import cached_property

from singer_sdk.exceptions import FatalAPIError

from video_taps_common import ConcurrentPagesStream, FetchedPage, stable_key
from video_taps_common.settings import parse_datetime
from video_taps_common.sync_window import SyncWindowMixin

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

#: A sync restarts its window from the last emitted value at most this often.
MAX_WINDOW_RESTARTS = 20


@dataclass(frozen=True, slots=True)
class AudiencePage:
    """Which slice of a partition's date window one request asks for."""

    from_ms: int
    to_ms: int
    offset: int


class ResultSetShiftedError(Exception):
    """The window's ``count`` changed mid-sync, so offsets no longer line up.

    An event updated while we page leaves our frozen window; every later item
    moves one offset down and one would be skipped. Restarting from the last
    emitted ``updated_at`` (inclusive) picks up everything after it again.
    """


def epoch_ms(moment: datetime.datetime) -> int:
    """Milliseconds since the epoch, the API's most precise ``from``/``to`` format."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return int(moment.timestamp() * 1000)


class AudienceStream(SyncWindowMixin, ConcurrentPagesStream[AudiencePage]):
    """One Audience resource, synced per account, ascending on its replication key."""

    #: Records arrive sorted ascending on the replication key (we ask for it), so
    #: the SDK can checkpoint mid-partition and a failed sync resumes where it was.
    is_sorted = True
    #: The look-back re-reads rows older than the bookmark on purpose, so the
    #: SDK must not take the first of them for an ordering error. Within one
    #: request the API sorts ascending (we ask for it) and pages are emitted in
    #: order, which tests check.
    check_sorted = False
    #: A STATE message every 1000 records: a sync that dies re-reads at most that many.
    STATE_MSG_FREQUENCY = 1000
    #: Fields whose digest is the record's primary key (see schemas.py).
    identity_fields: t.ClassVar[tuple[str, ...]]

    @property
    def http_headers(self) -> dict:
        """The OpenAPI marks ``Content-Type: application/json`` required, GETs included."""
        return {**super().http_headers, "Content-Type": "application/json"}

    @property
    def partitions(self) -> list[dict]:
        """Each account is its own partition, with its own bookmark in the state."""
        return [{"account_id": account_id} for account_id in self.video_tap.account_ids]  # type: ignore[attr-defined]

    @property
    def page_size(self) -> int:
        """Items per request; the overview caps ``limit`` at 100."""
        return int(self.config.get("page_size") or 100)

    # Paging -----------------------------------------------------------------

    def first_page_token(self, context: Context | None) -> AudiencePage:
        """Offset 0 of the window from the bookmark (or restart point) to ``window_end``."""
        restart = self._restart_points.get(self._partition_id(context))
        start = restart or self.window_start(context)
        start_ms = epoch_ms(start) if start else 0
        return AudiencePage(from_ms=start_ms, to_ms=epoch_ms(self.window_end), offset=0)

    def window_start(self, context: Context | None) -> datetime.datetime | None:
        """The bookmark minus ``lookback_minutes``, never before ``start_date``.

        The overview says view events appear "only once processed" and that
        responses are cached for about five minutes, so an event can become
        visible after a sync already passed its ``updated_at``. Re-reading the
        last ``lookback_minutes`` before the bookmark picks such events up;
        rows read twice upsert on their stable key.
        """
        lookback = datetime.timedelta(minutes=int(self.config.get("lookback_minutes") or 0))
        return self.resume_point(context, lookback)

    def following_page_tokens(
        self, first: FetchedPage[AudiencePage], context: Context | None
    ) -> t.Iterable[AudiencePage]:
        """Every further offset up to the ``count`` the first response reported."""
        total = int(first.body.get("count") or 0)
        for offset in range(self.page_size, total, self.page_size):
            yield replace(first.token, offset=offset)

    def announced_total(self, first: FetchedPage[AudiencePage]) -> int | None:
        """``count``: the items of the whole window, so progress can show a percentage."""
        count = first.body.get("count")
        return int(count) if isinstance(count, int) else None

    def records_in_page(self, page: FetchedPage[AudiencePage]) -> t.Iterable[dict]:
        """The ``result`` array of the response envelope."""
        return page.body.get("result") or []

    def check_page(self, first: FetchedPage[AudiencePage], page: FetchedPage[AudiencePage]) -> None:
        """A different ``count`` means items moved between offsets since page one."""
        if page.body.get("count") != first.body.get("count"):
            msg = (
                f"count changed from {first.body.get('count')} to {page.body.get('count')} "
                f"at offset {page.token.offset}"
            )
            raise ResultSetShiftedError(msg)

    def get_url_params(self, context: Context | None, next_page_token: AudiencePage | None) -> dict:
        """``from``/``to`` in epoch ms, ascending sort on the replication key, paging."""
        token = next_page_token or self.first_page_token(context)
        params: dict[str, t.Any] = {
            "from": token.from_ms,
            "to": token.to_ms,
            "sort": self.replication_key,
            "limit": self.page_size,
            "offset": token.offset,
        }
        if self.config.get("where"):
            params["where"] = self.config["where"]
        return params

    # Records ------------------------------------------------------------------

    def records_for_partition(self, context: Context | None) -> t.Iterable[dict]:
        """Page through the window; restart after the last emitted value if it shifts."""
        partition = self._partition_id(context)
        self._restart_points.pop(partition, None)
        for _attempt in range(MAX_WINDOW_RESTARTS + 1):
            last_value: str | None = None
            try:
                for record in self.request_records(context):
                    last_value = record.get(self.replication_key) or last_value
                    yield record
            except ResultSetShiftedError as shift:
                if last_value:
                    self._restart_points[partition] = parse_datetime(last_value)
                self.logger.warning(
                    "%s for account %s: %s; restarting the window from %s",
                    self.name,
                    partition,
                    shift,
                    last_value or "its start",
                )
                continue
            return
        msg = (
            f"{self.name} for account {partition}: the result set kept changing while paging "
            f"({MAX_WINDOW_RESTARTS} restarts); records up to the last bookmark were kept"
        )
        raise FatalAPIError(msg)

    def post_process(self, row: dict, context: Context | None = None) -> dict:
        """Add the account and a primary key; leave every API value as it came."""
        row = self.keep_declared_fields(self.merge_field_aliases(row))
        row["account_id"] = self._partition_id(context)
        row[self.primary_keys[0]] = stable_key(row, self.identity_fields)
        return row

    #: Other spellings of a declared field: {alias: declared name}.
    field_aliases: t.ClassVar[dict[str, str]] = {}

    def merge_field_aliases(self, row: dict) -> dict:
        """Fill a declared field from its other spelling when the API used that one."""
        for alias, name in self.field_aliases.items():
            if alias in row:
                value = row.pop(alias)
                if row.get(name) is None:
                    row[name] = value
        return row

    @cached_property
    def _restart_points(self) -> dict[str, datetime.datetime]:
        return {}

    @staticmethod
    def _partition_id(context: Context | None) -> str:
        return str((context or {}).get("account_id", ""))

    # Errors -------------------------------------------------------------------

    def response_error_message(self, response: requests.Response) -> str:
        """Name the request and the API's own ``error_code`` and ``message``."""
        error_code, message = _audience_error(response)
        request = response.request
        return (
            f"{response.status_code} {error_code or response.reason} from "
            f"{request.method} {request.path_url}: {message or response.text[:300]}"
        )


def _audience_error(response: requests.Response) -> tuple[str, str]:
    """``error_code`` and ``message`` from the overview's array-shaped error body."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    first = body[0] if isinstance(body, list) and body else body
    if not isinstance(first, dict):
        return "", ""
    return str(first.get("error_code") or ""), str(first.get("message") or "")
