"""api.video's per-reset state: the projects' data and the rate quota.

Read by the data API (``routes``) and by the token endpoints (``auth``, which
look up a key's project); a module of its own so that neither imports the other.
"""

from __future__ import annotations

from ...core import Emulator
from ...fixed_window import FixedWindowQuota
from .data import Dataset

#: The data API's ``ApiModule.name``, under which this state is the emulator's.
DATA_API = "apivideo"


class ApiVideoState:
    """Per-reset state: every project's data and the rate quota."""

    def __init__(self, emu: Emulator) -> None:
        cfg = emu.config
        self.dataset = Dataset(cfg)
        self.quota = FixedWindowQuota(
            int(cfg["apivideo_rate_limit_per_minute"]),
            float(cfg["apivideo_rate_limit_window_seconds"]),
        )
        self.retired = bool(cfg["apivideo_retired"])
        self.disabled = frozenset(cfg["apivideo_analytics_disabled"])
