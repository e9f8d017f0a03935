"""api.video's error bodies: RFC 7807 problem details, read into a few words.

Refusals of the API, of its token endpoint too, are JSON bodies ``{type, title, detail, name,
status}``; the ``bad-request`` schema adds a ``problems`` list (the OpenAPI files' 400 answers,
docs/vendors/apivideo.md#problem-bodies). Read by the authenticator and by the streams.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    import requests


def describe_problem(response: requests.Response) -> str:
    """``title: detail (name)`` of an api.video problem body (RFC 7807 style), else ``""``."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    text = ": ".join(str(body[key]) for key in ("title", "detail") if body.get(key))
    name = body.get("name")
    if name:
        text = f"{text} ({name})" if text else str(name)
    problems = body.get("problems")
    if isinstance(problems, list) and problems:
        text += "; " + "; ".join(
            describe_problem_item(item) for item in problems if isinstance(item, dict)
        )
    return text


def describe_problem_item(item: dict) -> str:
    """One entry of a ``bad-request`` body's ``problems`` list."""
    text = ": ".join(str(item[key]) for key in ("title", "detail") if item.get(key))
    return f"{text} ({item['name']})" if item.get("name") else text
