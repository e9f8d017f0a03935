"""Every private singer-sdk name the family relies on, each handed over to a public name of ours.

The SDK (0.54) calls these methods from its own sync loop and offers no public
hook in their place. Each mixin below overrides exactly one of them and does
nothing but call a public-named method of the family's base classes, which
holds the logic; no other module of the family (and none of the taps) may name
a private singer-sdk attribute. ``tests/unit/test_sdk_compat.py`` checks that
each name still exists with the signature used here and that the SDK still
calls it, so an SDK release that renames one fails there, in one obvious place.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from singer_sdk import singerlib as singer
    from singer_sdk.helpers.types import Context

#: (SDK class path, private method) for each hook overridden here; the contract test walks it.
PRIVATE_SDK_HOOKS: tuple[tuple[str, str], ...] = (
    ("singer_sdk.plugin_base.PluginBase", "_validate_config"),
    ("singer_sdk.plugin_base.PluginBase", "_config"),
    ("singer_sdk.streams.core.Stream", "_generate_record_messages"),
    ("singer_sdk.streams.core.Stream", "_increment_stream_state"),
    ("singer_sdk.streams.core.Stream", "_write_activate_version_message"),
)


class SettingsValidationHook:
    """For a ``Tap``: the SDK's config check hands over to :meth:`validate_settings`.

    Why private: ``PluginBase.__init__`` validates the config only through
    ``_validate_config``, before any public hook runs, and raises its own bare
    "Config validation failed" that names no setting. The check needs the
    config as the SDK's mutable ``_config``: its validator fills in each
    setting's default there (the public ``config`` is a read-only view).
    """

    def validate_settings(
        self, config: dict[str, t.Any], *, raise_errors: bool = True
    ) -> list[str]:
        """The tap's whole settings check of ``config`` (defaults filled in); see ``VideoTap``."""
        raise NotImplementedError

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        return self.validate_settings(self._config, raise_errors=raise_errors)  # type: ignore[attr-defined]


class RecordMessagesHook:
    """For a ``Stream``: each record is completed, then becomes messages, through public hooks.

    Why private: the SDK turns every record into RECORD messages in
    ``_generate_record_messages``, the last step every record passes (after
    ``post_process`` and the partition keys the SDK adds), and walks each
    record, nested objects too, to drop deselected properties even when every
    property is selected; there is no public hook there, and that walk was a
    quarter of a sync's CPU. Here every record first gets
    :meth:`complete_record` (so no stream can forget it); then, where
    :attr:`records_pass_through` holds, :meth:`record_messages` replaces the
    SDK's method, which otherwise runs unchanged.
    """

    def complete_record(self, record: dict) -> dict:
        """The record as it must reach targets (e.g. every declared field present)."""
        return record

    @property
    def records_pass_through(self) -> bool:
        """Every property selected, nothing to conform: the SDK's walk would change nothing."""
        return False

    def record_messages(self, record: dict) -> t.Iterator[singer.RecordMessage]:
        """The RECORD messages of one record (one per stream map that keeps it)."""
        raise NotImplementedError

    def _generate_record_messages(self, record: dict) -> t.Iterator[singer.RecordMessage]:
        record = self.complete_record(record)
        if self.records_pass_through:
            return self.record_messages(record)
        return super()._generate_record_messages(record)  # type: ignore[misc]


class RecordsDoNotMoveBookmarksHook:
    """For a ``Stream`` whose bookmarks move only when a whole range was read.

    Why private: the SDK's record loop advances the bookmark to every record's
    replication value through ``_increment_stream_state``, with no public
    switch; a windowed read holds rows out of order, so that bookmark would
    skip rows. Such streams save bookmarks themselves (``save_bookmark``, through
    the public ``state_manager``).
    """

    def _increment_stream_state(
        self,
        latest_record: dict,  # noqa: ARG002
        *,
        context: Context | None = None,  # noqa: ARG002
    ) -> None:
        return


class ActivateVersionHook:
    """For a ``Stream``: the SDK's ACTIVATE_VERSION hands over to :meth:`activate_version`.

    Why private: a full-table sync's version is announced only through
    ``_write_activate_version_message``, called before the first record; a
    stream that must hold it back (a target drops older rows on receipt) has no
    public hook, and the version its records carry is kept privately too.
    """

    def activate_version(self, version: int) -> None:
        """A full-table sync began with ``version``: record it, and announce it (or hold it)."""
        raise NotImplementedError

    def _write_activate_version_message(self, full_table_version: int) -> None:
        self.activate_version(full_table_version)
