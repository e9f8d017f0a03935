"""IBM Video Streaming: the Analytics API and its OAuth2 token endpoint.

Sources, cited in comments throughout the package as:
- [IBM "section"]  shared/reference/api-docs/ibm-video-analytics.txt, the
  Analytics API doc (v1.0.3), by its section titles, e.g.
  [IBM "Raw view export for a given time period"]
- [FND §3 "heading"]  shared/reference/FINDINGS.md section 3 ("IBM Video
  Streaming"), by its sub-headings, e.g. [FND §3 "Token endpoint"]
- [SAMPLE]  shared/reference/ibm-analytics-views-sample-response.json and
  ibm-analytics-viewers-sample-response.json (IBM's current doc examples)

Where the sources are silent, the comment says so and names the choice.

Modules: ``oauth`` (``POST /oauth2/token``; its tokens live in the shared
``video_api_emulator.tokens`` store), ``data``
(deterministic view/viewer model), ``params`` (query parameters), ``routes``
(handlers, envelope, errors, rate limit, truth).
"""

from __future__ import annotations

from . import oauth, routes

#: The Analytics API module (``/ibm-analytics/v1/...``, truth name ``ibm_video``).
API = routes.IbmVideoAnalytics()
#: The token endpoint module (``/oauth2/token``, state = the JWT token store).
OAUTH_API = oauth.API

__all__ = ["API", "OAUTH_API"]
