"""What every api-video client driver shares: the emulator's admin API, its truth, a client
for it, and assertions that a deserialised model carries exactly the truth's values.

Imported by the driver scripts beside it (their folder is on sys.path when run).
"""

import json
import re
import sys
import urllib.parse
import urllib.request
from datetime import UTC, datetime

import apivideo
from apivideo.exceptions import ApiException
from apivideo.model_utils import model_to_dict

URL = sys.argv[1]
KEY, KEY2 = "emulator-apivideo-key", "emulator-apivideo-key-2"
CHECKS = [0]
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}")


def admin(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"{URL}/_emulator/{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())


def truth(**params):
    if "from_" in params:
        params["from"] = params.pop("from_")
    query = urllib.parse.urlencode(params)
    return admin("GET", f"truth/apivideo?{query}")["records"]


def client(key=KEY, strict=True, connect=True):
    c = apivideo.AuthenticatedApiClient(key)
    c.configuration.host = f"{URL}/apivideo"
    c.configuration.discard_unknown_keys = not strict
    if connect:
        c.connect()
    return c


def norm(value):
    """JSON-ish values with every date-time as UTC ISO with milliseconds."""
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [norm(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds")
    if isinstance(value, str) and ISO.match(value):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(UTC).isoformat(timespec="milliseconds")
    return value


def same(model, record, subset=False):
    """Assert a deserialised model carries exactly the record's values."""
    got = norm(model_to_dict(model, serialize=True))
    want = norm(record)
    if subset:
        assert set(got) <= set(want), set(got) - set(want)
        want = {k: v for k, v in want.items() if k in got}
    assert got == want, (got, want)
    CHECKS[0] += 1


def same_list(models, records, subset=False):
    assert len(models) == len(records), (len(models), len(records))
    for m, r in zip(models, records):
        same(m, r, subset)


def page_of(records, page, size):
    return records[(page - 1) * size : page * size]


def check_pagination(p, total, page, size):
    assert (p.items_total, p.current_page, p.page_size) == (total, page, size)
    assert p.pages_total == max(1, -(-total // size))
    rels = [link.rel for link in p.links]
    assert rels[:2] == ["self", "first"] and rels[-1] == "last"
    assert ("previous" in rels) == (page > 1) and ("next" in rels) == (page < p.pages_total)
    CHECKS[0] += 1


class Raw:
    def __init__(self, data):
        self.data = data.encode() if isinstance(data, str) else data
        self.status = 200

    def getheader(self, name, default=None):
        return "application/json"


def error_model(c, exc, model, status):
    """The ApiException's status, and its body deserialised into the client's error model."""
    assert exc.status == status, (exc.status, exc.body)
    obj = c.deserialize(Raw(exc.body), (model,))
    assert obj.status == status
    CHECKS[0] += 1
    return obj


def expect_error(call, status):
    try:
        call()
    except ApiException as exc:
        assert exc.status == status, (exc.status, exc.body)
        return exc
    raise AssertionError(f"expected HTTP {status}")
