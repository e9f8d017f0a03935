"""Exceptions that decide how much of a run a failure takes down.

A nightly sync of several accounts must not lose every healthy account to one
that answers 404, yet must not try every account in turn against a token
endpoint that refuses the credentials or an ``api_url`` nobody listens on. The
class of an error says which it is:

- :class:`RunAbortingError`: nothing else can succeed either (wrong
  credentials, an endpoint that cannot be reached): the run stops at once.
- :class:`StreamUnavailableError`: this stream cannot be read (an endpoint the
  vendor retired, a feature switched off): the stream stops, others run on.
- :class:`PartitionGoneError`: what the partition reads was deleted since its
  parent listed it: the partition is skipped with a WARNING, not a failure.
- any other API error: only the partition (one account of one stream) that hit
  it is skipped; the rest of the run goes on and ends non-zero.
- :class:`InvalidInputError`: settings or state that cannot be right; found
  before any request is sent.
"""

from __future__ import annotations

import typing as t

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

if t.TYPE_CHECKING:
    import requests


class RunAbortingError(FatalAPIError):
    """Every remaining request would fail the same way: stop the whole run."""


class CredentialsRejectedError(RunAbortingError):
    """The token endpoint refused the configured credentials."""


class EndpointUnreachableError(RunAbortingError):
    """A configured URL could not be reached at all, even after retries."""


class TokenEndpointUnavailableError(RetriableAPIError):
    """The token endpoint answered 429/5xx or could not be reached: retried like data."""


class StreamUnavailableError(FatalAPIError):
    """The endpoint cannot serve this stream at all (retired, or the feature is off).

    Every partition would fail the same way, so the stream stops after the first
    with one ERROR naming what to do; the tap's other streams run on.
    """


class PartitionGoneError(FatalAPIError):
    """The object a child partition reads (a video, a session) was deleted since it was listed."""


class UnauthorizedError(FatalAPIError):
    """A 401: the token was rejected; one more try with a fresh token may follow."""

    def __init__(self, message: str, response: requests.Response) -> None:
        super().__init__(message)
        self.response = response


class InvalidInputError(Exception):
    """A setting or the state file is wrong; the message says which and how to fix it."""
