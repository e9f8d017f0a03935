"""Brightcove Audience datasets: pools, timelines, processing lag, the two tables.

Citations: sections of docs/vendors/brightcove-audience.md (see the package docstring).

Data model (emulator design, not vendor behaviour): per account, row ``k`` of
view_events is a viewing session created at ``data_start + k * span / N``;
every ``revise_every``-th session is updated ``revise_after_seconds`` later
(watched/time_watched grow, updated_at moves). Leads are created the same way
and never change. The horizon is the emulator's "now": a row exists when its
timestamp is strictly before the horizon, so exactly N sessions exist at the
initial horizon. tracking_id and external_id come from per-account pools (a
visitor/lead id recurs across sessions), video/player/page_url/UTM from small
pools too.

Processing lag (docs/vendors/brightcove-audience.md#processing-lag: GetViewEvents says
"only view events that have been processed will appear in the response"; config
``audience_processing_lag``,
on by default): a row, and a row's revision, is shown only once processed,
i.e. once ``timestamp + lag`` is strictly before the horizon, with a per-row
lag drawn from the seed (see ``processing_lag_ms``). So a later request can
return rows older than rows an earlier one already returned. Until its
revision is processed, a session shows its previous version. With the knob
off, the lag is 0 and rows appear the instant their timestamp passes.

Performance paths: every field is arithmetic on ``k`` (timestamps, watched)
or an index into a pool, so from/to, where and every documented sort are
vectorised numpy over index arrays - about 0.05 s (created_at/updated_at) to
0.4 s (watched, page_url) for 1M rows on a query shape's first request, then
cached (see ``state``). View-event pages are sliced from cached 1000-row
blocks rendered from pre-encoded JSON fragments. Slower paths, by design: ``fields=`` requests
(decode + re-encode the page), and leads, which render row by row through the
generic dict path (leads are few).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import orjson

from ...config import parse_data_start
from ...data import (
    Column,
    FragmentPool,
    RowHashes,
    fragment_pool,
    join_rows,
    json_fragment,
    materialize,
    rng_for,
    stable_key,
    time_fragments,
)

# ----------------------------------------------------------------------------- fields

# View event fields in rendering order. The overview's sample items list keys
# alphabetically (docs/vendors/brightcove-audience.md#envelope), so the emulator does too.
VIEW_EVENT_FIELDS: tuple[str, ...] = (
    "created_at",
    "event_1",
    "event_2",
    "event_3",
    "external_id",
    "is_synced",
    "metric_1",
    "metric_2",
    "metric_3",
    "page_url",
    "player_id",
    "time_watched",
    "tracking_id",
    "updated_at",
    "utm_campaign",
    "utm_content",
    "utm_medium",
    "utm_source",
    "utm_term",
    "video_id",
    "video_name",
    "watched",
)
# The view-event UTM fields (they come from the page_url, see _ViewEventsView.column).
UTM_FIELDS = frozenset({"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"})

# Lead fields in rendering order: alphabetical, like the keys of the overview's
# leads sample (the OpenAPI example uses another order; JSON key order carries
# no meaning, so the overview's is followed; docs/vendors/brightcove-audience.md#envelope).
LEAD_FIELDS: tuple[str, ...] = (
    "business_phone",
    "company_name",
    "country",
    "created_at",
    "email_address",
    "external_id",
    "first_name",
    "industry",
    "last_name",
    "page_url",
    "player_id",
    "video_id",
    "video_name",
)

# ----------------------------------------------------------------------------- pools

_ADJECTIVES = (
    "Foggy", "Golden", "Quiet", "Rapid", "Hidden", "Bright", "Northern", "Silent", "Wild",
    "Urban", "Ancient", "Electric", "Frozen", "Coastal", "Midnight", "Summer",
)  # fmt: skip
_NOUNS = (
    "Morning in Seattle", "Horses Heading to the Track", "Harbor Tour", "Product Walkthrough",
    "Mountain Trail", "City Lights", "Kitchen Secrets", "Garden Makeover", "Keynote Recap",
    "Ocean Waves", "Studio Session", "Road Trip", "Customer Story", "Webinar Highlights",
    "Training Basics", "Launch Event",
)  # fmt: skip
_SUFFIXES = ("", "", "", " (Part 1)", " (Part 2)", " - Extended Cut", " - Teaser")
_EVENTS = ("cta_click", "share_click", "annotation_click", "quiz_complete", "form_submit")
_UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
_UTM_SOURCES = ("google", "facebook", "newsletter", "linkedin", "twitter")
_UTM_MEDIUMS = ("cpc", "social", "email", "organic")
_UTM_CAMPAIGNS = ("spring_launch", "webinar_2026", "product_tour", "brand_awareness")
_UTM_TERMS = ("video_analytics", "online_video", "video_marketing")
_UTM_CONTENTS = ("banner_a", "banner_b", "sidebar")
_FIRST = (
    "Alice", "Bob", "Carmen", "Deepak", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Keiko", "Liam", "Maya", "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa", "Sven", "Tara",
)  # fmt: skip
_LAST = (
    "Bailey", "Crooks", "Nguyen", "Okafor", "Schmidt", "Rossi", "Tanaka", "Kowalski", "Silva",
    "Haddad", "Larsen", "Murphy", "Patel", "Dubois", "Fischer", "Moreno", "Ivanova", "Kim",
)  # fmt: skip
_COMPANIES = (
    ("Acme Media", "acmemedia.example"), ("Northwind Traders", "northwind.example"),
    ("Globex", "globex.example"), ("Initech", "initech.example"),
    ("Umbrella Health", "umbrella.example"), ("Stark Logistics", "starklog.example"),
    ("Wayne Studios", "waynestudios.example"), ("Hooli", "hooli.example"),
)  # fmt: skip
_COUNTRIES = ("US", "GB", "DE", "FR", "JP", "BR", "IN", "AU", "CA", "ES")
_INDUSTRIES = ("Media", "Retail", "Healthcare", "Finance", "Education", "Technology")
_ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

_N_VIDEOS, _N_PLAYERS, _N_UTM = 48, 5, 13
_N_TRACKING, _N_EXTERNAL = 4096, 2048
_METRIC_CENTS = 10_000  # metric values are 0.00 .. 99.99
_MAX_DURATION = 1800  # seconds; time_watched never exceeds a video's duration

# Probability that an optional view-event field is present. Docs are silent on
# how often custom events/metrics, tracking ids or MAP ids occur.
_P_TRACKING, _P_EXTERNAL, _P_UTM = 0.35, 0.25, 0.4
_P_SLOT = (0.3, 0.15, 0.05)  # event_1/metric_1 .. event_3/metric_3


def _guid(rng: Any) -> str:
    x = f"{rng.getrandbits(128):032x}"
    return f"{x[0:8]}-{x[8:12]}-4{x[13:16]}-{'89ab'[int(x[16], 16) & 3]}{x[17:20]}-{x[20:32]}"


@functools.cache
def _global_fragments() -> dict[str, Any]:
    """Fragment pools shared by all accounts (built once, lazily)."""
    events = [fragment_pool(f"event_{n}", _EVENTS, optional=True).frags.tolist() for n in (1, 2, 3)]
    size = len(_EVENTS) + 1
    return {
        # event_1..event_3 together: index e1 + size * e2 + size^2 * e3.
        "events": FragmentPool(
            [
                events[0][i % size] + events[1][(i // size) % size] + events[2][i // size**2]
                for i in range(size**3)
            ]
        ),
        "metric": [
            fragment_pool(f"metric_{n}", [c / 100 for c in range(_METRIC_CENTS)], optional=True)
            for n in (1, 2, 3)
        ],
        "time_watched": fragment_pool("time_watched", list(range(_MAX_DURATION + 1))),
        # watched closes the record: it is the alphabetically last field.
        "watched": FragmentPool([json_fragment("watched", w) + "}," for w in range(101)]),
    }


@dataclass(frozen=True, slots=True)
class AccountPools:
    """Small per-account vocabularies rows point into, plus their JSON fragments.

    Pools keep 1M-row tables cheap: a row stores nothing, its video is
    a pick from a hash of ``k``; pooled columns filter/sort via pool indices,
    and pages render by indexing pre-encoded fragments (see ``video_api_emulator.data``).
    """

    account: str
    video_ids: tuple[str, ...]
    video_names: tuple[str, ...]
    durations: np.ndarray
    player_ids: tuple[str, ...]
    utm: tuple[tuple[str, ...], ...]  # index 0 = no UTM params; parts per _UTM_KEYS
    page_urls: tuple[str, ...]  # per (player, video, utm), see page_url_index
    tracking_ids: tuple[str, ...]
    external_ids: tuple[str, ...]
    frag_page_player: FragmentPool  # ',"page_url":..,"player_id":..' per page_url_index
    frag_utm_video: FragmentPool  # ',"utm_*":..,"video_id":..,"video_name":..' per utm*nv+video
    frag_tracking: FragmentPool  # optional pool
    frag_external_synced: FragmentPool  # per (optional external index) * 2 + is_synced

    def page_url_index(self, player: np.ndarray, video: np.ndarray, utm: np.ndarray) -> np.ndarray:
        """Index into :attr:`page_urls` for per-row player/video/utm indices."""
        return (player * len(self.video_ids) + video) * len(self.utm) + utm


def build_pools(seed: int, account: str) -> AccountPools:
    """Generate an account's pools deterministically from ``(seed, account)``."""
    rng = rng_for(seed, account, "pools")
    video_ids: list[str] = []
    names: list[str] = []
    while len(video_ids) < _N_VIDEOS:
        # Real ids look like 4842718056001 / 6038250741001 (overview and OpenAPI
        # samples, docs/vendors/brightcove-audience.md#sample-values): 13 digits ending in 001.
        vid = f"63{rng.randrange(10**8):08d}001"
        name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}{rng.choice(_SUFFIXES)}"
        if vid not in video_ids and name not in names:
            video_ids.append(vid)
            names.append(name)
    durations = np.array([rng.randint(20, _MAX_DURATION) for _ in video_ids], dtype=np.int64)
    players: list[str] = []
    while len(players) < _N_PLAYERS:
        # Player ids look like "V1s6NOwRx" / "BkgFuzyhg" (overview sample,
        # docs/vendors/brightcove-audience.md#sample-values).
        pid = rng.choice(_ID_CHARS[:52]) + "".join(rng.choice(_ID_CHARS) for _ in range(8))
        if pid not in players:
            players.append(pid)
    utm: list[tuple[str, ...]] = [("", "", "", "", "")]
    while len(utm) < _N_UTM:
        base = (rng.choice(_UTM_SOURCES), rng.choice(_UTM_MEDIUMS), rng.choice(_UTM_CAMPAIGNS))
        full = len(utm) % 3 == 0  # a third of the tagged URLs carry all five params
        entry = (
            *base,
            *((rng.choice(_UTM_TERMS), rng.choice(_UTM_CONTENTS)) if full else ("", "")),
        )
        if entry not in utm:
            utm.append(entry)
    urls: list[str] = []
    frag_pp: list[str] = []
    for pid in players:
        for vid in video_ids:
            for combo in utm:
                # OpenAPI sample page_url (docs/vendors/brightcove-audience.md#sample-values):
                # https://players.brightcove.net/{account}/{player_id}_default/
                # index.html?videoId={video_id}
                url = f"https://players.brightcove.net/{account}/{pid}_default/index.html"
                url += f"?videoId={vid}"
                url += "".join(f"&{k}={v}" for k, v in zip(_UTM_KEYS, combo, strict=True) if v)
                urls.append(url)
                frag_pp.append(json_fragment("page_url", url) + json_fragment("player_id", pid))
    frag_uv: list[str] = []
    for combo in utm:
        # UTM keys in alphabetical order, like every other key of a record.
        parts = sorted((k, v) for k, v in zip(_UTM_KEYS, combo, strict=True) if v)
        utm_frag = "".join(json_fragment(k, v) for k, v in parts)
        for vid, name in zip(video_ids, names, strict=True):
            frag_uv.append(
                utm_frag + json_fragment("video_id", vid) + json_fragment("video_name", name)
            )
    tracking = tuple(f"trk-{rng.getrandbits(40):010x}" for _ in range(_N_TRACKING))
    external = tuple(_guid(rng) for _ in range(_N_EXTERNAL))
    return AccountPools(
        account=account,
        video_ids=tuple(video_ids),
        video_names=tuple(names),
        durations=durations,
        player_ids=tuple(players),
        utm=tuple(utm),
        page_urls=tuple(urls),
        tracking_ids=tracking,
        external_ids=external,
        frag_page_player=FragmentPool(frag_pp),
        frag_utm_video=FragmentPool(frag_uv),
        frag_tracking=fragment_pool("tracking_id", tracking, optional=True),
        frag_external_synced=FragmentPool(
            [
                ext + synced
                for ext in fragment_pool("external_id", external, optional=True).frags.tolist()
                for synced in fragment_pool("is_synced", [False, True]).frags.tolist()
            ]
        ),
    )


# ----------------------------------------------------------------------------- processing lag

# docs/vendors/brightcove-audience.md#processing-lag: only processed view events appear
# (GetViewEvents). The docs give no figure for how long processing takes, so this spread is the
# EMULATOR'S CHOICE (a realistic analytics pipeline): most rows are processed
# 1-10 minutes after their timestamp (uniform), LAG_TAIL_SHARE of them take
# 10 minutes to LAG_MAX_MS (log-uniform, so the tail thins out towards hours).
# The docs are silent on leads too; they get the same treatment.
LAG_BODY_MIN_MS, LAG_BODY_MAX_MS = 60_000, 600_000
LAG_TAIL_SHARE = 0.03
#: No row takes longer than this to be processed (exclusive bound).
LAG_MAX_MS = 3 * 3_600_000


def processing_lag_ms(key: int, ks: np.ndarray, which: str) -> np.ndarray:
    """Processing delay (ms, int64) of rows ``ks`` of the table hashed with ``key``.

    Deterministic per (seed, account, stream, row, ``which``): ``which`` names
    the event being processed ("lag0" = the session/lead itself, "lag1" = a
    session's revision), so the two draws are independent.
    """
    h = RowHashes(key, ks, (which + "?", which))
    u = h.unit(which)
    body = LAG_BODY_MIN_MS + (LAG_BODY_MAX_MS - LAG_BODY_MIN_MS) * u
    tail = LAG_BODY_MAX_MS * (LAG_MAX_MS / LAG_BODY_MAX_MS) ** u  # < LAG_MAX_MS: u < 1
    return np.where(h.unit(which + "?") < LAG_TAIL_SHARE, tail, body).astype(np.int64)


def _visible_rows(timeline: _Timeline, key: int, horizon_ms: int, *, lag: bool) -> np.ndarray:
    """Rows created before the horizon whose processing finished before it, ascending.

    Vectorised and cheap for millions of rows: rows created more than
    LAG_MAX_MS before the horizon are processed whatever their lag, so the lag
    is only drawn for the rows of that last window.
    """
    n = timeline.row_count(horizon_ms)
    if not lag:
        return np.arange(n, dtype=np.int64)
    settled = min(n, timeline.row_count(horizon_ms - LAG_MAX_MS))
    recent = np.arange(settled, n, dtype=np.int64)
    done = timeline.created(recent) + processing_lag_ms(key, recent, "lag0") < horizon_ms
    return np.concatenate([np.arange(settled, dtype=np.int64), recent[done]])


# ----------------------------------------------------------------------------- tables


class _Timeline:
    """Row ``k`` is created at ``start + k * span / n`` (integer ms arithmetic)."""

    def __init__(self, start_ms: int, span_ms: int, n: int) -> None:
        self.start_ms, self.span_ms, self.n = start_ms, span_ms, n

    def row_count(self, horizon_ms: int) -> int:
        """Rows with ``created_at < horizon``: smallest k with ``k*span//n >= D``."""
        d = horizon_ms - self.start_ms
        if self.n == 0 or d <= 0:
            return 0
        return (d * self.n + self.span_ms - 1) // self.span_ms

    def created(self, ks: np.ndarray) -> np.ndarray:
        return self.start_ms + (ks * self.span_ms) // self.n


def _timeline(cfg: Mapping[str, Any], count_key: str) -> _Timeline:
    return _Timeline(
        parse_data_start(cfg["data_start"]),
        int(round(cfg["data_span_seconds"] * 1000)),
        int(cfg[count_key]),
    )


# Optional view-event attributes: name, probability of being present, pool size.
_OPT = ("event_1", "event_2", "event_3", "metric_1", "metric_2", "metric_3", "tracking", "external")
_OPT_Q = tuple(n + "?" for n in _OPT)
_OPT_P = np.array([*_P_SLOT, *_P_SLOT, _P_TRACKING, _P_EXTERNAL])
_OPT_N = np.array([*(len(_EVENTS),) * 3, *(_METRIC_CENTS,) * 3, _N_TRACKING, _N_EXTERNAL])
_VE_HASHES = ("video", "player", "utm?", "utm", "f1", "f2", "sync", *_OPT_Q, *_OPT)


class ViewEventsTable:
    """All view events of one account, as a function of (seed, account, k)."""

    fields = VIEW_EVENT_FIELDS

    def __init__(self, seed: int, pools: AccountPools, cfg: Mapping[str, Any]) -> None:
        self.key = stable_key(seed, pools.account, "view_events")
        self.pools = pools
        self.timeline = _timeline(cfg, "audience_view_events_per_account")
        self.revise_every = int(cfg["revise_every"])
        self.revise_after_ms = int(round(cfg["revise_after_seconds"] * 1000))
        #: Whether rows and revisions wait to be processed (see "Processing lag").
        self.lag = bool(cfg["audience_processing_lag"])

    def settled(self) -> ViewEventsTable:
        """Return the table as it will eventually be: every row and revision processed."""
        if not self.lag:
            return self
        twin = copy.copy(self)
        twin.lag = False
        return twin

    def row_count(self, horizon_ms: int) -> int:
        """Sessions created before the horizon (processed or not)."""
        return self.timeline.row_count(horizon_ms)

    def visible_rows(self, horizon_ms: int) -> np.ndarray:
        """Sessions the API shows: created and processed before the horizon."""
        return _visible_rows(self.timeline, self.key, horizon_ms, lag=self.lag)

    def view(self, ks: np.ndarray, horizon_ms: int) -> _ViewEventsView:
        """Rows ``ks`` as of ``horizon_ms``."""
        return _ViewEventsView(self, ks, horizon_ms)

    def render_block(self, ks: np.ndarray, horizon_ms: int) -> tuple[str, np.ndarray]:
        """Rows ``ks`` as ``{...},{...},`` text plus each row's end offset (the fast path)."""
        return self.view(ks, horizon_ms).render()

    def items(
        self, ks: np.ndarray, horizon_ms: int, fields: frozenset[str] | None = None
    ) -> list[dict[str, Any]]:
        """Rows ``ks`` as dicts, decoded from :meth:`render_block` so both paths agree."""
        out: list[dict[str, Any]] = []
        for start in range(0, len(ks), 20_000):
            text, _ = self.render_block(ks[start : start + 20_000], horizon_ms)
            out.extend(orjson.loads("[" + text[:-1] + "]"))
        if fields is not None:
            out = [{k: v for k, v in item.items() if k in fields} for item in out]
        return out


class _ViewEventsView:
    """Lazily computed attributes and columns for a set of view-event rows."""

    def __init__(self, table: ViewEventsTable, ks: np.ndarray, horizon_ms: int) -> None:
        self.t, self.ks, self.horizon_ms = table, ks, horizon_ms
        self.h = RowHashes(table.key, ks, _VE_HASHES)

    @cached_property
    def opt_index(self) -> np.ndarray:
        """Optional attributes as an (n, len(_OPT)) block: 0 = absent, else 1 + pool index."""
        present = self.h.units_block(_OPT_Q) < _OPT_P
        idx = (self.h.units_block(_OPT) * _OPT_N).astype(np.int64)
        return present * (1 + idx)

    def _optional(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(present mask, pool index) for one optional attribute.

        Pages use the block above; big row sets (filters/sorts over millions
        of rows) compute just this attribute. Both give identical values.
        """
        j = _OPT.index(name)
        if self.h.matrix_mode:
            oi = self.opt_index[:, j]
            return oi > 0, np.maximum(oi - 1, 0)
        present = self.h.unit(name + "?") < _OPT_P[j]
        return present, (self.h.unit(name) * _OPT_N[j]).astype(np.int64)

    @cached_property
    def created(self) -> np.ndarray:
        return self.t.timeline.created(self.ks)

    @cached_property
    def revised(self) -> np.ndarray:
        """Whether the row's revision exists and is shown (processed before the horizon).

        With processing lag, a revision is processed ``lag1`` after its
        updated_at, and never before the session itself (``lag0`` after
        created_at): until then the API shows the previous version.
        """
        if self.t.revise_every <= 0:
            return np.zeros(len(self.ks), dtype=bool)
        due = self.created + self.t.revise_after_ms
        revised = (self.ks % self.t.revise_every == 0) & (due < self.horizon_ms)
        if not self.t.lag:
            return revised
        # Only revisions due within LAG_MAX_MS of the horizon may still wait.
        pending = revised & (due + LAG_MAX_MS >= self.horizon_ms)
        if pending.any():
            ks = self.ks[pending]
            processed = np.maximum(
                due[pending] + processing_lag_ms(self.t.key, ks, "lag1"),
                self.created[pending] + processing_lag_ms(self.t.key, ks, "lag0"),
            )
            revised[pending] = processed < self.horizon_ms
        return revised

    @cached_property
    def updated(self) -> np.ndarray:
        # Unrevised rows have updated_at == created_at, as in the overview sample's
        # first item; the second sample item shows a later updated_at
        # (docs/vendors/brightcove-audience.md#view-events).
        return np.where(self.revised, self.created + self.t.revise_after_ms, self.created)

    @cached_property
    def video(self) -> np.ndarray:
        # Squaring skews views towards low indices: a few popular videos.
        u = self.h.unit("video")
        return np.minimum((u * u * _N_VIDEOS).astype(np.int64), _N_VIDEOS - 1)

    @cached_property
    def player(self) -> np.ndarray:
        return self.h.pick("player", _N_PLAYERS)

    @cached_property
    def utm(self) -> np.ndarray:
        has = self.h.unit("utm?") < _P_UTM
        return np.where(has, 1 + self.h.pick("utm", _N_UTM - 1), 0)

    @cached_property
    def watch(self) -> tuple[np.ndarray, np.ndarray]:
        """(time_watched, watched); both grow when a revision becomes visible.

        watched is "Percent watched" and time_watched "Seconds of the video
        watched" (the overview's field table, docs/vendors/brightcove-audience.md#view-events):
        seconds never exceed the video's duration
        and the percentage is derived from them.
        """
        duration = self.t.pools.durations[self.video]
        f1 = 0.02 + 0.78 * self.h.unit("f1")
        tw1 = np.maximum(1, (duration * f1).astype(np.int64))
        w1 = np.minimum(100, (100 * tw1) // duration)
        g = 0.2 + 0.8 * self.h.unit("f2")
        tw2 = np.minimum(duration, tw1 + np.maximum(1, ((duration - tw1) * g).astype(np.int64)))
        w2 = np.minimum(100, np.maximum(w1 + 1, (100 * tw2) // duration))
        return np.where(self.revised, tw2, tw1), np.where(self.revised, w2, w1)

    @cached_property
    def tracking(self) -> tuple[np.ndarray, np.ndarray]:
        return self._optional("tracking")

    @cached_property
    def external(self) -> tuple[np.ndarray, np.ndarray]:
        return self._optional("external")

    @cached_property
    def synced(self) -> np.ndarray:
        # A view event can only be synchronised to a marketing automation
        # platform if it carries that platform's id (external_id); docs are
        # silent on the rate, most such rows are synced here.
        return self.external[0] & (self.h.unit("sync") < 0.8)

    def slot(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(present, value index) for event_n (index into _EVENTS) or metric_n (cents)."""
        return self._optional(name)

    def column(self, field: str) -> Column:
        """Return ``field`` for these rows (see ``VIEW_EVENT_FIELDS``)."""
        pools = self.t.pools
        if field == "created_at":
            return Column("time", self.created)
        if field == "updated_at":
            return Column("time", self.updated)
        if field == "video_id":
            return Column("pooled", self.video, pool=pools.video_ids)
        if field == "video_name":
            return Column("pooled", self.video, pool=pools.video_names)
        if field == "player_id":
            return Column("pooled", self.player, pool=pools.player_ids)
        if field == "page_url":
            idx = pools.page_url_index(self.player, self.video, self.utm)
            return Column("pooled", idx, pool=pools.page_urls)
        if field == "time_watched":
            return Column("int", self.watch[0])
        if field == "watched":
            return Column("int", self.watch[1])
        if field in UTM_FIELDS:
            # UTM fields are "found in the page_url" (the OpenAPI's Sort/Fields enum
            # descriptions, docs/vendors/brightcove-audience.md#view-events), so they are present
            # exactly when page_url has them.
            pool = tuple(combo[_UTM_KEYS.index(field)] for combo in pools.utm)
            present = np.array([bool(v) for v in pool])[self.utm]
            return Column("pooled", self.utm, present=present, pool=pool)
        if field == "tracking_id":
            present, idx = self.tracking
            return Column("pooled", idx, present=present, pool=pools.tracking_ids)
        if field == "external_id":
            present, idx = self.external
            return Column("pooled", idx, present=present, pool=pools.external_ids)
        if field == "is_synced":
            return Column("bool", self.synced)
        if field.startswith("event_"):
            present, idx = self.slot(field)
            return Column("pooled", idx, present=present, pool=_EVENTS)
        if field.startswith("metric_"):
            present, cents = self.slot(field)
            return Column("float", cents / 100.0, present=present)
        raise KeyError(field)

    def render(self) -> tuple[str, np.ndarray]:
        """Render the rows as JSON objects (keys in alphabetical order, like the samples).

        Absent optional fields are omitted, not null: docs are silent, and the
        overview's sample items simply lack the fields they don't have
        (docs/vendors/brightcove-audience.md#envelope).
        """
        g = _global_fragments()
        pools = self.t.pools
        tw, w = self.watch
        oi = self.opt_index
        size = len(_EVENTS) + 1
        parts = time_fragments(self.created, "created_at", lead="{")
        parts.append(g["events"].take(oi[:, 0] + size * oi[:, 1] + size * size * oi[:, 2]))
        parts.append(pools.frag_external_synced.take(oi[:, 7] * 2 + self.synced))
        parts.append(g["metric"][0].take(oi[:, 3]))
        parts.append(g["metric"][1].take(oi[:, 4]))
        parts.append(g["metric"][2].take(oi[:, 5]))
        page_url = pools.page_url_index(self.player, self.video, self.utm)
        parts.append(pools.frag_page_player.take(page_url))
        parts.append(g["time_watched"].take(tw))
        parts.append(pools.frag_tracking.take(oi[:, 6]))
        parts.extend(time_fragments(self.updated, "updated_at"))
        parts.append(pools.frag_utm_video.take(self.utm * _N_VIDEOS + self.video))
        parts.append(g["watched"].take(w))
        return join_rows(parts)


_LEAD_HASHES = (
    "video", "player", "first", "last", "company", "company?", "phone", "phone?", "country",
    "country?", "industry", "industry?", "external", "external?",
)  # fmt: skip


class LeadsTable:
    """All leads of one account, as a function of (seed, account, j). Leads never change."""

    fields = LEAD_FIELDS

    def __init__(self, seed: int, pools: AccountPools, cfg: Mapping[str, Any]) -> None:
        self.key = stable_key(seed, pools.account, "leads")
        self.pools = pools
        self.timeline = _timeline(cfg, "audience_leads_per_account")
        # Leads carry no UTM parameters in any doc sample: utm combo 0.
        n_combo = _N_PLAYERS * _N_VIDEOS
        self.lead_urls = tuple(pools.page_urls[i * _N_UTM] for i in range(n_combo))
        #: Whether leads wait to be processed (see "Processing lag").
        self.lag = bool(cfg["audience_processing_lag"])

    def settled(self) -> LeadsTable:
        """Return the table as it will eventually be: every lead processed."""
        if not self.lag:
            return self
        twin = copy.copy(self)
        twin.lag = False
        return twin

    def row_count(self, horizon_ms: int) -> int:
        """Leads created before the horizon (processed or not)."""
        return self.timeline.row_count(horizon_ms)

    def visible_rows(self, horizon_ms: int) -> np.ndarray:
        """Leads the API shows: created and processed before the horizon.

        Docs are silent on leads being processed; the emulator delays them
        like view events (see "Processing lag").
        """
        return _visible_rows(self.timeline, self.key, horizon_ms, lag=self.lag)

    def view(self, ks: np.ndarray, horizon_ms: int) -> _LeadsView:
        """Rows ``ks`` (the horizon doesn't change leads)."""
        return _LeadsView(self, ks)

    def render_block(self, ks: np.ndarray, horizon_ms: int) -> tuple[str, np.ndarray]:
        """Rows ``ks`` as ``{...},{...},`` text plus each row's end offset."""
        rows = [orjson.dumps(item).decode() + "," for item in self.items(ks, horizon_ms)]
        ends = np.cumsum(np.array([len(r) for r in rows], dtype=np.int64))
        return "".join(rows), ends

    def items(
        self, ks: np.ndarray, horizon_ms: int, fields: frozenset[str] | None = None
    ) -> list[dict[str, Any]]:
        """Rows ``ks`` as dicts (leads are few, so the generic dict path is fine)."""
        return materialize(self, ks, horizon_ms, fields)


class _LeadsView:
    def __init__(self, table: LeadsTable, ks: np.ndarray) -> None:
        self.t, self.ks = table, ks
        self.h = RowHashes(table.key, ks, _LEAD_HASHES)

    def _present(self, name: str, p: float) -> np.ndarray:
        return self.h.unit(name + "?") < p

    @cached_property
    def video(self) -> np.ndarray:
        return self.h.pick("video", _N_VIDEOS)

    @cached_property
    def player(self) -> np.ndarray:
        return self.h.pick("player", _N_PLAYERS)

    @cached_property
    def first(self) -> np.ndarray:
        return self.h.pick("first", len(_FIRST))

    @cached_property
    def last(self) -> np.ndarray:
        return self.h.pick("last", len(_LAST))

    @cached_property
    def company(self) -> np.ndarray:
        return self.h.pick("company", len(_COMPANIES))

    def column(self, field: str) -> Column:
        """Return ``field`` for these rows (see ``LEAD_FIELDS``)."""
        pools = self.t.pools
        if field == "created_at":
            return Column("time", self.t.timeline.created(self.ks))
        if field == "video_id":
            return Column("pooled", self.video, pool=pools.video_ids)
        if field == "video_name":
            return Column("pooled", self.video, pool=pools.video_names)
        if field == "player_id":
            return Column("pooled", self.player, pool=pools.player_ids)
        if field == "page_url":
            return Column("pooled", self.player * _N_VIDEOS + self.video, pool=self.t.lead_urls)
        if field == "first_name":
            return Column("pooled", self.first, pool=_FIRST)
        if field == "last_name":
            return Column("pooled", self.last, pool=_LAST)
        if field == "company_name":
            # Docs silent on absent values; the overview's sample leads lack company_name while the
            # OpenAPI sample has it (docs/vendors/brightcove-audience.md#leads) - so some leads omit
            # it.
            names = tuple(c[0] for c in _COMPANIES)
            present = self._present("company", 0.85)
            return Column("pooled", self.company, present=present, pool=names)
        if field == "email_address":
            emails = [
                f"{_FIRST[f][0].lower()}{_LAST[s].lower()}{j % 97}@{_COMPANIES[c][1]}"
                for f, s, c, j in zip(
                    self.first.tolist(), self.last.tolist(), self.company.tolist(),
                    self.ks.tolist(), strict=True,
                )
            ]  # fmt: skip
            return Column("str", np.array(emails, dtype=object))
        if field == "business_phone":
            # OpenAPI sample: "business_phone": "" (docs/vendors/brightcove-audience.md#leads) - the
            # key is present and empty when the lead gave no phone number.
            has = self._present("phone", 0.6).tolist()
            digits = self.h.pick("phone", 10_000).tolist()
            phones = [f"+1 617-555-{d:04d}" if p else "" for d, p in zip(digits, has, strict=True)]
            return Column("str", np.array(phones, dtype=object))
        if field == "country":
            present = self._present("country", 0.7)
            return Column(
                "pooled", self.h.pick("country", len(_COUNTRIES)), present=present,
                pool=_COUNTRIES,
            )  # fmt: skip
        if field == "industry":
            present = self._present("industry", 0.6)
            return Column(
                "pooled", self.h.pick("industry", len(_INDUSTRIES)), present=present,
                pool=_INDUSTRIES,
            )  # fmt: skip
        if field == "external_id":
            # The OpenAPI's sample leads carry external_id (a GUID); it is in the fields enum but
            # not the schema (docs/vendors/brightcove-audience.md#leads) - present on some leads.
            present = self._present("external", 0.5)
            idx = self.h.pick("external", _N_EXTERNAL)
            return Column("pooled", idx, present=present, pool=pools.external_ids)
        raise KeyError(field)
