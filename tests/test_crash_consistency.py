"""`--apply` killed at every write point in turn (each rename, each SQLite commit, each backup copy,
before and after it) leaves every file as it was before or as the repair leaves it, nothing half
written; and the next run completes the repair. The standalone scripts are held to the same.

The kill is real: the process ends with os._exit at the write point, so no rollback or cleanup runs.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from state_trees import build

ROOT = Path(__file__).resolve().parent.parent

# Counts write points and ends the process, with no cleanup, at the one numbered CLAWKB_CRASH_AT.
INJECT = r"""
import os, shutil, sqlite3, sys
_at = int(os.environ["CLAWKB_CRASH_AT"])
_n = [0]
def _point(what):
    _n[0] += 1
    if _n[0] == _at:
        os.write(2, ("crashed at " + what + "\n").encode())
        os._exit(137)
def _around(fn, what):
    def wrapped(*a, **kw):
        _point(what + " (before)")
        r = fn(*a, **kw)
        _point(what + " (after)")
        return r
    return wrapped
os.replace = _around(os.replace, "rename")
shutil.copyfile = _around(shutil.copyfile, "backup copy")
class _Con(sqlite3.Connection):
    def execute(self, sql, *a):
        if sql.strip().upper() == "COMMIT":
            _point("commit (before)")
            r = super().execute(sql, *a)
            _point("commit (after)")
            return r
        return super().execute(sql, *a)
    def backup(self, *a, **kw):
        _point("sqlite backup (before)")
        r = super().backup(*a, **kw)
        _point("sqlite backup (after)")
        return r
_connect = sqlite3.connect
sqlite3.connect = lambda *a, **kw: _connect(*a, factory=_Con, **kw)
"""

CASES = [  # (layout, signature whose repair runs, repair)
    ("legacy", "stale-billing-disabled-until", "clear-billing-lockout"),
    ("split", "stale-oauth-profile-poisons-provider", "remove-stale-profile"),  # three files
    ("sqlite", "isolated-cron-extra-usage", "move-isolated-cron-to-main"),      # cron rows, then a lockout row
    ("shared", "stale-billing-disabled-until", "clear-billing-lockout"),        # rows in two agent databases
    ("statedb", "isolated-cron-extra-usage", "move-isolated-cron-to-main"),     # job_json rows, config_machine_state
]


def logical(root: Path) -> dict:
    """The state as OpenClaw reads it: JSON parsed, SQLite rows without their write times."""
    out = {}
    for p in sorted(root.rglob("*")):
        # a kill before a rename leaves clawkb's temp file, which the next run removes (checked there)
        if not p.is_file() or ".clawkb-backups" in p.parts or \
                p.name.endswith(("-wal", "-shm", "-journal", ".lock", ".clawkb-tmp")):
            continue
        rel = str(p.relative_to(root))
        if p.suffix == ".sqlite":
            con = sqlite3.connect(p)
            tables = {}
            for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
                cur = con.execute(f'SELECT * FROM "{name}"')
                cols = [c[0] for c in cur.description]
                tables[name] = sorted(json.dumps({c: v for c, v in zip(cols, row) if not c.startswith("updated_at")},
                                                 sort_keys=True) for row in cur)
            con.close()
            out[rel] = tables
        elif p.suffix == ".json":
            out[rel] = json.loads(p.read_text())
        else:
            out[rel] = p.read_bytes()
    return out


def run(command, state: Path, crash_at: int = 0):
    env = dict(os.environ, CLAWKB_CRASH_AT=str(crash_at), PYTHONPATH=str(ROOT))
    code = INJECT + command
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def cli(sig, state):
    return f"\nfrom clawkb.kb.cli import main\nsys.exit(main(['fix', {sig!r}, '--state-dir', {str(state)!r}, '--apply']))\n"


def script(path, state):
    return (f"\nimport runpy\nsys.argv = [{str(path)!r}, '--state-dir', {str(state)!r}, '--apply']\n"
            f"runpy.run_path({str(path)!r}, run_name='__main__')\n")


def per_file_before_or_after(now: dict, before: dict, after: dict) -> list:
    """Files (and SQLite tables) that are neither as before nor as after."""
    bad = []
    for name in sorted(set(now) | set(before) | set(after)):
        n, b, a = now.get(name), before.get(name), after.get(name)
        if isinstance(n, dict) and name.endswith(".sqlite"):
            for t in sorted(set(n) | set(b or {}) | set(a or {})):
                rows_now, rows_b, rows_a = set(n.get(t, [])), set((b or {}).get(t, [])), set((a or {}).get(t, []))
                if not rows_now <= rows_b | rows_a or not all(r in rows_now for r in rows_b & rows_a):
                    bad.append(f"{name}:{t}")
        elif n != b and n != a:
            bad.append(name)
    return bad


def crash_everywhere(tmp_path, layout, make_command):
    base = build(tmp_path / "base", layout)
    done = tmp_path / "done"
    shutil.copytree(base, done, symlinks=True)
    before = logical(base)
    p = run(make_command(done), done)
    assert p.returncode == 0, p.stderr
    after = logical(done)
    assert after != before
    points = 0
    for k in range(1, 200):
        state = tmp_path / f"crash{k}"
        shutil.copytree(base, state, symlinks=True)
        p = run(make_command(state), state, crash_at=k)
        if p.returncode != 137:  # no write point numbered k: the run went through whole
            assert p.returncode == 0, p.stderr
            assert logical(state) == after
            break
        points += 1
        assert not per_file_before_or_after(logical(state), before, after), (p.stderr, k)
        again = run(make_command(state), state)  # the next run completes the repair
        assert again.returncode == 0, (k, p.stderr, again.stderr)
        assert logical(state) == after, (k, p.stderr)
        assert not list(state.rglob("*.clawkb-tmp")), (k, p.stderr)  # no temp copy of credentials left
        shutil.rmtree(state)
    return points


@pytest.mark.parametrize("layout,sig,repair", CASES, ids=[c[0] for c in CASES])
def test_clawkb_fix_killed_at_every_write_point(tmp_path, layout, sig, repair):
    assert crash_everywhere(tmp_path, layout, lambda state: cli(sig, state)) >= 4


@pytest.mark.parametrize("layout,sig,repair", CASES[:2], ids=[c[0] for c in CASES[:2]])
def test_standalone_script_killed_at_every_write_point(tmp_path, layout, sig, repair):
    from clawkb.kb.remedies.bundle import build_script, script_filename

    path = tmp_path / script_filename(repair)
    path.write_text(build_script(repair))
    assert crash_everywhere(tmp_path, layout, lambda state: script(path, state)) >= 4


def test_a_crashed_apply_is_undone_by_its_backup(tmp_path):
    """Killed after the first of three files was renamed into place: --restore --force of the backup
    it left puts everything back as it was."""
    base = build(tmp_path / "s", "split")
    before = logical(base)
    for k in range(1, 60):
        p = run(cli("stale-oauth-profile-poisons-provider", base), base, crash_at=k)
        assert p.returncode == 137, p.stderr
        if "rename (after)" in p.stderr and logical(base) != before:
            break
        shutil.rmtree(base / ".clawkb-backups", ignore_errors=True)
    (backup,) = (base / ".clawkb-backups").iterdir()
    r = subprocess.run([sys.executable, "-m", "clawkb", "fix", "--restore", str(backup), "--force"], capture_output=True,
                       text=True, cwd=ROOT, env=dict(os.environ), timeout=120)
    assert r.returncode == 0, r.stderr
    assert logical(base) == before
