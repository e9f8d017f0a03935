"""The settings the SDK's standard tap tests run each tap with, against the emulator.

One copy for the two places that run those tests: the taps tier
(``tests/taps/test_tap_standard.py``, the taps installed in the project's .venv)
and the pythons tier (``tests/pythons/``, each tap installed from its wheel into
a venv of every CPython the packages claim). The standard library only: this
module is imported inside those venvs, which hold one tap and nothing of this
repository's test support.
"""

from __future__ import annotations

import typing as t

TAPS = (
    "tap-brightcove-audience",
    "tap-ibm-video",
    "tap-apivideo",
    "tap-brightcove-interactivity",
)

#: tap -> "module:TapClass", as each tap's console script names it.
TAP_CLASSES = {
    "tap-brightcove-audience": "tap_brightcove_audience.tap:TapBrightcoveAudience",
    "tap-ibm-video": "tap_ibm_video.tap:TapIbmVideo",
    "tap-apivideo": "tap_apivideo.tap:TapApiVideo",
    "tap-brightcove-interactivity": "tap_brightcove_interactivity.tap:TapBrightcoveInteractivity",
}

#: Taps whose standard tests select every stream: api.video's retired
#: endpoints' streams are not selected by default, and the emulator still serves them.
SELECT_EVERY_STREAM = frozenset({"tap-apivideo"})

#: Emulator settings a tap's standard tests need (reset before they run).
#: Interactivity: reports take 0.2 s to generate and the emulator's budget is
#: off, so the suite does not wait out the API's 4 reports a minute (the tap's
#: budget in its config matches).
EMULATOR_SETTINGS: dict[str, dict[str, t.Any]] = {
    "tap-brightcove-interactivity": {
        "interactivity_reports_per_minute": 0,
        "interactivity_reports_per_hour": 0,
        "interactivity_reports_per_day": 0,
        "interactivity_generation_seconds": 0.2,
    },
}

#: The Interactivity reports to which the emulator adds a column the tap does
#: not declare (`player_id`); the tap keeps it by growing the stream's schema at
#: run time (tested in tests/taps/test_interactivity_tap.py), while the SDK's
#: schema test compares records with the catalog read before the sync. A stream
#: map drops it here, which also proves maps apply to columns added at run time.
_REPORTS_WITH_AN_UNDECLARED_COLUMN = (
    "experience_stream_raw",
    "project_engagement_summary_raw",
    "project_stream_raw",
    "user_stream_raw",
)


def standard_config(tap: str, emulator_url: str) -> dict[str, t.Any]:
    """The tap's settings for the SDK's standard tests, against the emulator at ``emulator_url``."""
    if tap == "tap-brightcove-audience":
        return {
            "client_id": "emulator-client-id",
            "client_secret": "emulator-client-secret",
            "account_ids": ["6415818918001", "6415818919001"],
            "start_date": "2026-01-01T00:00:00Z",
            "api_url": f"{emulator_url}/audience/v1",
            "oauth_url": f"{emulator_url}/oauth/v4/access_token",
        }
    if tap == "tap-ibm-video":
        return {
            "client_id": "emulator-ibm-client-id",
            "client_secret": "emulator-ibm-client-secret",
            "start_date": "2026-01-01T00:00:00Z",
            "api_url": f"{emulator_url}/ibm-analytics/v1",
            "oauth_url": f"{emulator_url}/oauth2/token",
            "window_hours": 24 * 7,
        }
    if tap == "tap-apivideo":
        # Four days: every stream has rows, and the whole sync (/data asks 86
        # requests a day) stays within one minute's 500 reads of the
        # emulator's production limit.
        return {
            "api_key": "emulator-apivideo-key",
            "start_date": "2026-01-27T00:00:00Z",
            "api_url": f"{emulator_url}/apivideo",
        }
    if tap == "tap-brightcove-interactivity":
        # One account, the last 10 days.
        return {
            "client_id": "emulator-client-id",
            "client_secret": "emulator-client-secret",
            "account_ids": ["6415818918001"],
            "start_date": "2026-01-22T00:00:00Z",
            "summary_days": 10,
            "api_url": f"{emulator_url}/interactivity-reporting/api/reports/v2",
            "oauth_url": f"{emulator_url}/oauth/v4/access_token",
            "poll_interval_milliseconds": 100,
            "reports_per_minute": 10_000,
            "reports_per_hour": 10_000,
            "reports_per_day": 10_000,
            "stream_maps": {
                name: {"player_id": None} for name in _REPORTS_WITH_AN_UNDECLARED_COLUMN
            },
        }
    raise KeyError(tap)


def every_stream_selected(catalog: dict[str, t.Any]) -> dict[str, t.Any]:
    """The catalog with every stream selected (changed in place and returned)."""
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = True
    return catalog
