"""The end-to-end tier: real meltano, real targets, real PostgreSQL, Dagster and dbt.

The taps run as meltano runs them (subprocesses), against the shared emulator.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.emulator_session import emulator, session_emulator  # noqa: F401 - fixtures
from tests.support.meltano import meltano_install
from tests.support.packaging import Built, build_all
from tests.support.run_once import first_in_run, in_xdist_run, shared_run_folder


@pytest.fixture(autouse=True)
def _fresh_emulator_state(request: pytest.FixtureRequest, session_emulator) -> None:  # noqa: F811
    """No test sees another's faults, volume or clock (``emulator`` resets it itself)."""
    if "emulator" not in request.fixturenames:
        session_emulator.reset()


@pytest.fixture(scope="session", autouse=True)
def _plugins_installed_before_any_meltano_command() -> None:
    """Under xdist, every worker's e2e tests start after the one ``meltano install``.

    In a fresh clone the install also creates the project's system database; a
    meltano command run beside it on the same database (``meltano job list``, say)
    migrates it at the same time, and one of the two fails ("table job already
    exists"). The first worker installs, the others wait for it (``run_once``).
    """
    if in_xdist_run():
        meltano_install()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """Every package built as a release would be (the sdist, then the wheel from it), once.

    The packaging tests inspect and install these; the community-path test installs
    the taps from the same wheels into a new Meltano project.
    """
    shared = shared_run_folder()
    out = shared / "dist" if shared else tmp_path_factory.mktemp("dist")
    with first_in_run("build-packages") as first:
        return build_all(out, already_built=not first)


_HERE = Path(__file__).parent

#: Per test, setup included (pytest-timeout), in this tier: its first test pays for
#: `meltano install` (minutes in a fresh clone with an empty cache), and the Dagster
#: module's first test for a deployment and eleven runs. Other tiers keep 300 s.
E2E_TIMEOUT_S = 900


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this tier gets ``E2E_TIMEOUT_S`` unless it sets its own."""
    for item in items:
        if item.path.is_relative_to(_HERE) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(E2E_TIMEOUT_S))
