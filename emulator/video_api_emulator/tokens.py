"""JWT access tokens with opaque refresh tokens: the store every JWT-issuing endpoint shares.

IBM Video's ``POST /oauth2/token`` (``token_type=jwt``) and api.video's
``POST /auth/api-key`` / ``/auth/refresh`` both answer with a JWT access token
and an opaque refresh token, and their data APIs then check the access token.
What differs per vendor - the claims, the lifetimes, whether a refresh token
is used up when redeemed - is passed in by the endpoint; the bookkeeping
(expiry on the emulator's wall clock, revocation by the ``revoke_token``
fault, forgetting old tokens on long runs) lives here once.

Neither vendor's docs say how their tokens are signed; these are HS256 with a
key that lives until the next reset, so they look like and decode as JWTs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from .core import monotonic


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class JwtTokenStore:
    """Issued access and refresh tokens, each with its subject and expiry (monotonic seconds).

    The ``subject`` is whatever the issuing endpoint authenticated (IBM: the
    client id; api.video: the API key); the data API asks it back with
    :meth:`subject_of`. :meth:`revoke_token` is what ``Emulator.revoke_bearer``
    (the ``revoke_token`` fault) calls.
    """

    def __init__(
        self,
        ttl_seconds: float,
        *,
        refresh_ttl_seconds: float,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.refresh_ttl_seconds = refresh_ttl_seconds
        self._clock = clock
        # Per reset: a reset makes every earlier token's signature unknown too.
        self._key = secrets.token_bytes(32)
        self._tokens: dict[str, tuple[str, float]] = {}
        self._refresh: dict[str, tuple[str, float]] = {}

    def issue(self, subject: str, claims: Mapping[str, Any]) -> tuple[str, str]:
        """Create ``(jwt access token, refresh token)`` for ``subject``.

        The JWT carries ``claims`` (the vendor's), then the registered
        ``iat``, ``exp`` and ``jti`` (unique per issue), signed HS256. The
        refresh token is an opaque random string.
        """
        now = self._clock()
        if len(self._tokens) > 10_000:
            # Forget expired tokens so long benchmark runs don't grow memory.
            self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}
            self._refresh = {t: v for t, v in self._refresh.items() if v[1] > now}
        issued_at = int(time.time())
        header = _b64url(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
        body = {
            **claims,
            "iat": issued_at,
            "exp": issued_at + int(round(self.ttl_seconds)),
            "jti": secrets.token_hex(16),
        }
        payload = _b64url(orjson.dumps(body))
        signing_input = f"{header}.{payload}".encode("ascii")
        signature = _b64url(hmac.new(self._key, signing_input, hashlib.sha256).digest())
        token = f"{header}.{payload}.{signature}"
        refresh = secrets.token_hex(20)
        self._tokens[token] = (subject, now + self.ttl_seconds)
        self._refresh[refresh] = (subject, now + self.refresh_ttl_seconds)
        return token, refresh

    def subject_of(self, token: str) -> str | None:
        """The subject of ``token`` if it was issued here, is unexpired and not revoked."""
        entry = self._tokens.get(token)
        if entry is None:
            return None
        if entry[1] <= self._clock():
            del self._tokens[token]
            return None
        return entry[0]

    def is_valid(self, token: str) -> bool:
        """Tell whether ``token`` was issued here, is unexpired and not revoked."""
        return self.subject_of(token) is not None

    def redeem_refresh(
        self, refresh: str, subject: str | None = None, *, consume: bool = False
    ) -> str | None:
        """The subject of live refresh token ``refresh`` (of ``subject``, if given), else None.

        With ``consume`` the token is used up: it can't be redeemed again.
        """
        entry = self._refresh.get(refresh)
        if entry is None or entry[1] <= self._clock():
            return None
        if subject is not None and entry[0] != subject:
            return None
        if consume:
            del self._refresh[refresh]
        return entry[0]

    def revoke_token(self, token: str) -> None:
        """Invalidate access token ``token`` (used by the ``revoke_token`` fault)."""
        self._tokens.pop(token, None)
