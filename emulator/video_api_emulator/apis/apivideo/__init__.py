"""api.video: the analytics endpoints (both generations), the list endpoints and auth.

Sources: docs/vendors/apivideo.md, the facts this package relies on, each with its
public URL: the three OpenAPI specs (2023-09, with raw statistics and plays;
2024-07, the last with plays, adding rate-limit headers and 429; 2025-01,
``/data/*``, ``/videos`` and ``/live-streams`` as today), the plays doc, the raw
statistics guide and api.video's reference pages. Comments name the spec and
the operation or schema, and cite the section, e.g. docs/vendors/apivideo.md#plays.

Where the sources are silent, the comment says so and names the choice.

Mounted under ``{emulator}/apivideo`` (the real host is https://ws.api.video).
Modules: ``auth`` (``POST /auth/api-key`` and ``/auth/refresh``, JWT tokens),
``data`` (deterministic projects, catalogues, sessions, events and the
analytics computed from them), ``params`` (query/path parameters and the
problem bodies that refuse them), ``state`` (the per-reset state ``auth`` and
``routes`` both read), ``routes`` (handlers, envelope, errors, rate limit, truth).
"""

from __future__ import annotations

from . import auth, routes

#: The data API (``/apivideo/...``, truth name ``apivideo``).
API = routes.ApiVideo()
#: The token endpoints (``/apivideo/auth/...``, state = the JWT token store).
AUTH_API = auth.API

__all__ = ["API", "AUTH_API"]
