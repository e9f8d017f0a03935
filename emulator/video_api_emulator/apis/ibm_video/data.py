"""IBM Analytics API data: a deterministic, vectorised model of view segments.

Sources as in the package docstring: sections of docs/vendors/ibm-video.md.

Data model (emulator design, not vendor behaviour):

- Every client of ``ibm_clients`` is an account with data of its own (see
  :class:`Dataset`); what follows is one account's.
- View ``i`` (``0 <= i < ibm_views``) starts at ``data_start + floor(i * span
  / N)`` in whole seconds (``span`` = whole seconds of ``data_span_seconds``),
  so views are spread evenly and numbered in start order. Its duration comes
  from the hashes: mostly 5 s - 20 min, 8 % are long (20 min - 3 h), never more
  than ``MAX_VIEW_SECONDS``. That bound lets a time-window query compute its
  contiguous candidate index range arithmetically.
- Long-running views (``ibm_long_running_views``, default 0 = none): that many views, spread evenly
  over the index range (view ``(2j + 1) * N // (2K)``), last ``ibm_long_running_view_seconds``
  instead (days, say): a 24/7 live viewer, so they are live views (position 0 to 0). They are the
  only views longer than ``MAX_VIEW_SECONDS``; a query checks them one by one besides its candidate
  range. The docs give no longest view; the API returns a view
  (docs/vendors/ibm-video.md#range-semantics) that "started before the date range and ended in the
  defined range", so a client sees such a view finish in the window that holds its end.
- A view exists once ``started_at < horizon`` (the emulator's "now"); it is
  unfinished while ``finished_at >= horizon``: then ``finished_at`` renders as
  null and ``to`` is the position reached so far. The docs are silent on how
  an unfinished segment renders; they only say such segments exist
  (docs/vendors/ibm-video.md#range-semantics: "not finished yet").
- Processing lag (``ibm_processing_lag_max_seconds``, default 0 = off): each
  view gets a lag in ``[0, max]`` from the hashes and is seen as at ``horizon
  - lag``: visible once ``started_at + lag < horizon``, finished once
  ``finished_at + lag < horizon`` (until then it shows as unfinished). The docs
  are silent on processing delay; the knob exists so a client's look-back can
  be tested.
- View ``i`` belongs to viewer ``i % ibm_viewers``. A viewer exists once it
  has a visible view.
- Every attribute is a pure function of ``(seed, i)`` (or of ``(seed, j)``
  for viewer-level ones) through :class:`~video_api_emulator.data.RowHashes`,
  so nothing per row is stored: queries compute index arrays with numpy
  (cached per query shape by the caller) and pages are rendered on demand
  from pre-encoded JSON fragments and fixed-width text blocks
  (:mod:`video_api_emulator.textcols`).

Ordering: the docs are silent on result order. Views come by started_at, then
index (the same thing here: index order is start order); viewers by viewer
number; a viewer's segments by started_at.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import orjson

from ...config import parse_data_start
from ...data import LRU, FragmentPool, RowHashes, join_rows, json_fragment, rng_for, stable_key
from ...textcols import block_strings, hcat, hex_block, iso_seconds_block, uuid_block
from .params import ViewersQuery, ViewsQuery

#: Longest view (seconds). A view that finishes at or after ``t`` started at or
#: after ``t - MAX_VIEW_SECONDS``.
MAX_VIEW_SECONDS = 3 * 3600
_SHORT_MIN, _SHORT_MAX = 5, 20 * 60
_P_LONG = 0.08  # share of long views (20 min - 3 h); docs give no distribution
_P_LIVE = 0.35  # share of live views (docs silent)
_P_OFFSITE = 0.3  # share of offsite views (docs silent)
_RECORDED_FROM_MAX = 1800  # recorded views start at a position in [0, 1800) s
_MAX_POSITION = _RECORDED_FROM_MAX + MAX_VIEW_SECONDS
_N_LIVE, _N_RECORDED = 6, 40  # content pools: channels and videos
_CHUNK = 1 << 21  # rows per vectorised pass in selections (bounds memory)

_VIEW_ATTRS = (
    "dur", "long", "lag", "live", "content", "cid_str", "loc", "device", "offsite", "pos",
    "session", "uuid_a", "uuid_b",
)  # fmt: skip
_VIEWER_ATTRS = ("first", "last", "domain", "client_wide", "client_lead", "client_body")

# docs/vendors/ibm-video.md#view-fields: country (ISO-2 in the examples) and city.
LOCATIONS = (
    ("HU", "Budapest"), ("US", "New York"), ("US", "San Francisco"), ("GB", "London"),
    ("DE", "Berlin"), ("FR", "Paris"), ("JP", "Tokyo"), ("BR", "São Paulo"), ("IN", "Mumbai"),
    ("CA", "Toronto"), ("AU", "Sydney"), ("ES", "Madrid"), ("NL", "Amsterdam"),
    ("SE", "Stockholm"), ("CH", "Zürich"), ("MX", "Mexico City"),
)  # fmt: skip


def _dev(
    mobile: bool,
    browser: tuple[str, str | None, str | None, str | None],
    os: tuple[str, str | None, str | None, str | None, str | None],
    device: tuple[str, str | None, str | None],
) -> tuple[bool, dict[str, Any]]:
    """One device profile: ``is_mobile_view`` and a DeviceInfo object.

    docs/vendors/ibm-video.md#device-info: browser {family; major, minor, patch
    nullable}, os {family; major, minor, patch, patch_minor nullable}, device
    {family; brand, model nullable}; key order as in its example.
    """
    return mobile, {
        "browser": dict(zip(("family", "major", "minor", "patch"), browser, strict=True)),
        "device": dict(
            zip(("brand", "family", "model"), (device[1], device[0], device[2]), strict=True)
        ),  # fmt: skip
        "os": dict(zip(("family", "major", "minor", "patch", "patch_minor"), os, strict=True)),
    }


# Device profiles as a user-agent parser reports them; the first is the
# docs/vendors/ibm-video.md#device-info example. Docs are silent on the mix.
DEVICES = (
    _dev(False, ("Chrome", "70", "0", "3538"), ("Mac OS X", "10", "14", "1", None),
         ("Other", None, None)),
    _dev(False, ("Chrome", "120", "0", "6099"), ("Windows", "10", None, None, None),
         ("Other", None, None)),
    _dev(False, ("Firefox", "121", "0", None), ("Ubuntu", None, None, None, None),
         ("Other", None, None)),
    _dev(False, ("Edge", "119", "0", "2151"), ("Windows", "10", None, None, None),
         ("Other", None, None)),
    _dev(False, ("Safari", "17", "1", None), ("Mac OS X", "10", "15", "7", None),
         ("Mac", "Apple", "Mac")),
    _dev(True, ("Mobile Safari", "17", "1", None), ("iOS", "17", "1", "2", None),
         ("iPhone", "Apple", "iPhone")),
    _dev(True, ("Chrome Mobile", "119", "0", "6045"), ("Android", "14", None, None, None),
         ("Samsung SM-S911B", "Samsung", "SM-S911B")),
    _dev(True, ("Chrome Mobile", "118", "0", "5993"), ("Android", "13", None, None, None),
         ("Pixel 7", "Google", "Pixel 7")),
    _dev(True, ("Samsung Internet", "23", "0", None), ("Android", "13", None, None, None),
         ("Samsung SM-A536B", "Samsung", "SM-A536B")),
    _dev(True, ("Mobile Safari UI/WKWebView", None, None, None), ("iOS", "16", "6", None, None),
         ("iPad", "Apple", "iPad")),
    _dev(False, ("Other", None, None, None), ("Tizen", "6", "0", None, None),
         ("Samsung SMART-TV", "Samsung", "SMART-TV")),
    _dev(False, ("Chrome", "120", "0", "6099"), ("Chrome OS", "14541", "0", "0", None),
         ("Other", None, None)),
)  # fmt: skip

_FIRST = (
    "alice", "bob", "carmen", "deepak", "elena", "farid", "grace", "hiro", "ines", "jonas",
    "keiko", "liam", "maya", "nikolai", "olivia", "pedro", "quinn", "rosa", "sven", "tara",
)  # fmt: skip
_LAST = (
    "bailey", "crooks", "nguyen", "okafor", "schmidt", "rossi", "tanaka", "kowalski", "silva",
    "haddad", "larsen", "murphy", "patel", "dubois", "fischer", "moreno", "ivanova", "kim",
)  # fmt: skip
_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "corp.example")

_NULL_FINISHED = json_fragment("finished_at", None)


@functools.cache
def _static_pools() -> dict[str, FragmentPool]:
    """Seed-independent fragment pools (built once, lazily)."""
    return {
        # The city opens the attributes object: it is the first key.
        "city": FragmentPool([json_fragment("city", c, lead="{") for _, c in LOCATIONS]),
        "country": FragmentPool([json_fragment("country", c) for c, _ in LOCATIONS]),
        "from": FragmentPool([json_fragment("from", p) for p in range(_MAX_POSITION + 1)]),
        "to": FragmentPool([json_fragment("to", p) for p in range(_MAX_POSITION + 1)]),
        "mobile": FragmentPool([json_fragment("is_mobile_view", m) for m, _ in DEVICES]),
        "view_type": FragmentPool([json_fragment("view_type", t) for t in ("onsite", "offsite")]),
        # device_info is the last key: its fragment closes the attributes object.
        "device": FragmentPool([json_fragment("device_info", d) + "}" for _, d in DEVICES]),
    }


def _const(text: str, n: int) -> np.ndarray:
    return np.full(n, text, dtype=object)


class Rows:
    """Attributes of the views ``ks`` (int array), computed lazily and vectorised."""

    def __init__(self, ds: Dataset, ks: np.ndarray) -> None:
        self.ds = ds
        self.ks = np.asarray(ks, dtype=np.int64)
        self.h = RowHashes(ds.view_key, self.ks, _VIEW_ATTRS)

    def __len__(self) -> int:
        return len(self.ks)

    @cached_property
    def start_s(self) -> np.ndarray:
        """started_at, epoch seconds."""
        return self.ds.start0_s + (self.ks * self.ds.span_s) // self.ds.n

    @cached_property
    def start_ms(self) -> np.ndarray:
        """started_at, epoch milliseconds."""
        return self.start_s * 1000

    @cached_property
    def long_running(self) -> np.ndarray:
        """Which of the views are long-running (``ibm_long_running_views``)."""
        return np.isin(self.ks, self.ds.long_running_ks)

    @cached_property
    def dur_s(self) -> np.ndarray:
        """Full duration in whole seconds (<= MAX_VIEW_SECONDS unless long-running)."""
        u = self.h.unit("dur")
        short = _SHORT_MIN + (u * u * (_SHORT_MAX - _SHORT_MIN + 1)).astype(np.int64)
        long = _SHORT_MAX + (u * (MAX_VIEW_SECONDS - _SHORT_MAX + 1)).astype(np.int64)
        hashed = np.where(self.h.unit("long") < _P_LONG, long, short)
        return np.where(self.long_running, self.ds.long_running_s, hashed)

    @cached_property
    def finish_ms(self) -> np.ndarray:
        """finished_at (when finished), epoch milliseconds."""
        return self.start_ms + self.dur_s * 1000

    @cached_property
    def lag_ms(self) -> np.ndarray:
        """Processing lag in [0, ibm_processing_lag_max_seconds] (ms)."""
        if self.ds.lag_max_ms <= 0:
            return np.zeros(len(self.ks), dtype=np.int64)
        return (self.h.unit("lag") * (self.ds.lag_max_ms + 1)).astype(np.int64)

    @cached_property
    def live(self) -> np.ndarray:
        """content_type == live (always for a long-running view: a 24/7 live viewer)."""
        return (self.h.unit("live") < _P_LIVE) | self.long_running

    @cached_property
    def content(self) -> np.ndarray:
        """Index into ``ds.content_ids``: live channels first, then recorded videos."""
        live_pick = self.h.pick("content", _N_LIVE)
        rec_pick = _N_LIVE + self.h.pick("content", _N_RECORDED)
        return np.where(self.live, live_pick, rec_pick)

    @cached_property
    def viewer(self) -> np.ndarray:
        """Viewer number ``i % ibm_viewers``."""
        return self.ks % self.ds.viewers

    def seen_at(self, horizon_ms: int, lagged: bool) -> np.ndarray | int:
        """The instant each view is seen as of: ``horizon - lag`` (or the horizon)."""
        return horizon_ms - self.lag_ms if lagged and self.ds.lag_max_ms > 0 else horizon_ms

    def finished(self, seen: np.ndarray | int) -> np.ndarray:
        """Finished as of ``seen``: ``finished_at < seen``."""
        return self.finish_ms < seen


def long_running_indices(n: int, count: int) -> np.ndarray:
    """The ``count`` long-running views among ``n``: spread evenly, ascending."""
    if count <= 0 or n <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique((2 * np.arange(count, dtype=np.int64) + 1) * n // (2 * count))


class Dataset:
    """One IBM account's views and viewers (one client's) in one reset; nothing per row is stored.

    docs/vendors/ibm-video.md#authentication: every request carries the token of one client's
    credentials, and a client belongs to one account, whose views the API
    returns; the docs name no account in any answer. Each client of
    ``ibm_clients`` therefore has data of its own: its views, viewers and
    channels/videos are seeded from ``seed`` and the client id, and its volume
    is ``ibm_client_views[client_id]`` (default ``ibm_views``).
    """

    def __init__(self, cfg: Mapping[str, Any], client_id: str) -> None:
        seed = int(cfg["seed"])
        self.client_id = client_id
        self.n = int((cfg.get("ibm_client_views") or {}).get(client_id, cfg["ibm_views"]))
        self.viewers = int(cfg["ibm_viewers"])
        start_ms = parse_data_start(cfg["data_start"])
        self.start0_s = -(-start_ms // 1000)  # first whole second at or after data_start
        self.span_s = int(cfg["data_span_seconds"])
        self.lag_max_ms = int(round(float(cfg["ibm_processing_lag_max_seconds"]) * 1000))
        self.string_share = float(cfg["ibm_content_id_string_share"])
        self.long_running_ks = long_running_indices(self.n, int(cfg["ibm_long_running_views"]))
        self.long_running_s = int(cfg["ibm_long_running_view_seconds"])
        self.view_key = stable_key(seed, "ibm_video", client_id, "views")
        self.viewer_key = stable_key(seed, "ibm_video", client_id, "viewers")
        rng = rng_for(seed, "ibm_video", client_id, "content")
        # docs/vendors/ibm-video.md#sample-values: channel id 77569623 (8 digits),
        # video id 112342345 (9 digits); content id = channel id for live, video
        # id for recorded (docs/vendors/ibm-video.md#view-fields).
        live = rng.sample(range(10_000_000, 99_999_999), _N_LIVE)
        recorded = rng.sample(range(100_000_000, 999_999_999), _N_RECORDED)
        self.content_ids = np.array(live + recorded, dtype=np.int64)
        frags = []
        for c, cid in enumerate(self.content_ids.tolist()):
            ctype = "live" if c < _N_LIVE else "recorded"
            for as_string in (False, True):
                value: int | str = str(cid) if as_string else cid
                frags.append(
                    json_fragment("content_id", value) + json_fragment("content_type", ctype)
                )
        # Index content * 2 + is_string.
        self.content_pool = FragmentPool(frags)
        self.cache = LRU(maxsize=16)

    # ------------------------------------------------------------------ index arithmetic

    def index_at_or_after(self, t_ms: int) -> int:
        """Smallest ``i`` whose started_at (ms) is ``>= t_ms`` (``n`` if none)."""
        d = -(-t_ms // 1000) - self.start0_s  # started_at is whole seconds
        if d <= 0:
            return 0
        if self.span_s <= 0:
            return self.n
        # start_s(i) - start0 = floor(i*span/n) >= d  <=>  i >= d*n/span
        return min(self.n, -(-(d * self.n) // self.span_s))

    # ------------------------------------------------------------------ selection

    def select(self, horizon_ms: int, q: ViewsQuery, *, lagged: bool = True) -> np.ndarray:
        """Indices (ascending = API order) of the views matching ``q`` at ``horizon_ms``.

        docs/vendors/ibm-video.md#range-semantics, default
        (inclusive_range=true): a segment is returned when it "meets at least
        one" of: (a) "started before the date range and ended in the defined
        range", (b) "started and finished inside the defined range or not
        finished yet", (c) "started in the defined range and finished after the
        defined range or not finished yet". (b) or (c) is "started in the
        range", whatever its end, so the filter is:

            from <= started_at <= to
            or (started_at < from and finished and from <= finished_at <= to)

        Read literally, a view that started before the range and finished
        after it, or started before it and is unfinished, is in none of the
        three: not returned. Range bounds are closed at both ends (docs
        silent): adjacent windows sharing a bound can both return a view
        starting or ending exactly on it, never miss one.

        inclusive_range=false: "only those segments whose started and finished
        times are in the defined range": from <= started_at and finished and
        finished_at <= to (unfinished segments have no finished time: out).
        list_unfinished_segments=false: "the API will return only the
        finished segments". ``None`` bounds are open (``/viewers``).

        ``lagged`` applies the processing lag (what the API shows); without it,
        every view is seen as of the horizon itself.
        """
        key = ("views", horizon_ms, lagged, q)
        return self.cache.get_or_compute(key, lambda: self._select(horizon_ms, q, lagged))

    def _select(self, horizon_ms: int, q: ViewsQuery, lagged: bool) -> np.ndarray:
        lo = 0
        if q.from_ms is not None:
            # Criterion (a) needs finished_at >= from: started_at >= from - MAX.
            lo = self.index_at_or_after(q.from_ms - MAX_VIEW_SECONDS * 1000)
        last_ms = horizon_ms - 1  # exists: started_at < horizon (lag only delays)
        if q.to_ms is not None:
            last_ms = min(last_ms, q.to_ms)
        hi = self.index_at_or_after(last_ms + 1)
        out = [np.zeros(0, dtype=np.int32)]
        # Long-running views that started before the candidate range can still
        # end inside the query's (criterion (a)); they precede it in API order.
        early = self.long_running_ks[self.long_running_ks < min(lo, hi)]
        if len(early):
            rows = Rows(self, early)
            out.append(rows.ks[self._mask(rows, horizon_ms, q, lagged)].astype(np.int32))
        for begin in range(lo, hi, _CHUNK):
            rows = Rows(self, np.arange(begin, min(hi, begin + _CHUNK), dtype=np.int64))
            out.append(rows.ks[self._mask(rows, horizon_ms, q, lagged)].astype(np.int32))
        return np.concatenate(out)

    def _mask(self, rows: Rows, horizon_ms: int, q: ViewsQuery, lagged: bool) -> np.ndarray:
        seen = rows.seen_at(horizon_ms, lagged)
        start, finish = rows.start_ms, rows.finish_ms
        finished = rows.finished(seen)
        mask = start < seen  # visible (the candidate range already has start <= to)
        after_from = start >= q.from_ms if q.from_ms is not None else True
        ends_by_to = finish <= q.to_ms if q.to_ms is not None else True
        if q.inclusive_range:
            if q.from_ms is not None:
                ended_inside = ~after_from & finished & (finish >= q.from_ms) & ends_by_to
                mask &= after_from | ended_inside
        else:
            mask &= after_from & finished & ends_by_to
        if not q.list_unfinished:
            mask &= finished
        if q.content_type is not None:
            mask &= rows.live == (q.content_type == "live")
        if q.content_ids is not None:
            mask &= np.isin(self.content_ids[rows.content], np.array(q.content_ids))
        return mask

    def select_viewers(
        self, horizon_ms: int, vq: ViewersQuery, *, lagged: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(viewers, segments, bounds)`` for a ``/viewers`` query.

        ``viewers`` ascending; ``segments`` the matching view indices grouped
        by viewer (each group by started_at); viewer ``p``'s segments are
        ``segments[bounds[p]:bounds[p+1]]``. A viewer is listed when at least
        one of its segments matches (docs silent: a viewer list "for a
        specific content type" lists who watched that type).
        """
        key = ("viewers", horizon_ms, lagged, vq)
        return self.cache.get_or_compute(key, lambda: self._select_viewers(horizon_ms, vq, lagged))

    def _select_viewers(
        self, horizon_ms: int, vq: ViewersQuery, lagged: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ks = self.select(horizon_ms, vq.segments, lagged=lagged)
        js = ks.astype(np.int64) % self.viewers
        order = np.argsort(js, kind="stable")
        segs, js = ks[order], js[order]
        viewers, starts = np.unique(js, return_index=True)
        bounds = np.append(starts, len(segs)).astype(np.int64)
        if vq.viewer_identifier is not None and len(viewers):
            # docs/vendors/ibm-video.md#endpoints: "matching an
            # identifier or part of an identifier" - a case-sensitive substring
            # test (docs silent on case).
            needle = vq.viewer_identifier
            keep = np.array([needle in s for s in self.viewer_identifiers(viewers)], dtype=bool)
            seg_keep = np.repeat(keep, np.diff(bounds))
            segs, viewers = segs[seg_keep], viewers[keep]
            sizes = np.diff(bounds)[keep]
            bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return viewers, segs, bounds

    # ------------------------------------------------------------------ viewer attributes

    def viewer_identifiers(self, js: np.ndarray) -> list[str]:
        """viewer_identifier of viewers ``js``: e-mail-like, unique per viewer.

        docs/vendors/ibm-video.md#viewer-fields: "an e-mail or any string representing a viewer".
        """
        h = RowHashes(self.viewer_key, np.asarray(js, dtype=np.int64), _VIEWER_ATTRS)
        first = h.pick("first", len(_FIRST)).tolist()
        last = h.pick("last", len(_LAST)).tolist()
        dom = h.pick("domain", len(_DOMAINS)).tolist()
        return [
            f"{_FIRST[a]}.{_LAST[b]}{j}@{_DOMAINS[d]}"
            for a, b, d, j in zip(first, last, dom, np.asarray(js).tolist(), strict=True)
        ]

    def client_ids(self, js: np.ndarray) -> list[str]:
        """client_id of viewers ``js``: one long numeric string per viewer.

        docs/vendors/ibm-video.md#view-fields: "Idetifier of the player client",
        a string; the samples hold 20 digits in /views, 22 in /viewers
        (docs/vendors/ibm-video.md#sample-values).
        """
        h = RowHashes(self.viewer_key, np.asarray(js, dtype=np.int64), _VIEWER_ATTRS)
        wide = h("client_wide")
        extra = ((wide >> np.uint64(1)) % np.uint64(100)).tolist()
        lead = (1 + h.pick("client_lead", 9)).tolist()
        body = (h("client_body") % np.uint64(10**19)).tolist()
        return [
            f"{a}{x:02d}{c:019d}" if w & 1 else f"{a}{c:019d}"
            for w, a, x, c in zip(wide.tolist(), lead, extra, body, strict=True)
        ]

    # ------------------------------------------------------------------ rendering

    def render(
        self,
        rows: Rows,
        horizon_ms: int,
        lagged: bool,
        *,
        segment: bool,
        lead: np.ndarray | str,
        tail: np.ndarray | str,
    ) -> str:
        """Render ``rows`` as JSON text: per row ``lead`` + attributes + ``tail``.

        Attributes are a View's (docs/vendors/ibm-video.md#view-fields; ``segment=False``) or a
        Segment's (docs/vendors/ibm-video.md#viewer-fields; ``segment=True``: ``id`` instead of
        ``view_id``, no ``viewer_identifier``), keys in the order of the doc's
        examples (alphabetical, device_info last).
        """
        n = len(rows)
        if n == 0:
            return ""
        pools = _static_pools()
        seen = rows.seen_at(horizon_ms, lagged)
        finished = rows.finished(seen)
        dur = rows.dur_s
        # docs/vendors/ibm-video.md#view-fields: from/to are "Start/End position of the view for
        # videos"; live views show 0 and 0 (the samples, both live). Unfinished:
        # the position reached so far (docs silent).
        elapsed = np.where(finished, dur, np.clip((seen - rows.start_ms) // 1000, 0, dur))
        pos = (rows.h.unit("pos") * _RECORDED_FROM_MAX).astype(np.int64)
        from_pos = np.where(rows.live, 0, pos)
        to_pos = np.where(rows.live, 0, pos + elapsed)
        # docs/vendors/ibm-video.md#view-fields: content_id is an integer in the schema, a
        # string in the examples: a share of views renders it as a string.
        as_string = rows.h.unit("cid_str") < self.string_share
        loc = rows.h.pick("loc", len(LOCATIONS))
        device = rows.h.pick("device", len(DEVICES))
        offsite = (rows.h.unit("offsite") < _P_OFFSITE).astype(np.int64)
        # Timestamps: ISO 8601 with an explicit offset, seconds precision, like
        # every example ("2018-07-16T19:20:30+01:00"); UTC renders as +00:00.
        started = block_strings(hcat(',"started_at":"', iso_seconds_block(rows.start_s), '"'))
        finished_text = block_strings(
            hcat(',"finished_at":"', iso_seconds_block(rows.start_s + dur), '"')
        )
        finished_text[~finished] = _NULL_FINISHED
        uuid = uuid_block(rows.h("uuid_a"), rows.h("uuid_b"))
        # view_session_id like the examples' "7f66d911:8b7aa82c".
        sess = rows.h("session")
        session = hcat(hex_block(sess >> np.uint64(32), 8), ":", hex_block(sess, 8))
        # Viewer-level strings, formatted once per distinct viewer on the page.
        uniq, inverse = np.unique(rows.viewer, return_inverse=True)
        inverse = inverse.reshape(-1)
        client = np.array(
            [json_fragment("client_id", c) for c in self.client_ids(uniq)], dtype=object
        )[inverse]
        parts: list[np.ndarray] = [
            lead if not isinstance(lead, str) else _const(lead, n),
            pools["city"].frags[loc],
            client,
            self.content_pool.frags[rows.content * 2 + as_string],
            pools["country"].frags[loc],
            finished_text,
            pools["from"].frags[from_pos],
        ]
        if segment:
            parts.append(block_strings(hcat(',"id":"', uuid, '"')))
        parts += [pools["mobile"].frags[device], started, pools["to"].frags[to_pos]]
        if segment:
            parts.append(block_strings(hcat(',"view_session_id":"', session, '"')))
        else:
            parts.append(
                block_strings(hcat(',"view_id":"', uuid, '","view_session_id":"', session, '"'))
            )
        parts.append(pools["view_type"].frags[offsite])
        if not segment:
            idents = np.array(
                [json_fragment("viewer_identifier", s) for s in self.viewer_identifiers(uniq)],
                dtype=object,
            )
            parts.append(idents[inverse])
        parts += [
            pools["device"].frags[device],
            tail if not isinstance(tail, str) else _const(tail, n),
        ]
        text, _ = join_rows([(p, 0) for p in parts])
        return text

    def render_views(self, ks: np.ndarray, horizon_ms: int, lagged: bool = True) -> str:
        """``ks`` as comma-separated ``{"attributes": {...}, "type": "View"}`` items."""
        n = len(ks)
        if n == 0:
            return ""
        # docs/vendors/ibm-video.md#envelope: {"attributes": {...}, "type": "View"}.
        lead = _const(',{"attributes":', n)
        lead[0] = '{"attributes":'
        return self.render(
            Rows(self, ks), horizon_ms, lagged, segment=False, lead=lead, tail=',"type":"View"}'
        )

    def render_viewers(
        self,
        viewers: np.ndarray,
        segs: np.ndarray,
        bounds: np.ndarray,
        horizon_ms: int,
        lagged: bool = True,
    ) -> str:
        """Viewers ``viewers`` (their segments ``segs`` split by ``bounds``) as items.

        docs/vendors/ibm-video.md#viewer-fields: viewer_identifier, videos_watched,
        last_activity ("Last activity recorded from the viewer") and segments
        ([Segment]). Docs are silent on how the numbers are derived: here from
        the listed segments - videos_watched = distinct content ids among them
        (docs/vendors/ibm-video.md#viewer-fields: distinct media in segments),
        last_activity = the latest finished_at (started_at for an unfinished
        segment).
        """
        groups = len(viewers)
        if groups == 0:
            return ""
        rows = Rows(self, segs)
        seen = rows.seen_at(horizon_ms, lagged)
        finished = rows.finished(seen)
        starts = (bounds[:-1] - bounds[0]).astype(np.int64)
        ends = (bounds[1:] - bounds[0]).astype(np.int64)
        activity = np.where(finished, rows.start_s + rows.dur_s, rows.start_s)
        last = np.maximum.reduceat(activity, starts)
        group = np.repeat(np.arange(groups), ends - starts)
        pairs = np.unique(group * len(self.content_ids) + rows.content)
        watched = np.bincount(pairs // len(self.content_ids), minlength=groups).tolist()
        last_text = block_strings(iso_seconds_block(last)).tolist()
        idents = self.viewer_identifiers(viewers)
        n = len(rows)
        lead = _const(",", n)
        tail = _const("", n)
        for p in range(groups):
            lead[starts[p]] = (
                ("," if p else "")
                + '{"attributes":{"last_activity":'
                + orjson.dumps(last_text[p]).decode()
                + ',"segments":['
            )
            tail[ends[p] - 1] = (
                f'],"videos_watched":{watched[p]},"viewer_identifier":'
                + orjson.dumps(idents[p]).decode()
                + '},"type":"Viewer"}'
            )
        return self.render(rows, horizon_ms, lagged, segment=True, lead=lead, tail=tail)

    # ------------------------------------------------------------------ truth

    def finished_count(self, ks: np.ndarray, horizon_ms: int, lagged: bool) -> int:
        """How many of views ``ks`` are finished as the API shows them."""
        total = 0
        for begin in range(0, len(ks), _CHUNK):
            rows = Rows(self, ks[begin : begin + _CHUNK])
            total += int(rows.finished(rows.seen_at(horizon_ms, lagged)).sum())
        return total

    def view_records(self, ks: np.ndarray, horizon_ms: int, lagged: bool) -> list[dict[str, Any]]:
        """Attributes of views ``ks`` exactly as the API renders them (via the renderer)."""
        out: list[dict[str, Any]] = []
        step = 50_000
        for begin in range(0, len(ks), step):
            text = self.render_views(ks[begin : begin + step], horizon_ms, lagged)
            out += [item["attributes"] for item in orjson.loads(f"[{text}]")]
        return out

    def viewer_records(
        self, selection: Sequence[np.ndarray], horizon_ms: int, lagged: bool
    ) -> list[dict[str, Any]]:
        """Attributes of every selected viewer exactly as ``/viewers`` renders them."""
        viewers, segs, bounds = selection
        out: list[dict[str, Any]] = []
        step = 1000
        for p in range(0, len(viewers), step):
            q = min(len(viewers), p + step)
            text = self.render_viewers(
                viewers[p:q], segs[bounds[p] : bounds[q]], bounds[p : q + 1], horizon_ms, lagged
            )
            out += [item["attributes"] for item in orjson.loads(f"[{text}]")]
        return out
