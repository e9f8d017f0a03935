"""Brightcove Interactivity reporting API v2: the engagement reports, asynchronous.

Sources, cited in comments as:
- [DOC]    shared/reference/api-docs/brightcove-interactivity-reporting.txt
           ("Accessing Reporting Endpoints"), with its section names, e.g.
           [DOC "Important details: limits"]
- [FND §1] shared/reference/FINDINGS.md section 1, with its headings, e.g.
           [FND §1 "Auth"]

Real base URL https://interactivity-reporting.api.brightcove.com/api/reports/v2/
[DOC "Base URL"]; the emulator serves it under
``{emulator}/interactivity-reporting/api/reports/v2``.

The doc is short: no column names, no JSON shape, no error bodies, no status
for an exceeded budget. Each of those is an emulator choice, said so where it
is made. The package:

- ``params``: report names, ``send_status``/``account_id``/``start``/``end``/
  ``format`` parsing and the six-month limit.
- ``data``: the columns and the deterministic, chunk-by-chunk row generators
  (its docstring has the data model).
- ``routes``: the ``ApiModule``: authentication (Brightcove OAuth bearer or the
  legacy API key), the 202/200 protocol with its queue and one-day cache, the
  report budget, streamed CSV/JSON bodies, error bodies, ground truth.
"""

from __future__ import annotations

from .routes import BrightcoveInteractivity

API = BrightcoveInteractivity()

__all__ = ["API", "BrightcoveInteractivity"]
