"""Emulator configuration: defaults, merging and validation.

One flat dict configures every emulated API so that a test can reset the whole
emulator with a single ``POST /_emulator/reset``. Keys an API module does not
know are rejected, because a typo in a test config would otherwise silently
fall back to a default and make the test prove nothing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A config value is missing, of the wrong type or out of range."""


#: Defaults. Where a value comes from a vendor doc, the doc is named.
DEFAULTS: dict[str, Any] = {
    "seed": 42,
    "brightcove_accounts": ["6415818918001", "6415818919001"],
    "brightcove_clients": {"emulator-client-id": "emulator-client-secret"},
    # docs/vendors/brightcove-oauth.md#token-answer: "expires_in": 300 (the Audience
    # overview: "The access_token expires after five minutes").
    "token_ttl_seconds": 300,
    "latency_ms": 0,
    "latency_jitter_ms": 0,
    # docs/vendors/brightcove-audience.md#rate-limits: 50 req/s per account and per IP.
    # Not a vendor knob: 0 (or less) disables the limiter, for benchmarks.
    "audience_rate_limit_per_second": 50,
    "audience_view_events_per_account": 250,
    "audience_leads_per_account": 40,
    "data_start": "2026-01-01T00:00:00Z",
    # Thirty days and a fraction, so the evenly spread timestamps carry real
    # milliseconds (the overview's samples do: "2016-04-25T18:30:21.651Z",
    # docs/vendors/brightcove-audience.md#view-events).
    "data_span_seconds": 2_592_000.777,
    "revise_every": 4,
    "revise_after_seconds": 21_600,
    # docs/vendors/brightcove-audience.md#processing-lag: "only view events that have been
    # processed will appear in the response". On: every view event (and lead) appears some
    # minutes - rarely hours - after its updated_at/created_at; the figure is
    # the emulator's choice, the docs give none (see apis/brightcove_audience/data.py,
    # "Processing lag"). Off only where a test asks.
    "audience_processing_lag": True,
    # docs/vendors/brightcove-audience.md#caching: "API responses are cached for approximately 5
    # minutes", with X-Cache HIT/MISS. Counted in emulator time (the horizon). 0 = off.
    "audience_cache_seconds": 300,
    "faults": [],
    # ---- IBM Video Streaming (apis/ibm_video; docs/vendors/ibm-video.md)
    "ibm_clients": {"emulator-ibm-client-id": "emulator-ibm-client-secret"},
    # docs/vendors/ibm-video.md#token-endpoint: access tokens "expire in a day"; the
    # JWT's own lifetime is undocumented (an open question), so a day it is.
    "ibm_token_ttl_seconds": 86_400,
    # Views spread evenly over data_start + data_span_seconds (emulator design),
    # per client: each client of ibm_clients is an account with data of its own
    # (apis/ibm_video/data.py, ``Dataset``). ibm_client_views gives some clients
    # another volume (client_id -> views).
    "ibm_views": 3000,
    "ibm_client_views": {},
    "ibm_viewers": 600,
    # docs/vendors/ibm-video.md#envelope: current docs use "data", the oldest "resources".
    "ibm_envelope": "data",
    # docs/vendors/ibm-video.md#view-fields: content_id is an integer in the schema but a
    # string in the examples; this share of views renders it as a string.
    "ibm_content_id_string_share": 0.3,
    # Docs are silent on processing delay (docs/vendors/ibm-video.md#processing-lag);
    # 0 = views appear the instant they happen.
    "ibm_processing_lag_max_seconds": 0,
    # Views that run for days (a 24/7 live viewer); the docs give no longest
    # view. 0 = none: every view lasts at most 3 h (apis/ibm_video/data.py).
    "ibm_long_running_views": 0,
    "ibm_long_running_view_seconds": 10 * 86_400,
    # docs/vendors/ibm-video.md#rate-limits: X-RateLimit-* headers and 429, numbers
    # undocumented; these are the emulator's choice. 0 disables.
    "ibm_rate_limit": 600,
    "ibm_rate_limit_window_seconds": 60,
    # ---- api.video (apis/apivideo; docs/vendors/apivideo.md)
    # API key -> project name; each project has its own data (seeded from seed + name).
    "apivideo_projects": {"emulator-apivideo-key": "main", "emulator-apivideo-key-2": "second"},
    "apivideo_videos": 8,
    "apivideo_live_streams": 3,
    # Player sessions per video / live stream per data_span_seconds, on a timeline
    # that goes on past the horizon (emulator design).
    "apivideo_sessions_per_media": 6,
    # Exactly this many events per session: ready, play, ..., end.
    "apivideo_events_per_session": 5,
    # docs/vendors/apivideo.md#authentication: expires_in 3600 (a token lasts an hour).
    "apivideo_token_ttl_seconds": 3600,
    # docs/vendors/apivideo.md#rate-limits: production reads, 500 per minute. 0 disables.
    "apivideo_rate_limit_per_minute": 500,
    "apivideo_rate_limit_window_seconds": 60,
    # True: the five removed analytics endpoints answer 404, as on today's API.
    "apivideo_retired": False,
    # API keys whose project has analytics disabled (403 on /analytics/* and /data/*).
    "apivideo_analytics_disabled": [],
    # ---- Brightcove Interactivity reporting (apis/brightcove_interactivity;
    # docs/vendors/brightcove-interactivity.md)
    # docs/vendors/brightcove-interactivity.md#authentication: legacy X-Hapyak-API-Key reporting
    # keys still accepted.
    "interactivity_api_keys": ["emulator-interactivity-key"],
    # Emulator seconds from submission (202) to ready (200); the doc gives no figure (its sample
    # polls every 10 s, docs/vendors/brightcove-interactivity.md#asynchronous-reports), so short,
    # for fast tests.
    "interactivity_generation_seconds": 0.2,
    # docs/vendors/brightcove-interactivity.md#limits: "4 reports per minute; 20 per hour; and
    # 100 per day" (submissions only; polls and cached answers don't count). 0 = off.
    "interactivity_reports_per_minute": 4,
    "interactivity_reports_per_hour": 20,
    "interactivity_reports_per_day": 100,
    # docs/vendors/brightcove-interactivity.md#limits: "limits the returned results to 500,000
    # rows".
    "interactivity_max_rows": 500_000,
    # Event rows per (report, account, day), varied per day in [50%, 150%]; and
    # projects/users/experiences/widgets/chapters per account. Volumes are the
    # emulator's choice (the doc gives none).
    "interactivity_rows_per_day": 20,
    "interactivity_entities": 12,
}


#: The demo's data and limits, read by ``python -m video_api_emulator --demo`` and by
#: ``scripts/demo.py`` (``make demo``), so a tap run by hand meets what the demo loads.
#: What each value is for: two Brightcove accounts (the ones meltano.yml's demo
#: environment lists), a few thousand rows per API, 20 ms per request; api.video's
#: 500 reads a minute and Interactivity's 4 reports a minute raised (and reports
#: generated in 2 s), so the demo is about landing rows, not waiting for budgets.
DEMO_CONFIG_PATH = Path(__file__).with_name("demo_config.json")
#: The port ``--demo`` listens on: meltano.yml's demo environment points every tap here.
DEMO_PORT = 8765
#: The base URL of ``python -m video_api_emulator --demo``.
DEMO_URL = f"http://127.0.0.1:{DEMO_PORT}"


def demo_url_overrides(extractors: list[Mapping[str, Any]], emulator_url: str) -> dict[str, str]:
    """``TAP_<NAME>_<SETTING>`` variables moving a demo environment's URLs to ``emulator_url``.

    ``extractors`` are the extractor entries (``name``, ``config``) of a Meltano
    environment whose URL settings point at :data:`DEMO_URL`, like meltano.yml's
    ``demo``; an emulator started on another port (the demo's, a test's) is reached by
    giving each such setting an environment variable, which beats the environment's
    value. Derived from the entries, so a new URL setting needs nothing here.
    """
    overrides: dict[str, str] = {}
    for plugin in extractors:
        prefix = str(plugin["name"]).upper().replace("-", "_")
        for setting, value in (plugin.get("config") or {}).items():
            if isinstance(value, str) and value.startswith(DEMO_URL):
                url = emulator_url.rstrip("/") + value[len(DEMO_URL) :]
                overrides[f"{prefix}_{setting.upper()}"] = url
    return overrides


def demo_config() -> dict[str, Any]:
    """The demo's overrides (``demo_config.json``), checked like any other config."""
    overrides = json.loads(DEMO_CONFIG_PATH.read_text(encoding="utf-8"))
    build_config(overrides)
    return overrides


def _is_int(value: Any) -> bool:
    """Tell ints from bools, which JSON decoding would otherwise let through."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float)) and not isinstance(value, bool)


def parse_data_start(value: str) -> int:
    """Return ``data_start`` as epoch milliseconds (UTC).

    Accepts ISO-8601 with a trailing ``Z`` or an explicit offset; a naive value
    is read as UTC so that configs written by hand cannot depend on the local
    time zone of the machine running the emulator.
    """
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"data_start: not an ISO-8601 timestamp: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(round(parsed.timestamp() * 1000))


def build_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge ``overrides`` onto the defaults and validate the result.

    Missing keys take their defaults (the reset endpoint promises that), unknown
    keys raise, and the returned dict is a deep copy so callers can't mutate the
    defaults.
    """
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"unknown config key(s): {', '.join(unknown)}")
    cfg = copy.deepcopy(DEFAULTS)
    cfg.update(copy.deepcopy(overrides))

    if not _is_int(cfg["seed"]):
        raise ConfigError("seed: must be an integer")

    accounts = cfg["brightcove_accounts"]
    if not isinstance(accounts, list) or not all(isinstance(a, str | int) for a in accounts):
        raise ConfigError("brightcove_accounts: must be a list of account id strings")
    cfg["brightcove_accounts"] = [str(a) for a in accounts]

    clients = cfg["brightcove_clients"]
    if not isinstance(clients, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in clients.items()
    ):
        raise ConfigError("brightcove_clients: must be an object of client_id -> client_secret")

    for key in ("token_ttl_seconds", "data_span_seconds", "revise_after_seconds"):
        if not _is_number(cfg[key]) or cfg[key] <= 0:
            raise ConfigError(f"{key}: must be a positive number")
    for key in ("latency_ms", "latency_jitter_ms", "audience_rate_limit_per_second"):
        if not _is_number(cfg[key]):
            raise ConfigError(f"{key}: must be a number")
    if cfg["latency_ms"] < 0 or cfg["latency_jitter_ms"] < 0:
        raise ConfigError("latency_ms / latency_jitter_ms: must not be negative")
    if not isinstance(cfg["audience_processing_lag"], bool):
        raise ConfigError("audience_processing_lag: must be true or false")
    if not _is_number(cfg["audience_cache_seconds"]) or cfg["audience_cache_seconds"] < 0:
        raise ConfigError("audience_cache_seconds: must be a number >= 0")
    for key in ("audience_view_events_per_account", "audience_leads_per_account", "revise_every"):
        if not _is_int(cfg[key]) or cfg[key] < 0:
            raise ConfigError(f"{key}: must be a non-negative integer")
    if not isinstance(cfg["data_start"], str):
        raise ConfigError("data_start: must be an ISO-8601 string")
    parse_data_start(cfg["data_start"])
    _validate_ibm(cfg)
    _validate_apivideo(cfg)
    _validate_interactivity(cfg)
    if not isinstance(cfg["faults"], list):
        raise ConfigError("faults: must be a list of rules")
    return cfg


def _validate_ibm(cfg: dict[str, Any]) -> None:
    """Check the ``ibm_*`` keys (IBM Video Streaming emulator)."""
    clients = cfg["ibm_clients"]
    if not isinstance(clients, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) and v for k, v in clients.items()
    ):
        raise ConfigError("ibm_clients: must be an object of client_id -> client_secret")
    for key in ("ibm_token_ttl_seconds", "ibm_rate_limit_window_seconds"):
        if not _is_number(cfg[key]) or cfg[key] <= 0:
            raise ConfigError(f"{key}: must be a positive number")
    for key in ("ibm_views", "ibm_rate_limit"):
        if not _is_int(cfg[key]) or cfg[key] < 0:
            raise ConfigError(f"{key}: must be a non-negative integer")
    if cfg["ibm_views"] > 2**31 - 1:
        raise ConfigError("ibm_views: must be below 2**31")
    per_client = cfg["ibm_client_views"]
    if not isinstance(per_client, dict) or not all(
        _is_int(v) and 0 <= v <= 2**31 - 1 for v in per_client.values()
    ):
        raise ConfigError("ibm_client_views: must be an object of client_id -> views (0 to 2**31)")
    unknown = sorted(set(per_client) - set(clients))
    if unknown:
        raise ConfigError(f"ibm_client_views: not clients of ibm_clients: {', '.join(unknown)}")
    if not _is_int(cfg["ibm_viewers"]) or cfg["ibm_viewers"] < 1:
        raise ConfigError("ibm_viewers: must be a positive integer")
    if cfg["ibm_envelope"] not in ("data", "resources"):
        raise ConfigError("ibm_envelope: must be 'data' or 'resources'")
    share = cfg["ibm_content_id_string_share"]
    if not _is_number(share) or not 0 <= share <= 1:
        raise ConfigError("ibm_content_id_string_share: must be a number in [0, 1]")
    lag = cfg["ibm_processing_lag_max_seconds"]
    if not _is_number(lag) or lag < 0:
        raise ConfigError("ibm_processing_lag_max_seconds: must be a number >= 0")
    if not _is_int(cfg["ibm_long_running_views"]) or not (
        0 <= cfg["ibm_long_running_views"] <= cfg["ibm_views"]
    ):
        raise ConfigError("ibm_long_running_views: must be an integer from 0 to ibm_views")
    long_seconds = cfg["ibm_long_running_view_seconds"]
    if not _is_int(long_seconds) or long_seconds < 1:
        raise ConfigError("ibm_long_running_view_seconds: must be a positive integer")


def _validate_apivideo(cfg: dict[str, Any]) -> None:
    """Check the ``apivideo_*`` keys (api.video emulator)."""
    projects = cfg["apivideo_projects"]
    if (
        not isinstance(projects, dict)
        or not projects
        or not all(
            isinstance(k, str) and k and isinstance(v, str) and v for k, v in projects.items()
        )
    ):
        raise ConfigError(
            "apivideo_projects: must be a non-empty object of api_key -> project name"
        )
    limits = {
        "apivideo_videos": 100_000,
        "apivideo_live_streams": 100_000,
        "apivideo_sessions_per_media": 100_000,
        "apivideo_rate_limit_per_minute": None,
    }
    for key, most in limits.items():
        if not _is_int(cfg[key]) or cfg[key] < 0 or (most is not None and cfg[key] > most):
            bound = f" <= {most}" if most is not None else ""
            raise ConfigError(f"{key}: must be an integer >= 0{bound}")
    if cfg["apivideo_sessions_per_media"] > cfg["data_span_seconds"] * 1000:
        raise ConfigError("apivideo_sessions_per_media: at most one session per millisecond")
    events = cfg["apivideo_events_per_session"]
    # ready, play, end at least; at most one event per second of a session under an hour.
    if not _is_int(events) or not 3 <= events <= 1000:
        raise ConfigError("apivideo_events_per_session: must be an integer in [3, 1000]")
    for key in ("apivideo_token_ttl_seconds", "apivideo_rate_limit_window_seconds"):
        if not _is_number(cfg[key]) or cfg[key] <= 0:
            raise ConfigError(f"{key}: must be a positive number")
    if not isinstance(cfg["apivideo_retired"], bool):
        raise ConfigError("apivideo_retired: must be true or false")
    disabled = cfg["apivideo_analytics_disabled"]
    if not isinstance(disabled, list) or not all(isinstance(k, str) for k in disabled):
        raise ConfigError("apivideo_analytics_disabled: must be a list of API keys")
    unknown = sorted(set(disabled) - set(projects))
    if unknown:
        raise ConfigError(
            f"apivideo_analytics_disabled: not keys of apivideo_projects: {', '.join(unknown)}"
        )


def _validate_interactivity(cfg: dict[str, Any]) -> None:
    """Check the ``interactivity_*`` keys (Brightcove Interactivity reporting emulator).

    Upper bounds keep row/entity ids inside the 32 bits the data hashes give
    them (see apis/brightcove_interactivity/data.py), far above any test's need.
    """
    keys = cfg["interactivity_api_keys"]
    if not isinstance(keys, list) or not all(isinstance(k, str) and k.strip() for k in keys):
        raise ConfigError("interactivity_api_keys: must be a list of non-empty strings")
    seconds = cfg["interactivity_generation_seconds"]
    if not _is_number(seconds) or seconds < 0:
        raise ConfigError("interactivity_generation_seconds: must be a number >= 0")
    bounds = {
        "interactivity_reports_per_minute": (0, None),
        "interactivity_reports_per_hour": (0, None),
        "interactivity_reports_per_day": (0, None),
        "interactivity_max_rows": (1, None),
        "interactivity_rows_per_day": (0, 100_000_000),
        "interactivity_entities": (1, 1_000_000),
    }
    for key, (least, most) in bounds.items():
        value = cfg[key]
        if not _is_int(value) or value < least or (most is not None and value > most):
            bound = f" <= {most}" if most is not None else ""
            raise ConfigError(f"{key}: must be an integer >= {least}{bound}")
