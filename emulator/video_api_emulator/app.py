"""The application: every vendor API and the admin API wired onto one aiohttp app, and serving it.

The only module that imports every API (``API_MODULES``); the APIs import
:mod:`.core`, never this module. To add a vendor API, add a package (or module)
under :mod:`video_api_emulator.apis` exposing its ``ApiModule`` object(s) and
list them here. Token endpoints come before the data APIs that read their token
stores (Brightcove OAuth, read by Audience and Interactivity; IBM's
``/oauth2/token`` in the ``ibm_video`` package; api.video's ``/auth/*`` in the
``apivideo`` package, which also come before that API's catch-all 404 under
``/apivideo``).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from . import admin
from .apis import (
    apivideo,
    brightcove_audience,
    brightcove_interactivity,
    brightcove_oauth,
    ibm_video,
)
from .core import ApiModule, Emulator

#: Every emulated API, in registration order (see the module docstring).
API_MODULES: tuple[ApiModule, ...] = (
    brightcove_oauth.API,
    brightcove_interactivity.API,
    brightcove_audience.API,
    ibm_video.OAUTH_API,
    ibm_video.API,
    apivideo.AUTH_API,
    apivideo.API,
)

EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator", Emulator)


def create_app(config: Mapping[str, Any] | None = None) -> web.Application:
    """Build the application with the admin API and every vendor API registered."""
    # Large client_max_size is irrelevant (only small admin bodies are posted);
    # keep aiohttp's default.
    app = web.Application()
    emu = Emulator(list(API_MODULES), config)
    app[EMULATOR_KEY] = emu
    admin.register(app, emu)
    for api in API_MODULES:
        api.register(app, emu)
    return app


async def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    config: Mapping[str, Any] | None = None,
    ready: Callable[[str], None] | None = None,
    *,
    exit_on_stdin_eof: bool = False,
) -> None:
    """Run the emulator until SIGTERM/SIGINT, calling ``ready(url)`` once listening.

    With ``exit_on_stdin_eof`` it also stops when stdin closes, i.e. when the
    parent that piped it dies, so a killed test run leaves no orphan servers.
    """
    app = create_app(config)
    # Access logs would cost more than the request itself at benchmark rates.
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host=host, port=port, reuse_address=True)
    await site.start()
    server = site._server  # noqa: SLF001 - the only way to learn the port picked for port=0
    sockets = getattr(server, "sockets", None) or []
    bound_port = sockets[0].getsockname()[1] if sockets else port
    url_host = f"[{host}]" if ":" in host else host
    url = f"http://{url_host}:{bound_port}"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    if exit_on_stdin_eof:
        threading.Thread(
            target=_wait_for_stdin_eof, args=(loop, stop), name="stdin-watch", daemon=True
        ).start()
    if ready is not None:
        ready(url)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _wait_for_stdin_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Block until stdin reaches EOF, then ask the event loop to stop."""
    with contextlib.suppress(OSError, ValueError):
        while sys.stdin.buffer.read(65536):
            pass
    with contextlib.suppress(RuntimeError):  # loop already closed
        loop.call_soon_threadsafe(stop.set)


def print_ready(url: str) -> None:
    """Announce readiness with the one line :class:`EmulatorProcess` waits for."""
    sys.stdout.write(f"EMULATOR_URL={url}\n")
    sys.stdout.flush()
