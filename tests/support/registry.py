"""The taps' stream registries, as the tests read them.

Each tap declares its streams once, in its ``streams.py`` (``STREAMS``: the stream
classes, each saying whether a run without a catalog selects it with the SDK's
``selected_by_default``; Interactivity's is ``schemas.REPORTS``, one stream per report).
The tests' stream sets come from here, so a stream added there is synced and reconciled
with the emulator's truth (``video_api_emulator.truth``) by the generic tests with no
edit under ``tests/``. ``tests/unit/test_registry.py`` checks every other place that
names streams against the registries.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Tap:
    """A tap of the repository and the places named after it."""

    #: The executable, the meltano plugin and the folder (``tap-apivideo``).
    name: str
    #: Its Python package (``tap_apivideo``).
    package: str
    #: The one name of its API elsewhere: the emulator's API (its truth), the
    #: extractor's ``load_schema`` in meltano.yml, the dbt source and its folder.
    source: str

    @property
    def folder(self) -> Path:
        """The tap's folder at the repository root."""
        return PROJECT_ROOT / self.name

    @property
    def streams_module(self) -> str:
        """Where its registry lives, as a path from the repository root."""
        return f"{self.name}/{self.package}/streams.py"


TAPS: dict[str, Tap] = {
    tap.name: tap
    for tap in (
        Tap("tap-brightcove-audience", "tap_brightcove_audience", "brightcove_audience"),
        Tap("tap-ibm-video", "tap_ibm_video", "ibm_video"),
        Tap("tap-apivideo", "tap_apivideo", "apivideo"),
        Tap(
            "tap-brightcove-interactivity",
            "tap_brightcove_interactivity",
            "brightcove_interactivity",
        ),
    )
}


#: The URL settings each tap has (a new one must be added here, and is then checked:
#: tests/taps/test_first_day.py, tests/unit/test_first_day_units.py).
URL_SETTINGS = {
    "tap-brightcove-audience": {"api_url", "oauth_url"},
    "tap-ibm-video": {"api_url", "oauth_url"},
    "tap-apivideo": {"api_url"},
    "tap-brightcove-interactivity": {"api_url", "oauth_url"},
}


def declared_streams(tap: str) -> dict[str, bool]:
    """Every stream the tap's registry declares, in its order -> selected by default."""
    module = importlib.import_module(f"{TAPS[tap].package}.streams")
    return {entry.name: _selected_by_default(module, entry) for entry in module.STREAMS}


def all_streams(tap: str) -> tuple[str, ...]:
    """Every stream of the tap, in the registry's order."""
    return tuple(declared_streams(tap))


def default_streams(tap: str) -> tuple[str, ...]:
    """The streams a run without a catalog selects, in the registry's order."""
    return tuple(name for name, selected in declared_streams(tap).items() if selected)


def full_table_streams(tap: str) -> tuple[str, ...]:
    """The streams read whole on every sync (no replication key): lists of the API's objects.

    Their records reconcile with the emulator's truth object for object, so a list
    stream added to a registry is checked field by field with no edit under ``tests/``.
    """
    module = importlib.import_module(f"{TAPS[tap].package}.streams")
    return tuple(
        entry.name
        for entry in module.STREAMS
        if isinstance(entry, type) and not isinstance(entry.replication_key, str)
    )


def _selected_by_default(module: object, entry: object) -> bool:
    if isinstance(entry, type):  # a stream class
        return bool(entry.selected_by_default)
    # A report spec: the tap makes one ReportStream per spec.
    return bool(module.ReportStream.selected_by_default)  # type: ignore[attr-defined]
