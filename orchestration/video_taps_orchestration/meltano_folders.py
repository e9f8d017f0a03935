"""The ``.meltano`` folder each run of ``meltano run`` gets, and the tap catalogs runs share.

Needs no Dagster, so the tests' own venv imports it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = [
    "catalog_cache",
    "first_load_lock",
    "installed_as",
    "keep_catalog",
    "private_sys_dir",
    "seed_catalog",
    "sys_dir_env",
]

#: meltano's cached catalog of a tap (``.meltano/run/<plugin>/``): the catalog, and the
#: key of the settings it was discovered with (meltano discovers again when it differs).
CATALOG_FILES = ("tap.properties.json", "tap.properties.cache_key")


def catalog_cache(shared: Path, plugin: str, catalogs: Path | None = None) -> Path:
    """Where runs of ``plugin`` leave meltano's cached catalog for the next one: one file.

    In ``catalogs`` (default: the shared ``.meltano``'s ``video-taps-catalogs/``).
    """
    return (catalogs or shared / "video-taps-catalogs") / f"{plugin}.json"


def installed_as(shared: Path, package: str) -> str | None:
    """Which install of the tap this is: when ``meltano install`` last wrote its venv.

    meltano's own catalog key holds only the settings; meltano deletes its cached
    catalog when it installs the plugin again (a new release may have new streams
    or fields). A kept catalog is tied to the install it was discovered with in the
    same way. ``package`` is the plugin that declares the package (an inherited
    plugin runs its parent's venv). None: no venv there, nothing is kept.
    """
    fingerprint = shared / "extractors" / package / "venv" / ".meltano_plugin_fingerprint"
    try:
        return f"{fingerprint.stat().st_mtime_ns}:{fingerprint.read_text().strip()}"
    except OSError:
        return None


def seed_catalog(
    shared: Path, private: Path, plugin: str, package: str, catalogs: Path | None = None
) -> None:
    """Give the run the catalog an earlier run of this install cached: no discovery again.

    meltano caches a tap's catalog in its ``run/<plugin>/`` folder, which each run
    here has its own of (``private_sys_dir``): without this every run would start
    the tap once more for ``--discover`` (about a CPU-second). meltano still
    compares the cached key with the run's settings and discovers when they differ.
    """
    try:
        cached = json.loads(catalog_cache(shared, plugin, catalogs).read_text())
    except (OSError, ValueError):
        return
    installed = installed_as(shared, package)
    if installed is None or cached.get("installed") != installed:
        return
    folder = private / "run" / plugin
    folder.mkdir(parents=True, exist_ok=True)
    for name in CATALOG_FILES:
        (folder / name).write_text(cached[name])


def keep_catalog(
    shared: Path, private: Path, plugin: str, package: str, catalogs: Path | None = None
) -> None:
    """Keep the run's cacheable catalog for the next run (written whole, then renamed)."""
    folder = private / "run" / plugin
    try:
        files = {name: (folder / name).read_text() for name in CATALOG_FILES}
    except OSError:
        return  # meltano cached nothing (an editable install, a custom catalog)
    installed = installed_as(shared, package)
    if installed is None:
        return
    kept = {**files, "installed": installed}
    target = catalog_cache(shared, plugin, catalogs)
    with contextlib.suppress(OSError, ValueError):
        if json.loads(target.read_text()) == kept:
            return
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=target.parent, prefix=f".{plugin}.", delete=False
        ) as handle:
            json.dump(kept, handle)
        os.replace(handle.name, target)


@contextlib.contextmanager
def private_sys_dir(shared: Path) -> Iterator[Path]:
    """A ``.meltano`` of this run's own: the shared one's contents linked in, but ``run/`` apart.

    Why: meltano writes each plugin's config and catalog to
    ``.meltano/run/<plugin>/`` (e.g. ``tap.properties.json``), one folder per
    plugin, not per run. Two runs of the same plugin at once on one machine
    (two accounts, two backfill days) overwrite and delete each other's files
    ("Invalid catalog"). Each run gets its own ``run/``; the installed plugins
    (``extractors/``, ``loaders/``, ...) are the shared ones, linked.
    """
    with tempfile.TemporaryDirectory(prefix="meltano-sys-") as folder:
        private = Path(folder)
        for entry in shared.iterdir() if shared.is_dir() else ():
            if entry.name != "run" and not entry.name.startswith("video-taps-"):
                (private / entry.name).symlink_to(entry)
        yield private


def sys_dir_env(
    private: Path, shared: Path, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Env vars pointing meltano at ``private``; state stays in the shared system database.

    ``environ``: the environment meltano will run with (default: this process's).
    """
    env = {"MELTANO_SYS_DIR_ROOT": str(private)}
    if not (os.environ if environ is None else environ).get("MELTANO_DATABASE_URI"):
        # meltano's default system database is <sys dir>/meltano.db: keep it the shared one.
        env["MELTANO_DATABASE_URI"] = f"sqlite:///{shared / 'meltano.db'}"
    return env


@contextlib.contextmanager
def first_load_lock(shared: Path, schema: str) -> Iterator[float]:
    """Runs loading into a schema whose tables do not all exist yet take turns; yields the wait.

    SDK loaders (target-postgres) create a missing schema and table without ``IF NOT
    EXISTS``: two accounts' first runs at once fail with ``DuplicateSchema`` or
    ``relation "leads" already exists``. A loader creates the tables as soon as it
    reads their SCHEMA messages, so once one such run has ended the others find them.
    An exclusive lock on a file in the shared ``.meltano``: runs on one machine (the
    default run launcher); with run workers on several machines, create the tables
    before the first night (README, "Running at scale").
    """
    folder = shared / "video-taps-locks"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{schema}.lock").open("w") as handle:
        started = time.monotonic()
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield time.monotonic() - started
