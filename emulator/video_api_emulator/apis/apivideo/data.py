"""api.video data: projects, their videos and live streams, player sessions and their events.

Sources as in the package docstring: sections of docs/vendors/apivideo.md.

Data model (emulator design, not vendor behaviour):

- Each project (one API key, ``apivideo_projects``) has its own catalogue,
  seeded from ``seed`` and the project's name: ``apivideo_videos`` videos and
  ``apivideo_live_streams`` live streams, all created before ``data_start``,
  numbered in createdAt order. A video's ``metadata`` always has an
  ``Author`` (one of :data:`AUTHORS`), so the sessions' metadata filter has
  something to find. Media number ``m``: the videos first, then the live streams.
- Player sessions: media ``m`` has session ``j = 0, 1, 2, ...`` forever, loaded
  at ``data_start + floor(j * span / S) + offset(m)`` (``span`` =
  ``data_span_seconds`` in ms, ``S`` = ``apivideo_sessions_per_media``,
  ``offset(m)`` in ``[0, span // S)`` from the hashes). A session exists once
  its ``loadedAt`` is before the horizon; advancing the horizon adds
  sessions. Nothing per session is stored: the sessions of a time window are
  index arithmetic, their attributes pure functions of ``(project, m, j)``
  through :class:`~video_api_emulator.data.RowHashes` (vectorised).
- A session lasts under an hour (``endedAt`` = its last event) and is shown
  complete as soon as it exists (the emulator does not model sessions in
  progress; docs silent). Its ``apivideo_events_per_session`` events: ready,
  play, a mix of pause/resume/seek.backward/seek.forward, end.
- Session ids ``ps`` + 22 base62 characters encode ``(m, j)`` through a keyed
  bijection plus a check half, so ``/analytics/sessions/{sessionId}/events``
  finds the session without a table, and an id of another project is unknown.
- Every analytics figure (plays, ``/data/*``) is computed from these sessions,
  so the raw sessions, the plays and the metrics agree.
"""

from __future__ import annotations

import random
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np

from ...config import parse_data_start
from ...data import LRU, RowHashes, iso_ms_array, mix64, rng_for, stable_key
from .params import DAY_MS, HOUR_MS, INTERVALS, DataQuery, Measure, atom

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_B62 = np.array(list(BASE62), dtype="<U1")
_B62_INDEX = {c: i for i, c in enumerate(BASE62)}
_M64 = (1 << 64) - 1
# data.mix64's constants (for its inverse).
_GOLDEN, _MIX1, _MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_MAX_SESSION_S = 3599  # a session lasts less than an hour
_VIEWERS = 50  # distinct viewers per project (for unique counts; docs silent)

# ----------------------------------------------------------------------------- pools
# Session attribute pools. Field names and example values: the 2023-09 spec's
# video-session (location, referrer, device, os, client; docs/vendors/apivideo.md#video-sessions).
# Values must agree with the plays dimensions (docs/vendors/apivideo.md#plays): plays' country is
# the lowercased location.country, deviceType = device.type, operatingSystem =
# the lowercased os.name, browser = the lowercased client.name; /data's country
# and continent are ISO-3166 alpha-2 codes (the 2025-01 spec's filterBy,
# docs/vendors/apivideo.md#filters).

#: (country as raw statistics show it, ISO alpha-2, continent code, cities).
#: Plays show the country lowercased, as its examples ("france", "united
#: states") and GeoNames' names. Continents are among the 2025-01 spec's codes
#: (docs/vendors/apivideo.md#filters).
COUNTRIES = (
    ("France", "FR", "EU", ("Paris", "Lyon", "Marseille")),
    ("United States", "US", "NA", ("New York", "San Francisco", "Chicago")),
    ("Spain", "ES", "EU", ("Madrid", "Barcelona")),
    ("Germany", "DE", "EU", ("Berlin", "Munich")),
    ("United Kingdom", "GB", "EU", ("London", "Manchester")),
    ("Japan", "JP", "AS", ("Tokyo", "Osaka")),
    ("Brazil", "BR", "SA", ("São Paulo", "Rio de Janeiro")),
    ("India", "IN", "AS", ("Mumbai", "Bengaluru")),
    ("Canada", "CA", "NA", ("Toronto", "Montreal")),
    ("South Africa", "ZA", "AF", ("Cape Town", "Johannesburg")),
)
#: (country index, city) pairs: a session picks one. location.city is nullable
#: (the 2023-09 spec's video-session-location, docs/vendors/apivideo.md#video-sessions): a share
#: of sessions has null.
LOCATIONS = tuple((c, city) for c, row in enumerate(COUNTRIES) for city in row[3])
_P_NO_CITY = 0.08

#: Device profiles: device {type, vendor, model}, os {name, shortname, version},
#: client {name, version, type}. device.type values are the plays doc's deviceType
#: values ("computer, phone, tablet, tv, ..."), not the spec example's
#: "desktop", so the raw sessions agree with the plays; os names lowercase to
#: the plays doc's operatingSystem values ("windows, mac osx, android, ios, linux"),
#: client names to its browser values ("chrome, firefox, edge, opera", plus
#: safari: "Response values include"). "unknown" where a parser would not know.
#: docs/vendors/apivideo.md#plays, docs/vendors/apivideo.md#video-sessions.
DEVICES = (
    (("computer", "Dell", "unknown"), ("Windows", "W10", "10"), ("Chrome", "120.0", "browser")),
    (("computer", "Apple", "MacBook"), ("Mac OSX", "MAC", "14.2"), ("Safari", "17.2", "browser")),
    (("computer", "Lenovo", "unknown"), ("Linux", "LIN", "6.5"), ("Firefox", "121.0", "browser")),
    (("computer", "HP", "unknown"), ("Windows", "W11", "11"), ("Edge", "120.0", "browser")),
    (("phone", "Apple", "iPhone"), ("iOS", "IOS", "17.1"), ("Safari", "17.1", "browser")),
    (("phone", "Samsung", "Galaxy S23"), ("Android", "AND", "14"), ("Chrome", "119.0", "browser")),
    (("tablet", "Apple", "iPad"), ("iOS", "IOS", "16.6"), ("Safari", "16.6", "browser")),
    (("tablet", "Samsung", "Galaxy Tab"), ("Android", "AND", "13"), ("Chrome", "118.0", "browser")),
    (("tv", "Samsung", "Smart TV"), ("Linux", "LIN", "5.4"), ("Opera", "95.0", "browser")),
    (("phone", "Google", "Pixel 8"), ("Android", "AND", "14"), ("Opera", "80.0", "browser")),
    (("unknown", "unknown", "unknown"), ("Windows", "W10", "10"), ("Firefox", "115.0", "browser")),
)  # fmt: skip
#: Profiles on Android and iOS: the 2025-01 spec's breakdown referrer
#: (docs/vendors/apivideo.md#metrics): "View events from Android and iOS return empty strings as the
#: value for referrer".
_MOBILE_OS = ("Android", "iOS")

#: referrer {url (nullable), medium, source, searchTerm}; the first is
#: the 2023-09 spec's example, the last a direct visit (url null, "unknown" as the
#: live-stream example shows; docs/vendors/apivideo.md#sample-values).
REFERRERS = (
    ("https://api.video", "organic", "https://google.com", "video encoding hosting and delivery"),
    ("https://blog.example.com/posts/42", "organic", "https://google.com", "video tutorial"),
    ("https://shop.example.org/product", "paid", "https://ads.example.net", "unknown"),
    ("https://news.example.net/article", "referral", "https://news.example.net", "unknown"),
    (None, "unknown", "unknown", "unknown"),
)
_NO_REFERRER = len(REFERRERS) - 1

#: Video metadata values: the 2025-01 spec's /videos example ("Author": "John Doe",
#: "Format": "Tutorial") and the 2023-09 spec's filter example (docs/vendors/apivideo.md#videos).
AUTHORS = ("John Doe", "Jane Roe", "Ada Lovelace", "Alan Turing")
FORMATS = ("Tutorial", "Interview", "Talk")
TAGS = ("maths", "string theory", "science", "tutorial", "news", "music", "Cool videos")
_TOPICS = ("Maths video", "Physics lecture", "Product demo", "Cooking show", "Travel diary",
           "Music session", "News bulletin", "Coding tutorial")  # fmt: skip
_LIVE_NAMES = ("Live From New York", "Live Stream From the browser", "Morning show",
               "Conference keynote", "Match day")  # fmt: skip

_SESSION_ATTRS = (
    "dur", "loc", "city", "dev", "ref", "imp", "imp_ms", "done", "viewer", "events",
)  # fmt: skip


def _strings(values: Sequence[Any]) -> np.ndarray:
    return np.array(list(values), dtype=object)


_COUNTRY_OF_LOC = np.array([c for c, _ in LOCATIONS], dtype=np.int64)
_DEVICE_MOBILE = np.array([d[1][0] in _MOBILE_OS for d in DEVICES], dtype=bool)
#: Dimension value pools (index -> value), per dimension name of the plays
#: endpoints and of /data/buckets.
_VALUES = {
    "country": _strings(c[0].lower() for c in COUNTRIES),
    "country-code": _strings(c[1] for c in COUNTRIES),
    "continent": _strings(c[2] for c in COUNTRIES),
    "deviceType": _strings(d[0][0] for d in DEVICES),
    "operatingSystem": _strings(d[1][0].lower() for d in DEVICES),
    "browser": _strings(d[2][0].lower() for d in DEVICES),
    "referrer": _strings(r[0] or "" for r in REFERRERS),
}


# ----------------------------------------------------------------------------- ids


def _mix64(x: int) -> int:
    """``data.mix64`` (splitmix64's finaliser) of one 64-bit int."""
    return int(mix64(np.array([x], dtype=np.uint64))[0])


def _unxorshift(y: int, shift: int) -> int:
    x = y
    for _ in range(64 // shift + 1):
        x = y ^ (x >> shift)
    return x


_INV1, _INV2 = pow(_MIX1, -1, 1 << 64), pow(_MIX2, -1, 1 << 64)


def _unmix64(z: int) -> int:
    """Inverse of ``data.mix64`` (the finaliser is a bijection of 64-bit ints)."""
    z = _unxorshift(z, 31)
    z = (z * _INV2) & _M64
    z = _unxorshift(z, 27)
    z = (z * _INV1) & _M64
    z = _unxorshift(z, 30)
    return (z - _GOLDEN) & _M64


def _base62_block(values: np.ndarray) -> np.ndarray:
    """11-character base62 strings of uint64 values (vectorised)."""
    v = values.astype(np.uint64).copy()
    digits = np.empty((len(v), 11), dtype=np.int64)
    sixty_two = np.uint64(62)
    for i in range(10, -1, -1):
        digits[:, i] = (v % sixty_two).astype(np.int64)
        v //= sixty_two
    chars = np.ascontiguousarray(_B62[digits])
    return chars.view("<U11").reshape(-1)


def _base62_int(text: str) -> int | None:
    value = 0
    for ch in text:
        digit = _B62_INDEX.get(ch)
        if digit is None:
            return None
        value = value * 62 + digit
    return value


def _random_id(rng: random.Random, prefix: str) -> str:
    """``prefix`` + 22 base62 characters, like the spec's ``vi4k0jvEUuaTdRAEjQ4Prklg``.

    docs/vendors/apivideo.md#sample-values.
    """
    return prefix + "".join(rng.choice(BASE62) for _ in range(22))


# ----------------------------------------------------------------------------- catalogue


@dataclass(frozen=True, slots=True)
class Media:
    """A video or live stream: its API object and what sessions copy from it."""

    id: str
    kind: str  # "video" or "live-stream" (mediaType values, docs/vendors/apivideo.md#filters)
    record: dict[str, Any]
    created_ms: int
    metadata: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()


def _video(
    rng: random.Random, i: int, created_ms: int, lives: Sequence[str], before_ms: int
) -> Media:
    """One ``video`` object of the 2025-01 spec, every property, in the schema's order.

    docs/vendors/apivideo.md#videos.

    Dates are ATOM UTC ("2024-05-28T11:15:07+00:00", the schema's examples);
    asset URLs follow the /videos example's patterns; discarded/discardedAt/
    deletesAt as for a video never discarded; ``source.type`` is undocumented
    ("upload", or "live" for a live recording with ``source.liveStream``).
    Every date is before ``before_ms`` (data_start).
    """
    vid = _random_id(rng, "vi")
    published_ms = min(created_ms + rng.randint(5, 600) * 1000, before_ms)
    updated_ms = min(published_ms + rng.randint(60, 6 * 3600) * 1000, before_ms)
    author = rng.choice(AUTHORS)
    metadata: list[tuple[str, str]] = [("Author", author)]
    if rng.random() < 0.5:
        metadata.append(("Format", rng.choice(FORMATS)))
    tags = tuple(sorted(rng.sample(TAGS, rng.randint(1, 3))))
    mp4 = rng.random() < 0.7
    source: dict[str, Any] = {"uri": f"/videos/{vid}/source", "type": "upload"}
    if lives and i % 4 == 3:
        live = lives[(i // 4) % len(lives)]
        source = {
            "uri": f"/videos/{vid}/source",
            "type": "live",
            "liveStream": {
                "liveStreamId": live,
                "links": [{"rel": "self", "uri": f"/live-streams/{live}"}],
            },
        }
    assets = {
        "hls": f"https://cdn.api.video/vod/{vid}/hls/manifest.m3u8",
        "iframe": (
            f'<iframe src="https://embed.api.video/vod/{vid}" width="100%" height="100%" '
            'frameborder="0" scrolling="no" allowfullscreen=""></iframe>'
        ),
        "player": f"https://embed.api.video/vod/{vid}",
        "thumbnail": f"https://cdn.api.video/vod/{vid}/thumbnail.jpg",
    }
    if mp4:
        assets["mp4"] = f"https://cdn.api.video/vod/{vid}/mp4/source.mp4"
    language = rng.choice(("en", "en", "fr", "de"))
    record: dict[str, Any] = {
        "videoId": vid,
        "createdAt": atom(created_ms),
        "title": f"{_TOPICS[i % len(_TOPICS)]} #{i + 1}",
        "description": f"Episode {i + 1} of the {_TOPICS[i % len(_TOPICS)].lower()} series.",
        "publishedAt": atom(published_ms),
        "updatedAt": atom(updated_ms),
        "discardedAt": None,
        "deletesAt": None,
        "discarded": False,
        "language": language,
        "languageOrigin": rng.choice(("api", "auto")),
        "tags": list(tags),
        "metadata": [{"key": k, "value": v} for k, v in metadata],
        "source": source,
        "assets": assets,
        "playerId": _random_id(rng, "pl"),
        "public": rng.random() < 0.8,
        "panoramic": False,
        "mp4Support": mp4,
    }
    return Media(vid, "video", record, created_ms, tuple(metadata), tags)


def _live_stream(rng: random.Random, i: int, lid: str, created_ms: int, before_ms: int) -> Media:
    """One ``live-stream`` object of the 2025-01 spec (restreams required), schema order.

    docs/vendors/apivideo.md#live-streams.
    """
    updated_ms = min(created_ms + rng.randint(60, 30 * 86400) * 1000, before_ms)

    def key() -> str:
        h = f"{rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    stream_key = key()
    restreams = [
        {
            "name": name,
            "serverUrl": f"rtmp://{name.lower()}.broadcast.example.com",
            "streamKey": key(),
        }
        for name in ("YouTube", "Twitch")[: rng.randint(0, 2)]
    ]
    record = {
        "liveStreamId": lid,
        "name": f"{_LIVE_NAMES[i % len(_LIVE_NAMES)]} {i + 1}",
        "streamKey": stream_key,
        "public": rng.random() < 0.8,
        "assets": {
            "hls": f"https://live.api.video/{lid}.m3u8",
            "iframe": (
                f'<iframe src="https://embed.api.video/live/{lid}" width="100%" height="100%" '
                'frameborder="0" scrolling="no" allowfullscreen=""></iframe>'
            ),
            "player": f"https://embed.api.video/live/{lid}",
            "thumbnail": f"https://live.api.video/{lid}/thumbnail.jpg",
        },
        "playerId": _random_id(rng, "pl"),
        "broadcasting": rng.random() < 0.3,
        "restreams": restreams,
        "createdAt": atom(created_ms),
        "updatedAt": atom(updated_ms),
    }
    return Media(lid, "live-stream", record, created_ms)


# ----------------------------------------------------------------------------- sessions


class Sessions:
    """Sessions ``(m, j)`` of one project; attributes computed lazily, vectorised."""

    def __init__(self, project: Project, m: np.ndarray, j: np.ndarray) -> None:
        self.p = project
        self.m = np.asarray(m, dtype=np.int64)
        self.j = np.asarray(j, dtype=np.int64)
        self.h = RowHashes(project.session_key, (self.m << 32) | self.j, _SESSION_ATTRS)

    def __len__(self) -> int:
        return len(self.m)

    @cached_property
    def loaded_ms(self) -> np.ndarray:
        """loadedAt, epoch ms."""
        p = self.p
        if p.per_span == 0:
            return np.zeros(0, dtype=np.int64)
        return p.start_ms + (self.j * p.span_ms) // p.per_span + p.offsets[self.m]

    @cached_property
    def duration_s(self) -> np.ndarray:
        """Whole seconds from loadedAt to endedAt: at least one per event gap, under an hour."""
        gaps = self.p.events - 1
        u = self.h.unit("dur")
        return gaps + (u * u * (_MAX_SESSION_S - gaps)).astype(np.int64)

    @cached_property
    def ended_ms(self) -> np.ndarray:
        """The endedAt instant (the last event's emittedAt), epoch ms."""
        return self.loaded_ms + self.duration_s * 1000

    @cached_property
    def loc(self) -> np.ndarray:
        """Index into :data:`LOCATIONS`."""
        return self.h.pick("loc", len(LOCATIONS))

    @cached_property
    def country(self) -> np.ndarray:
        """Index into :data:`COUNTRIES`."""
        return _COUNTRY_OF_LOC[self.loc]

    @cached_property
    def dev(self) -> np.ndarray:
        """Index into :data:`DEVICES`."""
        return self.h.pick("dev", len(DEVICES))

    @cached_property
    def ref(self) -> np.ndarray:
        """Index into :data:`REFERRERS`; Android and iOS have none (see ``_MOBILE_OS``)."""
        return np.where(_DEVICE_MOBILE[self.dev], _NO_REFERRER, self.h.pick("ref", len(REFERRERS)))

    @cached_property
    def impressions(self) -> np.ndarray:
        """Impressions of the session: 1, or 2 for 30 % (so impressions >= plays)."""
        return 1 + (self.h.unit("imp") < 0.3).astype(np.int64)

    @cached_property
    def impression_ms(self) -> np.ndarray:
        """Loading time until the first frame, 150 - 3000 ms (impression-time).

        docs/vendors/apivideo.md#metrics.
        """
        return 150 + (self.h.unit("imp_ms") * 2851).astype(np.int64)

    @cached_property
    def completed(self) -> np.ndarray:
        """Watched to the end (the ``end`` metric): 55 % of sessions."""
        return self.h.unit("done") < 0.55

    @cached_property
    def viewer(self) -> np.ndarray:
        """Viewer number (unique counts); viewers are unique per UTC day.

        docs/vendors/apivideo.md#unique-and-view-duration.
        """
        return self.h.pick("viewer", _VIEWERS)

    def values(self, dimension: str) -> np.ndarray:
        """Per-session value (object array) of a plays dimension or /data breakdown."""
        if dimension in ("videoId", "liveStreamId", "media-id"):
            return self.p.media_id_array[self.m]
        if dimension == "media-type":
            return np.where(self.m < self.p.n_videos, "video", "live-stream").astype(object)
        if dimension in ("country", "country-code", "continent"):
            return _VALUES[dimension][self.country]
        if dimension in ("deviceType", "device-type"):
            return _VALUES["deviceType"][self.dev]
        if dimension in ("operatingSystem", "operating-system"):
            return _VALUES["operatingSystem"][self.dev]
        if dimension in ("browser", "referrer"):
            return _VALUES[dimension][self.dev if dimension == "browser" else self.ref]
        raise KeyError(dimension)

    def ids(self, idx: np.ndarray) -> list[str]:
        """Session ids of rows ``idx``: ``ps``, 11 chars of a keyed bijection, 11 check chars."""
        v = ((self.m[idx] << 32) | self.j[idx]).astype(np.uint64)
        body = mix64(v ^ np.uint64(self.p.id_key))
        check = mix64(body ^ np.uint64(self.p.check_key))
        return [
            "ps" + a + b for a, b in zip(_base62_block(body), _base62_block(check), strict=True)
        ]


# ----------------------------------------------------------------------------- project


class Project:
    """One api.video project: its catalogue, session timeline and analytics."""

    def __init__(self, cfg: Mapping[str, Any], name: str) -> None:
        seed = int(cfg["seed"])
        self.name = name
        rng = rng_for(seed, "apivideo", name, "catalogue")
        self.project_id = _random_id(rng, "pr")
        self.start_ms = parse_data_start(cfg["data_start"])
        self.span_ms = int(round(float(cfg["data_span_seconds"]) * 1000))
        self.per_span = int(cfg["apivideo_sessions_per_media"])
        self.events = int(cfg["apivideo_events_per_session"])
        n_videos, n_lives = int(cfg["apivideo_videos"]), int(cfg["apivideo_live_streams"])
        # Catalogue: created in the 90 days before data_start, in index order.
        lives: list[Media] = []
        live_ids = [_random_id(rng, "li") for _ in range(n_lives)]
        for i, lid in enumerate(live_ids):
            created = self._created(rng, i, n_lives, 90)
            lives.append(_live_stream(rng, i, lid, created, self.start_ms - 1000))
        videos = [
            _video(rng, i, self._created(rng, i, n_videos, 60), live_ids, self.start_ms - 1000)
            for i in range(n_videos)
        ]
        self.videos, self.live_streams = videos, lives
        self.media: list[Media] = [*videos, *lives]
        self.n_videos = n_videos
        self.media_index = {md.id: m for m, md in enumerate(self.media)}
        self.media_id_array = _strings(md.id for md in self.media)
        has_tag: dict[str, np.ndarray] = {}
        for tag in TAGS:
            has_tag[tag] = np.array([tag in md.tags for md in self.media], dtype=bool)
        self.has_tag = has_tag
        # Session timeline.
        self.session_key = stable_key(seed, "apivideo", name, "sessions")
        self.id_key = stable_key(seed, "apivideo", name, "session-id")
        self.check_key = stable_key(seed, "apivideo", name, "session-check")
        slot = self.span_ms // self.per_span if self.per_span else 0
        media_hash = RowHashes(
            stable_key(seed, "apivideo", name, "media"), np.arange(len(self.media)), ("offset",)
        )
        self.offsets = (media_hash.unit("offset") * slot).astype(np.int64)
        self.cache = LRU(maxsize=64)

    def _created(self, rng: random.Random, i: int, n: int, days: int) -> int:
        """The createdAt of item ``i`` of ``n``: spread over ``days`` days before data_start."""
        step = days * DAY_MS // max(1, n)
        return (
            self.start_ms
            - days * DAY_MS
            + i * step
            + rng.randrange(max(1, step // 2)) // 1000 * 1000
        )

    # ------------------------------------------------------------------ timeline

    def count_before(self, ms: np.ndarray, t_ms: int) -> np.ndarray:
        """How many sessions of each media in ``ms`` load before ``t_ms``.

        loadedAt(j) < t  <=>  floor(j * span / S) < d  <=>  j < d * S / span,
        with d = t - data_start - offset: ``ceil(d * S / span)`` sessions.
        """
        if self.per_span == 0:
            return np.zeros(len(ms), dtype=np.int64)
        d = t_ms - self.start_ms - self.offsets[ms]
        return np.where(d > 0, -(-(d * self.per_span) // self.span_ms), 0)

    def sessions(
        self, ms: Sequence[int] | np.ndarray, lo_ms: int, hi_ms: int, horizon_ms: int
    ) -> Sessions:
        """The sessions of media ``ms`` (in that order, each by loadedAt) loaded in ``[lo, hi)``.

        Only sessions that exist at ``horizon_ms`` (loadedAt < horizon). Cached
        per query shape.
        """
        media = np.asarray(ms, dtype=np.int64)
        hi = min(hi_ms, horizon_ms)
        key = ("sessions", media.tobytes(), lo_ms, hi)
        return self.cache.get_or_compute(key, lambda: self._sessions(media, lo_ms, hi))

    def _sessions(self, media: np.ndarray, lo_ms: int, hi_ms: int) -> Sessions:
        if hi_ms <= lo_ms or len(media) == 0:
            return Sessions(self, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        first = self.count_before(media, lo_ms)
        counts = np.maximum(self.count_before(media, hi_ms) - first, 0)
        total = int(counts.sum())
        m = np.repeat(media, counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        j = np.arange(total, dtype=np.int64) - starts + np.repeat(first, counts)
        return Sessions(self, m, j)

    def kind_media(self, live: bool) -> np.ndarray:
        """Media numbers of the videos (``live=False``) or the live streams, in list order."""
        if live:
            return np.arange(self.n_videos, len(self.media), dtype=np.int64)
        return np.arange(self.n_videos, dtype=np.int64)

    def all_media(self) -> np.ndarray:
        """Every media number, videos first."""
        return np.arange(len(self.media), dtype=np.int64)

    def find_session(self, session_id: str, horizon_ms: int) -> tuple[int, int] | None:
        """``(m, j)`` of a session id of this project that exists at ``horizon_ms``, else None."""
        if len(session_id) != 24 or not session_id.startswith("ps"):
            return None
        body, check = _base62_int(session_id[2:13]), _base62_int(session_id[13:])
        if body is None or check is None or body > _M64:
            return None
        if _mix64(body ^ self.check_key) != check:
            return None
        value = _unmix64(body) ^ self.id_key
        m, j = value >> 32, value & 0xFFFFFFFF
        if m >= len(self.media) or self.per_span == 0:
            return None
        loaded = self.start_ms + (j * self.span_ms) // self.per_span + int(self.offsets[m])
        return (m, j) if loaded < horizon_ms else None

    # ------------------------------------------------------------------ rendering

    def render_sessions(self, ss: Sessions, idx: np.ndarray, *, live: bool) -> list[dict[str, Any]]:
        """Rows ``idx`` of ``ss`` as the 2023-09 spec's VideoSession / LiveStreamSession objects.

        docs/vendors/apivideo.md#video-sessions.

        Properties in the schemas' order; dates like the examples
        ("2019-06-24T11:45:01.109Z", milliseconds, Z); ``session.metadata`` (video
        sessions only - LiveStreamSessionSession has none) is the video's
        metadata (the 2023-09 spec: "metadata for your video").

        ``location.city`` and ``referrer.url`` are nullable in the video
        schemas only; a live-stream session shows "unknown" instead, as the
        live-stream example does for what is not known.
        """
        unknown = "unknown" if live else None
        idx = np.asarray(idx, dtype=np.int64)
        if len(idx) == 0:
            return []
        ids = ss.ids(idx)
        loaded = iso_ms_array(ss.loaded_ms[idx])
        ended = iso_ms_array(ss.ended_ms[idx])
        ms = ss.m[idx].tolist()
        locs = ss.loc[idx].tolist()
        no_city = (ss.h.unit("city")[idx] < _P_NO_CITY).tolist()
        devs = ss.dev[idx].tolist()
        refs = ss.ref[idx].tolist()
        out = []
        for i in range(len(idx)):
            session: dict[str, Any] = {
                "sessionId": ids[i],
                "loadedAt": loaded[i],
                "endedAt": ended[i],
            }
            if not live:
                session["metadata"] = self.media[ms[i]].record["metadata"]
            country_i, city = LOCATIONS[locs[i]]
            (dtype, vendor, model), (os_name, short, version), (client, cversion, ctype) = DEVICES[
                devs[i]
            ]
            url, medium, source, term = REFERRERS[refs[i]]
            out.append(
                {
                    "session": session,
                    "location": {
                        "country": COUNTRIES[country_i][0],
                        "city": unknown if no_city[i] else city,
                    },
                    "referrer": {
                        "url": unknown if url is None else url,
                        "medium": medium,
                        "source": source,
                        "searchTerm": term,
                    },
                    "device": {"type": dtype, "vendor": vendor, "model": model},
                    "os": {"name": os_name, "shortname": short, "version": version},
                    "client": {"name": client, "version": cversion, "type": ctype},
                }
            )
        return out

    def session_events(self, ss: Sessions, row: int) -> list[dict[str, Any]]:
        """The events of session ``row`` of ``ss`` (the 2023-09 spec's player-session-event).

        docs/vendors/apivideo.md#session-events.

        ``type`` is one of "ready, play, pause, resume, seek.backward,
        seek.forward, end"; ``at`` (an int) for the others, ``from``/``to`` for
        seeks (the raw statistics guide: "from ... when the viewer started fast
        forwarding"). The
        first is ready at loadedAt, then play, then pauses/resumes/seeks, the
        last end at endedAt; emittedAt strictly increases by whole seconds.
        Positions follow the playback: they advance while playing.
        """
        n = self.events
        loaded = int(ss.loaded_ms[row])
        duration = int(ss.duration_s[row])
        rng = random.Random(int(ss.h("events")[row]))
        offsets = [0, *sorted(rng.sample(range(1, duration), n - 2)), duration]
        stamps = iso_ms_array(np.array(offsets, dtype=np.int64) * 1000 + loaded)
        events: list[dict[str, Any]] = [{"type": "ready", "emittedAt": stamps[0], "at": 0}]
        pos, playing = 0, False
        for k in range(1, n):
            if playing:
                pos += offsets[k] - offsets[k - 1]
            stamp = stamps[k]
            if k == 1:
                events.append({"type": "play", "emittedAt": stamp, "at": pos})
                playing = True
                continue
            if k == n - 1:
                events.append({"type": "end", "emittedAt": stamp, "at": pos})
                break
            roll = rng.random()
            if roll < 0.35:
                jump = rng.randint(1, 60)
                if roll < 0.2:
                    target = pos + jump
                    kind = "seek.forward"
                else:
                    target = max(0, pos - jump)
                    kind = "seek.backward"
                events.append({"type": kind, "emittedAt": stamp, "from": pos, "to": target})
                pos = target
            elif playing:
                events.append({"type": "pause", "emittedAt": stamp, "at": pos})
                playing = False
            else:
                events.append({"type": "resume", "emittedAt": stamp, "at": pos})
                playing = True
        return events

    # ------------------------------------------------------------------ plays

    def plays(
        self,
        live: bool,
        from_ms: int,
        to_ms: int,
        dimension: str,
        media: int | None,
        horizon_ms: int,
    ) -> list[dict[str, Any]]:
        """Plays rows ``{"value", "plays"}`` for sessions loaded in ``[from, to)``.

        docs/vendors/apivideo.md#plays (the 2023-09 spec's analytics-plays-response, the plays doc):
        one play per session (at its loadedAt), grouped by the dimension; emittedAt in hourly
        buckets when the period is at most 2 days, else daily ("When the date period you set in from
        and to is less than or equals to 2 days, the response for this dimension is grouped in
        hourly intervals"), rendered like the example ("2023-06-10T10:00:00.000Z"). Only values with
        plays are listed (docs silent); rows by value ascending (docs silent; a choice -
        chronological for emittedAt).
        """
        ms = [media] if media is not None else self.kind_media(live)
        ss = self.sessions(ms, from_ms, to_ms, horizon_ms)
        if len(ss) == 0:
            return []
        if dimension == "emittedAt":
            unit = HOUR_MS if to_ms - from_ms <= 2 * DAY_MS else DAY_MS
            buckets, counts = np.unique(ss.loaded_ms // unit * unit, return_counts=True)
            names = iso_ms_array(buckets)
            return [
                {"value": v, "plays": int(c)} for v, c in zip(names, counts.tolist(), strict=True)
            ]
        values, counts = np.unique(ss.values(dimension).astype(str), return_counts=True)
        rows = [{"value": str(v), "plays": int(c)} for v, c in zip(values, counts, strict=True)]
        rows.sort(key=lambda r: r["value"])
        return rows

    # ------------------------------------------------------------------ /data/*

    def data_sessions(
        self, q: DataQuery, lo_ms: int, hi_ms: int, horizon_ms: int
    ) -> tuple[Sessions, np.ndarray]:
        """Sessions that may count for ``[lo, hi)`` (loaded up to an hour before), filtered.

        Returns the sessions and the index array of those passing
        ``q.filters`` (filterBy, docs/vendors/apivideo.md#filters).
        """
        ss = self.sessions(self.all_media(), lo_ms - HOUR_MS, hi_ms, horizon_ms)
        mask = np.ones(len(ss), dtype=bool)
        for key, wanted in q.filters.items():
            mask &= self._filter(ss, key, wanted)
        return ss, np.flatnonzero(mask)

    def _filter(self, ss: Sessions, key: str, wanted: tuple[str, ...]) -> np.ndarray:
        if key == "mediaId":
            found = [self.media_index[w] for w in wanted if w in self.media_index]
            return np.isin(ss.m, np.array(found, dtype=np.int64))
        if key == "mediaType":
            return (ss.m < self.n_videos) == (wanted[0] == "video")
        if key == "tag":
            flags = self.has_tag.get(wanted[0])
            if flags is None:
                return np.zeros(len(ss), dtype=bool)
            return flags[ss.m]
        dimension = {"country": "country-code"}.get(key, key)
        values = ss.values(dimension).astype(str)
        if key == "referrer":
            # "The URLs you add must be URL encoded": compare decoded and as sent.
            wanted = tuple({*wanted, *(urllib.parse.unquote(w) for w in wanted)})
        return np.isin(values, np.array(wanted, dtype=str))

    def measure(
        self, ss: Sessions, idx: np.ndarray, groups: np.ndarray, n_groups: int, m: Measure,
        lo_ms: int, hi_ms: int,
    ) -> list[float | int]:  # fmt: skip
        """The measure per group over ``[lo, hi)``; ``groups[i]`` is row ``idx[i]``'s group.

        Count-like measures take the sessions loaded in ``[lo, hi)`` (``to`` non-inclusive,
        docs/vendors/apivideo.md#timeframe); ccv measures the sessions overlapping it. Definitions
        (the 2025-01 spec's metric descriptions, docs/vendors/apivideo.md#metrics; how each is
        derived is the emulator's choice):

        - play / start: sessions ("the number of times your content has been
          played" / "playback was started"); play-total: the same over all time;
        - end: sessions watched to the end (a deterministic subset);
        - impression: impressions (1 or 2 per session, so never below plays);
          play-rate: plays / impressions (0 without impressions);
        - impression-time: loading time in ms, average or sum; watch-time: the
          session's length in seconds, average or sum;
        - ccv-peak: most sessions open at once; ccv-average: session time
          inside the window / the window's length; ccv-live: the peak over the
          last 20 seconds before now ("from the last 20 seconds"), computed by
          the caller with that window; unique: distinct viewers instead;
        - view: sessions lasting at least viewDuration seconds; unique:
          distinct viewers per UTC day ("Viewers are unique for 1 day").

        Averages and rates are rounded to 6 decimals.
        """
        name = m.name
        if name.startswith("ccv"):
            return self._ccv(ss, idx, groups, n_groups, name, m.unique, lo_ms, hi_ms)
        loaded = ss.loaded_ms[idx]
        inside = (loaded >= lo_ms) & (loaded < hi_ms)
        rows, g = idx[inside], groups[inside]

        def total(weights: np.ndarray | None = None) -> np.ndarray:
            return np.bincount(g, weights=weights, minlength=n_groups)[:n_groups]

        plays = total()
        if name in ("play", "start", "play-total"):
            return [int(v) for v in plays]
        if name == "end":
            return [int(v) for v in total(ss.completed[rows].astype(np.float64))]
        impressions = total(ss.impressions[rows].astype(np.float64))
        if name == "impression":
            return [int(v) for v in impressions]
        if name == "play-rate":
            pairs = zip(plays.tolist(), impressions.tolist(), strict=True)
            return [round(p / i, 6) if i else 0 for p, i in pairs]
        if name.startswith(("impression-time", "watch-time")):
            weights = (
                ss.impression_ms[rows] if name.startswith("impression") else ss.duration_s[rows]
            )
            sums = total(weights.astype(np.float64))
            if name.endswith("sum"):
                return [int(v) for v in sums]
            pairs = zip(sums.tolist(), plays.tolist(), strict=True)
            return [round(s / c, 6) if c else 0 for s, c in pairs]
        if name == "view":
            ok = ss.duration_s[rows] >= m.view_seconds
            if not m.unique or not ok.any():
                return [int(v) for v in np.bincount(g[ok], minlength=n_groups)[:n_groups]]
            day = ss.loaded_ms[rows][ok] // DAY_MS
            triples = np.unique(np.stack([g[ok], ss.viewer[rows][ok], day], axis=1), axis=0)
            return [int(v) for v in np.bincount(triples[:, 0], minlength=n_groups)[:n_groups]]
        raise KeyError(name)

    def _ccv(
        self, ss: Sessions, idx: np.ndarray, groups: np.ndarray, n_groups: int, name: str,
        unique: bool, lo_ms: int, hi_ms: int,
    ) -> list[float | int]:  # fmt: skip
        out: list[float | int] = [0] * n_groups
        start = np.maximum(ss.loaded_ms[idx], lo_ms)
        end = np.minimum(ss.ended_ms[idx], hi_ms)
        keep = start < end
        for g in np.unique(groups[keep]).tolist():
            sel = keep & (groups == g)
            out[g] = _concurrency(
                start[sel], end[sel], ss.viewer[idx][sel], unique, name, hi_ms - lo_ms
            )
        return out

    def breakdown_rows(self, q: DataQuery, horizon_ms: int, now_ms: int) -> list[dict[str, Any]]:
        """The 2025-01 spec's analytics-metrics-breakdown-response ``data``: a row per value.

        docs/vendors/apivideo.md#metrics.

        ``dimensionValue`` per breakdown: media-id, media-type (video /
        live-stream), continent and country (ISO-3166 alpha-2, the example's
        "FR"), device-type, operating-system, browser (lowercase, as the
        enum-like lists), referrer (the URL, "" without one). "Present" = among
        the sessions the metric counts (loaded in the timeframe; ccv: open in
        it). Sorting: sortBy/sortOrder; without sortBy by dimensionValue (docs
        silent; a choice), ties by dimensionValue.
        """
        lo, hi = self._window(q, horizon_ms, now_ms)
        ss, idx = self.data_sessions(q, lo, hi, horizon_ms)
        present = self._present(ss, idx, q.measure, lo, hi)
        idx = idx[present]
        assert q.breakdown is not None
        # country: ISO alpha-2 here (the 2025-01 spec's example "FR",
        # docs/vendors/apivideo.md#filters), not the plays' names.
        dimension = "country-code" if q.breakdown == "country" else q.breakdown
        values = ss.values(dimension)[idx].astype(str)
        names, groups = np.unique(values, return_inverse=True)
        metric = self.measure(ss, idx, groups.reshape(-1), len(names), q.measure, lo, hi)
        rows = [
            {"dimensionValue": str(n), "metricValue": v} for n, v in zip(names, metric, strict=True)
        ]
        rows.sort(
            key=lambda r: r["dimensionValue"], reverse=q.descending and q.sort_by != "metricValue"
        )
        if q.sort_by == "metricValue":
            rows.sort(key=lambda r: r["metricValue"], reverse=q.descending)
        return rows

    def timeseries_rows(self, q: DataQuery, horizon_ms: int) -> list[dict[str, Any]]:
        """The 2025-01 spec's analytics-metrics-over-time-response ``data``.

        docs/vendors/apivideo.md#timeseries.

        One row per interval bucket from the one holding ``from`` up to ``to``
        (exclusive), aligned on UTC minutes/hours/days (docs silent), each
        computed over its part of ``[from, to)``; buckets without data are
        included with 0 (docs silent; a choice). ``emittedAt`` in ATOM
        ("in ATOM date-time format"), except that hourly rows of odd hours take
        the form of the spec's own example (GET_metrics-over-time, 200
        "Impression time from a certain date": ``emittedAt:
        '2024-05-29T07+00:00:00:00'``), see :func:`spec_example_hour`: a
        client must read both. Sorting: sortBy/sortOrder; without sortBy by
        emittedAt (docs silent; a choice).
        """
        assert q.interval is not None
        step = INTERVALS[q.interval]
        lo, hi = q.from_ms, q.to_ms
        first = lo // step * step
        starts = np.arange(first, hi, step, dtype=np.int64)
        ss, idx = self.data_sessions(q, lo, hi, horizon_ms)
        values: list[float | int] = [0] * len(starts)
        if q.measure.name.startswith("ccv"):
            start = np.maximum(ss.loaded_ms[idx], lo)
            end = np.minimum(ss.ended_ms[idx], hi)
            keep = start < end
            b_first = (start[keep] - first) // step
            b_last = (end[keep] - 1 - first) // step
            touched = sorted(
                {
                    b
                    for a, z in zip(b_first.tolist(), b_last.tolist(), strict=True)
                    for b in range(a, z + 1)
                }
            )
            for b in touched:
                b_lo, b_hi = max(lo, int(starts[b])), min(hi, int(starts[b]) + step)
                groups = np.zeros(len(idx), dtype=np.int64)
                values[b] = self._ccv(
                    ss, idx, groups, 1, q.measure.name, q.measure.unique, b_lo, b_hi
                )[0]
        else:
            loaded = ss.loaded_ms[idx]
            inside = (loaded >= lo) & (loaded < hi)
            rows = idx[inside]
            groups = (ss.loaded_ms[rows] - first) // step
            values = self.measure(ss, rows, groups, len(starts), q.measure, lo, hi)
        out = [
            {"emittedAt": _emitted_at(int(t), q.interval), "metricValue": v}
            for t, v in zip(starts.tolist(), values, strict=True)
        ]
        if q.sort_by == "metricValue":
            out.sort(key=lambda r: r["metricValue"], reverse=q.descending)
        elif q.descending:
            out.reverse()
        return out

    def aggregate(self, q: DataQuery, horizon_ms: int, now_ms: int) -> float | int:
        """The 2025-01 spec's analytics-aggregated-metrics-response ``data``: one number.

        docs/vendors/apivideo.md#metrics.
        """
        lo, hi = self._window(q, horizon_ms, now_ms)
        ss, idx = self.data_sessions(q, lo, hi, horizon_ms)
        return self.measure(ss, idx, np.zeros(len(idx), dtype=np.int64), 1, q.measure, lo, hi)[0]

    def _window(self, q: DataQuery, horizon_ms: int, now_ms: int) -> tuple[int, int]:
        """The window a measure covers: play-total all time, ccv-live the last 20 s, else q's."""
        if q.measure.name == "play-total":
            return self.start_ms - HOUR_MS, horizon_ms
        if q.measure.name == "ccv-live":
            return now_ms - 20_000, now_ms
        return q.from_ms, q.to_ms

    @staticmethod
    def _present(ss: Sessions, idx: np.ndarray, m: Measure, lo: int, hi: int) -> np.ndarray:
        """Rows of ``idx`` the measure counts: loaded in the window, or open in it for ccv."""
        if m.name.startswith("ccv"):
            return (ss.loaded_ms[idx] < hi) & (ss.ended_ms[idx] > lo)
        loaded = ss.loaded_ms[idx]
        return (loaded >= lo) & (loaded < hi)


def _concurrency(
    start: np.ndarray, end: np.ndarray, viewers: np.ndarray, unique: bool, name: str, length: int
) -> float | int:
    """Peak or average of open sessions (distinct viewers with ``unique``) in clipped intervals."""
    if unique and len(start):
        start, end = _merge_by_viewer(start, end, viewers)
    if len(start) == 0:
        return 0
    if name == "ccv-average":
        return round(float((end - start).sum()) / length, 6)
    times = np.concatenate([start, end])
    steps = np.concatenate([np.ones(len(start), np.int64), -np.ones(len(end), np.int64)])
    order = np.lexsort((steps, times))  # at one instant, closings first (half-open)
    return int(np.cumsum(steps[order]).max())


def _merge_by_viewer(
    start: np.ndarray, end: np.ndarray, viewers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Union of each viewer's intervals, so a viewer counts once at any instant."""
    order = np.lexsort((start, viewers))
    out_s: list[int] = []
    out_e: list[int] = []
    last_viewer = -1
    for s, e, v in zip(
        start[order].tolist(), end[order].tolist(), viewers[order].tolist(), strict=True
    ):
        if v == last_viewer and s <= out_e[-1]:
            out_e[-1] = max(out_e[-1], e)
            continue
        out_s.append(s)
        out_e.append(e)
        last_viewer = v
    return np.array(out_s, dtype=np.int64), np.array(out_e, dtype=np.int64)


class Dataset:
    """Every project of one emulator reset, by API key."""

    def __init__(self, cfg: Mapping[str, Any]) -> None:
        by_name: dict[str, Project] = {}
        self.projects: dict[str, Project] = {}
        for key, name in cfg["apivideo_projects"].items():
            if name not in by_name:
                by_name[name] = Project(cfg, name)
            self.projects[key] = by_name[name]
        self.keys = list(cfg["apivideo_projects"])


def spec_example_hour(ms: int) -> str:
    """An hour as the 2025-01 spec's timeseries example writes it: ``2024-05-29T07+00:00:00:00``.

    docs/vendors/apivideo.md#timeseries.

    The example's three rows (07, 08, 09 on 2024-05-29, from a request of
    2024-05-28T11:08:39 to 2024-05-29T11:08:39 by hour) read as the date, the
    hour, the UTC offset ``+00:00``, then minutes and seconds ``:00:00``: an
    ATOM format string with the offset put after the hour.
    """
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H+00:00:%M:%S")


def _emitted_at(ms: int, interval: str) -> str:
    """ATOM, or on hourly rows of odd hours the spec example's form (both served)."""
    if interval == "hour" and datetime.fromtimestamp(ms // 1000, UTC).hour % 2 == 1:
        return spec_example_hour(ms)
    return atom(ms)
