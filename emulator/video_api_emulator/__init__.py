"""Local emulator of the video analytics APIs the taps read.

Run it with ``python -m video_api_emulator`` (or the ``video-api-emulator``
console script), or from Python with :class:`video_api_emulator.process.EmulatorProcess`.
"""

from __future__ import annotations

__version__ = "0.1.0"
