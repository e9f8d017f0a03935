"""Command line: ``python -m video_api_emulator --host 127.0.0.1 --port 0 [--config f.json]``.

``python -m video_api_emulator --demo`` serves the demo's data (``demo_config.json``,
what ``make demo`` loads) on port 8765, where meltano.yml's demo environment looks,
so ``meltano --environment demo run <tap> <target>`` works with nothing else set.

Prints exactly one line, ``EMULATOR_URL=http://127.0.0.1:<port>``, once the
server listens, so that a parent process can wait for it; SIGTERM/SIGINT stop
it cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from .app import print_ready, serve
from .config import DEMO_CONFIG_PATH, DEMO_PORT, ConfigError, build_config

# The emulator is a test double with no authentication of its admin API; it
# must never listen beyond this machine.
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load the config and serve until signalled."""
    parser = argparse.ArgumentParser(prog="video-api-emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument(
        "--port", type=int, help=f"port (0 = pick a free one, the default; {DEMO_PORT} with --demo)"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--config", type=Path, help="JSON file with config overrides")
    source.add_argument(
        "--demo",
        action="store_true",
        help=f"the demo's data ({DEMO_CONFIG_PATH.name}) on port {DEMO_PORT} unless --port says",
    )
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="stop when stdin closes (used by EmulatorProcess so orphans can't linger)",
    )
    args = parser.parse_args(argv)
    if args.host not in _LOOPBACK:
        parser.error("--host must be a loopback address (127.0.0.1, localhost or ::1)")
    if args.demo:
        args.config = DEMO_CONFIG_PATH
    if args.port is None:
        args.port = DEMO_PORT if args.demo else 0
    overrides = {}
    if args.config is not None:
        try:
            overrides = json.loads(args.config.read_text(encoding="utf-8"))
            build_config(overrides)
        except (OSError, ValueError, ConfigError) as exc:
            print(f"video-api-emulator: bad config {args.config}: {exc}", file=sys.stderr)
            return 2
    host = "127.0.0.1" if args.host == "localhost" else args.host
    asyncio.run(
        serve(
            host=host,
            port=args.port,
            config=overrides,
            ready=print_ready,
            exit_on_stdin_eof=args.exit_on_stdin_eof,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
