"""The Audience API's two resources: view events and leads."""

from __future__ import annotations

import typing as t

from tap_brightcove_audience.client import AudienceStream
from tap_brightcove_audience.schemas import (
    LEAD_IDENTITY,
    LEAD_KEY,
    LEAD_SCHEMA,
    VIEW_EVENT_IDENTITY,
    VIEW_EVENT_KEY,
    VIEW_EVENT_SCHEMA,
)


class ViewEventsStream(AudienceStream):
    """View events; incremental on ``updated_at``, the field ``from``/``to`` filter on.

    A view event is updated while the viewer keeps watching, so syncing on
    ``updated_at`` picks up changed events again and the target upserts them.
    """

    name = "view_events"
    path = "/accounts/{account_id}/view_events"
    primary_keys = (VIEW_EVENT_KEY,)
    replication_key = "updated_at"
    identity_fields = VIEW_EVENT_IDENTITY
    schema = VIEW_EVENT_SCHEMA
    #: The OpenAPI schema spells it ``is_synched``, the overview's field list
    #: ``is_synced``; one column is emitted, from whichever the API sends
    #: (docs/vendors/brightcove-audience.md#is-synced).
    field_aliases: t.ClassVar[dict[str, str]] = {"is_synched": "is_synced"}


class LeadsStream(AudienceStream):
    """Leads; incremental on ``created_at``, since a lead is never updated.

    Date ranges apply to ``updated_at`` (docs/vendors/brightcove-audience.md#date-ranges), which
    leads lack; if the API ignored ``from`` for leads we would re-read old leads, which the primary
    key turns into harmless upserts rather than gaps.
    """

    name = "leads"
    path = "/accounts/{account_id}/leads"
    primary_keys = (LEAD_KEY,)
    replication_key = "created_at"
    identity_fields = LEAD_IDENTITY
    schema = LEAD_SCHEMA


#: The tap's stream registry: every stream, declared once (its class; each is selected by
#: default, the SDK's ``selected_by_default``). Everything else that names streams derives
#: from it or is checked against it (tests/unit/test_registry.py).
STREAMS: tuple[type[AudienceStream], ...] = (ViewEventsStream, LeadsStream)
