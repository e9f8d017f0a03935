"""The GitHub workflows: clean under zizmor and actionlint, and shaped as a release needs.

They cannot run here, so what can be checked offline is: both linters find
nothing (zizmor with its pedantic audits, actionlint with shellcheck on the
``run:`` scripts), both linters do report a broken workflow (so a clean result
means something), and the structure a safe release depends on -- every action
pinned to a commit, no credentials left in a checkout, the test matrix over
every claimed Python, publishing by PyPI trusted publishing alone.
"""

from __future__ import annotations

import re
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml

from tests.support.meltano import PROJECT_ROOT
from tests.support.pythons import CLAIMED

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
PUBLISHED = (
    "video-taps-common",
    "tap-brightcove-audience",
    "tap-brightcove-interactivity",
    "tap-ibm-video",
    "tap-apivideo",
)
#: ``owner/repo[/path]@<40 hex>``: an action or reusable workflow pinned to a commit.
PINNED = re.compile(r"[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}")

#: A workflow with the mistakes the linters exist for: an action by a movable
#: tag, a checkout keeping its token, attacker-controlled text expanded into a
#: shell script, a matrix key that does not exist, no permissions block.
BROKEN_WORKFLOW = """\
name: Broken
on:
  pull_request_target:
jobs:
  greet:
    runs-on: ubuntu-24.04
    strategy:
      matrix:
        python: ["3.11"]
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }} on ${{ matrix.pyhton }}"
"""


def _zizmor(*inputs: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN / "zizmor", "--offline", "--pedantic", "--no-progress", "--color", "never", *inputs],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _actionlint(*workflows: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN / "jactionlint", f"--shellcheck={BIN / 'shellcheck'}", "--no-color", *workflows],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _workflow(name: str) -> dict[str, t.Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def _triggers(workflow: dict[str, t.Any]) -> dict[str, t.Any]:
    # YAML 1.1 reads the key `on` as true.
    return workflow.get("on", workflow.get(True))


def _steps(workflow: dict[str, t.Any]) -> list[tuple[str, dict[str, t.Any]]]:
    return [
        (job_id, step) for job_id, job in workflow["jobs"].items() for step in job.get("steps", [])
    ]


def test_there_is_a_test_and_a_release_workflow():
    assert sorted(p.name for p in WORKFLOWS.iterdir()) == ["release.yml", "test.yml"]


def test_zizmor_finds_nothing_in_the_workflows():
    audit = _zizmor(WORKFLOWS)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings to report" in audit.stdout


def test_actionlint_finds_nothing_in_the_workflows():
    lint = _actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "shellcheck was not found" not in lint.stdout + lint.stderr


def test_both_linters_report_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(BROKEN_WORKFLOW)

    audit = _zizmor(broken)
    assert audit.returncode != 0
    for finding in ("unpinned-uses", "artipacked", "template-injection", "dangerous-triggers"):
        assert f"[{finding}]" in audit.stdout, audit.stdout

    lint = _actionlint(broken)
    assert lint.returncode != 0
    assert "pyhton" in lint.stdout, lint.stdout


@pytest.mark.parametrize("name", ["test.yml", "release.yml"])
def test_every_action_is_pinned_to_a_commit_and_no_checkout_keeps_credentials(name):
    workflow = _workflow(name)
    assert workflow["permissions"] == {}, "nothing by default; each job asks for what it needs"
    for job_id, job in workflow["jobs"].items():
        assert "permissions" in job, f"{name}: job {job_id} says what it may do"
        if "uses" in job:  # a reusable workflow of this repository, at this commit
            assert job["uses"].startswith("$/.github/workflows/"), job["uses"]
    text = (WORKFLOWS / name).read_text()
    for job_id, step in _steps(workflow):
        if "uses" not in step:
            continue
        assert PINNED.fullmatch(step["uses"]), f"{name}: {job_id} uses {step['uses']}"
        # The version the commit is, for the reader and for updates.
        assert re.search(rf"{re.escape(step['uses'])} # v\d+(\.\d+)*\n", text), step["uses"]
        if step["uses"].startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, f"{name}: {job_id}"
    assert "secrets." not in text, "no stored secret is used"


def test_the_test_workflow_runs_make_test_with_the_taps_on_every_python():
    workflow = _workflow("test.yml")
    triggers = {"push", "pull_request", "workflow_dispatch", "workflow_call"}
    assert set(_triggers(workflow)) == triggers
    [job] = workflow["jobs"].values()
    pythons = job["strategy"]["matrix"]["python"]
    assert pythons == [*CLAIMED, "3.14"], "every Python claimed, and the next one"
    assert job["strategy"]["fail-fast"] is False
    assert job["permissions"] == {"contents": "read"}

    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0, "the tags the packages' versions come from"
    [setup] = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["python-version"].splitlines() == ["${{ matrix.python }}", "3.11"]
    runs = [s for s in job["steps"] if s.get("run", "").startswith("make test")]
    # The README's test command with the project's .venv on 3.11, then the pythons
    # tier with the taps installed into the matrix's Python.
    assert [s["run"] for s in runs] == [
        "make test PYTHON=python3.11",
        "make test-pythons PYTHON=python3.11",
    ]
    assert runs[1]["env"] == {"VIDEO_TAPS_PYTHONS": "python${{ matrix.python }}"}


def test_the_release_publishes_the_five_from_a_tag_with_trusted_publishing_only():
    workflow = _workflow("release.yml")
    assert _triggers(workflow) == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}
    jobs = workflow["jobs"]
    assert list(jobs) == ["test", "build", "publish"]
    assert jobs["test"]["uses"] == "$/.github/workflows/test.yml"
    assert jobs["build"]["needs"] == "test"
    assert jobs["publish"]["needs"] == "build"

    build = jobs["build"]
    assert build["env"]["PACKAGES"].split() == list(PUBLISHED)
    assert build["permissions"] == {"contents": "read"}
    checkout = build["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0, "the tag and history hatch-vcs reads"
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    for command in (
        "-r requirements-release.txt",
        "python -m build --outdir dist",
        "twine check --strict dist/*",
        "check-wheel-contents --no-config dist/*.whl",
    ):
        assert command in runs

    publish = jobs["publish"]
    assert publish["environment"] == {"name": "pypi"}
    assert publish["permissions"] == {"id-token": "write"}
    for job_id, job in jobs.items():
        if job_id != "publish":
            assert "id-token" not in job.get("permissions", {}), job_id
    [upload] = [s for s in publish["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert "with" not in upload, "no user, password or repository: trusted publishing to PyPI"
    assert not any("run" in step for step in publish["steps"]), "no repository code runs here"
