"""Brightcove Audience API v1: ``view_events`` and ``leads`` for Video Cloud accounts.

Sources, cited in comments as:
- [OV]  shared/reference/api-docs/brightcove-audience.txt (the Audience
        overview; THE truth where sources disagree), with its section names,
        e.g. [OV "Paging results"]
- [OAS] shared/reference/brightcove-audience-openapi.yaml
- [FND] shared/reference/FINDINGS.md section 2

Real base URL https://audience.api.brightcove.com/v1 [OV "Base URL"]; the
emulator serves it under ``{emulator}/audience/v1``.

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
