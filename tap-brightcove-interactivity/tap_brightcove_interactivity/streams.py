"""One stream per engagement report, named exactly like the report's endpoint.

Everything a report needs is in ``schemas.REPORTS`` (its columns, grain and
identity) and ``client.ReportStream`` (how any report is read); a stream class
only names its report.
"""

from __future__ import annotations

from tap_brightcove_interactivity.client import ReportStream
from tap_brightcove_interactivity.schemas import REPORTS_BY_NAME


class ProjectEngagementSummaryStream(ReportStream):
    """One row per project: loads, plays, interactions and view time."""

    spec = REPORTS_BY_NAME["project_engagement_summary_raw"]


class UserEngagementSummaryStream(ReportStream):
    """One row per viewer (a random id, or the one passed through the Viewer API)."""

    spec = REPORTS_BY_NAME["user_engagement_summary_raw"]


class ExperienceEngagementSummaryStream(ReportStream):
    """One row per experience."""

    spec = REPORTS_BY_NAME["experience_engagement_summary_raw"]


class PollWidgetSummaryStream(ReportStream):
    """One row per poll widget and response value, with its count."""

    spec = REPORTS_BY_NAME["poll_widget_summary"]


class SigninWidgetSummaryStream(ReportStream):
    """One row per sign-in widget, with its sign-in counts."""

    spec = REPORTS_BY_NAME["signin_widget_summary"]


class UserStreamStream(ReportStream):
    """One row per viewer action (bookmark views, player controls, annotations, widgets)."""

    spec = REPORTS_BY_NAME["user_stream_raw"]


class ProjectStreamStream(ReportStream):
    """One row per action, by project."""

    spec = REPORTS_BY_NAME["project_stream_raw"]


class ExperienceStreamStream(ReportStream):
    """One row per action, by experience."""

    spec = REPORTS_BY_NAME["experience_stream_raw"]


class PollWidgetDetailStream(ReportStream):
    """One row per poll submission."""

    spec = REPORTS_BY_NAME["poll_widget_detail"]


class SigninWidgetDetailStream(ReportStream):
    """One row per sign-in, silent automatic ones included."""

    spec = REPORTS_BY_NAME["signin_widget_detail"]


class ChapterSummaryStream(ReportStream):
    """One row per chapter annotation: views and clicks."""

    spec = REPORTS_BY_NAME["chapter_summary"]


class WidgetUserSentimentSummaryStream(ReportStream):
    """One row per project and video: ratings given."""

    spec = REPORTS_BY_NAME["widget_user_sentiment_summary"]


STREAM_TYPES: tuple[type[ReportStream], ...] = (
    ProjectEngagementSummaryStream,
    UserEngagementSummaryStream,
    ExperienceEngagementSummaryStream,
    PollWidgetSummaryStream,
    SigninWidgetSummaryStream,
    UserStreamStream,
    ProjectStreamStream,
    ExperienceStreamStream,
    PollWidgetDetailStream,
    SigninWidgetDetailStream,
    ChapterSummaryStream,
    WidgetUserSentimentSummaryStream,
)
