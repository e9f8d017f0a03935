"""The marts' expected figures from the emulator's ground truth, and the warehouse's marts.

What the dbt project's ``fct_media_daily`` must hold after the four taps ran in
the demo environment, computed here from the APIs' truth (not from the
warehouse): views and seconds watched per vendor, account, medium and UTC day.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from tests.support import apivideo, audience, ibm, interactivity

#: vendor, account, media id, UTC day
MediaDay = tuple[str, str, str, datetime.date]
#: views, seconds watched (None where the source has no watch time)
Figures = tuple[int, int | None]

#: The demo environment's api.video start_date (meltano.yml).
APIVIDEO_START = datetime.date(2026, 1, 24)
#: The account IBM rows are labelled with by default: the client id that read them.
IBM_ACCOUNT = ibm.CLIENT_ID

#: The four taps with their loader, in the order the pipeline runs them.
TAPS = (
    "tap-brightcove-audience",
    "tap-ibm-video",
    "tap-apivideo",
    "tap-brightcove-interactivity",
)

#: Emulator volume for the transform tests: every stream, a few rows a day.
VOLUME = {
    "brightcove_accounts": audience.ACCOUNTS,
    "audience_view_events_per_account": 120,
    "audience_leads_per_account": 10,
    "ibm_views": 200,
    "ibm_viewers": 40,
    "apivideo_videos": 2,
    "apivideo_live_streams": 1,
    "apivideo_sessions_per_media": 8,
    "apivideo_events_per_session": 3,
    "apivideo_rate_limit_per_minute": 100_000,
    **interactivity.FAST,
    "interactivity_reports_per_minute": 60,
}


def pipeline(loader: str, utility: str) -> list[str]:
    """``meltano run`` blocks: every tap into ``loader``, then ``utility:build``."""
    return [block for tap in TAPS for block in (tap, loader)] + [f"{utility}:build"]


def _parse(value: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _whole_seconds(started: str, ended: str | None) -> int | None:
    if ended is None:
        return None
    return math.floor((_parse(ended) - _parse(started)).total_seconds())


class _Tally:
    """Views and summed seconds per media-day; seconds stay None until one is known (SQL sum)."""

    def __init__(self) -> None:
        self.views: dict[MediaDay, int] = defaultdict(int)
        self.seconds: dict[MediaDay, int | None] = {}

    def add(self, key: MediaDay, seconds: int | None) -> None:
        self.views[key] += 1
        if seconds is not None:
            self.seconds[key] = (self.seconds.get(key) or 0) + seconds
        else:
            self.seconds.setdefault(key, None)

    def figures(self) -> dict[MediaDay, Figures]:
        return {key: (views, self.seconds[key]) for key, views in self.views.items()}


def expected_media_daily(emulator: Any) -> dict[MediaDay, Figures]:
    """``fct_media_daily`` as the APIs' truth says it must be after the demo's loads."""
    tally = _Tally()
    for account in audience.ACCOUNTS:
        answer = emulator.truth(
            "brightcove_audience",
            account_id=account,
            stream="view_events",
            from_=audience.START_MS,
            records=True,
        )
        for event in answer["records"]:
            day = _parse(event["created_at"]).date()
            key = ("brightcove_audience", account, event["video_id"], day)
            tally.add(key, event.get("time_watched"))
    for view in ibm.views_truth(emulator):
        day = _parse(view["started_at"]).date()
        key = ("ibm_video", IBM_ACCOUNT, str(int(view["content_id"])), day)
        tally.add(key, _whole_seconds(view["started_at"], view.get("finished_at")))
    last = apivideo.today(emulator) - datetime.timedelta(days=1)
    # api.video rows are labelled with the project the key's access token names.
    project = emulator.truth("apivideo", stream="videos")["project_id"]
    for kind, id_field in (("video", "videoId"), ("live_stream", "liveStreamId")):
        for row in apivideo.sessions_truth(emulator, kind, APIVIDEO_START, last):
            session = row["session"]
            day = _parse(session["loadedAt"]).date()
            key = ("apivideo", project, row[id_field], day)
            tally.add(key, _whole_seconds(session["loadedAt"], session.get("endedAt")))
    today = interactivity.horizon_day(emulator).isoformat()
    for account in interactivity.ACCOUNTS:
        rows = interactivity.report_truth(
            emulator, "project_stream_raw", account, interactivity.START[:10], today
        )
        for row in rows:
            if row["action"] == "Play":
                day = _parse(row["when"]).date()
                tally.add(("brightcove_interactivity", account, row["project_id"], day), None)
    return tally.figures()


MEDIA_DAILY_SQL = (
    "select vendor, account_id, media_id, activity_date, views, seconds_watched "
    "from analytics.fct_media_daily"
)


def media_daily_from_rows(rows: list[tuple]) -> dict[MediaDay, Figures]:
    """``{(vendor, account, media, day): (views, seconds)}`` from fct_media_daily rows."""
    return {
        (vendor, account, media, day): (int(views), None if seconds is None else int(seconds))
        for vendor, account, media, day, views, seconds in rows
    }


def duckdb_query(path: Path | str, sql: str) -> list[tuple]:
    """Rows of one query against a DuckDB file, opened read-only."""
    import duckdb  # only the e2e tests need it

    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def postgres_query(dsn: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of one query against PostgreSQL (``%s`` placeholders take ``params``)."""
    import psycopg  # only the e2e tests need it

    with psycopg.connect(dsn) as connection:
        cursor = connection.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def per_vendor(figures: dict[MediaDay, Figures]) -> dict[str, tuple[int, int]]:
    """Views and seconds per vendor (a readable summary for assertion messages)."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (vendor, *_), (views, seconds) in figures.items():
        totals[vendor][0] += views
        totals[vendor][1] += seconds or 0
    return {vendor: (views, seconds) for vendor, (views, seconds) in totals.items()}


#: Column types the staging contract promises, checked from each database's catalog:
#: model -> {column: type}. Text columns are VARCHAR in DuckDB and TEXT in PostgreSQL.
TYPE_CONTRACT = {
    "stg_brightcove_audience__view_events": {
        "created_at": "TIMESTAMP WITH TIME ZONE",
        "seconds_watched": "BIGINT",
        "account_id": "TEXT",
    },
    "stg_ibm_video__views": {
        "started_at": "TIMESTAMP WITH TIME ZONE",
        "content_id": "BIGINT",
        "from_position_seconds": "BIGINT",
        "seconds_watched": "BIGINT",
        "is_mobile_view": "BOOLEAN",
    },
    "stg_apivideo__videos": {"created_at": "TIMESTAMP WITH TIME ZONE", "video_id": "TEXT"},
    "stg_apivideo__video_sessions": {
        "ended_at": "TIMESTAMP WITH TIME ZONE",
        "seconds_watched": "BIGINT",
    },
    "stg_apivideo__buckets": {"metric_date": "DATE", "metric_value": "DOUBLE PRECISION"},
    "stg_apivideo__video_plays": {"activity_date": "DATE", "plays": "BIGINT"},
    "stg_interactivity__project_engagement_summary_raw": {
        "report_start_date": "DATE",
        "report_end_date": "DATE",
        "total_view_seconds": "BIGINT",
    },
    "stg_interactivity__user_engagement_summary_raw": {"seconds_watched": "BIGINT"},
    "stg_interactivity__chapter_summary": {"chapter_start_seconds": "BIGINT"},
    "stg_interactivity__user_stream_raw": {
        "occurred_at": "TIMESTAMP WITH TIME ZONE",
        "viewer_id": "TEXT",
    },
}

#: Spellings of one type in the two catalogs.
_SAME_TYPE = {"VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION"}


def normalise_type(name: str) -> str:
    """A catalog type name as the contract spells it (DuckDB VARCHAR is TEXT, ...)."""
    upper = name.upper()
    return _SAME_TYPE.get(upper, upper)


#: Staging models have their own schema beside the marts' (dbt's <schema>_staging).
CATALOG_TYPES_SQL = (
    "select table_name, column_name, data_type from information_schema.columns "
    "where table_schema = 'analytics_staging'"
)


def types_from_rows(rows: list[tuple]) -> dict[str, dict[str, str]]:
    """``{model: {column: normalised type}}`` from information_schema rows."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for table, column, kind in rows:
        found[table][column] = normalise_type(kind)
    return found


def contract_breaches(found: dict[str, dict[str, str]]) -> dict[str, dict[str, tuple]]:
    """``{model: {column: (promised, found)}}`` where the catalog differs from the contract."""
    breaches: dict[str, dict[str, tuple]] = {}
    for model, columns in TYPE_CONTRACT.items():
        for column, promised in columns.items():
            got = found.get(model, {}).get(column)
            if got != promised:
                breaches.setdefault(model, {})[column] = (promised, got)
    return breaches


def dbt_paths(directory: Path, utility: str) -> dict[str, str]:
    """The utility's target_path and log_path settings: dbt's files in the test's folder."""
    prefix = utility.upper().replace("-", "_")
    return {
        f"{prefix}_TARGET_PATH": str(directory / "dbt-target"),
        f"{prefix}_LOG_PATH": str(directory / "dbt-logs"),
    }


def assert_marts_reconcile(found: dict, emulator) -> None:
    """fct_media_daily equals the truth, media-day by media-day."""
    expected = expected_media_daily(emulator)
    assert per_vendor(found) == per_vendor(expected)
    assert found == expected
