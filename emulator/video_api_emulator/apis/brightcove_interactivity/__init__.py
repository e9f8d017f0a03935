"""Brightcove Interactivity reporting API v2: the engagement reports, asynchronous.

Sources: docs/vendors/brightcove-interactivity.md, the facts this package relies on
(Brightcove's "Accessing Reporting Endpoints", its HapYak-era version and the
Studio reports reference), each with its public URL. Comments cite its
sections, e.g. docs/vendors/brightcove-interactivity.md#limits.

Real base URL https://interactivity-reporting.api.brightcove.com/api/reports/v2/
docs/vendors/brightcove-interactivity.md#base-url; the emulator serves it under
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
