"""The twelve engagement reports: their columns, grain, identity and keys, declared once.

The API's raw column names are not public (docs/vendors/brightcove-interactivity.md#columns). What
is declared here are the Studio report labels of the same reports, snake_cased, so that discovery
works without credentials and the usual columns get real types. At run time the CSV header or the
JSON keys decide: a column declared here that a report lacks is null, and a column a report has that
is not declared here is added to the schema as a string (see ``client.ReportStream``).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from singer_sdk import typing as th

from video_taps_common.schema_types import int64

#: Declared column types; ``cells.py`` converts CSV text to each of them. A
#: ``duration`` (``hh:mm:ss``) stays text, and gets a ``<name>_seconds`` integer
#: column beside it (``seconds_column``) that a warehouse can sum.
ColumnType = t.Literal["string", "integer", "number", "boolean", "date-time", "array", "duration"]

#: A digest that identifies a row (see ``keys.py``): the reports carry no id.
ROW_KEY = "row_key"
ACCOUNT_ID = "account_id"
REPORT_START = "report_start"
REPORT_END = "report_end"


@dataclass(frozen=True)
class ReportSpec:
    """What the tap knows of one report before asking for it."""

    #: The report's endpoint name, which is also the stream name.
    name: str
    #: ``event``: one row per action, read by day; ``summary``: aggregates over a window.
    grain: t.Literal["event", "summary"]
    #: Declared columns, in the order the Studio report shows them.
    columns: tuple[tuple[str, ColumnType], ...]
    #: Event reports: the column holding when the event happened (UTC).
    time_column: str | None = None
    #: Summary reports: the columns naming what a row aggregates (a project, a
    #: user, a widget and response...). A re-read of the same window or day
    #: keeps the row's key when its counts changed. Guessed from the Studio
    #: labels; where a report lacks them the whole row identifies it instead.
    identity: tuple[str, ...] = ()
    #: What one row of the report is, in a line (the stream's documentation).
    description: str = ""

    @property
    def key_properties(self) -> tuple[str, ...]:
        """The stream's primary key unless a catalog names another.

        Event rows: the digest alone; summary rows also name their report window.
        """
        if self.grain == "event":
            return (ROW_KEY,)
        return (ACCOUNT_ID, REPORT_START, REPORT_END, ROW_KEY)

    @property
    def declared(self) -> dict[str, ColumnType]:
        """Column name to declared type."""
        return dict(self.columns)

    @property
    def durations(self) -> dict[str, str]:
        """Each ``duration`` column's seconds column, by the duration column's name."""
        return {name: seconds_column(name) for name, kind in self.columns if kind == "duration"}


def seconds_column(duration_column: str) -> str:
    """The integer-seconds column beside a duration column: ``total_view_time_seconds``."""
    return f"{duration_column}_seconds"


_STREAM_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("user", "string"),
    ("when", "date-time"),
    ("rating", "string"),
    ("rating_value", "integer"),
    ("project_title", "string"),
    ("project_id", "string"),
    ("action", "string"),
    ("video_time", "number"),
    ("details", "string"),
    ("annotation_id", "string"),
)

REPORTS: tuple[ReportSpec, ...] = (
    ReportSpec(
        "project_engagement_summary_raw",
        "summary",
        (
            ("project_title", "string"),
            ("project_id", "string"),
            ("loads", "integer"),
            ("plays", "integer"),
            ("play_rate", "number"),
            ("plays_with_interactions", "integer"),
            ("interaction_rate", "number"),
            ("total_view_time", "duration"),
            ("widgets", "integer"),
            ("links", "integer"),
            ("navigation", "integer"),
            ("audience", "integer"),
            ("active_audience", "integer"),
            ("percent_viewed_active", "number"),
            ("percent_viewed_passive", "number"),
        ),
        identity=("project_id",),
        description="One row per project: loads, plays, interactions and view time.",
    ),
    ReportSpec(
        "user_engagement_summary_raw",
        "summary",
        (
            ("user", "string"),
            ("time_watched", "duration"),
            ("last_session", "date-time"),
            ("links", "integer"),
            ("navigation", "integer"),
            ("responses", "integer"),
            ("widgets", "integer"),
            ("videos", "integer"),
            ("plays", "integer"),
            ("sessions", "integer"),
        ),
        identity=("user",),
        description="One row per viewer (a random id, or the one passed through the Viewer API).",
    ),
    ReportSpec(
        "experience_engagement_summary_raw",
        "summary",
        (
            ("experience", "string"),
            ("loads", "integer"),
            ("plays", "integer"),
            ("play_rate", "number"),
            ("interaction_rate", "number"),
            ("total_view_time", "duration"),
            ("audience", "integer"),
            ("percent_viewed", "number"),
        ),
        identity=("experience",),
        description="One row per experience.",
    ),
    ReportSpec(
        "poll_widget_summary",
        "summary",
        (
            ("annotation_id", "string"),
            # The doc (docs/vendors/brightcove-interactivity.md#report-names): "Project IDs will
            # contain a list of all projects where the poll appeared ... The Project IDs list is not
            # de-duped."
            ("project_ids", "array"),
            ("poll_type", "string"),
            ("prompt", "string"),
            ("response", "string"),
            # Studio shows "Answers Receive(d)", the count of this response.
            ("answers_received", "integer"),
        ),
        identity=("annotation_id", "response"),
        description="One row per poll widget and response value, with its count.",
    ),
    ReportSpec(
        "signin_widget_summary",
        "summary",
        (
            ("annotation_id", "string"),
            ("project_ids", "array"),
            ("prompt_title", "string"),
            ("sign_ins", "integer"),
            ("manual_sign_ins", "integer"),
            ("auto_sign_ins", "integer"),
        ),
        identity=("annotation_id",),
        description="One row per sign-in widget, with its sign-in counts.",
    ),
    ReportSpec(
        "user_stream_raw",
        "event",
        _STREAM_COLUMNS,
        time_column="when",
        description="One row per viewer action (bookmarks, player controls, annotations, widgets).",
    ),
    ReportSpec(
        "project_stream_raw",
        "event",
        (
            ("when", "date-time"),
            ("project_title", "string"),
            ("project_id", "string"),
            ("user", "string"),
            ("action", "string"),
            ("video_time", "number"),
            ("details", "string"),
            ("annotation_id", "string"),
        ),
        time_column="when",
        description="One row per action, by project.",
    ),
    ReportSpec(
        "experience_stream_raw",
        "event",
        (
            ("session", "string"),
            ("experience", "string"),
            ("when", "date-time"),
            ("action", "string"),
            ("video_time", "number"),
            ("details", "string"),
        ),
        time_column="when",
        description="One row per action, by experience.",
    ),
    ReportSpec(
        "poll_widget_detail",
        "event",
        (
            ("session_start_time", "date-time"),
            ("play_session", "string"),
            ("user", "string"),
            ("annotation_id", "string"),
            ("project_id", "string"),
            ("poll_type", "string"),
            ("prompt", "string"),
            ("response", "string"),
        ),
        time_column="session_start_time",
        description="One row per poll submission.",
    ),
    ReportSpec(
        "signin_widget_detail",
        "event",
        (
            ("session_start_time", "date-time"),
            ("play_session", "string"),
            ("prompt_title", "string"),
            ("prompt_text", "string"),
            ("first_name", "string"),
            ("last_name", "string"),
            ("email", "string"),
            ("username", "string"),
            ("custom_field", "string"),
            # The doc: "Includes events where the user was silently signed-in (auto)"
            # (docs/vendors/brightcove-interactivity.md#report-names).
            ("auto_sign_in", "boolean"),
        ),
        time_column="session_start_time",
        description="One row per sign-in, silent automatic ones included.",
    ),
    ReportSpec(
        "chapter_summary",
        "summary",
        (
            ("project", "string"),
            ("id", "string"),
            ("chapter_title", "string"),
            ("chapter_time", "duration"),
            ("views", "integer"),
            ("clicks", "integer"),
        ),
        identity=("id",),
        description="One row per chapter annotation: views and clicks.",
    ),
    ReportSpec(
        "widget_user_sentiment_summary",
        "summary",
        (
            ("project", "string"),
            ("project_id", "string"),
            ("video_source_id", "string"),
            ("plays_with_rating", "integer"),
            ("median_rating", "number"),
            ("plays_with_max_rating", "integer"),
            ("plays_with_min_rating", "integer"),
        ),
        identity=("project_id", "video_source_id"),
        description="One row per project and video: ratings given.",
    ),
)

REPORTS_BY_NAME = {spec.name: spec for spec in REPORTS}

#: A column the schema does not declare reaches targets as this type.
UNDECLARED_COLUMN_SCHEMA: dict[str, t.Any] = {"type": ["string", "null"]}


def _column_type(kind: ColumnType) -> th.JSONTypeHelper:
    if kind == "integer":
        return int64()
    if kind == "number":
        return th.NumberType()
    if kind == "boolean":
        return th.BooleanType()
    if kind == "date-time":
        return th.DateTimeType()
    if kind == "array":
        return th.ArrayType(th.StringType())
    return th.StringType()


def report_schema(spec: ReportSpec) -> dict:
    """The stream's JSON Schema: the key columns, then the declared report columns."""
    keys = [
        th.Property(ROW_KEY, th.StringType, required=True, description=_ROW_KEY_TEXT[spec.grain]),
        th.Property(ACCOUNT_ID, th.StringType, required=True, description="Video Cloud account."),
    ]
    if spec.grain == "summary":
        keys += [
            th.Property(REPORT_START, th.DateType, required=True, description=_WINDOW_TEXT),
            th.Property(REPORT_END, th.DateType, required=True, description=_WINDOW_TEXT),
        ]
    columns = []
    for name, kind in spec.columns:
        columns.append(th.Property(name, _column_type(kind)))
        if kind == "duration":
            columns.append(
                th.Property(
                    seconds_column(name),
                    int64(),
                    description=f"`{name}` (hh:mm:ss) in whole seconds; null if it does not parse.",
                )
            )
    return th.PropertiesList(*keys, *columns).to_dict()


_ROW_KEY_TEXT = {
    "event": (
        "Digest of the account, the row's values and its occurrence among identical rows "
        "of the same day: stable across syncs, and two identical events stay two rows."
    ),
    "summary": (
        "Digest of what the row aggregates (e.g. the project) and its occurrence among "
        "rows naming the same thing in this report window."
    ),
}
_WINDOW_TEXT = "First or last UTC day the report aggregates (both inclusive)."
