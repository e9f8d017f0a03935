"""Bounded throughput benchmark: Audience pages of 100 records over loopback.

Why: the taps' tests, demo and benchmarks must never be limited by the
emulator, so it has a throughput target (>= 1,500 requests/s for 100-record
pages). This sends a fixed number of requests (it always stops by itself) from
an asyncio client with a few keep-alive connections and reports requests/s.

Run: ``python benchmarks/bench_emulator.py [--requests 6000] [--concurrency 8] [--rows N]``
(``make bench`` runs it with ``--requests 8000``). It prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import time
from pathlib import Path
from typing import Any

from video_api_emulator.process import EmulatorProcess

ACCOUNT = "6415818918001"


async def _token(host: str, port: int) -> str:
    auth = base64.b64encode(b"emulator-client-id:emulator-client-secret").decode()
    body = b"grant_type=client_credentials"
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        (
            f"POST /oauth/v4/access_token HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Basic {auth}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        + body
    )
    raw = await reader.read()
    writer.close()
    return json.loads(raw.split(b"\r\n\r\n", 1)[1])["access_token"]


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, int]:
    """Send one keep-alive GET and read the whole response; return (status, body bytes)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status, length


async def _run_client(url: str, total: int, concurrency: int, rows: int) -> dict[str, Any]:
    """Drive ``total`` requests over ``concurrency`` keep-alive connections.

    A deliberately lean HTTP/1.1 client (asyncio streams, no parsing beyond
    Content-Length): on a 2-core machine client and server share the CPU, and a
    heavyweight client would measure itself rather than the emulator.
    """
    host, port = url.removeprefix("http://").rsplit(":", 1)
    token = await _token(host, int(port))
    path = f"/audience/v1/accounts/{ACCOUNT}/view_events"
    pages = max(1, rows // 100)
    counter = iter(range(total))
    statuses: dict[int, int] = {}
    nbytes = 0

    def request(i: int) -> bytes:
        # Walk distinct pages so the benchmark measures real page rendering,
        # not a repeated identical response (which the response cache, like the
        # API's, would answer as an X-Cache HIT).
        query = f"limit=100&offset={(i % pages) * 100}&sort=updated_at"
        return (
            f"GET {path}?{query} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            # Required by the Audience OpenAPI (the emulator answers 400 without it;
            # docs/vendors/brightcove-audience.md#content-type-header).
            "Content-Type: application/json\r\n\r\n"
        ).encode()

    async def worker() -> None:
        nonlocal nbytes
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for i in counter:
                status, length = await _get(reader, writer, request(i))
                statuses[status] = statuses.get(status, 0) + 1
                nbytes += length
        finally:
            writer.close()

    # Warm-up: the first request computes and caches the ordered index.
    reader, writer = await asyncio.open_connection(host, int(port))
    await _get(reader, writer, request(0))
    writer.close()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "requests": total,
        "seconds": round(elapsed, 3),
        "requests_per_second": round(total / elapsed, 1),
        "statuses": statuses,
        "mean_body_bytes": nbytes // max(1, total),
        "concurrency": concurrency,
        "rows_per_account": rows,
    }


def measure_throughput(
    total: int = 6000, concurrency: int = 8, rows: int = 1_000_000
) -> dict[str, Any]:
    """Start an emulator, send ``total`` page requests, return the measured rate."""
    config = {
        "audience_rate_limit_per_second": 0,  # measure the server, not the limiter
        "audience_view_events_per_account": rows,
        "brightcove_accounts": [ACCOUNT],
    }
    with EmulatorProcess(config) as emu:
        cpu_before = _cpu_seconds(emu.pid)
        result = asyncio.run(_run_client(emu.url, total, concurrency, rows))
        cpu = _cpu_seconds(emu.pid) - cpu_before
        if cpu > 0:
            # Server CPU per request: the capacity of one emulator core, independent
            # of how much CPU the client took from it.
            result["server_cpu_ms_per_request"] = round(cpu * 1000 / total, 3)
        result["emulator_stats"] = {
            k: v for k, v in emu.stats().items() if k in ("status_counts", "max_concurrent")
        }
    return result


def _cpu_seconds(pid: int | None) -> float:
    """User+system CPU seconds used so far by ``pid`` (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def main() -> None:
    """CLI entry point: print the measurement as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(json.dumps(measure_throughput(args.requests, args.concurrency, args.rows), indent=2))


if __name__ == "__main__":
    main()
