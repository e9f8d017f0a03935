"""Emulated vendor APIs; each module exposes ``API`` implementing ``server.ApiModule``.

To add a vendor API, add a module here and list its ``API`` in ``API_MODULES``.
Token endpoints come before the data APIs that read their token stores
(Brightcove OAuth, read by Audience and Interactivity; IBM's ``/oauth2/token`` in
the ``ibm_video`` package; api.video's ``/auth/*`` in the ``apivideo`` package, which
also come before that API's catch-all 404 under ``/apivideo``).
"""

from __future__ import annotations

from . import apivideo, brightcove_audience, brightcove_interactivity, brightcove_oauth, ibm_video

API_MODULES = (
    brightcove_oauth.API,
    brightcove_interactivity.API,
    brightcove_audience.API,
    ibm_video.OAUTH_API,
    ibm_video.API,
    apivideo.AUTH_API,
    apivideo.API,
)

__all__ = ["API_MODULES"]
