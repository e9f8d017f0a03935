"""Retries without their waits, for taps run in the test process.

The family's streams and authenticators wait ``backoff.expo`` seconds between
tries (1, 2, 4 ... 30 s). A tap test about what a retry achieves (records, tries,
messages) need not wait them out: :func:`quick_retries` swaps in a generator
that waits nothing, so the tries and the give-up points are unchanged. A test
whose subject is the waiting itself is marked ``@pytest.mark.real_backoff``.
Waits for a rate window (the APIs' reset headers) are not backoff and stay real.
"""

from __future__ import annotations

import typing as t

import backoff
import pytest
import requests


def no_wait(*_args: t.Any, **_kwargs: t.Any) -> t.Generator[float, t.Any, None]:  # noqa: ANN401
    """``backoff.expo``'s signature and priming step, then 0 s before every retry."""
    yield 0  # backoff primes a wait generator with send(None)
    while True:
        yield 0


def quick_retries(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every ``backoff.expo`` schedule wait nothing, unless the test is ``real_backoff``."""
    if request.node.get_closest_marker("real_backoff") is None:
        monkeypatch.setattr(backoff, "expo", no_wait)


def throttled_response(reset_in_seconds: float, wall_now: float) -> requests.Response:
    """A 429 whose rate-limit headers say the window resets ``reset_in_seconds`` from now."""
    response = requests.Response()
    response.status_code = 429
    response.headers["X-RateLimit-Reset"] = str(int(wall_now + reset_in_seconds))
    response.headers["X-RateLimit-Remaining"] = "0"
    return response


def log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every message the test captured, formatted."""
    return [record.getMessage() for record in caplog.records]
