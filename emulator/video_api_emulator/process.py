"""Run the emulator as a subprocess and drive its admin API.

Tests, the demo and benchmarks use :class:`EmulatorProcess` so that the
emulator runs in its own process (own event loop, own CPU), like a real remote
API. The admin helpers use ``urllib`` only, keeping the emulator package free
of HTTP client dependencies.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

_URL_PREFIX = "EMULATOR_URL="


class EmulatorError(RuntimeError):
    """The emulator failed to start, died, or an admin call failed."""


class EmulatorProcess:
    """A ``python -m video_api_emulator`` subprocess bound to 127.0.0.1.

    Use as a context manager (``with EmulatorProcess(cfg) as emu: emu.url``) or
    call :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        config: dict[str, Any] | None = None,
        port: int | None = None,
        *,
        demo: bool = False,
        startup_timeout: float = 20.0,
    ) -> None:
        """``port=None`` is the command's default: a free port, or 8765 with ``demo=True``.

        ``demo=True`` runs ``--demo``: the demo's configuration file, as a user starts it.
        """
        if demo and config:
            raise EmulatorError("demo=True serves demo_config.json; pass no config with it")
        self.config = dict(config or {})
        self.demo = demo
        self.port = port
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._url: str | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (only after :meth:`start`)."""
        if self._url is None:
            raise EmulatorError("emulator not started")
        return self._url

    @property
    def pid(self) -> int | None:
        """Process id of the running emulator, if any."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> Self:
        """Spawn the emulator and wait until it prints its URL."""
        if self._proc is not None:
            return self
        cfg_path = None
        cmd = [sys.executable, "-m", "video_api_emulator", "--host", "127.0.0.1"]
        cmd += ["--exit-on-stdin-eof"]
        if self.port is not None:
            cmd += ["--port", str(self.port)]
        if self.demo:
            cmd += ["--demo"]
        if self.config:
            fd, cfg_path = tempfile.mkstemp(prefix="emulator-config-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.config, fh)
            cmd += ["--config", cfg_path]
        # stderr goes to a temp file, not a pipe: a chatty child can't block on
        # a full pipe, and we can still show it when startup fails.
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self._proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            # The child exits when this pipe closes, i.e. when we exit or die.
            stdin=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(
            target=_pump, args=(self._proc.stdout, lines), name="emulator-stdout", daemon=True
        ).start()
        try:
            self._url = self._wait_for_url(lines)
        except BaseException:
            self.stop()
            raise
        finally:
            if cfg_path is not None:
                with contextlib.suppress(OSError):
                    Path(cfg_path).unlink()
        return self

    def _wait_for_url(self, lines: queue.Queue[str | None]) -> str:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EmulatorError(
                    f"emulator did not report its URL within {self.startup_timeout}s; "
                    f"stderr:\n{self._read_stderr()}"
                )
            try:
                line = lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:
                assert self._proc is not None
                code = self._proc.wait(timeout=5)
                raise EmulatorError(
                    f"emulator exited (code {code}) before it was ready; "
                    f"stderr:\n{self._read_stderr()}"
                )
            if line.startswith(_URL_PREFIX):
                return line[len(_URL_PREFIX) :].strip()

    def _read_stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read()[-8000:]

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the emulator (SIGTERM, then SIGKILL after ``timeout``)."""
        proc, self._proc = self._proc, None
        self._url = None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ admin API

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call ``/_emulator/<path>`` and return the decoded JSON response."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 - URL is our own loopback emulator
            f"{self.url}/_emulator/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise EmulatorError(f"{method} /_emulator/{path} -> {exc.code}: {detail}") from exc

    def health(self) -> dict[str, Any]:
        """``GET /_emulator/health`` -> ``{"ok": true}``."""
        return self.admin("GET", "health")

    def reset(self, **config: Any) -> dict[str, Any]:
        """Replace the config (missing keys take defaults); returns the effective config."""
        return self.admin("POST", "reset", config)

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the data horizon; returns ``{"horizon": iso, "horizon_ms": int}``."""
        return self.admin("POST", "advance", {"seconds": seconds})

    def horizon(self) -> dict[str, Any]:
        """Current horizon (``advance(0)`` without changing anything)."""
        return self.advance(0)

    def configure_faults(self, rules: list[dict[str, Any]]) -> dict[str, Any]:
        """Replace the fault rules; returns ``{"rules": [...]}`` as normalised."""
        return self.admin("POST", "faults", {"rules": rules})

    def faults(self) -> dict[str, Any]:
        """Current fault rules with their ``matched``/``applied`` counters."""
        return self.admin("GET", "faults")

    def stats(self) -> dict[str, Any]:
        """``GET /_emulator/stats``."""
        return self.admin("GET", "stats")

    def truth(
        self,
        api: str = "brightcove_audience",
        *,
        from_: str | int | None = None,
        records: bool = False,
        **params: Any,
    ) -> dict[str, Any]:
        """``GET /_emulator/truth/<api>``; ``from_`` is sent as ``from``.

        For Audience: ``truth(account_id=..., stream="view_events", from_=..., to=...,
        records=True)``: what the API shows now (processed rows only); add
        ``visible="all"`` for the eventual truth (every row, processed or not).
        """
        query = {k: str(v) for k, v in params.items() if v is not None}
        if from_ is not None:
            query["from"] = str(from_)
        query["records"] = "1" if records else "0"
        return self.admin("GET", f"truth/{api}?{urllib.parse.urlencode(query)}")


def _pump(stream: IO[str] | None, lines: queue.Queue[str | None]) -> None:
    """Forward the child's stdout lines to ``lines``; ``None`` marks EOF."""
    if stream is None:
        lines.put(None)
        return
    try:
        for line in stream:
            lines.put(line)
    except ValueError:  # stream closed by stop()
        pass
    lines.put(None)
