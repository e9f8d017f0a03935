"""Emulated vendor APIs; each module exposes ``API`` implementing ``server.ApiModule``.

To add a vendor API, add a module here and list its ``API`` in ``API_MODULES``.
The OAuth module comes first because the Brightcove data APIs read its token
store.
"""

from __future__ import annotations

from . import brightcove_audience, brightcove_oauth

API_MODULES = (brightcove_oauth.API, brightcove_audience.API)

__all__ = ["API_MODULES"]
