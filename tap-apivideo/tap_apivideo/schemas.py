"""Record schemas, declared once, from the api.video OpenAPI specs.

Fields keep the API's camelCase names and nesting. Sources (docs/vendors/apivideo.md names the
files): the 2025-01 spec for ``video``, ``live-stream`` and the ``/data`` responses
(docs/vendors/apivideo.md#videos, docs/vendors/apivideo.md#live-streams,
docs/vendors/apivideo.md#data); the 2023-09 spec for ``video-session``, ``live-stream-session``,
``player-session-event`` and the plays rows (docs/vendors/apivideo.md#raw-statistics,
docs/vendors/apivideo.md#plays).

What the tap adds, each said in its description: ``project_id`` on every row
(first in every key: no answer names the project), the parent's id on session
rows, ``sessionId`` and ``loadedAt`` copied to the top level (Singer keys and
bookmarks must be top-level fields), an event's ``position`` in its session,
and on analytics rows the ``day`` asked for and the request's labels
(dimension, metric, aggregation, breakdown, ``mediaId`` filter) that the API's
rows leave implicit. Every field is nullable: the specs mark few as required.
"""

from __future__ import annotations

from singer_sdk import typing as th

from video_taps_common.schema_types import int64
from video_taps_common.tenant import TenantColumn

_TEXT = th.StringType
_WHEN = th.DateTimeType
_FLAG = th.BooleanType

#: No answer of the API names the project; one API key reads one project.
#: Every row says which (setting ``project_id``, default from the access token).
PROJECT = TenantColumn(
    name="project_id",
    names="the api.video project this API key reads",
    title="Project ID",
    description=(
        "The api.video project the row was read from: setting `project_id`, else the "
        "project id the API's access token names. First in the primary key, so several "
        "projects share one schema."
    ),
    setting_description=(
        "Label of the api.video project this API key reads, written to every row's "
        "`project_id` and first in every primary key, so several projects (one inherited "
        "plugin each) load into one schema without overwriting each other's rows. Unset: the "
        "project id the API's access token names (pr...), or if it names none `key-` and 12 "
        "hex digits of the key's SHA-256, which changes when the key is rotated. Changing it "
        "later starts the project's rows anew under the new label."
    ),
)
_PROJECT = PROJECT.schema_property()


def texts(*names: str) -> th.ObjectType:
    """An object of string fields: most of the specs' nested objects."""
    return th.ObjectType(*(th.Property(name, _TEXT) for name in names))


#: ``metadata``: "a list of key value pairs" (spec ``metadata``).
METADATA = th.ArrayType(texts("key", "value"))
#: ``links`` of a video's live-stream source (spec ``video-source-live-stream-link``).
LINKS = th.ArrayType(texts("rel", "uri"))
#: ``live-stream-assets``; ``video-assets`` adds ``mp4``.
ASSETS = ("hls", "iframe", "player", "thumbnail")

VIDEO_SCHEMA = th.PropertiesList(
    _PROJECT,
    th.Property("videoId", _TEXT, required=True, description="The video's unique id (vi...)."),
    th.Property("createdAt", _WHEN),
    th.Property("title", _TEXT),
    th.Property("description", _TEXT),
    th.Property("publishedAt", _WHEN),
    th.Property("updatedAt", _WHEN),
    th.Property("discardedAt", _WHEN),
    th.Property("deletesAt", _WHEN),
    th.Property("discarded", _FLAG),
    th.Property("language", _TEXT),
    th.Property("languageOrigin", _TEXT),
    th.Property("tags", th.ArrayType(_TEXT)),
    th.Property("metadata", METADATA),
    th.Property(
        "source",
        th.ObjectType(
            th.Property("uri", _TEXT),
            th.Property("type", _TEXT),
            th.Property(
                "liveStream",
                th.ObjectType(th.Property("liveStreamId", _TEXT), th.Property("links", LINKS)),
            ),
        ),
    ),
    th.Property("assets", texts(*ASSETS, "mp4")),
    th.Property("playerId", _TEXT),
    th.Property("public", _FLAG),
    th.Property("panoramic", _FLAG),
    th.Property("mp4Support", _FLAG),
).to_dict()

LIVE_STREAM_SCHEMA = th.PropertiesList(
    _PROJECT,
    th.Property("liveStreamId", _TEXT, required=True, description="The live stream's id (li...)."),
    th.Property("name", _TEXT),
    th.Property("streamKey", _TEXT),
    th.Property("record", _FLAG),
    th.Property("public", _FLAG),
    th.Property("assets", texts(*ASSETS)),
    th.Property("playerId", _TEXT),
    th.Property("broadcasting", _FLAG),
    th.Property("restreams", th.ArrayType(texts("name", "serverUrl", "streamKey"))),
    th.Property("createdAt", _WHEN),
    th.Property("updatedAt", _WHEN),
).to_dict()


def _session_schema(parent_key: str, parent_label: str, *, with_metadata: bool) -> dict:
    """``video-session`` / ``live-stream-session`` (2023-09 spec), plus keys the tap adds."""
    session_fields = [
        th.Property("sessionId", _TEXT),
        th.Property("loadedAt", _WHEN),
        th.Property("endedAt", _WHEN),
    ]
    if with_metadata:
        session_fields.append(th.Property("metadata", METADATA))
    return th.PropertiesList(
        _PROJECT,
        th.Property(
            "sessionId",
            _TEXT,
            required=True,
            description="session.sessionId, copied to the top level as the primary key.",
        ),
        th.Property(
            "loadedAt",
            _WHEN,
            description="session.loadedAt, copied to the top level as the replication key.",
        ),
        th.Property(parent_key, _TEXT, description=f"The {parent_label} the session played."),
        th.Property("session", th.ObjectType(*session_fields)),
        th.Property("location", texts("country", "city")),
        th.Property("referrer", texts("url", "medium", "source", "searchTerm")),
        th.Property("device", texts("type", "vendor", "model")),
        th.Property("os", texts("name", "shortname", "version")),
        th.Property("client", texts("name", "version", "type")),
    ).to_dict()


VIDEO_SESSION_SCHEMA = _session_schema("videoId", "video", with_metadata=True)
LIVE_STREAM_SESSION_SCHEMA = _session_schema("liveStreamId", "live stream", with_metadata=False)

SESSION_EVENT_SCHEMA = th.PropertiesList(
    _PROJECT,
    th.Property("sessionId", _TEXT, required=True, description="The session the event belongs to."),
    th.Property(
        "position",
        int64(),
        required=True,
        description="The event's 0-based place in its session's event list, in the API's order.",
    ),
    th.Property(
        "type", _TEXT, description="ready, play, pause, resume, seek.backward, seek.forward, end."
    ),
    th.Property("emittedAt", _WHEN),
    th.Property("at", int64(), description="Seconds into the media, for most types."),
    th.Property("from", int64(), description="Seek start, for seek types."),
    th.Property("to", int64(), description="Seek end, for seek types."),
).to_dict()

_DAY = th.Property(
    "day",
    th.DateType,
    required=True,
    description="The UTC day the request covered (from = to = this day).",
)
_MEDIA_FILTER = th.Property(
    "mediaId",
    _TEXT,
    required=True,
    description=(
        "The video or live stream the request was filtered to (settings video_ids, "
        "live_stream_ids); `all` for the whole project."
    ),
)

PLAYS_SCHEMA = th.PropertiesList(
    _PROJECT,
    _DAY,
    th.Property("dimension", _TEXT, required=True, description="The dimension asked for."),
    th.Property(
        "value",
        _TEXT,
        required=True,
        description="The dimension's value; for emittedAt the start of an hour.",
    ),
    th.Property("plays", int64()),
    _MEDIA_FILTER,
).to_dict()

METRICS_SCHEMA = th.PropertiesList(
    _PROJECT,
    _DAY,
    th.Property("metric", _TEXT, required=True),
    th.Property("aggregation", _TEXT, required=True),
    _MEDIA_FILTER,
    th.Property("metricValue", th.NumberType, description="The response's `data` number."),
    th.Property("from", _WHEN, description="context.timeframe.from as the API echoed it."),
    th.Property("to", _WHEN, description="context.timeframe.to as the API echoed it."),
).to_dict()

BUCKETS_SCHEMA = th.PropertiesList(
    _PROJECT,
    th.Property(
        "bucketKey",
        _TEXT,
        required=True,
        description=(
            "SHA-256 of day, metric, breakdown, dimensionValue and mediaId: the key, with "
            "project_id."
        ),
    ),
    _DAY,
    th.Property("metric", _TEXT, required=True),
    th.Property("breakdown", _TEXT, required=True),
    _MEDIA_FILTER,
    th.Property("dimensionValue", _TEXT, description="May be empty (referrer of app views)."),
    th.Property("metricValue", th.NumberType),
).to_dict()

TIMESERIES_SCHEMA = th.PropertiesList(
    _PROJECT,
    _DAY,
    th.Property("metric", _TEXT, required=True),
    _MEDIA_FILTER,
    th.Property("emittedAt", _WHEN, required=True, description="The start of the hour."),
    th.Property("metricValue", th.NumberType),
).to_dict()
