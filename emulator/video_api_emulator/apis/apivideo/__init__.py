"""api.video: the analytics endpoints (both generations), the list endpoints and auth.

Sources, cited in comments throughout the package as:
- [OAS-2023-09]  shared/reference/apivideo-openapi-2023-09-11_with-raw-statistics-and-plays.yaml
  (raw statistics, plays), by operation or schema name
- [OAS-2024-07]  shared/reference/apivideo-openapi-2024-07_last-with-plays-endpoints.yaml
  (the last with plays; rate-limit headers and 429)
- [OAS-2025-01]  shared/reference/apivideo-openapi-2025-01_latest-data-endpoints.yaml
  (``/data/*``, ``/videos``, ``/live-streams`` as today)
- [PLAYS]  shared/reference/api-docs/apivideo-analytics-plays.txt (the plays doc)
- [RAW]  shared/reference/api-docs/apivideo-raw-statistics.txt (the raw statistics guide)
- [FND §4 "heading"]  shared/reference/FINDINGS.md section 4 ("api.video analytics"),
  by its sub-headings, e.g. [FND §4 "Auth"]

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
