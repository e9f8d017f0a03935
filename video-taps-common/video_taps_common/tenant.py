"""Whose data a row is, for APIs whose rows do not say it (the "tenant" column).

IBM Video's and api.video's answers name no account or project: one set of
credentials reads one IBM account or one api.video project. Rows of two
accounts loaded into one schema then shared primary keys (the same day and
metric of two projects), and the target upserted one over the other. A tap
for such an API declares a :class:`TenantColumn`: every record carries it,
every primary key starts with it, and a setting of the same name labels the
credentials (the tap's default label when unset).

A catalog written before the column existed (meltano keeps the catalog it
discovered in ``.meltano/run/<plugin>/tap.properties.json`` and reuses it
while the settings stay the same) lacks it in schemas and keys: the SDK would
then announce the old keys and the target keep upserting on them.
:meth:`TenantColumn.upgrade_catalog` puts it into such a catalog.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from singer_sdk import typing as th

if t.TYPE_CHECKING:
    from singer_sdk.singerlib import Catalog


@dataclass(frozen=True)
class TenantColumn:
    """The column (and setting) naming the account or project every row belongs to."""

    #: The column's and the setting's name: ``account_id``, ``project_id``.
    name: str
    #: What the label names, in a sentence: "the IBM account these credentials read".
    names: str
    #: The column's description in every stream's schema.
    description: str
    #: The setting's description (``--about``, meltano.yml): what it is for and its default.
    setting_description: str
    #: The setting's title.
    title: str

    def schema_property(self) -> th.Property:
        """The column, first in every stream's schema: a required string."""
        return th.Property(self.name, th.StringType, required=True, description=self.description)

    def setting_property(self) -> th.Property:
        """The optional setting that labels the credentials."""
        return th.Property(
            self.name, th.StringType, title=self.title, description=self.setting_description
        )

    def setting_errors(self, config: t.Mapping[str, t.Any]) -> list[str]:
        """The label, when set, must be a non-empty string without surrounding spaces.

        It becomes part of every primary key: an empty label would be a NULL
        in some targets' key columns, and " marketing" a different project from
        "marketing" the day someone trims it.
        """
        value = config.get(self.name)
        if value is None:
            return []
        if isinstance(value, str) and value.strip() and value == value.strip():
            return []
        return [
            f"setting `{self.name}`: expected a non-empty label without leading or trailing "
            f"spaces, naming {self.names} (it is written to every row's `{self.name}` and is "
            f"part of every primary key), got {value!r}; or leave it unset for the default"
        ]

    def upgrade_catalog(self, catalog: Catalog) -> list[str]:
        """Put the column into every stream of ``catalog`` that lacks it; the streams changed.

        The column goes first into the stream's schema (required), its key
        (``key_properties`` and ``table-key-properties``) and its metadata
        (included automatically, as the SDK marks key properties).
        """
        changed = []
        for entry in catalog.streams:
            as_dict = entry.to_dict()
            if not self._upgrade_entry(as_dict):
                continue
            upgraded = type(entry).from_dict(as_dict)
            entry.schema = upgraded.schema
            entry.key_properties = upgraded.key_properties
            entry.metadata = upgraded.metadata
            changed.append(entry.tap_stream_id)
        return changed

    def _upgrade_entry(self, entry: dict[str, t.Any]) -> bool:
        schema = entry.setdefault("schema", {})
        properties = schema.get("properties") or {}
        keys = list(entry.get("key_properties") or [])
        metadata = entry.setdefault("metadata", [])
        root = next((m for m in metadata if not m.get("breadcrumb")), None)
        table_keys = list(((root or {}).get("metadata") or {}).get("table-key-properties") or [])
        breadcrumb = ["properties", self.name]
        declared = any(m.get("breadcrumb") == breadcrumb for m in metadata)
        keyed = keys[:1] == [self.name] and (not root or table_keys[:1] == [self.name])
        if self.name in properties and keyed and declared:
            return False
        column = self.schema_property().to_dict()[self.name]
        schema["properties"] = {self.name: column, **properties}
        required = [name for name in schema.get("required") or [] if name != self.name]
        schema["required"] = [self.name, *required]
        entry["key_properties"] = [self.name, *(key for key in keys if key != self.name)]
        if root is not None:
            root.setdefault("metadata", {})["table-key-properties"] = [
                self.name,
                *(key for key in table_keys if key != self.name),
            ]
        if not declared:
            metadata.append({"breadcrumb": breadcrumb, "metadata": {"inclusion": "automatic"}})
        return True
