"""Every private singer-sdk name the family relies on, each handed over to a public name of ours.

The SDK (0.54) calls these methods from its own sync loop and offers no public
hook in their place. Each function below overrides exactly one of them and does
nothing but call a public-named method of the family's base tap or base stream,
which holds the logic; no other module of the family (and none of the taps) may
name a private singer-sdk attribute. They are installed on the two base classes
by :func:`install_tap_hooks` and :func:`install_stream_hooks` (class decorators,
so they add no class to a stream's MRO). ``tests/unit/test_sdk_compat.py``
checks that each name still exists with the signature used here and that the SDK
still calls it, so an SDK release that renames one fails there, in one obvious place.
"""

from __future__ import annotations

import typing as t

from singer_sdk.streams.core import Stream

if t.TYPE_CHECKING:
    from singer_sdk import singerlib as singer
    from singer_sdk.helpers.types import Context

_TClass = t.TypeVar("_TClass", bound=type)

#: (SDK class path, private method) for each hook overridden here; the contract test walks it.
PRIVATE_SDK_HOOKS: tuple[tuple[str, str], ...] = (
    ("singer_sdk.plugin_base.PluginBase", "_validate_config"),
    ("singer_sdk.plugin_base.PluginBase", "_config"),
    ("singer_sdk.streams.core.Stream", "_generate_record_messages"),
    ("singer_sdk.streams.core.Stream", "_increment_stream_state"),
    ("singer_sdk.streams.core.Stream", "_write_activate_version_message"),
)


# The tap ------------------------------------------------------------------------


def _validate_config(self: t.Any, *, raise_errors: bool = True) -> list[str]:  # noqa: ANN401
    """The SDK's config check hands over to the tap's ``validate_settings``.

    Why private: ``PluginBase.__init__`` validates the config only through
    ``_validate_config``, before any public hook runs, and raises its own bare
    "Config validation failed" that names no setting. The check needs the
    config as the SDK's mutable ``_config``: it moves renamed settings to their
    new names there, and its validator fills in each setting's default (the
    public ``config`` is a read-only view).
    """
    return self.validate_settings(self._config, raise_errors=raise_errors)


#: The tap's overrides, by the SDK name each replaces.
TAP_HOOKS: dict[str, t.Callable[..., t.Any]] = {"_validate_config": _validate_config}


def install_tap_hooks(cls: _TClass) -> _TClass:
    """Give the family's base tap the SDK hooks of :data:`TAP_HOOKS`."""
    for name, hook in TAP_HOOKS.items():
        setattr(cls, name, hook)
    return cls


# The stream ---------------------------------------------------------------------


def _generate_record_messages(self: t.Any, record: dict) -> t.Iterator[singer.RecordMessage]:  # noqa: ANN401
    """Each record is completed (``complete_record``), then becomes messages (``record_messages``).

    Why private: the SDK turns every record into RECORD messages in
    ``_generate_record_messages``, the last step every record passes (after
    ``post_process`` and the partition keys the SDK adds), and walks each
    record, nested objects too, to drop deselected properties even when every
    property is selected; there is no public hook there, and that walk was a
    quarter of a sync's CPU. Where ``records_pass_through`` holds, the
    stream's ``record_messages`` replaces the SDK's method, which otherwise
    runs unchanged.
    """
    record = self.complete_record(record)
    if self.records_pass_through:
        return self.record_messages(record)
    return Stream._generate_record_messages(self, record)  # noqa: SLF001


def _increment_stream_state(
    self: t.Any,  # noqa: ANN401
    latest_record: dict,
    *,
    context: Context | None = None,
) -> None:
    """Bookmarks move per record as the SDK moves them, unless ``explicit_bookmarks``.

    Why private: the SDK's record loop advances the bookmark to every record's
    replication value through ``_increment_stream_state``, with no public
    switch; a windowed read holds rows out of order, so that bookmark would
    skip rows. Such streams save bookmarks themselves (``save_bookmark``,
    through the public ``state_manager``).
    """
    if not self.explicit_bookmarks:
        Stream._increment_stream_state(self, latest_record, context=context)  # noqa: SLF001


def _write_activate_version_message(self: t.Any, full_table_version: int) -> None:  # noqa: ANN401
    """The SDK's ACTIVATE_VERSION hands over to the stream's ``activate_version``.

    Why private: a full-table sync's version is announced only through
    ``_write_activate_version_message``, called before the first record; a
    stream that must hold it back (a target drops older rows on receipt) has no
    public hook, and the version its records carry is kept privately too.
    """
    self.activate_version(full_table_version)


#: The stream's overrides, by the SDK name each replaces.
STREAM_HOOKS: dict[str, t.Callable[..., t.Any]] = {
    "_generate_record_messages": _generate_record_messages,
    "_increment_stream_state": _increment_stream_state,
    "_write_activate_version_message": _write_activate_version_message,
}


def install_stream_hooks(cls: _TClass) -> _TClass:
    """Give the family's base stream the SDK hooks of :data:`STREAM_HOOKS`."""
    for name, hook in STREAM_HOOKS.items():
        setattr(cls, name, hook)
    return cls
