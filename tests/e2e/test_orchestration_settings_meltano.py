"""meltano itself resolves the accounts the Dagster code location reads (split from
tests/unit/test_orchestration_settings.py).
"""

from __future__ import annotations

import json

import pytest

from tests.support.meltano import meltano
from tests.unit.test_orchestration_settings import CHILD, project_with_child


@pytest.mark.e2e
def test_meltano_resolves_the_same_accounts(tmp_path):
    """The real meltano, on the same project and variables, prints the same account_ids."""
    project = project_with_child(tmp_path)
    environ = {"TAP_BRIGHTCOVE_AUDIENCE_ACCOUNT_IDS": '["11", "12"]'}
    printed = meltano(
        "config", "print", CHILD, env={**environ, "MELTANO_PROJECT_ROOT": str(tmp_path)}
    ).stdout
    assert json.loads(printed)["account_ids"] == project.setting(CHILD, "account_ids", environ)
