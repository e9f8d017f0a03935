"""IBM Video Streaming: the Analytics API and its OAuth2 token endpoint.

Sources: docs/vendors/ibm-video.md, the facts this package relies on (IBM's Analytics API
reference v1.0.3, its current developer pages and their sample responses, and
the token endpoint's pages), each with its public URL. Comments cite its
sections, e.g. docs/vendors/ibm-video.md#range-semantics.

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
