"""A self-contained HTML page from the marts: daily views per vendor, top media by watch time.

Not part of the dbt project (``transform/`` holds dbt only): ``make demo`` calls
:func:`print_marts_and_report` after ``meltano run dbt-duckdb:build``, and the Dagster
code location writes it as the asset ``reports/views_report``, downstream of the marts
(``transform.py``), from PostgreSQL. By hand:
``python orchestration/video_taps_orchestration/report.py output/warehouse.duckdb
output/report.html``.
It needs no Dagster: the tests' and the demo's venv import it too.

The page fetches nothing: the chart is inline SVG (no ``xmlns`` URL either), the
styles are inline, there is no script. Every figure drawn is also in a
``data-*`` attribute, so a test can read back exactly what the page shows and
compare it with the mart.
"""

from __future__ import annotations

import datetime
import html
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Schema of the marts (the dbt utilities' `schema` setting) unless another is given.
MARTS_SCHEMA = "analytics"
MARTS = ("fct_views", "fct_media_daily", "dim_media")
TOP_MEDIA = 10
#: One colour per vendor, in the marts' accepted order.
VENDOR_COLOURS = {
    "brightcove_audience": "#1f77b4",
    "ibm_video": "#d62728",
    "apivideo": "#2ca02c",
    "brightcove_interactivity": "#9467bd",
}
VENDOR_LABELS = {
    "brightcove_audience": "Brightcove Audience (view events)",
    "ibm_video": "IBM Video (view segments)",
    "apivideo": "api.video (player sessions / plays)",
    "brightcove_interactivity": "Brightcove Interactivity (project plays)",
}


@dataclass(frozen=True)
class TopMedium:
    """One row of the top-media table."""

    vendor: str
    account_id: str
    media_id: str
    media_name: str | None
    seconds_watched: int
    views: int


@dataclass
class ReportFigures:
    """What the page shows, as read from the marts."""

    daily_views: dict[str, dict[datetime.date, int]] = field(default_factory=dict)
    top_media: list[TopMedium] = field(default_factory=list)
    mart_rows: dict[str, int] = field(default_factory=dict)


DAILY_VIEWS_SQL = """
select vendor, activity_date, sum(views)
from {schema}.fct_media_daily
group by vendor, activity_date
order by vendor, activity_date
"""

TOP_MEDIA_SQL = """
select d.vendor, d.account_id, d.media_id, m.media_name,
       sum(d.seconds_watched) as seconds_watched, sum(d.views) as views
from {schema}.fct_media_daily as d
join {schema}.dim_media as m on m.media_key = d.media_key
where d.seconds_watched is not null
group by d.vendor, d.account_id, d.media_id, m.media_name
order by seconds_watched desc, d.vendor, d.media_id
limit {top}
"""


def _rows(connection: Any, sql: str) -> list[tuple]:  # noqa: ANN401 - any DB-API connection
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def figures_from(connection: Any, schema: str = MARTS_SCHEMA) -> ReportFigures:  # noqa: ANN401
    """The report's figures from the marts, over any DB-API connection (DuckDB, psycopg)."""
    if not schema.replace("_", "").isalnum():
        raise ValueError(f"not a schema name: {schema!r}")
    figures = ReportFigures()
    daily: dict[str, dict[datetime.date, int]] = defaultdict(dict)
    for vendor, day, views in _rows(connection, DAILY_VIEWS_SQL.format(schema=schema)):
        daily[vendor][day] = int(views)
    figures.daily_views = dict(daily)
    figures.top_media = [
        TopMedium(vendor, account, media, name, int(seconds), int(views))
        for vendor, account, media, name, seconds, views in _rows(
            connection, TOP_MEDIA_SQL.format(schema=schema, top=TOP_MEDIA)
        )
    ]
    for mart in MARTS:
        (row,) = _rows(connection, f"select count(*) from {schema}.{mart}")  # noqa: S608
        figures.mart_rows[mart] = int(row[0])
    return figures


def read_figures(warehouse: Path) -> ReportFigures:
    """The report's figures from the marts in a DuckDB file (opened read-only)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return figures_from(connection)


def write_page(figures: ReportFigures, destination: Path, source: str) -> None:
    """Write the page for ``figures``; ``source`` names the warehouse they came from."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(render(figures, source), encoding="utf-8")


def write_report(warehouse: Path, destination: Path) -> ReportFigures:
    """Read the marts of a DuckDB file and write the page; returns what it shows."""
    figures = read_figures(warehouse)
    write_page(figures, destination, warehouse.name)
    return figures


# -- rendering -----------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 760, 320
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 16, 16, 40


def render(figures: ReportFigures, warehouse_name: str) -> str:
    """The whole page."""
    generated = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    marts = ", ".join(f"{name} {rows:,} rows" for name, rows in figures.mart_rows.items())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Video analytics: views per vendor</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 820px; color: #222; }}
h1 {{ font-size: 1.4em; }} h2 {{ font-size: 1.1em; margin-top: 2em; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: 4px 8px; border-bottom: 1px solid #ddd; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.legend span {{ display: inline-block; margin-right: 1.2em; }}
.swatch {{ display: inline-block; width: 12px; height: 12px; margin-right: 4px; }}
small {{ color: #666; }}
</style>
</head>
<body>
<h1>Video analytics across four APIs</h1>
<p><small>From {html.escape(warehouse_name)} ({html.escape(marts)}), generated {generated}.
Built by the dbt project in <code>transform/</code>.</small></p>
<h2>Daily views per vendor</h2>
{_legend(figures)}
{_chart(figures)}
<p><small>What a view is differs per vendor (see the fct_media_daily docs): an Audience view
event, an IBM view segment, an api.video player session, an Interactivity project play.</small></p>
<h2>Top media by seconds watched</h2>
{_top_media_table(figures)}
<p><small>Interactivity's activity stream and api.video's /data buckets carry no watch time,
so only media with seconds watched are ranked.</small></p>
</body>
</html>
"""


def _legend(figures: ReportFigures) -> str:
    items = "".join(
        f'<span><i class="swatch" style="background:{VENDOR_COLOURS.get(v, "#555")}"></i>'
        f"{html.escape(VENDOR_LABELS.get(v, v))}: {sum(days.values()):,}</span>"
        for v, days in sorted(figures.daily_views.items())
    )
    return f'<p class="legend">{items}</p>'


def _chart(figures: ReportFigures) -> str:
    """Inline SVG: one polyline per vendor, a circle with its figures per day."""
    days = sorted({day for days in figures.daily_views.values() for day in days})
    if not days:
        return "<p>No views in the marts.</p>"
    top = max(max(days_views.values()) for days_views in figures.daily_views.values()) or 1
    plot_w = CHART_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    span = max((days[-1] - days[0]).days, 1)

    def x(day: datetime.date) -> float:
        return MARGIN_LEFT + plot_w * (day - days[0]).days / span

    def y(views: int) -> float:
        return MARGIN_TOP + plot_h * (1 - views / top)

    parts = [
        f'<svg viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" width="100%" role="img" '
        f'aria-label="Daily views per vendor">'
    ]
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        value = round(top * fraction)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{CHART_WIDTH - MARGIN_RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" stroke="#eee"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y(value) + 4:.1f}" font-size="11" '
            f'text-anchor="end">{value:,}</text>'
        )
    for day in (days[0], days[len(days) // 2], days[-1]):
        parts.append(
            f'<text x="{x(day):.1f}" y="{CHART_HEIGHT - MARGIN_BOTTOM + 18}" font-size="11" '
            f'text-anchor="middle">{day.isoformat()}</text>'
        )
    for vendor, per_day in sorted(figures.daily_views.items()):
        colour = VENDOR_COLOURS.get(vendor, "#555")
        points = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in sorted(per_day.items()))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        parts.extend(
            f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}" '
            f'data-vendor="{vendor}" data-day="{d.isoformat()}" data-views="{v}">'
            f"<title>{html.escape(vendor)} {d.isoformat()}: {v:,} views</title></circle>"
            for d, v in sorted(per_day.items())
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours:,}:{rest // 60:02d}:{rest % 60:02d}"


def _top_media_table(figures: ReportFigures) -> str:
    rows = "\n".join(
        f'<tr data-vendor="{html.escape(m.vendor)}" data-media-id="{html.escape(m.media_id)}" '
        f'data-seconds="{m.seconds_watched}" data-views="{m.views}">'
        f"<td>{html.escape(m.media_name or '(no name from the API)')}</td>"
        f"<td>{html.escape(VENDOR_LABELS.get(m.vendor, m.vendor))}</td>"
        f"<td>{html.escape(m.media_id)}</td>"
        f'<td class="n">{_duration(m.seconds_watched)}</td><td class="n">{m.views:,}</td></tr>'
        for m in figures.top_media
    )
    return (
        "<table><thead><tr><th>medium</th><th>vendor</th><th>id</th>"
        '<th class="n">watched (h:mm:ss)</th><th class="n">views</th></tr></thead>'
        f"<tbody>\n{rows}\n</tbody></table>"
    )


def print_marts_and_report(warehouse: Path, destination: Path) -> ReportFigures:
    """Write the page and print the marts' row counts and its path (the demo's last lines)."""
    figures = write_report(warehouse, destination)
    print()
    for mart, rows in figures.mart_rows.items():
        print(f"{MARTS_SCHEMA}.{mart:<16} {rows:>8} rows")
    print(f"\nReport: {destination}  (daily views per vendor, top media by seconds watched)")
    return figures


def main(argv: list[str]) -> int:
    """``report.py WAREHOUSE.duckdb REPORT.html``."""
    if len(argv) != 2:  # noqa: PLR2004
        print("usage: report.py WAREHOUSE.duckdb REPORT.html", file=sys.stderr)
        return 2
    write_report(Path(argv[0]), Path(argv[1]))
    print(Path(argv[1]).resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
