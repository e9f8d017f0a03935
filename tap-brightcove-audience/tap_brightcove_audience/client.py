"""The Audience API's base stream: auth, the date window, limit/offset paging, errors.

API facts used here (docs/vendors/brightcove-audience.md, from the Audience overview and
OpenAPI):
- ``GET {api_url}/accounts/{account_id}/<resource>`` with a Bearer token
  (docs/vendors/brightcove-audience.md#base-url,
  docs/vendors/brightcove-audience.md#authentication).
- Paging: ``limit`` (max 100) and ``offset``; every response carries ``count``,
  the total number of matching items (docs/vendors/brightcove-audience.md#paging).
- ``from``/``to`` accept epoch milliseconds and filter on ``updated_at``
  (docs/vendors/brightcove-audience.md#date-ranges); ``sort`` takes one field, ``-`` for descending
  (docs/vendors/brightcove-audience.md#sort).
- Errors are a JSON array of ``{"error_code", "message"}``
  (docs/vendors/brightcove-audience.md#errors).
"""

from __future__ import annotations

import datetime
import typing as t

from singer_sdk.exceptions import FatalAPIError

from video_taps_common import (
    AnnouncedOffsetPaginator,
    ResultSetShiftedError,
    VideoStream,
    json_body,
    stable_key,
)
from video_taps_common.settings import parse_datetime

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

#: A sync restarts its window from the last emitted value at most this often.
MAX_WINDOW_RESTARTS = 20


class AudiencePaginator(AnnouncedOffsetPaginator):
    """``limit``/``offset`` paging: every offset up to the ``count`` of the first answer.

    An event updated while we page leaves our frozen window; every later item
    moves one offset down and one would be skipped. A page whose ``count``
    differs from the first's raises :class:`ResultSetShiftedError`, and the
    stream restarts from the last emitted ``updated_at`` (inclusive).
    """

    def __init__(self, page_size: int) -> None:
        """Offsets from 0 in steps of ``page_size``, shifts detected."""
        super().__init__(page_size, detect_shifts=True)

    def total_records(self, response: requests.Response) -> int | None:
        """``count``: the items of the whole window."""
        count = json_body(response).get("count")
        return count if isinstance(count, int) else None


def epoch_ms(moment: datetime.datetime) -> int:
    """Milliseconds since the epoch, the API's most precise ``from``/``to`` format."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return int(moment.timestamp() * 1000)


class AudienceStream(VideoStream[int]):
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
        """The OpenAPI marks ``Content-Type: application/json`` required, GETs included.

        docs/vendors/brightcove-audience.md#content-type-header.
        """
        return {**super().http_headers, "Content-Type": "application/json"}

    @property
    def partitions(self) -> list[dict]:
        """Each account is its own partition, with its own bookmark in the state."""
        return [{"account_id": account_id} for account_id in self.video_tap.account_ids]

    @property
    def page_size(self) -> int:
        """Items per request; the overview caps ``limit`` at 100.

        docs/vendors/brightcove-audience.md#paging.
        """
        return int(self.config.get("page_size") or 100)

    # Paging -----------------------------------------------------------------

    def get_new_paginator(self) -> AudiencePaginator:
        """Offsets up to the window's ``count``, fetched concurrently."""
        return AudiencePaginator(self.page_size)

    def parse_response(self, response: requests.Response) -> list[dict]:
        """The ``result`` array of the response envelope.

        As ``records_jsonpath = "$.result[*]"`` would say, read directly: the
        SDK's JSONPath walk costs three calls per record, 6% of a sync's CPU.
        """
        return json_body(response).get("result") or []

    def runs(self, context: Context | None) -> list[Context]:
        """One run: the window from the bookmark (minus the look-back) to the sync's end."""
        start = self.window_start(context)
        window = {"from_ms": epoch_ms(start) if start else 0, "to_ms": epoch_ms(self.sync_end)}
        return [{**(context or {}), **window}]

    def window_start(self, context: Context | None) -> datetime.datetime | None:
        """The bookmark minus ``lookback_minutes``, never before ``start_date``.

        View events appear "only once processed" and responses are cached for about five minutes
        (docs/vendors/brightcove-audience.md#processing-lag), so an event can become visible after a
        sync already passed its ``updated_at``. Re-reading the last ``lookback_minutes`` before the
        bookmark picks such events up; rows read twice upsert on their stable key.
        """
        lookback = datetime.timedelta(minutes=int(self.config.get("lookback_minutes") or 0))
        return self.resume_point(context, lookback)

    def run_shifted(
        self,
        context: Context | None,
        run: Context | None,
        shift: ResultSetShiftedError,
        last_record: dict | None,
        rereads: int,
    ) -> Context | None:
        """Restart the window from the last emitted value (inclusive), at most 20 times."""
        partition = self._partition_id(context)
        if rereads > MAX_WINDOW_RESTARTS:
            msg = (
                f"{self.name} for account {partition}: the result set kept changing while "
                f"paging ({MAX_WINDOW_RESTARTS} restarts); records up to the last bookmark "
                "were kept"
            )
            raise FatalAPIError(msg) from shift
        last_value = (last_record or {}).get(self.replication_key)
        self.logger.warning(
            "%s for account %s: %s; restarting the window from %s",
            self.name,
            partition,
            shift,
            last_value or "its start",
        )
        if not last_value:
            return run
        return {**(run or {}), "from_ms": epoch_ms(parse_datetime(last_value))}

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        """The run's window as ``from``/``to`` in epoch ms, ascending on the replication key."""
        run = context if context and "from_ms" in context else self.runs(context)[0]
        params: dict[str, t.Any] = {
            "from": run["from_ms"],
            "to": run["to_ms"],
            "sort": self.replication_key,
            "limit": self.page_size,
            "offset": next_page_token or 0,
        }
        if self.config.get("where"):
            params["where"] = self.config["where"]
        return params

    # Records ------------------------------------------------------------------

    def post_process(self, row: dict, context: Context | None = None) -> dict:
        """Add the account and a primary key; leave every API value as it came."""
        row = self.merge_field_aliases(row)
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
    """``error_code`` and ``message`` from the array-shaped error body.

    docs/vendors/brightcove-audience.md#errors.
    """
    try:
        body = response.json()
    except ValueError:
        return "", ""
    first = body[0] if isinstance(body, list) and body else body
    if not isinstance(first, dict):
        return "", ""
    return str(first.get("error_code") or ""), str(first.get("message") or "")
