"""api-video 1.4.7 renews short-lived tokens before they expire.

Run by tests/emulator/test_emulator_apivideo.py as a script, with that client
version's folder on PYTHONPATH and the emulator's URL as its argument; prints
the first token and how many it saw, as JSON.
"""

import json
import time

from apivideo.apis import AnalyticsApi, VideosApi
from driver_common import client

# 1.4.7 refreshes 10 s before expires_in runs out (docs/vendors/apivideo.md#authentication); tokens
# here live 11 s, so it refreshes every second or two, and the calls go on
# past the first token's life.
c = client(connect=False)
with c:
    first = c._access_token
    tokens = {first}
    started = time.monotonic()
    while time.monotonic() - started < 12.5:
        assert VideosApi(c).list().data
        assert AnalyticsApi(c).get_aggregated_metrics("play", "count").context.metric == "play"
        tokens.add(c._access_token)
        time.sleep(0.5)
assert len(tokens) >= 3, len(tokens)
print(json.dumps({"first": first, "tokens": len(tokens)}))
