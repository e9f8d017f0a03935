"""Record schemas, declared once, from the Audience API's documented fields.

Sources: the overview's field tables and the OpenAPI ``EventResult``/``LeadsResult`` schemas
(docs/vendors/brightcove-audience.md#view-events, docs/vendors/brightcove-audience.md#leads). Every
field is nullable except the keys we add, because the API omits fields a record does not have.
"""

from __future__ import annotations

from singer_sdk import typing as th

from video_taps_common.schema_types import int64

_TEXT = th.StringType
_WHEN = th.DateTimeType

VIEW_EVENT_KEY = "view_event_key"
LEAD_KEY = "lead_key"

#: Fields that never change for one view event; their digest is its primary key.
#: ``updated_at``, ``watched``, ``time_watched``, ``is_synced`` and custom
#: events/metrics change as the viewer keeps watching, so they are left out.
VIEW_EVENT_IDENTITY = (
    "account_id",
    "created_at",
    "video_id",
    "player_id",
    "page_url",
    "tracking_id",
    "external_id",
)

#: Leads never change once captured; every identifying field goes in the digest.
LEAD_IDENTITY = (
    "account_id",
    "created_at",
    "email_address",
    "video_id",
    "player_id",
    "page_url",
    "external_id",
)

VIEW_EVENT_SCHEMA = th.PropertiesList(
    th.Property(
        VIEW_EVENT_KEY,
        _TEXT,
        required=True,
        description="SHA-256 of the view event's immutable fields (see README): the primary key.",
    ),
    th.Property("account_id", _TEXT, required=True, description="Video Cloud account id."),
    th.Property("created_at", _WHEN, description="Creation date."),
    th.Property("updated_at", _WHEN, description="Last updated date (replication key)."),
    th.Property("video_id", _TEXT, description="Brightcove video ID."),
    th.Property("video_name", _TEXT, description="Brightcove video name."),
    th.Property("player_id", _TEXT, description="ID of the player that created the event."),
    th.Property("page_url", _TEXT, description="URL of the page where the event was created."),
    th.Property("watched", int64(), description="Percent watched."),
    th.Property("time_watched", int64(), description="Seconds of the video watched."),
    th.Property("tracking_id", _TEXT, description="Custom tracking ID."),
    th.Property("external_id", _TEXT, description="The Marketo, Eloqua or custom GUID."),
    th.Property(
        "is_synced",
        th.BooleanType,
        description=(
            "Whether the event was synchronized (filled from `is_synched`, the OpenAPI "
            "schema's spelling, when the API sends that one)."
        ),
    ),
    th.Property("event_1", _TEXT, description="Custom event 1."),
    th.Property("event_2", _TEXT, description="Custom event 2."),
    th.Property("event_3", _TEXT, description="Custom event 3."),
    th.Property("metric_1", th.NumberType, description="Custom metric 1."),
    th.Property("metric_2", th.NumberType, description="Custom metric 2."),
    th.Property("metric_3", th.NumberType, description="Custom metric 3."),
    th.Property("utm_source", _TEXT, description="UTM source found in page_url."),
    th.Property("utm_medium", _TEXT, description="UTM medium found in page_url."),
    th.Property("utm_campaign", _TEXT, description="UTM campaign found in page_url."),
    th.Property("utm_term", _TEXT, description="UTM term found in page_url."),
    th.Property("utm_content", _TEXT, description="UTM content found in page_url."),
).to_dict()

LEAD_SCHEMA = th.PropertiesList(
    th.Property(
        LEAD_KEY,
        _TEXT,
        required=True,
        description="SHA-256 of the lead's identifying fields (see README): the primary key.",
    ),
    th.Property("account_id", _TEXT, required=True, description="Video Cloud account id."),
    th.Property("created_at", _WHEN, description="Creation date (replication key)."),
    th.Property("email_address", _TEXT, description="The email address of the lead."),
    th.Property("first_name", _TEXT, description="First name, if provided."),
    th.Property("last_name", _TEXT, description="Last name, if provided."),
    th.Property("business_phone", _TEXT, description="Phone number, if provided."),
    th.Property("country", _TEXT, description="Country, if provided."),
    th.Property("company_name", _TEXT, description="Company, if provided."),
    th.Property("industry", _TEXT, description="Industry, if provided."),
    th.Property("page_url", _TEXT, description="URL of the page where the lead was captured."),
    th.Property("player_id", _TEXT, description="ID of the player that captured the lead."),
    th.Property("video_id", _TEXT, description="Brightcove video ID."),
    th.Property("video_name", _TEXT, description="Brightcove video name."),
    th.Property("external_id", _TEXT, description="The Marketo, Eloqua or custom GUID."),
).to_dict()
