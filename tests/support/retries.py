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


def no_wait(*_args: t.Any, **_kwargs: t.Any) -> t.Generator[float, t.Any, None]:  # noqa: ANN401
    """``backoff.expo``'s signature and priming step, then 0 s before every retry."""
    yield 0  # backoff primes a wait generator with send(None)
    while True:
        yield 0


def quick_retries(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every ``backoff.expo`` schedule wait nothing, unless the test is ``real_backoff``."""
    if request.node.get_closest_marker("real_backoff") is None:
        monkeypatch.setattr(backoff, "expo", no_wait)
