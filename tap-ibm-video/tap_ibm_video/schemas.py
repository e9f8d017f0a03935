"""Record schemas, declared once, from the Analytics API's documented fields.

Source: the View, Viewer, Segment and DeviceInfo schema definitions of the v1.0.3 reference and
IBM's current pages (docs/vendors/ibm-video.md#view-fields, docs/vendors/ibm-video.md#viewer-fields,
docs/vendors/ibm-video.md#device-info). Where the docs disagree with their own examples, one type is
emitted and the client converts what the API sends (see ``client.normalise_segment``):

- ``content_id``: integer, as the schema says; the examples send ``"112342345"``.
- ``client_id``: string, as the Swagger schema says; the examples hold 20- and
  22-digit values that no 64-bit integer column can take.
- ``view_session_id``: string (``"7f66d911:8b7aa82c"``); a newer doc table
  calls it "object", so an object is written as its JSON text.

Every field is nullable: an unfinished view has no ``finished_at``, and the
docs mark most ``device_info`` parts nullable.
"""

from __future__ import annotations

from singer_sdk import typing as th

from video_taps_common.schema_types import int64
from video_taps_common.tenant import TenantColumn

_TEXT = th.StringType
_WHEN = th.DateTimeType

#: The API's answers name no account: one client's credentials read one account.
#: Every row says which (setting ``account_id``, default the ``client_id``).
ACCOUNT = TenantColumn(
    name="account_id",
    names="the IBM account these credentials read",
    title="Account ID",
    description=(
        "The IBM account the row was read from: setting `account_id`, else the `client_id` "
        "that read it. First in the primary key, so several accounts share one schema."
    ),
    setting_description=(
        "Label of the IBM account these credentials read, written to every row's "
        "`account_id` and first in every primary key, so several accounts (one inherited "
        "plugin each) load into one schema without overwriting each other's rows. Unset: "
        "the `client_id` setting (not secret). Changing it later starts the account's rows "
        "anew under the new label."
    ),
)

#: DeviceInfo: "Device information parsed from the user agent string".
DEVICE_INFO = th.ObjectType(
    th.Property(
        "browser",
        th.ObjectType(
            th.Property("family", _TEXT, description="The User-Agent's family."),
            th.Property("major", _TEXT),
            th.Property("minor", _TEXT),
            th.Property("patch", _TEXT),
        ),
    ),
    th.Property(
        "os",
        th.ObjectType(
            th.Property("family", _TEXT),
            th.Property("major", _TEXT),
            th.Property("minor", _TEXT),
            th.Property("patch", _TEXT),
            th.Property("patch_minor", _TEXT),
        ),
    ),
    th.Property(
        "device",
        th.ObjectType(
            th.Property("family", _TEXT),
            th.Property("brand", _TEXT),
            th.Property("model", _TEXT),
        ),
    ),
)


def _watched_fields() -> list[th.Property]:
    """The fields a View and a Segment share, in the docs' order."""
    return [
        th.Property("content_type", _TEXT, description="Watched content: live or recorded."),
        th.Property(
            "content_id",
            int64(),
            description="Channel id (live) or video id (recorded); sent as a string at times.",
        ),
        th.Property("started_at", _WHEN, description="When the view started."),
        th.Property("finished_at", _WHEN, description="When it finished; null while unfinished."),
        th.Property("from", int64(), description="Start position of the view (videos)."),
        th.Property("to", int64(), description="End position of the view (videos)."),
        th.Property("country", _TEXT),
        th.Property("city", _TEXT),
        th.Property("is_mobile_view", th.BooleanType),
        th.Property("view_type", _TEXT, description="onsite or offsite."),
        th.Property("client_id", _TEXT, description="Identifier of the player client."),
        th.Property(
            "view_session_id",
            _TEXT,
            description="Player session identifier; every playing session has its own.",
        ),
        th.Property("device_info", DEVICE_INFO),
    ]


VIEW_SCHEMA = th.PropertiesList(
    ACCOUNT.schema_property(),
    th.Property(
        "view_id",
        _TEXT,
        required=True,
        description="The view segment's uuid: the primary key with account_id.",
    ),
    th.Property(
        "viewer_identifier",
        _TEXT,
        description="An e-mail or any string representing the viewer.",
    ),
    *_watched_fields(),
).to_dict()

SEGMENT = th.ObjectType(
    th.Property("id", _TEXT, description="The segment's uuid (a view's view_id)."),
    *_watched_fields(),
)

#: ``viewers_scope``: which endpoint listed the viewer. A viewer of live and
#: recorded content is listed by ``/viewers/live`` and ``/viewers/recorded``
#: with different segments, so the scope is part of the key.
VIEWERS_SCOPE_ALL = "all"

VIEWER_SCHEMA = th.PropertiesList(
    ACCOUNT.schema_property(),
    th.Property(
        "viewer_identifier",
        _TEXT,
        required=True,
        description="An e-mail or any string representing the viewer.",
    ),
    th.Property(
        "viewers_scope",
        _TEXT,
        required=True,
        allowed_values=[VIEWERS_SCOPE_ALL, "live", "recorded"],
        description="`all` (GET /viewers) or the content type of /viewers/{content_type}.",
    ),
    th.Property("videos_watched", int64(), description="Distinct media among the segments."),
    th.Property("last_activity", _WHEN, description="Last activity recorded from the viewer."),
    th.Property("segments", th.ArrayType(SEGMENT), description="The viewer's view segments."),
).to_dict()
