"""Emulated vendor APIs: one package (or module) each, exposing ``ApiModule`` objects.

Each implements :class:`video_api_emulator.core.ApiModule` and imports only
:mod:`video_api_emulator.core` and the shared helpers beside it (``config``,
``data``, ``faults``, ``tokens``, ``oauth_common``, ``brightcove_common``, ...),
never another API here: what two APIs share lives in a shared module.
:mod:`video_api_emulator.app` lists them all (``API_MODULES``) and wires them
into one application. This package's ``__init__`` imports nothing, so importing
one API does not load the others.
"""
