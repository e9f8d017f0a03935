"""The base of every tap in the family: input checked up front, failures bounded.

What it adds to the SDK's ``Tap``, so each tap inherits it instead of copying it:

- Settings a release renamed (:class:`RenamedSetting`) are read under their
  new names, with a WARNING, before anything else looks at the config.
- Settings are checked when the config is read: missing required settings are
  named (``meltano config test`` shows the last line a tap prints, and the
  SDK's last line was a bare "Config validation failed"), dates must parse and
  be in order, and values of secret settings never appear in a message.
- The ``--state`` file is checked before anything is written: not JSON, not an
  object, a bookmark that is not a date or lies beyond the end of this sync
  each stop the run with a message naming the file, stream and partition.
- A partition that fails for good is skipped by the stream (see
  ``VideoStream.get_records``); the run then ends non-zero with a
  summary, after every healthy partition was synced and checkpointed.
- Output goes through :class:`BookmarkFlushingWriter`, and a summary per
  stream closes the log.
- One run for every tap (:meth:`VideoTap.sync_all`); a tap adapts it through
  :meth:`~VideoTap.prepare_run` and :meth:`~VideoTap.finish_run`, not by
  overriding it.
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime
import io
import json
import logging
import time
import typing as t
from functools import cached_property
from pathlib import PurePath

from singer_sdk import Tap
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.plugin_base import JSONSchemaValidator

from video_taps_common.api_health import ApiHealth
from video_taps_common.client_credentials import _http_date
from video_taps_common.errors import InvalidInputError, RunAbortingError
from video_taps_common.progress import (
    StreamSummary,
    describe_partition,
    newest_bookmark,
    quiet_partition_logs,
)
from video_taps_common.rate_budget import RequestBudget, UnlimitedBudget
from video_taps_common.sdk_compat import install_tap_hooks
from video_taps_common.settings import (
    as_utc,
    date_setting_errors,
    parse_datetime,
    start_date_in_future_errors,
    url_setting_errors,
)
from video_taps_common.singer_output import BookmarkFlushingWriter
from video_taps_common.tenant import TenantColumn

if t.TYPE_CHECKING:
    import click
    import jsonschema
    import requests
    from singer_sdk.singerlib import Catalog

    from video_taps_common.progress import PartitionProgress
    from video_taps_common.video_stream import VideoStream

#: How a user clears a bad bookmark, shown with every state error.
CLEAR_STATE_HINT = (
    "Clear it with `meltano state clear <state-id>` (see `meltano state list`), or remove "
    "that entry from the state file; the partition then starts again from `start_date`."
)


#: The ``--state`` file of this run, named in errors about the state (see ``invoke``).
_STATE_SOURCE: contextvars.ContextVar[str] = contextvars.ContextVar(
    "state_source", default="the state"
)


class PartitionsFailedError(Exception):
    """Some partitions failed for good; every other one was synced and checkpointed."""


@dataclasses.dataclass(frozen=True)
class RenamedSetting:
    """A setting a release renamed: a configuration that still gives ``old`` keeps working.

    Meltano passes a ``config:`` key the plugin does not declare straight through,
    and the SDK ignores a key its schema lacks: without this, a configuration
    written for the old name would lose the setting silently (the default used,
    a filter dropped). A tap lists its renames in :attr:`VideoTap.renamed_settings`.
    """

    old: str
    new: str
    #: For a change of unit or type: the old value as the new setting's. Raises
    #: ``TypeError``, ``ValueError`` or ``ArithmeticError`` for a value it cannot convert.
    convert: t.Callable[[t.Any], t.Any] | None = None
    #: What ``old`` held and ``new`` holds (e.g. "a number of seconds", "a whole
    #: number of milliseconds"), for the WARNING and the error; needed with ``convert``.
    old_kind: str = ""
    new_kind: str = ""

    def move(self, config: dict[str, t.Any], *, secret: bool) -> str | None:
        """Take ``old`` out of ``config`` and give its value to ``new``; the problem, if any.

        ``null`` is unset, as for any optional setting: nothing is moved. The
        value appears in a problem only where the new setting is not ``secret``.
        """
        value = config.pop(self.old)
        if value is None:
            return None
        if self.convert is not None:
            try:
                value = self.convert(value)
            except (TypeError, ValueError, ArithmeticError):
                got = " (value not shown: the setting is secret)" if secret else f", got {value!r}"
                return f"setting `{self.old}` (renamed `{self.new}`) must be {self.old_kind}{got}"
        if config.get(self.new) is not None and config[self.new] != value:
            return (
                f"settings `{self.old}` and `{self.new}` are both given, with different values: "
                f"`{self.old}` was renamed `{self.new}`; set only `{self.new}`"
            )
        config[self.new] = value
        return None

    def warning(self) -> str:
        """The WARNING once the value was moved: both names, the units if they changed, no value."""
        if self.convert is None:
            return (
                f"The setting `{self.old}` was renamed `{self.new}`: its value is used as "
                f"`{self.new}`. Rename it in your configuration."
            )
        return (
            f"The setting `{self.old}` ({self.old_kind}) was renamed `{self.new}` "
            f"({self.new_kind}): its value was converted and is used as `{self.new}`. "
            f"Rename it in your configuration, with the value as {self.new_kind}."
        )


@install_tap_hooks
class VideoTap(Tap):
    """A Singer tap that checks its input first and reports what failed at the end."""

    message_writer_class = BookmarkFlushingWriter
    #: Settings holding dates; each must parse, and ``start_date`` <= ``end_date``.
    date_settings: t.ClassVar[tuple[str, ...]] = ("start_date", "end_date")
    #: For an API whose rows do not say whose they are: the column every record
    #: carries and every primary key starts with (see ``video_taps_common.tenant``).
    #: None where the API's rows carry it (Brightcove's ``account_id``).
    tenant: t.ClassVar[TenantColumn | None] = None
    #: Settings a release renamed, read under their new names (:meth:`move_renamed_settings`).
    renamed_settings: t.ClassVar[tuple[RenamedSetting, ...]] = ()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:  # noqa: ANN401
        """The SDK's; a state given as a path is remembered, to name it in errors."""
        state = kwargs.get("state")
        self.state_source = (
            f"State file {state}" if isinstance(state, str | PurePath) else _STATE_SOURCE.get()
        )
        super().__init__(*args, **kwargs)

    # Settings -----------------------------------------------------------------

    def validate_settings(
        self, config: dict[str, t.Any], *, raise_errors: bool = True
    ) -> list[str]:
        """The SDK's JSON Schema check, with messages that name each setting.

        Run by the SDK when it reads the config (see ``sdk_compat``), before
        anything else; ``config`` is the SDK's own dict (the config file and,
        with ``--config ENV``, the environment), renamed settings moved and
        defaults filled in here.
        """
        errors = self.move_renamed_settings(config)
        schema = self.config_jsonschema
        self.append_builtin_config(schema)
        # The SDK's validator also fills in each setting's default.
        validator = JSONSchemaValidator(schema)
        missing: dict[str, None] = {}  # ordered, without repeats
        for error in validator.iter_errors(config):
            names = _missing_settings(error)
            if names:
                missing.update(dict.fromkeys(names))
            else:
                errors.append(_describe_setting_error(error, schema))
        if missing:
            plural = "s" if len(missing) > 1 else ""
            errors.insert(0, f"missing required setting{plural} {', '.join(missing)}")
        errors += date_setting_errors(config, self.date_settings)
        errors += start_date_in_future_errors(config, datetime.datetime.now(datetime.UTC))
        errors += url_setting_errors(config, self.url_settings)
        if self.tenant is not None:
            errors += self.tenant.setting_errors(config)
        if not errors:
            errors += self.cross_setting_errors(config)
        if errors and raise_errors:
            raise ConfigValidationError(
                f"Invalid settings: {'; '.join(errors)}", errors=errors, schema=schema
            )
        if errors:
            self.logger.warning("Invalid settings: %s", "; ".join(errors))
        return errors

    def move_renamed_settings(self, config: dict[str, t.Any]) -> list[str]:
        """Each renamed setting the config still gives, moved to its new name: the problems.

        Runs before the schema check fills in defaults, so a new setting given
        beside the old one is told from its default. A WARNING names both
        settings, never the value (a setting may be secret); both given with
        different values, or a value the conversion refuses, is an error naming both.
        """
        properties = self.config_jsonschema.get("properties", {})
        errors: list[str] = []
        for rename in self.renamed_settings:
            if rename.old not in config:
                continue
            secret = bool((properties.get(rename.new) or {}).get("secret"))
            problem = rename.move(config, secret=secret)
            if problem:
                errors.append(problem)
            else:
                self.logger.warning("%s", rename.warning())
        return errors

    @property
    def url_settings(self) -> list[str]:
        """Every setting named ``*_url`` (``api_url``, ``oauth_url``): each must be http(s)."""
        properties = self.config_jsonschema.get("properties", {})
        return [name for name in properties if name.endswith("_url")]

    def cross_setting_errors(self, config: t.Mapping[str, t.Any]) -> list[str]:  # noqa: ARG002
        """Problems no single setting's schema can express, e.g. one setting needing another."""
        return []

    # Whose rows ---------------------------------------------------------------

    @cached_property
    def tenant_label(self) -> str | None:
        """The value of the :attr:`tenant` column on every record (None without one).

        The setting of the same name, else the tap's :meth:`default_tenant_label`.
        """
        if self.tenant is None:
            return None
        configured = self.config.get(self.tenant.name)
        if configured is not None:
            self.tenant_label_source = f"setting `{self.tenant.name}`"
            return str(configured)
        label, self.tenant_label_source = self.default_tenant_label()
        return label

    #: Where :attr:`tenant_label` came from, for the log (set with it).
    tenant_label_source: str = ""

    def default_tenant_label(self) -> tuple[str, str]:
        """The label when its setting is unset, and where it came from.

        A tap with a :attr:`tenant` says which; it may make requests (a token).
        """
        raise NotImplementedError

    @cached_property
    def tenant_fields(self) -> dict[str, str]:
        """What every record of this run gets: ``{column: label}``, or nothing."""
        if self.tenant is None:
            return {}
        return {self.tenant.name: t.cast("str", self.tenant_label)}

    def announce_tenant(self) -> None:
        """Log, once per run, the label every row gets and where it came from."""
        if self.tenant is None:
            return
        label = self.tenant_label
        self.logger.info(
            "Every row is labelled %s=%r (%s)", self.tenant.name, label, self.tenant_label_source
        )

    @property
    def input_catalog(self) -> Catalog | None:
        """The catalog passed to the tap, with the :attr:`tenant` column in every stream.

        A catalog discovered by a release before the column (meltano reuses its
        cached ``tap.properties.json`` while the settings stay the same) would
        have the SDK announce the old keys, and the target keep upserting one
        account's rows over another's: the column is added to such a catalog's
        schemas and keys, with one WARNING.
        """
        catalog = super().input_catalog
        if catalog is None or self.tenant is None or catalog is self._tenant_catalog:
            return catalog
        self._tenant_catalog = catalog
        upgraded = self.tenant.upgrade_catalog(catalog)
        if upgraded:
            self.logger.warning(
                "The catalog was written before `%s` was part of every stream (e.g. meltano's "
                "cached catalog of an earlier release): added it to the schema and first in the "
                "key of %s. Run `meltano run --refresh-catalog ...` once to refresh the cache.",
                self.tenant.name,
                ", ".join(upgraded),
            )
        return catalog

    #: The input catalog :attr:`input_catalog` already gave the tenant column.
    _tenant_catalog: Catalog | None = None

    # Running ------------------------------------------------------------------

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: t.Any = None,  # noqa: ANN401 - the SDK's private _ConfigInput
        state: t.IO[str] | None = None,
        catalog: t.IO[str] | None = None,
    ) -> None:
        """Run the tap; input errors and failures end it with one clear ERROR line."""
        try:
            if state is not None:
                _STATE_SOURCE.set(f"State file {getattr(state, 'name', '--state')}")
                state = io.StringIO(json.dumps(read_state_file(state)))
            super().invoke(
                about=about,
                about_format=about_format,
                config=config,
                state=state,
                catalog=catalog,
            )
        except (
            ConfigValidationError,
            InvalidInputError,
            PartitionsFailedError,
            RunAbortingError,
        ) as error:
            cls._exit_with_error(str(error))

    @classmethod
    def cb_test(cls, ctx: click.Context, param: click.Option, value: str) -> None:
        """``--test`` with a clear message, not a traceback, for bad settings."""
        try:
            super().cb_test(ctx, param, value)
        except (ConfigValidationError, InvalidInputError, RunAbortingError) as error:
            cls._exit_with_error(str(error))

    @classmethod
    def _exit_with_error(cls, message: str) -> t.NoReturn:
        # The last line a tap prints is what `meltano config test` shows.
        cls.logger.error("%s", message)
        raise SystemExit(1)

    def sync_all(self) -> None:
        """The run every tap of the family makes; a tap adapts it through the hooks, not here.

        1. The input that needs no request: the state belongs to this tap, and
           the catalog selects no stream it lacks.
        2. The credentials proven (:meth:`prove_credentials`) and the API's
           clock read (:attr:`sync_started_at`), before any data request; the
           label of every row announced (:meth:`announce_tenant`).
        3. The bookmarks checked, once, against the end of this run's range.
        4. :meth:`prepare_run`, the tap's own start (e.g. planning its requests).
        5. Every stream synced, then a summary per stream; failed partitions
           end the run non-zero (:class:`PartitionsFailedError`).
        6. :meth:`finish_run`, whatever the sync's outcome (once step 4 ran).
        7. Every message the writer still holds is written out: nothing of a run
           reaches stdout after it ended (no ``atexit``).
        """
        try:
            self.check_state_belongs_here()
            self.warn_unknown_catalog_streams()
            self.prove_credentials()
            _ = self.sync_started_at  # the API's clock, read once: the end of this run's range
            self.announce_tenant()
            self.check_bookmarks()
            self.prepare_run()
            try:
                quiet_partition_logs(
                    {stream.name: stream.logger for stream in self.streams.values()}
                )
                self._sync_and_summarize()
            finally:
                self.finish_run()
        finally:
            self.flush_output()

    def prove_credentials(self) -> None:
        """Get the first token now: wrong credentials stop the run before any data request.

        For an authenticator with a token flow (``ensure_token``); an unavailable
        token endpoint is retried, a refusal stops at once with a message naming
        the settings. Credentials without a token (an API key sent as is) are
        proven by the first request that carries them.
        """
        ensure_token = getattr(getattr(self, "authenticator", None), "ensure_token", None)
        if callable(ensure_token):
            ensure_token()

    def prepare_run(self) -> None:
        """Hook: the tap's own start of a run, after the input and credentials were checked."""

    def finish_run(self) -> None:
        """Hook: the tap's own end of a run (after the summary; also when the sync failed)."""

    def flush_output(self) -> None:
        """Write out messages the writer still holds (records after the last STATE)."""
        flush = getattr(self.message_writer, "flush_pending", None)
        if flush is not None:
            flush()

    def _sync_and_summarize(self) -> None:
        try:
            super().sync_all()
        except Exception:
            # Keep every bookmark reached so far, after the records it covers:
            # the next run resumes from it, and the output ends with a STATE.
            self.state_writer.write_state(self.state)
            self.log_summary()
            self.log_not_synced()
            raise
        self.log_summary()
        failed = [
            f"{summary.stream} [{partition}]"
            for summary in self.stream_summaries.values()
            for partition in summary.failed
        ]
        if failed:
            total = sum(summary.partitions for summary in self.stream_summaries.values())
            raise PartitionsFailedError(_failed_partitions_message(failed, total))

    #: Take "now" from the token answer's ``Date`` header (the API's clock)
    #: rather than the machine's; for taps whose authenticator keeps it. A tap
    #: whose credentials may not involve a token makes this a property.
    clock_from_token_answer: bool = False

    #: The first ``Date`` an API answer carried and the monotonic time it came
    #: (``note_api_date``), for credentials that involve no token answer.
    _api_date_seen: tuple[datetime.datetime, float] | None = None

    def api_now(self) -> datetime.datetime:
        """Now by the API's clock, where the tap reads it; else the machine's.

        The API's clock is known once a token was answered with a ``Date``
        header (or, without a token, once ``note_api_date`` saw an answer), and
        moves on with the machine's monotonic clock from there.
        """
        if self.clock_from_token_answer:
            server_now = self.authenticator.server_now()  # type: ignore[attr-defined]
            if server_now is not None:
                return server_now
        if self._api_date_seen is not None:
            seen, at = self._api_date_seen
            return seen + datetime.timedelta(seconds=time.monotonic() - at)
        return datetime.datetime.now(datetime.UTC)

    def read_api_clock(self) -> None:
        """Learn the API's clock before ``sync_started_at`` freezes the run's range.

        With ``clock_from_token_answer`` the token answer tells it (and getting
        the token proves the credentials before any data request). A tap whose
        credentials get no token answer overrides this with a request that
        costs nothing and hands the answer to ``note_api_date``.
        """
        if self.clock_from_token_answer:
            self.authenticator.ensure_token()  # type: ignore[attr-defined]

    def note_api_date(self, response: requests.Response) -> bool:
        """Take the API's clock from an answer's ``Date`` header, once; ``False`` if it has none."""
        moment = _http_date(response.headers.get("Date"))
        if moment is None:
            return False
        if self._api_date_seen is None:
            self._api_date_seen = (moment, time.monotonic())
        return True

    @cached_property
    def sync_started_at(self) -> datetime.datetime:
        """Frozen once: the end of every incremental stream's range in this run.

        With ``clock_from_token_answer`` it is the API's clock: a range then
        never ends in a future the API has no data for (a machine whose clock is
        ahead would read empty windows, and spend rate limit on them), nor
        before data the API already holds. Getting the token here also proves
        the credentials before any data request.
        """
        self.read_api_clock()
        return self.api_now()

    @cached_property
    def api_health(self) -> ApiHealth:
        """Whether the API as a whole is failing, shared by every stream and thread."""
        return ApiHealth()

    @cached_property
    def rate_budget(self) -> RequestBudget:
        """The one request budget every stream and thread of the tap draws from.

        A tap whose API publishes a limit (or announces it in headers) returns
        its own; without one, requests are not paced, but a 429 still holds
        every request back for a moment.
        """
        return UnlimitedBudget()

    def log_not_synced(self) -> None:
        """After a run stopped early: the partitions that failed and the streams never started."""
        failed = [
            f"{summary.stream} [{partition}]"
            for summary in self.stream_summaries.values()
            for partition in summary.failed
        ]
        not_started = []
        for stream in self.streams.values():
            summary = self.stream_summaries.get(stream.name)
            if not stream.selected:
                continue
            if summary is None:
                not_started.append(stream.name)
            elif (left := len(stream.partitions or []) - summary.partitions) > 0:
                not_started.append(f"{stream.name} ({left} more partition{'s' * (left > 1)})")
        parts = [f"failed: {', '.join(failed)}"] if failed else []
        if not_started:
            parts.append(f"not started: {', '.join(not_started)}")
        if parts:
            self.logger.error("Not synced in this run: %s", "; ".join(parts))

    @cached_property
    def stream_summaries(self) -> dict[str, StreamSummary]:
        """What each stream did in this run, filled in as partitions finish."""
        return {}

    def record_partition_done(
        self, stream: str, progress: PartitionProgress, error: Exception | None
    ) -> None:
        """Fold a finished or failed partition into its stream's summary."""
        summary = self.stream_summaries.setdefault(stream, StreamSummary(stream))
        summary.add(progress, failed=error is not None)

    def log_summary(self) -> None:
        """One line per stream: records, partitions, time, rate, bookmark, and what failed."""
        bookmarks = self.state.get("bookmarks") or {}
        for summary in self.stream_summaries.values():
            newest = newest_bookmark(bookmarks.get(summary.stream))
            stream = t.cast("VideoStream", self.streams[summary.stream])
            summary.bookmark = stream.bookmark_reached(newest) if newest is not None else None
            level = logging.ERROR if summary.failed else logging.INFO
            self.logger.log(level, "Summary %s", summary.line())

    # State --------------------------------------------------------------------

    def check_state_belongs_here(self) -> None:
        """Refuse a state none of whose bookmarks name a stream of this tap.

        Such a state was written by another tap (a state file or state id mixed
        up): it used to be ignored silently, the run starting over from
        ``start_date`` and its state then overwriting the other tap's.
        Bookmarks of streams this tap does not have, beside ones it has (e.g. of
        a stream since renamed), get a WARNING; the SDK keeps them in the state.
        """
        bookmarks = self.state.get("bookmarks") or {}
        foreign = sorted(set(bookmarks) - set(self.streams))
        if not foreign:
            return
        if len(foreign) == len(bookmarks):
            msg = (
                f"{self.state_source} cannot belong to {self.name}: its bookmarks name "
                f"stream(s) {', '.join(foreign)}, none of which this tap has (its streams: "
                f"{', '.join(sorted(self.streams))}). Was it written by another tap? Give "
                "this tap its own state: under meltano each extractor-loader pair has its own "
                "state id (`meltano state list`), and `meltano state clear <state-id>` empties "
                "one that holds another tap's bookmarks; the run then starts from `start_date`."
            )
            raise InvalidInputError(msg)
        self.logger.warning(
            "%s has bookmarks for stream(s) %s, which %s does not have: not used, and kept "
            "in the state as they are.",
            self.state_source,
            ", ".join(foreign),
            self.name,
        )

    def warn_unknown_catalog_streams(self) -> None:
        """A WARNING for each stream the catalog selects that this tap does not have.

        The SDK skips such entries silently: a stream renamed, or a catalog
        written for another tap, then synced nothing and the run ended 0.
        """
        catalog = self.input_catalog
        if catalog is None:
            return
        unknown = sorted(
            entry.tap_stream_id
            for entry in catalog.streams
            if entry.tap_stream_id not in self.streams and _selected(entry)
        )
        if unknown:
            self.logger.warning(
                "The catalog selects stream(s) %s, which %s does not have; they are not "
                "synced (its streams: %s).",
                ", ".join(unknown),
                self.name,
                ", ".join(sorted(self.streams)),
            )

    def check_bookmarks(self) -> None:
        """Refuse bookmarks that are not dates or lie beyond the end of this sync.

        A bookmark in the future was honoured silently before: no records, rc 0,
        and the bad bookmark written back, so nothing synced until that date.
        """
        bookmarks = self.state.get("bookmarks") or {}
        problems: list[str] = []
        for stream in self.streams.values():
            key = stream.replication_key
            stream_state = bookmarks.get(stream.tap_stream_id)
            kind = _bookmark_format(stream.schema, key) if key else None
            if not kind or not stream_state:
                continue
            for context, value in _bookmark_values(stream_state):
                where = f"stream `{stream.name}` partition [{describe_partition(context)}]"
                try:
                    moment = _parse_bookmark(value, kind)
                except ValueError:
                    problems.append(f"{where}: bookmark {value!r} is not a {kind}")
                    continue
                latest = _latest_allowed_bookmark(stream, context)
                if moment > latest:
                    problems.append(
                        f"{where}: bookmark {value!r} is later than the end of this sync "
                        f"({latest.isoformat()}), so nothing would ever be synced"
                    )
        if problems:
            msg = f"The state holds impossible bookmarks: {'; '.join(problems)}. {CLEAR_STATE_HINT}"
            raise InvalidInputError(msg)


def _failed_partitions_message(failed: list[str], total: int) -> str:
    """The run's closing error: which partitions failed, and what became of the others."""
    noun = "partition" if total == 1 else "partitions"
    verb = "was" if len(failed) == 1 else "were"
    head = (
        f"{len(failed)} of {total} {noun} failed and {verb} skipped: {', '.join(failed)} "
        "(see the ERROR lines above); "
    )
    if len(failed) == total:
        return head + (
            "no partition was synced in full; each keeps the bookmark of the last record "
            "it delivered, if any."
        )
    return head + "every other partition was synced and its bookmark saved."


def _selected(entry: t.Any) -> bool:  # noqa: ANN401 - a singer_sdk CatalogEntry
    """Whether a catalog entry selects its stream, as the SDK would decide it."""
    return entry.metadata.resolve_selection()[()]


def read_state_file(handle: t.IO[str]) -> dict:
    """The ``--state`` file as a dict, or an error naming the file and what is wrong."""
    name = getattr(handle, "name", "--state")
    text = handle.read()
    if not text.strip():
        return {}
    try:
        state = json.loads(text)
    except ValueError as error:
        msg = f"State file {name} is not valid JSON ({error}). {CLEAR_STATE_HINT}"
        raise InvalidInputError(msg) from error
    problem = _state_shape_problem(state)
    if problem:
        msg = f"State file {name} is not a Singer state: {problem}. {CLEAR_STATE_HINT}"
        raise InvalidInputError(msg)
    return state


def _state_shape_problem(state: t.Any) -> str | None:  # noqa: ANN401
    """What makes ``state`` unusable as ``{"bookmarks": {stream: {...}}}``, if anything."""
    if not isinstance(state, dict):
        return f"expected a JSON object, got {_json_kind(state)}"
    bookmarks = state.get("bookmarks", {})
    if not isinstance(bookmarks, dict):
        return f"`bookmarks` must be an object of streams, got {_json_kind(bookmarks)}"
    for stream, stream_state in bookmarks.items():
        if not isinstance(stream_state, dict):
            return f"`bookmarks.{stream}` must be an object, got {_json_kind(stream_state)}"
        partitions = stream_state.get("partitions", [])
        if not isinstance(partitions, list) or not all(
            isinstance(p, dict) and isinstance(p.get("context", {}), dict) for p in partitions
        ):
            return f"`bookmarks.{stream}.partitions` must be a list of objects with a `context`"
    return None


def _json_kind(value: t.Any) -> str:  # noqa: ANN401
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    for kind, label in kinds.items():
        if isinstance(value, kind):
            return label
    return "null" if value is None else "a number"


def _bookmark_values(stream_state: dict) -> t.Iterator[tuple[dict | None, t.Any]]:
    """(partition context, bookmark) for the stream and each of its partitions."""
    if "replication_key_value" in stream_state:
        yield None, stream_state["replication_key_value"]
    for partition in stream_state.get("partitions", []):
        if "replication_key_value" in partition:
            yield partition.get("context"), partition["replication_key_value"]


def _bookmark_format(schema: dict, key: str) -> str | None:
    """``date-time`` or ``date`` for a replication key holding one, else ``None``.

    Day-keyed bookmarks (``format: date``) get the same checks as date-time ones.
    """
    kind = (schema.get("properties", {}).get(key) or {}).get("format")
    return kind if kind in ("date-time", "date") else None


def _parse_bookmark(value: t.Any, kind: str) -> datetime.datetime:  # noqa: ANN401
    """A bookmark as an aware datetime (a day as its midnight UTC); ValueError if it is none."""
    if kind == "date":
        day = datetime.date.fromisoformat(str(value).strip())
        return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    return parse_datetime(str(value))


def _latest_allowed_bookmark(stream: t.Any, context: dict | None) -> datetime.datetime:  # noqa: ANN401
    """The stream's signpost (the end of this sync's window) or, without one, now."""
    signpost = stream.get_replication_key_signpost(context)
    if isinstance(signpost, datetime.datetime):
        return as_utc(signpost)
    return datetime.datetime.now(datetime.UTC)


def _missing_settings(error: jsonschema.ValidationError) -> list[str]:
    """The settings a ``required`` error is about, as `name` or `parent.name`."""
    if error.validator != "required" or not isinstance(error.instance, dict):
        return []
    path = ".".join(str(part) for part in error.absolute_path)
    prefix = f"{path}." if path else ""
    return [f"`{prefix}{name}`" for name in error.validator_value if name not in error.instance]


def _describe_setting_error(error: jsonschema.ValidationError, schema: dict) -> str:
    """``setting `x`: <problem>``, with the value hidden for secret settings."""
    path = ".".join(str(part) for part in error.absolute_path)
    top = str(error.absolute_path[0]) if error.absolute_path else ""
    if (schema.get("properties", {}).get(top) or {}).get("secret"):
        return f"setting `{path}`: invalid value (not shown: the setting is secret)"
    return f"setting `{path or '(config)'}`: {error.message}"
