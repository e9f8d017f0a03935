"""tap-ibm-video: single behaviours, without the emulator

Split from tests/taps/test_ibm_tap.py."""

from __future__ import annotations


def test_jsonapi_error_body_is_read_into_the_message():
    """A single behaviour, mocked at the HTTP boundary: the doc's BadRequest body.

    docs/vendors/ibm-video.md#errors.
    """
    import requests

    from tap_ibm_video.client import describe_jsonapi_errors

    response = requests.Response()
    response.status_code = 400
    response._content = (  # noqa: SLF001 - building a response by hand
        b'{"errors": [{"status": 400, "title": "Validation failed", '
        b'"detail": "date_time_from is required", "source": {"pointer": "date_time_from"}}]}'
    )
    assert describe_jsonapi_errors(response) == (
        "Validation failed: date_time_from is required (at date_time_from)"
    )
