"""Brightcove Interactivity report data: deterministic rows per (seed, account, report).

Citations: sections of docs/vendors/brightcove-interactivity.md (see the package docstring).

Why this shape: a report may hold millions of rows (docs/vendors/brightcove-interactivity.md#limits
caps a body at 500,000 and a window at six months), and the emulator must stream them without
holding them. So nothing per row is stored: every row is a pure function of ``(seed, account,
report, day, index in the day)``, computed with the shared counter-based hash
(``video_api_emulator.data``) over whole numpy index arrays, one chunk of rows at a time.

Columns (docs/vendors/brightcove-interactivity.md#columns): the raw column names are not public, so
the emulator names them after the Studio UI labels (snake_case), in the UI's
order. Three stream reports and the project
summary also carry an undeclared ``player_id`` column last: the emulator's
choice, so that clients are tested against a column their schema doesn't know
(a client should discover columns from the header or the JSON keys).

Data model (the emulator's design; the doc gives no volumes):

- Data exists from the UTC day of ``data_start`` up to the horizon (the
  emulator's "now"); nothing at or after the horizon instant.
- Event reports (``*_stream_raw``, ``*_detail``;
  docs/vendors/brightcove-interactivity.md#report-names: "One row per Action" / "One row per poll
  submit event" / "One row per Sign In submit event"): ``interactivity_rows_per_day`` rows per
  (report, account, day), varied per day within [50%, 150%] (at least 1), spread over the day in
  time order; on the horizon's day only the rows before the horizon. About 2% of rows are an exact
  copy of the row before them (same timestamp too): real event pipelines deliver duplicate events,
  and a tap must not collapse them.
- Summary reports ("One row per Project/User/Experience..."):
  ``interactivity_entities`` entities per account; each has deterministic
  counts per day, and a report over [start, end] sums the days of the window
  (the horizon's day pro rata of its elapsed part), so different windows give
  different, consistent numbers. One row per entity with activity in the window.
- Optional values are empty cells (CSV ``""``, JSON ``null``): an unknown user
  (docs/vendors/brightcove-interactivity.md#report-names: "with User ID if known"), the rating
  columns of non-rating actions, the annotation of player actions.

Value formats (docs/vendors/brightcove-interactivity.md#value-formats): date-times as in the Studio
screenshot (``2022-07-28 15:39:22.000000``, UTC, no zone); durations
``hh:mm:ss`` (Studio's "Total View Time (hh:mm:ss)"); project and annotation ids
24 hex digits, play sessions 8 (the screenshots' id formats).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from ...data import RowHashes, mix64, rng_for, stable_key, unit_float
from ...textcols import block_strings, dec_block, hcat, hex_block, iso_seconds_block, uuid_block
from .params import EVENT_REPORTS

DAY_MS = 86_400_000
#: Rows per rendered chunk: big enough that numpy's per-call cost is spread
#: thin, small enough that a chunk's cells stay a few MB.
CHUNK_ROWS = 5000
#: Share of event rows that repeat the row before them (see module docstring).
DUP_SHARE = 0.02

#: One chunk of rows: a list per column, JSON-ready values (str, int, float,
#: bool, list of str, or None for an empty cell).
Chunk = list[list[Any]]

# ----------------------------------------------------------------------------- columns

# Column kinds: str, int, number, datetime (text), hms (text), bool, list (of str).
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "project_engagement_summary_raw": (
        ("project_title", "str"), ("project_id", "str"), ("loads", "int"), ("plays", "int"),
        ("play_rate", "number"), ("plays_with_interactions", "int"),
        ("interaction_rate", "number"), ("total_view_time", "hms"), ("widgets", "int"),
        ("links", "int"), ("navigation", "int"), ("audience", "int"),
        ("active_audience", "int"), ("percent_viewed_active", "number"),
        ("percent_viewed_passive", "number"), ("player_id", "str"),
    ),
    "user_engagement_summary_raw": (
        ("user", "str"), ("time_watched", "hms"), ("last_session", "datetime"),
        ("links", "int"), ("navigation", "int"), ("responses", "int"), ("widgets", "int"),
        ("videos", "int"), ("plays", "int"), ("sessions", "int"),
    ),
    "experience_engagement_summary_raw": (
        ("experience", "str"), ("loads", "int"), ("plays", "int"), ("play_rate", "number"),
        ("interaction_rate", "number"), ("total_view_time", "hms"), ("audience", "int"),
        ("percent_viewed", "number"),
    ),
    "poll_widget_summary": (
        ("annotation_id", "str"), ("project_ids", "list"), ("poll_type", "str"),
        ("prompt", "str"), ("response", "str"), ("answers_received", "int"),
    ),
    "signin_widget_summary": (
        ("annotation_id", "str"), ("project_ids", "list"), ("prompt_title", "str"),
        ("sign_ins", "int"), ("manual_sign_ins", "int"), ("auto_sign_ins", "int"),
    ),
    "chapter_summary": (
        ("project", "str"), ("id", "str"), ("chapter_title", "str"), ("chapter_time", "hms"),
        ("views", "int"), ("clicks", "int"),
    ),
    "widget_user_sentiment_summary": (
        ("project", "str"), ("project_id", "str"), ("video_source_id", "str"),
        ("plays_with_rating", "int"), ("median_rating", "number"),
        ("plays_with_max_rating", "int"), ("plays_with_min_rating", "int"),
    ),
    "user_stream_raw": (
        ("user", "str"), ("when", "datetime"), ("rating", "str"), ("rating_value", "int"),
        ("project_title", "str"), ("project_id", "str"), ("action", "str"),
        ("video_time", "number"), ("details", "str"), ("annotation_id", "str"),
        ("player_id", "str"),
    ),
    "project_stream_raw": (
        ("when", "datetime"), ("project_title", "str"), ("project_id", "str"), ("user", "str"),
        ("action", "str"), ("video_time", "number"), ("details", "str"),
        ("annotation_id", "str"), ("player_id", "str"),
    ),
    "experience_stream_raw": (
        ("session", "str"), ("experience", "str"), ("when", "datetime"), ("action", "str"),
        ("video_time", "number"), ("details", "str"), ("player_id", "str"),
    ),
    "poll_widget_detail": (
        ("session_start_time", "datetime"), ("play_session", "str"), ("user", "str"),
        ("annotation_id", "str"), ("project_id", "str"), ("poll_type", "str"),
        ("prompt", "str"), ("response", "str"),
    ),
    "signin_widget_detail": (
        ("session_start_time", "datetime"), ("play_session", "str"), ("prompt_title", "str"),
        ("prompt_text", "str"), ("first_name", "str"), ("last_name", "str"), ("email", "str"),
        ("username", "str"), ("custom_field", "str"), ("auto_sign_in", "bool"),
    ),
}  # fmt: skip

# ----------------------------------------------------------------------------- vocabularies


def _vocab(*words: str) -> np.ndarray:
    return np.array(words, dtype=object)


# Titles: some non-ASCII, so UTF-8 handling is exercised.
_ADJECTIVES = _vocab(
    "Foggy", "Golden", "Quiet", "Rapid", "Hidden", "Bright", "Northern", "Silent", "Wild",
    "Urban", "Ancient", "Electric", "Frozen", "Coastal", "Midnight", "Summer",
)  # fmt: skip
_NOUNS = _vocab(
    "Harbor Tour", "Product Walkthrough", "Mountain Trail", "City Lights", "Kitchen Secrets",
    "Keynote Recap", "Ocean Waves", "Studio Session", "Customer Story", "Café Stories",
    "Training Basics", "Launch Event", "Zürich Nights", "Onboarding Guide",
)  # fmt: skip
_EXPERIENCE_KINDS = _vocab("Hub", "Playlist", "Campaign", "Academy", "Showcase")
# docs/vendors/brightcove-interactivity.md#columns: the tracking-event doc's action vocabulary
# (player, quiz and link actions; "Progress" is excluded from the stream reports,
# docs/vendors/brightcove-interactivity.md#report-names). "Rating" is the emulator's name for the
# action behind the Rating / Rating Value columns (the doc names none).
_ACTIONS = _vocab(
    "Load", "Play", "Pause", "Seek", "Volume", "Fullscreen", "End - Complete", "End - Over",
    "End - Under", "Answer", "Submit", "Prev", "Next", "Skipped", "Click", "External Click",
    "Rating",
)  # fmt: skip
# Relative frequencies: the emulator's choice (player actions dominate).
_ACTION_WEIGHTS = np.array([14, 14, 10, 6, 3, 2, 5, 1, 3, 6, 5, 1, 2, 1, 8, 3, 4], dtype=float)
_ACTION_CUM = np.cumsum(_ACTION_WEIGHTS) / _ACTION_WEIGHTS.sum()
_LOAD = 0
_RATING = int(np.flatnonzero(_ACTIONS == "Rating")[0])
#: Actions on an annotation or widget: they carry an annotation_id.
_ANNOTATION_ACTION = np.isin(
    _ACTIONS, ["Answer", "Submit", "Prev", "Next", "Skipped", "Click", "External Click", "Rating"]
)
# docs/vendors/brightcove-interactivity.md#columns: "Rating, Rating Value (1/3/5)"; the labels are
# the emulator's choice.
_RATINGS = _vocab("Thumbs down", "Neutral", "Thumbs up")
_RATING_VALUES = np.array([1, 3, 5], dtype=np.int64)
# Details: commas, quotes, a newline and non-ASCII text, to exercise CSV quoting (Studio's Details
# such as "Project: ...", "Text: ...", docs/vendors/brightcove-interactivity.md#columns).
_DETAILS = _vocab(
    "Text: Yes, I agree", 'Text: "Great video!"', "Text: line one\nline two",
    "Chapter: Getting started", "Link: https://www.example.com/offer?src=video,partner",
    'Bookmark: "Pricing", part 2', "Volume: 80%", "Quality: 1080p",
    "Seek: 00:01:10 to 00:02:05", "Text: Ça marche, merci", "Button: Learn more",
    "Image: hero.png",
)  # fmt: skip
# Poll templates (prompt, poll type, responses). Studio names "MultipleChoice" as a poll type
# (docs/vendors/brightcove-interactivity.md#columns); the others and every text are the
# emulator's choice.
_POLLS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Did this video answer your question?", "TrueFalse", ("True", "False")),
    ("Which topic next?", "MultipleChoice", ("Pricing", "Set-up, step by step", "Integrations")),
    ('How would you rate "the demo"?', "MultipleChoice", ("1", "2", "3", "4", "5")),
    ("Would you recommend us?", "MultipleChoice", ("Yes", "No", "Maybe, later")),
    ("Your role?", "MultipleChoice", ("Developer", "Marketer", "Manager", "Other")),
    ("Favourite feature?", "SingleChoice", ("Chapters", "Quizzes", 'The "Buy" button')),
)
_MAX_RESPONSES = max(len(p[2]) for p in _POLLS)
_POLL_PROMPTS = _vocab(*(p[0] for p in _POLLS))
_POLL_TYPES = _vocab(*(p[1] for p in _POLLS))
_POLL_N = np.array([len(p[2]) for p in _POLLS], dtype=np.int64)
_POLL_RESPONSES = np.array(
    [list(p[2]) + [""] * (_MAX_RESPONSES - len(p[2])) for p in _POLLS], dtype=object
)
_SIGNIN_TITLES = _vocab("Sign in to continue", "Get the full guide", "Join the webinar")
_SIGNIN_TEXTS = _vocab(
    "Enter your details to keep watching.",
    "We'll email you the slides, no spam.",
    'Click "Continue" to register.',
)
_FIRST = _vocab("Alice", "Bob", "Carmen", "Deepak", "Zoë", "Farid", "Grace", "Hiro", "Inès")
_FIRST_ASCII = _vocab("alice", "bob", "carmen", "deepak", "zoe", "farid", "grace", "hiro", "ines")
_LAST = _vocab("Bailey", "Nguyen", "Okafor", "Müller", "Rossi", "Tanaka", "Silva", "O'Brien")
_LAST_ASCII = _vocab("bailey", "nguyen", "okafor", "mueller", "rossi", "tanaka", "silva", "obrien")
_DOMAINS = _vocab("example.com", "acme.example", "globex.example")
_CUSTOM = _vocab("Company: Acme, Inc.", "Company: Globex", "Plan: Enterprise", "Referral")
_CHAPTER_TITLES = _vocab(
    "Introduction", "Getting started", "Pricing, explained", "Live demo", "Q&A", "Wrap-up"
)

#: Hash attribute names for an entity (project, user, widget, ...).
_ENTITY_NAMES = ("id_a", "id_b", "a", "b", "c", "d", "e")
#: Hash attribute names for an event row.
_EVENT_NAMES = (
    "user?", "user", "project", "action", "vt", "details", "annotation", "rating", "widget",
    "slot", "response", "first", "last", "num", "custom?", "custom", "auto", "session",
)  # fmt: skip


def _hms(seconds: np.ndarray) -> list[str]:
    """Durations as ``hh:mm:ss`` (hours not wrapped), Studio's "Total View Time (hh:mm:ss)".

    docs/vendors/brightcove-interactivity.md#value-formats.
    """
    return [f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in seconds.tolist()]


def datetime_cells(ms: np.ndarray) -> np.ndarray:
    """Epoch ms as ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC, no zone), per the Studio screenshot.

    Vectorised (fixed-width ASCII blocks, see ``textcols``) because formatting
    500,000 timestamps one by one would take most of a report's time budget.
    """
    sec, milli = np.divmod(ms.astype(np.int64), 1000)
    block = iso_seconds_block(sec, suffix="")
    block[:, 10] = ord(" ")
    return block_strings(hcat(block, ".", dec_block(milli, 3), "000"))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` rounded to 4 decimals, 0.0 where ``den`` is 0, capped at 1."""
    out = np.zeros(len(num), dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return np.round(np.minimum(out, 1.0), 4)


def _optional(values: np.ndarray, present: np.ndarray) -> list[Any]:
    """``values`` with ``None`` (an empty cell) where ``present`` is False."""
    return np.where(present, values.astype(object), None).tolist()


# ----------------------------------------------------------------------------- entities

_EntityMethod = Callable[..., np.ndarray]


def _per_distinct(method: _EntityMethod) -> _EntityMethod:
    """Compute an entity attribute once per distinct index of ``idx`` (the last argument).

    A chunk of 5,000 event rows points at a few dozen entities; hashing and
    formatting each entity once instead of once per row halves a chunk's cost.
    """

    @functools.wraps(method)
    def wrapper(self: Entities, *args: Any) -> np.ndarray:
        *head, idx = args
        if len(idx) <= 64:
            return method(self, *head, idx)
        distinct, inverse = np.unique(idx, return_inverse=True)
        return method(self, *head, distinct)[inverse.reshape(-1)]

    return wrapper


class Entities:
    """An account's projects, users, experiences, widgets and chapters, by index.

    ``interactivity_entities`` of each kind. Nothing is stored per entity:
    attributes are hashes of ``(seed, account, kind, index)`` picking from the
    vocabularies above, so any number of entities costs nothing until used.
    """

    def __init__(self, seed: int, account: str, n: int) -> None:
        self.seed, self.account, self.n = seed, account, n
        rng = rng_for(seed, account, "interactivity-players")
        chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        # Brightcove player ids look like "V1s6NOwRx" (Audience overview samples).
        self.players = _vocab(
            *(rng.choice(chars[:52]) + "".join(rng.choice(chars) for _ in range(8))
              for _ in range(4))
        )  # fmt: skip
        self._keys: dict[str, int] = {}

    def hashes(self, kind: str, idx: np.ndarray) -> RowHashes:
        """Attribute hashes (``_ENTITY_NAMES``) of entities ``idx`` of ``kind``."""
        key = self._keys.get(kind)
        if key is None:
            key = self._keys[kind] = stable_key(self.seed, self.account, "interactivity", kind)
        return RowHashes(key, idx.astype(np.uint64), _ENTITY_NAMES)

    @_per_distinct
    def hex_ids(self, kind: str, idx: np.ndarray) -> np.ndarray:
        """24-hex-digit ids: project and annotation ids.

        docs/vendors/brightcove-interactivity.md#value-formats.
        """
        h = self.hashes(kind, idx)
        return block_strings(hcat(hex_block(h("id_a"), 16), hex_block(h("id_b"), 8)))

    # -- projects
    @_per_distinct
    def project_titles(self, idx: np.ndarray) -> np.ndarray:
        """Project titles (not unique: Studio allows equal titles)."""
        h = self.hashes("project", idx)
        return _ADJECTIVES[h.pick("a", len(_ADJECTIVES))] + " " + _NOUNS[h.pick("b", len(_NOUNS))]

    @_per_distinct
    def project_players(self, idx: np.ndarray) -> np.ndarray:
        """The player each project is published in."""
        return self.players[self.hashes("project", idx).pick("c", len(self.players))]

    @_per_distinct
    def project_durations(self, idx: np.ndarray) -> np.ndarray:
        """Video length in seconds, 30..1800."""
        return 30 + self.hashes("project", idx).pick("d", 1771)

    @_per_distinct
    def video_source_ids(self, idx: np.ndarray) -> np.ndarray:
        """Brightcove video ids like ``6300000001001`` (13 digits ending in 001)."""
        digits = dec_block(self.hashes("project", idx).pick("e", 10**8), 8)
        return block_strings(hcat("63", digits, "001"))

    # -- users, experiences
    @_per_distinct
    def users(self, idx: np.ndarray) -> np.ndarray:
        """User ids: "random per-user ID ... or the ID passed through the Viewer API".

        Studio's user summary (docs/vendors/brightcove-interactivity.md#columns).

        Three in four are random (UUID-shaped, the emulator's choice), the rest
        a customer id as a site would pass one.
        """
        h = self.hashes("user", idx)
        random_ids = block_strings(uuid_block(h("id_a"), h("id_b")))
        passed = block_strings(hcat("crm-", dec_block(h.pick("b", 10**6), 6)))
        return np.where(h.unit("a") < 0.25, passed, random_ids)

    @_per_distinct
    def experiences(self, idx: np.ndarray) -> np.ndarray:
        """Experience names."""
        h = self.hashes("experience", idx)
        kind = _EXPERIENCE_KINDS[h.pick("a", len(_EXPERIENCE_KINDS))]
        return _NOUNS[h.pick("b", len(_NOUNS))] + " " + kind

    @_per_distinct
    def experience_durations(self, idx: np.ndarray) -> np.ndarray:
        """Total video length of an experience in seconds, 120..3600."""
        return 120 + self.hashes("experience", idx).pick("c", 3481)

    # -- widgets
    @_per_distinct
    def poll_templates(self, idx: np.ndarray) -> np.ndarray:
        """Index into ``_POLLS`` of each poll widget."""
        return self.hashes("poll", idx).pick("a", len(_POLLS))

    def signin_texts(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(prompt_title, prompt_text) of each sign-in widget."""
        h = self.hashes("signin", idx)
        return (_SIGNIN_TITLES[h.pick("a", len(_SIGNIN_TITLES))],
                _SIGNIN_TEXTS[h.pick("b", len(_SIGNIN_TEXTS))])  # fmt: skip

    def widget_slots(self, kind: str, idx: np.ndarray) -> np.ndarray:
        """How many projects a widget appeared in (1..4; see :meth:`widget_projects`)."""
        return 1 + self.hashes(kind, idx).pick("e", 4)

    def widget_project(self, kind: str, idx: np.ndarray, slot: np.ndarray) -> np.ndarray:
        """The project index in a widget's ``slot``; slot 2 repeats slot 0.

        docs/vendors/brightcove-interactivity.md#report-names: the Project IDs list "is not
        de-duped"; every widget listing three or more projects repeats its first one ([a, b, a]).
        """
        slot = np.where(slot == 2, 0, slot)
        ks = idx.astype(np.uint64) * np.uint64(8) + slot.astype(np.uint64)
        return self.hashes(kind + "-projects", ks).pick("a", self.n)

    def widget_projects(self, kind: str, idx: np.ndarray) -> list[list[str]]:
        """Each widget's project id list (summary reports' ``project_ids``)."""
        slots = self.widget_slots(kind, idx).tolist()
        per_slot = [
            self.hex_ids("project", self.widget_project(kind, idx, np.full(len(idx), s))).tolist()
            for s in range(4)
        ]
        return [[per_slot[s][i] for s in range(n)] for i, n in enumerate(slots)]

    def chapters(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(project index, chapter title, chapter time in seconds) per chapter."""
        h = self.hashes("chapter", idx)
        project = h.pick("a", self.n)
        seconds = (h.unit("b") * self.project_durations(project)).astype(np.int64)
        return project, _CHAPTER_TITLES[h.pick("c", len(_CHAPTER_TITLES))], seconds


# ----------------------------------------------------------------------------- windows


@dataclass(frozen=True, slots=True)
class Window:
    """The days a report reads: [start, end] ∩ [data_start's day, horizon], and the horizon."""

    days: np.ndarray  # epoch day numbers, ascending (possibly empty)
    horizon_ms: int

    @property
    def visible_ms(self) -> np.ndarray:
        """Per day, how many ms of it lie before the horizon (0..DAY_MS)."""
        return np.clip(self.horizon_ms - self.days * DAY_MS, 0, DAY_MS)


def make_window(start: date, end: date, data_start_ms: int, horizon_ms: int) -> Window:
    """The window of a report over days ``start..end`` (inclusive), as seen at ``horizon_ms``."""
    epoch = date(1970, 1, 1)
    first = max((start - epoch).days, data_start_ms // DAY_MS)
    # The horizon's own day holds data only before the horizon instant.
    last = min((end - epoch).days, (horizon_ms - 1) // DAY_MS)
    return Window(np.arange(first, max(first, last + 1), dtype=np.int64), horizon_ms)


def _rids(days: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Row ids ``day << 32 | index`` (the hash input of a row or entity-day)."""
    return (days.astype(np.uint64) << np.uint64(32)) | index.astype(np.uint64)


# ----------------------------------------------------------------------------- event reports


class EventReport:
    """A ``*_stream_raw`` / ``*_detail`` report of one account: rows by day, in time order."""

    def __init__(
        self, name: str, seed: int, account: str, ents: Entities, rows_per_day: int
    ) -> None:
        self.name = name
        self.columns = tuple(c for c, _ in COLUMNS[name])
        self.ents = ents
        self.rows_per_day = rows_per_day
        self.key = stable_key(seed, account, "interactivity", name)
        self._day_key = np.uint64(stable_key(seed, account, "interactivity", name, "days"))
        self._dup_key = np.uint64(stable_key(seed, account, "interactivity", name, "dup"))
        self._time_key = np.uint64(stable_key(seed, account, "interactivity", name, "time"))
        self._build: Callable[[np.ndarray, np.ndarray, RowHashes], dict[str, list[Any]]] = {
            "user_stream_raw": self._activity,
            "project_stream_raw": self._activity,
            "experience_stream_raw": self._experience,
            "poll_widget_detail": self._poll,
            "signin_widget_detail": self._signin,
        }[name]

    # -- row counts and times

    def full_counts(self, days: np.ndarray) -> np.ndarray:
        """Rows of each whole day: ``rows_per_day`` x [0.5, 1.5), at least 1 (0 if it is 0)."""
        if self.rows_per_day == 0:
            return np.zeros(len(days), dtype=np.int64)
        u = unit_float(mix64(days.astype(np.uint64) ^ self._day_key))
        return np.maximum(1, np.round(self.rows_per_day * (0.5 + u))).astype(np.int64)

    def _sources(self, days: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The row each row copies: itself, or for a duplicate the row before it.

        Row j is a duplicate when its coin shows and row j-1's doesn't, so the
        row copied is never a duplicate itself (no chains to follow back).
        """
        coin = unit_float(mix64(_rids(days, j) ^ self._dup_key)) < DUP_SHARE
        prev = np.maximum(j - 1, 0)
        coin_prev = unit_float(mix64(_rids(days, prev) ^ self._dup_key)) < DUP_SHARE
        dup = coin & (j > 0) & ~(coin_prev & (prev > 0))
        return j - dup.astype(np.int64)

    def _times(self, days: np.ndarray, full: np.ndarray, src: np.ndarray) -> np.ndarray:
        """Epoch ms of rows ``src``: row k of n lies in the k-th n-th of its day.

        Integer arithmetic, so times are non-decreasing in k exactly.
        """
        frac = (unit_float(mix64(_rids(days, src) ^ self._time_key)) * DAY_MS).astype(np.int64)
        return days * DAY_MS + (src * DAY_MS + frac) // np.maximum(full, 1)

    def visible_counts(self, window: Window) -> np.ndarray:
        """Rows of each window day that lie before the horizon."""
        days, horizon = window.days, window.horizon_ms
        full = self.full_counts(days)
        vis = np.where(days * DAY_MS + DAY_MS <= horizon, full, 0)
        for i in np.flatnonzero((days * DAY_MS < horizon) & (days * DAY_MS + DAY_MS > horizon)):
            vis[i] = self._rows_before(int(days[i]), int(full[i]), horizon)
        return vis

    def _rows_before(self, day: int, n: int, horizon_ms: int) -> int:
        """How many of the day's ``n`` rows lie before ``horizon_ms`` (inside that day).

        Rows 0..k0-1 do, with k0 = elapsed * n // DAY_MS (each row lies inside
        its own n-th of the day); from k0 on, times are scanned in small
        blocks until the first at or after the horizon - times never decrease.
        """
        elapsed = horizon_ms - day * DAY_MS
        j = elapsed * n // DAY_MS
        while j < n:
            block = np.arange(j, min(n, j + 64), dtype=np.int64)
            days = np.full(len(block), day, dtype=np.int64)
            full = np.full(len(block), n, dtype=np.int64)
            late = np.flatnonzero(self._times(days, full, self._sources(days, block)) >= horizon_ms)
            if len(late):
                return int(block[late[0]])
            j += 64
        return n

    def count(self, window: Window) -> int:
        """Rows in the report (uncapped)."""
        return int(self.visible_counts(window).sum())

    def chunks(self, window: Window, limit: int, chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
        """The first ``limit`` rows, in report order (day, then time), ``chunk_rows`` at a time."""
        vis = self.visible_counts(window)
        full = self.full_counts(window.days)
        cum = np.cumsum(vis)
        total = min(int(cum[-1]) if len(cum) else 0, limit)
        for a in range(0, total, chunk_rows):
            pos = np.arange(a, min(total, a + chunk_rows), dtype=np.int64)
            di = np.searchsorted(cum, pos, side="right")
            j = pos - (cum[di] - vis[di])
            yield self._rows(window.days[di], full[di], j)

    def _rows(self, days: np.ndarray, full: np.ndarray, j: np.ndarray) -> Chunk:
        src = self._sources(days, j)
        times = self._times(days, full, src)
        # A duplicate hashes as the row it copies, so every value repeats.
        h = RowHashes(self.key, _rids(days, src), _EVENT_NAMES)
        cols = self._build(days, src, h)
        cols["when" if "when" in self.columns else "session_start_time"] = datetime_cells(
            times
        ).tolist()
        return [cols[c] for c in self.columns]

    # -- per-report columns

    def _user_column(self, h: RowHashes) -> list[Any]:
        # docs/vendors/brightcove-interactivity.md#report-names: "with User ID if known": 15%
        # unknown (the emulator's choice), rendered as an empty cell.
        return _optional(self.ents.users(h.pick("user", self.ents.n)), h.unit("user?") >= 0.15)

    def _action_columns(self, h: RowHashes, duration: np.ndarray, title: np.ndarray) -> dict:
        action = np.searchsorted(_ACTION_CUM, h.unit("action"), side="right")
        action = np.minimum(action, len(_ACTIONS) - 1)
        # Video time offset in seconds, 3 decimals; a Load happens at 0.
        vt = np.where(action == _LOAD, 0.0, np.round(h.unit("vt") * duration, 3))
        details = np.where(
            action == _LOAD, "Project: " + title, _DETAILS[h.pick("details", len(_DETAILS))]
        )
        return {"action": _ACTIONS[action].tolist(), "video_time": vt.tolist(),
                "details": details.tolist(), "_action": action}  # fmt: skip

    def _activity(self, days: np.ndarray, src: np.ndarray, h: RowHashes) -> dict[str, list[Any]]:
        """user_stream_raw / project_stream_raw: one row per action.

        docs/vendors/brightcove-interactivity.md#report-names.
        """
        ents = self.ents
        project = h.pick("project", ents.n)
        title = ents.project_titles(project)
        cols = self._action_columns(h, ents.project_durations(project), title)
        action = cols.pop("_action")
        rated = action == _RATING
        rating = h.pick("rating", len(_RATINGS))
        annotated = _ANNOTATION_ACTION[action]
        annotation = ents.hex_ids("annotation", h.pick("annotation", ents.n))
        cols.update(
            user=self._user_column(h),
            rating=_optional(_RATINGS[rating], rated),
            rating_value=_optional(_RATING_VALUES[rating], rated),
            project_title=title.tolist(),
            project_id=ents.hex_ids("project", project).tolist(),
            annotation_id=_optional(annotation, annotated),
            player_id=ents.project_players(project).tolist(),
        )
        return cols

    def _experience(self, days: np.ndarray, src: np.ndarray, h: RowHashes) -> dict[str, list[Any]]:
        """experience_stream_raw: actions grouped in sessions of about five consecutive rows."""
        ents = self.ents
        # Session ids: 8 hex digits like the screenshots' play sessions
        # (docs/vendors/brightcove-interactivity.md#value-formats; the emulator's choice).
        session = mix64(_rids(days, src // 5) ^ np.uint64(self.key))
        experience = (unit_float(mix64(session)) * ents.n).astype(np.int64)
        project = h.pick("project", ents.n)
        cols = self._action_columns(
            h, ents.experience_durations(experience), ents.project_titles(project)
        )
        cols.pop("_action")
        cols.update(
            session=block_strings(hex_block(session, 8)).tolist(),
            experience=ents.experiences(experience).tolist(),
            player_id=ents.project_players(project).tolist(),
        )
        return cols

    def _poll(self, days: np.ndarray, src: np.ndarray, h: RowHashes) -> dict[str, list[Any]]:
        """poll_widget_detail: "One row per poll submit event".

        docs/vendors/brightcove-interactivity.md#report-names.
        """
        ents = self.ents
        widget = h.pick("widget", ents.n)
        template = ents.poll_templates(widget)
        slot = (h.unit("slot") * ents.widget_slots("poll", widget)).astype(np.int64)
        response = (h.unit("response") * _POLL_N[template]).astype(np.int64)
        return {
            "play_session": block_strings(hex_block(h("session"), 8)).tolist(),
            "user": self._user_column(h),
            "annotation_id": ents.hex_ids("poll", widget).tolist(),
            "project_id": ents.hex_ids(
                "project", ents.widget_project("poll", widget, slot)
            ).tolist(),
            "poll_type": _POLL_TYPES[template].tolist(),
            "prompt": _POLL_PROMPTS[template].tolist(),
            "response": _POLL_RESPONSES[template, response].tolist(),
        }

    def _signin(self, days: np.ndarray, src: np.ndarray, h: RowHashes) -> dict[str, list[Any]]:
        """signin_widget_detail: sign-in submits, auto sign-ins included.

        docs/vendors/brightcove-interactivity.md#report-names.
        """
        ents = self.ents
        widget = h.pick("widget", ents.n)
        title, text = ents.signin_texts(widget)
        first, last = h.pick("first", len(_FIRST)), h.pick("last", len(_LAST))
        num = block_strings(dec_block(h.pick("num", 1000), 3))
        local = _FIRST_ASCII[first] + "." + _LAST_ASCII[last] + num
        email = local + "@" + _DOMAINS[h.pick("slot", len(_DOMAINS))]
        custom = _CUSTOM[h.pick("custom", len(_CUSTOM))]
        return {
            "play_session": block_strings(hex_block(h("session"), 8)).tolist(),
            "prompt_title": title.tolist(),
            "prompt_text": text.tolist(),
            "first_name": _FIRST[first].tolist(),
            "last_name": _LAST[last].tolist(),
            "email": email.tolist(),
            "username": (_FIRST_ASCII[first] + num).tolist(),
            # The custom field is optional on the form (the emulator's choice: 40% fill it).
            "custom_field": _optional(custom, h.unit("custom?") < 0.4),
            # docs/vendors/brightcove-interactivity.md#report-names: "Includes events where the user
            # was silently signed-in (auto)"; a third are (the emulator's choice).
            "auto_sign_in": (h.unit("auto") < 1 / 3).tolist(),
        }


# ----------------------------------------------------------------------------- summary reports


@dataclass(slots=True)
class _Block:
    """One block of entities' summary rows: how many, and how to build them."""

    rows: int
    build: Callable[[], dict[str, list[Any]]]


class _DayMatrix:
    """Per (entity, day) hashes of one block, as ``(entities, days)`` matrices."""

    def __init__(self, key: int, ents: np.ndarray, days: np.ndarray, names: tuple[str, ...]):
        self.shape = (len(ents), len(days))
        ks = _rids(np.broadcast_to(days[None, :], self.shape), ents[:, None]).ravel()
        self.h = RowHashes(key, ks, names)

    def unit(self, name: str) -> np.ndarray:
        """Floats in [0, 1) per (entity, day)."""
        return self.h.unit(name).reshape(self.shape)

    def pick(self, name: str, n: int) -> np.ndarray:
        """Ints in [0, n) per (entity, day)."""
        return self.h.pick(name, n).reshape(self.shape)


_SUMMARY_NAMES = ("active", "a", "b", "c", "d", "e", "f", "g", "h", "i")


class SummaryReport:
    """A summary report of one account: one row per entity with activity in the window."""

    def __init__(self, name: str, seed: int, account: str, ents: Entities) -> None:
        self.name = name
        self.columns = tuple(c for c, _ in COLUMNS[name])
        self.ents = ents
        self.key = stable_key(seed, account, "interactivity", name)
        self._block: Callable[[np.ndarray, Window], _Block] = getattr(self, "_" + name)

    def _blocks(self, window: Window, chunk_rows: int) -> Iterator[_Block]:
        if not len(window.days):
            return
        # Bounded (entities x days) matrices per block, whatever the entity count.
        size = max(1, min(chunk_rows, 200_000 // len(window.days)))
        for e0 in range(0, self.ents.n, size):
            yield self._block(np.arange(e0, min(self.ents.n, e0 + size), dtype=np.int64), window)

    def count(self, window: Window) -> int:
        """Rows in the report (uncapped)."""
        return sum(block.rows for block in self._blocks(window, CHUNK_ROWS))

    def chunks(self, window: Window, limit: int, chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
        """The first ``limit`` rows (entity order), a block of ``chunk_rows`` entities per chunk.

        (A poll widget has a row per response value, so its chunks hold up to
        five times as many rows; still bounded.)
        """
        left = limit
        for block in self._blocks(window, chunk_rows):
            if left <= 0:
                return
            if not block.rows:
                continue
            cols = block.build()
            take = min(left, block.rows)
            left -= take
            yield [cols[c][:take] for c in self.columns]

    def _matrix(self, ents: np.ndarray, window: Window) -> _DayMatrix:
        return _DayMatrix(self.key, ents, window.days, _SUMMARY_NAMES)

    @staticmethod
    def _scaled(counts: np.ndarray, window: Window) -> np.ndarray:
        """Per-day counts, the horizon's day pro rata of its elapsed part (floored)."""
        return counts.astype(np.int64) * window.visible_ms[None, :] // DAY_MS

    # -- one method per report, named after it

    def _project_engagement_summary_raw(self, ents: np.ndarray, window: Window) -> _Block:
        """One row per project, with the Studio UI's columns, derived per day.

        docs/vendors/brightcove-interactivity.md#report-names,
        docs/vendors/brightcove-interactivity.md#columns.

        Loads >= plays >= plays with interactions, audience <= loads, active
        audience <= audience; rates are ratios (Studio: "Play Rate (plays ÷
        loads)", "Interaction Rate (plays with interaction ÷ plays)").
        """
        m, s = self._matrix(ents, window), (lambda x: self._scaled(x, window))
        duration = self.ents.project_durations(ents)[:, None]
        active = m.unit("active") < 0.6
        loads = active * (1 + m.pick("a", 30))
        plays = (loads * (0.4 + 0.6 * m.unit("b"))).astype(np.int64)
        pwi = (plays * 0.8 * m.unit("c")).astype(np.int64)
        audience = np.maximum(loads > 0, (loads * (0.5 + 0.5 * m.unit("d"))).astype(np.int64))
        active_audience = (audience * m.unit("e")).astype(np.int64)
        act_s = (pwi * duration * (0.3 + 0.7 * m.unit("f"))).astype(np.int64)
        pas_s = ((plays - pwi) * duration * (0.1 + 0.6 * m.unit("g"))).astype(np.int64)
        widgets = (pwi * 2 * m.unit("h")).astype(np.int64)
        links = (pwi * m.unit("i")).astype(np.int64)
        nav = (pwi * m.unit("a")).astype(np.int64)
        sums = {k: s(v).sum(axis=1) for k, v in {
            "loads": loads, "plays": plays, "pwi": pwi, "audience": audience,
            "active_audience": active_audience, "act_s": act_s, "pas_s": pas_s,
            "widgets": widgets, "links": links, "navigation": nav}.items()}  # fmt: skip
        keep = sums["loads"] > 0

        def build() -> dict[str, list[Any]]:
            e = ents[keep]
            v = {k: a[keep] for k, a in sums.items()}
            dur = self.ents.project_durations(e)
            return {
                "project_title": self.ents.project_titles(e).tolist(),
                "project_id": self.ents.hex_ids("project", e).tolist(),
                "loads": v["loads"].tolist(),
                "plays": v["plays"].tolist(),
                "play_rate": _ratio(v["plays"], v["loads"]).tolist(),
                "plays_with_interactions": v["pwi"].tolist(),
                "interaction_rate": _ratio(v["pwi"], v["plays"]).tolist(),
                "total_view_time": _hms(v["act_s"] + v["pas_s"]),
                "widgets": v["widgets"].tolist(),
                "links": v["links"].tolist(),
                "navigation": v["navigation"].tolist(),
                "audience": v["audience"].tolist(),
                "active_audience": v["active_audience"].tolist(),
                "percent_viewed_active": _ratio(v["act_s"], v["pwi"] * dur).tolist(),
                "percent_viewed_passive": _ratio(
                    v["pas_s"], (v["plays"] - v["pwi"]) * dur
                ).tolist(),
                "player_id": self.ents.project_players(e).tolist(),
            }

        return _Block(int(keep.sum()), build)

    def _user_engagement_summary_raw(self, ents: np.ndarray, window: Window) -> _Block:
        """One row per user: Studio's "Time Watched, Last Session (UTC), ... Sessions (loads)".

        docs/vendors/brightcove-interactivity.md#columns.
        """
        m, s = self._matrix(ents, window), (lambda x: self._scaled(x, window))
        active = m.unit("active") < 0.35
        sessions = s(active * (1 + m.pick("a", 3)))
        plays = s((active * (1 + m.pick("a", 3)) * (0.5 + 0.5 * m.unit("b"))).astype(np.int64))
        watched = s(plays * (30 + m.pick("c", 900)))
        links, nav = s(plays * m.pick("d", 3)), s(plays * m.pick("e", 2))
        responses, widgets = s(plays * m.pick("f", 3)), s(plays * m.pick("g", 4))
        daily_videos = np.minimum(plays, 1 + m.pick("h", 3))
        keep = sessions.sum(axis=1) > 0

        def build() -> dict[str, list[Any]]:
            on = sessions[keep] > 0
            # Last Session: the last active day of the window, at a time of day
            # before the horizon (the horizon's day is only partly elapsed).
            last = on.shape[1] - 1 - np.argmax(on[:, ::-1], axis=1)
            rows = np.arange(len(last))
            at = window.days[last] * DAY_MS + (
                m.unit("i")[keep][rows, last] * window.visible_ms[last]
            ).astype(np.int64)
            total_plays = plays[keep].sum(axis=1)
            # Distinct videos can't be summed over days: the busiest day's count
            # plus one per four active days, never more than the plays.
            videos = np.minimum(total_plays, daily_videos[keep].max(axis=1) + on.sum(axis=1) // 4)
            return {
                "user": self.ents.users(ents[keep]).tolist(),
                "time_watched": _hms(watched[keep].sum(axis=1)),
                "last_session": datetime_cells(at).tolist(),
                "links": links[keep].sum(axis=1).tolist(),
                "navigation": nav[keep].sum(axis=1).tolist(),
                "responses": responses[keep].sum(axis=1).tolist(),
                "widgets": widgets[keep].sum(axis=1).tolist(),
                "videos": videos.tolist(),
                "plays": total_plays.tolist(),
                "sessions": sessions[keep].sum(axis=1).tolist(),
            }

        return _Block(int(keep.sum()), build)

    def _experience_engagement_summary_raw(self, ents: np.ndarray, window: Window) -> _Block:
        """One row per experience: Studio's "Play Rate, Loads, Plays, ..., % viewed".

        docs/vendors/brightcove-interactivity.md#columns.
        """
        m, s = self._matrix(ents, window), (lambda x: self._scaled(x, window))
        duration = self.ents.experience_durations(ents)[:, None]
        active = m.unit("active") < 0.6
        loads = active * (1 + m.pick("a", 50))
        plays = (loads * (0.4 + 0.6 * m.unit("b"))).astype(np.int64)
        pwi = (plays * 0.7 * m.unit("c")).astype(np.int64)
        audience = np.maximum(loads > 0, (loads * (0.5 + 0.5 * m.unit("d"))).astype(np.int64))
        view_s = (plays * duration * (0.1 + 0.8 * m.unit("e"))).astype(np.int64)
        sums = {k: s(v).sum(axis=1) for k, v in {
            "loads": loads, "plays": plays, "pwi": pwi, "audience": audience,
            "view_s": view_s}.items()}  # fmt: skip
        keep = sums["loads"] > 0

        def build() -> dict[str, list[Any]]:
            e = ents[keep]
            v = {k: a[keep] for k, a in sums.items()}
            return {
                "experience": self.ents.experiences(e).tolist(),
                "loads": v["loads"].tolist(),
                "plays": v["plays"].tolist(),
                "play_rate": _ratio(v["plays"], v["loads"]).tolist(),
                "interaction_rate": _ratio(v["pwi"], v["plays"]).tolist(),
                "total_view_time": _hms(v["view_s"]),
                "audience": v["audience"].tolist(),
                "percent_viewed": _ratio(
                    v["view_s"], v["plays"] * self.ents.experience_durations(e)
                ).tolist(),
            }

        return _Block(int(keep.sum()), build)

    def _poll_widget_summary(self, ents: np.ndarray, window: Window) -> _Block:
        """One row per poll widget x response value, with its count.

        docs/vendors/brightcove-interactivity.md#report-names.
        """
        template = self.ents.poll_templates(ents)
        # (widget, response) pairs as entity ids widget*8 + response.
        pairs = (ents[:, None] * 8 + np.arange(_MAX_RESPONSES)[None, :]).ravel()
        m = self._matrix(pairs, window)
        active = m.unit("active") < 0.5
        answers = self._scaled(active * m.pick("a", 7), window).sum(axis=1)
        valid = (np.arange(_MAX_RESPONSES)[None, :] < _POLL_N[template][:, None]).ravel()
        keep = valid & (answers > 0)

        def build() -> dict[str, list[Any]]:
            widget = pairs[keep] // 8
            response = pairs[keep] % 8
            t = self.ents.poll_templates(widget)
            projects = dict(zip(ents.tolist(), self.ents.widget_projects("poll", ents),
                                strict=True))  # fmt: skip
            return {
                "annotation_id": self.ents.hex_ids("poll", widget).tolist(),
                "project_ids": [projects[w] for w in widget.tolist()],
                "poll_type": _POLL_TYPES[t].tolist(),
                "prompt": _POLL_PROMPTS[t].tolist(),
                "response": _POLL_RESPONSES[t, response].tolist(),
                "answers_received": answers[keep].tolist(),
            }

        return _Block(int(keep.sum()), build)

    def _signin_widget_summary(self, ents: np.ndarray, window: Window) -> _Block:
        """One row per sign-in widget with its sign-in counts.

        docs/vendors/brightcove-interactivity.md#report-names.
        """
        m, s = self._matrix(ents, window), (lambda x: self._scaled(x, window))
        active = m.unit("active") < 0.5
        manual = s(active * m.pick("a", 6)).sum(axis=1)
        auto = s(active * m.pick("b", 4)).sum(axis=1)
        keep = manual + auto > 0

        def build() -> dict[str, list[Any]]:
            e = ents[keep]
            title, _ = self.ents.signin_texts(e)
            return {
                "annotation_id": self.ents.hex_ids("signin", e).tolist(),
                "project_ids": self.ents.widget_projects("signin", e),
                "prompt_title": title.tolist(),
                "sign_ins": (manual[keep] + auto[keep]).tolist(),
                "manual_sign_ins": manual[keep].tolist(),
                "auto_sign_ins": auto[keep].tolist(),
            }

        return _Block(int(keep.sum()), build)

    def _chapter_summary(self, ents: np.ndarray, window: Window) -> _Block:
        """One row per chapter annotation: Studio's "Project, ID, Chapter Title, ... Clicks".

        docs/vendors/brightcove-interactivity.md#columns.
        """
        m, s = self._matrix(ents, window), (lambda x: self._scaled(x, window))
        views = s((m.unit("active") < 0.7) * (1 + m.pick("a", 40)))
        clicks = (views * 0.5 * m.unit("b")).astype(np.int64)
        views, clicks = views.sum(axis=1), clicks.sum(axis=1)
        keep = views > 0

        def build() -> dict[str, list[Any]]:
            e = ents[keep]
            project, title, seconds = self.ents.chapters(e)
            return {
                "project": self.ents.project_titles(project).tolist(),
                "id": self.ents.hex_ids("chapter", e).tolist(),
                "chapter_title": title.tolist(),
                "chapter_time": _hms(seconds),
                "views": views[keep].tolist(),
                "clicks": clicks[keep].tolist(),
            }

        return _Block(int(keep.sum()), build)

    def _widget_user_sentiment_summary(self, ents: np.ndarray, window: Window) -> _Block:
        """One row per project with ratings: Studio's "Plays with Rating, Median Rating, ...".

        docs/vendors/brightcove-interactivity.md#columns.

        Ratings are 1, 3 or 5 (Studio: "Rating Value (1/3/5)"): max = 5, min = 1;
        the median of an even count is the mean of the two middle ratings.
        """
        m, s = self._matrix(ents, window), (lambda x: self._scaled(x, window))
        active = m.unit("active") < 0.5
        c1, c3, c5 = (s(active * m.pick(k, 4)).sum(axis=1) for k in ("a", "b", "c"))
        n = c1 + c3 + c5
        keep = n > 0

        def build() -> dict[str, list[Any]]:
            e = ents[keep]
            a, b, c, total = c1[keep], c3[keep], c5[keep], n[keep]

            def rating_at(pos: np.ndarray) -> np.ndarray:
                return np.where(pos < a, 1, np.where(pos < a + b, 3, 5))

            median = (rating_at((total - 1) // 2) + rating_at(total // 2)) / 2
            return {
                "project": self.ents.project_titles(e).tolist(),
                "project_id": self.ents.hex_ids("project", e).tolist(),
                "video_source_id": self.ents.video_source_ids(e).tolist(),
                "plays_with_rating": total.tolist(),
                "median_rating": median.astype(np.float64).tolist(),
                "plays_with_max_rating": c.tolist(),
                "plays_with_min_rating": a.tolist(),
            }

        return _Block(int(keep.sum()), build)


Report = EventReport | SummaryReport


class InteractivityData:
    """Every account's reports, built lazily (a reset must stay cheap)."""

    def __init__(self, seed: int, rows_per_day: int, entities: int) -> None:
        self.seed, self.rows_per_day, self.entities = seed, rows_per_day, entities
        self._ents: dict[str, Entities] = {}
        self._reports: dict[tuple[str, str], Report] = {}

    def report(self, account: str, name: str) -> Report:
        """The generator of report ``name`` for ``account``."""
        found = self._reports.get((account, name))
        if found is None:
            ents = self._ents.get(account)
            if ents is None:
                ents = self._ents[account] = Entities(self.seed, account, self.entities)
            if name in EVENT_REPORTS:
                found = EventReport(name, self.seed, account, ents, self.rows_per_day)
            else:
                found = SummaryReport(name, self.seed, account, ents)
            self._reports[(account, name)] = found
        return found
