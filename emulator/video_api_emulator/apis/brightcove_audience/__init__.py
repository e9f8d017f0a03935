"""Brightcove Audience API v1: ``view_events`` and ``leads`` for Video Cloud accounts.

Sources: docs/vendors/brightcove-audience.md, the facts this package relies on (from the Audience
overview, THE truth where sources disagree, and the Audience OpenAPI), each with its public URL.
Comments cite its sections, e.g. docs/vendors/brightcove-audience.md#paging.

Real base URL https://audience.api.brightcove.com/v1 (docs/vendors/brightcove-audience.md#base-url);
the emulator serves it under ``{emulator}/audience/v1``.

The package, from the bottom up:

- ``data``: the per-account datasets - pools, row timelines, processing lag,
  the view_events and leads tables and their row views (its docstring has the
  data model, the processing lag and the performance paths).
- ``params``: query parameters - the doc tables of what each stream accepts,
  from/to ranges, limit/offset/where/fields/sort parsing, ``BadRequestError``.
- ``state``: ``AudienceState``, the per-reset tables and caches.
- ``routes``: the ``ApiModule`` (``BrightcoveAudience``): endpoints, rate
  limit, authentication, response cache, error bodies, ground truth.
"""

from __future__ import annotations

from .data import LAG_MAX_MS
from .routes import BrightcoveAudience

API = BrightcoveAudience()

__all__ = ["API", "LAG_MAX_MS", "BrightcoveAudience"]
