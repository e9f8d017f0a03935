"""api.video's token flow, mocked at the HTTP boundary: key, refresh, fallback, clock."""

from __future__ import annotations

import datetime
import json

import pytest
import requests

from tap_apivideo.auth import ApiVideoAuthenticator
from video_taps_common.errors import CredentialsRejectedError

KEY = "secret-api-key-123"
DATE = "Sat, 31 Jan 2026 00:00:00 GMT"


def answer(status: int, body: dict, date: str = DATE) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()  # noqa: SLF001 - building a fake answer
    response.headers["Date"] = date
    response.headers["Content-Type"] = "application/json"
    return response


def token(n: int) -> dict:
    return {
        "token_type": "Bearer",
        "expires_in": 3600,
        "access_token": f"access-{n}",
        "refresh_token": f"refresh-{n}",
    }


class FakeSession:
    """Answers POSTs from a script and records what was sent."""

    def __init__(self, *answers: requests.Response) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, dict]] = []

    def post(self, url: str, *, json: dict, **_: object) -> requests.Response:
        self.sent.append((url.rsplit("/", 2)[-2] + "/" + url.rsplit("/", 1)[-1], json))
        return self.answers.pop(0)


@pytest.fixture
def auth() -> ApiVideoAuthenticator:
    return ApiVideoAuthenticator(api_key=KEY, api_url="https://ws.api.video/")


def install(auth: ApiVideoAuthenticator, session: FakeSession) -> None:
    auth.token_session = session  # type: ignore[assignment]


def test_renewal_uses_the_refresh_token_and_falls_back_to_the_key(auth):
    refused = {"type": "x", "title": "The refresh token is invalid.", "status": 400}
    session = FakeSession(answer(200, token(1)), answer(200, token(2)), answer(400, refused))
    session.answers.append(answer(200, token(3)))
    install(auth, session)

    auth.update_access_token()
    assert auth.access_token == "access-1"
    auth.update_access_token()  # renewal: the refresh token, not the key
    assert auth.access_token == "access-2"
    auth.update_access_token()  # refresh refused: the key again
    assert auth.access_token == "access-3"
    assert session.sent == [
        ("auth/api-key", {"apiKey": KEY}),
        ("auth/refresh", {"refreshToken": "refresh-1"}),
        ("auth/refresh", {"refreshToken": "refresh-2"}),
        ("auth/api-key", {"apiKey": KEY}),
    ]


def test_the_api_clock_comes_from_the_token_answer(auth):
    install(auth, FakeSession(answer(200, token(1))))
    assert auth.server_now() is None
    auth.ensure_token()
    now = auth.server_now()
    assert now is not None
    assert datetime.datetime(2026, 1, 31, tzinfo=datetime.UTC) <= now
    assert now < datetime.datetime(2026, 1, 31, 0, 1, tzinfo=datetime.UTC)


def test_a_refused_key_names_the_setting_but_never_the_key(auth):
    body = {
        "type": "https://docs.api.video/docs/authenticationinvalid_credentials",
        "title": "The user credentials were incorrect.",
        "name": "",
        "status": 400,
    }
    install(auth, FakeSession(answer(400, body)))
    with pytest.raises(CredentialsRejectedError) as raised:
        auth.update_access_token()
    message = str(raised.value)
    assert "`api_key`" in message
    assert "The user credentials were incorrect." in message
    assert KEY not in message
    assert KEY not in repr(auth)
