"""`clawkb doctor` and `clawkb fix` on real-shaped state trees of every layout."""
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clawkb.kb.remedies.repairs import REPAIRS as ALL_REPAIRS
from state_trees import HOUR, LAYOUTS, SECRETS, build, now, snapshot

ROOT = Path(__file__).resolve().parent.parent
SEED_WITH_STATE = {"stale-billing-disabled-until", "provider-wide-402-proxy", "stale-oauth-profile-poisons-provider",
                   "isolated-cron-extra-usage"}


def clawkb(*args, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "clawkb", *map(str, args)], capture_output=True, text=True, env=e,
                          cwd=ROOT, timeout=120)


def no_secret(text):
    for s in SECRETS.values():
        assert s not in text and s[14:40] not in text


@pytest.fixture(params=LAYOUTS)
def broken(request, tmp_path):
    return build(tmp_path / "openclaw", request.param)


@pytest.fixture(params=LAYOUTS)
def healthy(request, tmp_path):
    return build(tmp_path / "openclaw", request.param, broken=False)


def doctor(state):
    p = clawkb("doctor", "--state-dir", state, "--format", "json")
    return p, (json.loads(p.stdout) if p.stdout.strip() else None)


def test_doctor_finds_every_seed_condition_in_every_layout(broken):
    p, rec = doctor(broken)
    assert p.returncode == 0, p.stderr
    assert rec["input"] == str(broken) and rec["openclaw_version"]
    assert {d["id"] for d in rec["diagnoses"]} == SEED_WITH_STATE
    lock = next(d for d in rec["diagnoses"] if d["id"] == "stale-billing-disabled-until")
    assert any("from now" in e["text"] and "since" in e["text"] for e in lock["evidence"])
    no_secret(p.stdout + p.stderr)


def test_doctor_is_silent_on_healthy_state(healthy):
    p, rec = doctor(healthy)
    assert p.returncode == 1 and rec["diagnoses"] == []
    assert "healthy" in clawkb("doctor", "--state-dir", healthy).stdout


def test_doctor_never_writes(broken):
    before = snapshot(broken)
    doctor(broken)
    assert snapshot(broken) == before


def test_fix_dry_run_shows_a_masked_diff_and_changes_nothing(broken):
    before = snapshot(broken)
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", broken)
    assert p.returncode == 0, p.stderr
    assert "dry run" in p.stdout and '-      "disabledReason": "billing"' in p.stdout
    assert "openclaw models auth login --provider anthropic" in p.stdout
    no_secret(p.stdout)
    assert snapshot(broken) == before


@pytest.mark.parametrize("sig", sorted(SEED_WITH_STATE - {"provider-wide-402-proxy"}))
def test_fix_repairs_and_a_second_run_has_nothing_to_do(broken, sig):
    p = clawkb("fix", sig, "--state-dir", broken, "--apply")
    assert p.returncode == 0, p.stderr + p.stdout
    assert "backup:" in p.stdout
    no_secret(p.stdout)
    _, rec = doctor(broken)
    assert sig not in {d["id"] for d in rec["diagnoses"]}
    again = clawkb("fix", sig, "--state-dir", broken, "--apply")
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_clearing_billing_keeps_every_other_field(tmp_path):
    state = build(tmp_path / "s", "split")
    clawkb("fix", "stale-billing-disabled-until", "--state-dir", state, "--apply")
    stats = json.loads((state / "agents/main/agent/auth-state.json").read_text())["usageStats"]["anthropic:default"]
    assert "disabledUntil" not in stats and "disabledReason" not in stats
    assert stats["failureCounts"] == {"rate_limit": 1} and stats["errorCount"] == 1
    assert stats["cooldownReason"] == "rate_limit" and "lastFailureAt" in stats


def test_json_writes_keep_mode(tmp_path):
    state = build(tmp_path / "s", "split")
    f = state / "agents/main/agent/auth-state.json"
    f.chmod(0o640)
    clawkb("fix", "stale-billing-disabled-until", "--state-dir", state, "--apply")
    assert f.stat().st_mode & 0o777 == 0o640


def test_isolated_cron_moves_to_main_in_sqlite_rows_too(tmp_path):
    state = build(tmp_path / "s", "sqlite")
    assert clawkb("fix", "isolated-cron-extra-usage", "--state-dir", state, "--apply").returncode == 0
    con = sqlite3.connect(state / "state" / "openclaw.sqlite")
    rows = dict(con.execute("SELECT job_id, session_target || ' ' || payload_kind FROM cron_jobs"))
    job = json.loads(con.execute("SELECT job_json FROM cron_jobs WHERE job_id='7f3a91c2'").fetchone()[0])
    assert rows == {"7f3a91c2": "main systemEvent", "a1b2c3d4": "isolated agentTurn"}  # the OpenAI job stays
    assert job["sessionTarget"] == "main" and job["payload"] == {"kind": "systemEvent", "text": "Summarise yesterday's inbox"}


def test_stale_profile_is_removed_from_store_order_and_config(tmp_path):
    state = build(tmp_path / "s", "split")
    p = clawkb("fix", "stale-oauth-profile-poisons-provider", "--state-dir", state, "--apply")
    assert p.returncode == 0, p.stderr
    store = json.loads((state / "agents/main/agent/auth-profiles.json").read_text())
    st = json.loads((state / "agents/main/agent/auth-state.json").read_text())
    cfg = json.loads((state / "openclaw.json").read_text())
    assert "anthropic:manual" not in store["profiles"] and "anthropic:claude-cli" in store["profiles"]
    assert "anthropic:manual" not in st["order"]["anthropic"]
    assert "anthropic:manual" not in cfg["auth"]["profiles"] and "anthropic:manual" not in cfg["auth"]["order"]["anthropic"]


def test_json5_config_is_left_for_the_user_with_a_diff(tmp_path):
    state = build(tmp_path / "s", "split", json5=True)
    before = (state / "openclaw.json").read_bytes()
    p = clawkb("fix", "stale-oauth-profile-poisons-provider", "--state-dir", state, "--apply")
    assert p.returncode == 1 and "review and apply by hand" in p.stdout  # the auth store is done, the config is not
    assert "left to do by hand" in p.stderr
    assert (state / "openclaw.json").read_bytes() == before
    no_secret(p.stdout)


def test_provider_wide_402_prints_the_config_split_and_clears_the_lockout(tmp_path):
    state = build(tmp_path / "s", "split")
    p = clawkb("fix", "provider-wide-402-proxy", "--state-dir", state, "--apply")
    assert p.returncode == 1 and "left to do by hand" in p.stderr, p.stderr  # the lockout cleared, the split not
    assert "split-proxy-provider: to make by hand" in p.stdout and "--apply changes nothing here" in p.stdout
    assert "clear-billing-lockout: applying" in p.stdout and "done; backup:" in p.stdout
    assert '"litellm-nanogpt"' in p.stdout and '"litellm-deepseek"' in p.stdout
    assert "litellm-nanogpt/nanogpt/kimi-k2.5" in p.stdout  # fallbacks rewritten in the proposal
    assert json.loads((state / "openclaw.json").read_text())["models"]["providers"].keys() == {"litellm"}  # not applied
    no_secret(p.stdout)


def test_the_split_script_says_it_changes_nothing_and_does_not_exit_0_on_apply(tmp_path):
    state = build(tmp_path / "s", "split")
    subprocess.run([sys.executable, "-m", "clawkb", "scripts", str(tmp_path / "scripts")], check=True, capture_output=True)
    before = snapshot(state)
    p = subprocess.run([sys.executable, str(tmp_path / "scripts" / "openclaw-split-proxy-provider.py"), "--state-dir",
                        str(state), "--apply"], capture_output=True, text=True, env=dict(os.environ))
    assert p.returncode == 1 and "to make by hand" in p.stdout and "applying" not in p.stdout
    assert snapshot(state) == before


def test_fixed_upstream_bugs_name_the_fixing_version(tmp_path):
    state = build(tmp_path / "s", "legacy")
    p = clawkb("fix", "billing-cooldown-skip-generic-error", "--state-dir", state)
    assert "2026.4.15" in p.stdout and "upgrade from 2026.4.5" in p.stdout


def test_restore_puts_the_backup_back(broken):
    before = snapshot(broken)
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", broken, "--apply")
    backup_dir = p.stdout.split("undo: --restore ")[1].split(")")[0]
    assert snapshot(broken) != before
    assert SECRETS["api"][14:30] not in backup_dir
    r = clawkb("fix", "--restore", backup_dir)
    assert r.returncode == 0, r.stderr
    assert snapshot(broken) == before


def test_backups_are_private_and_named_without_secrets(tmp_path):
    state = build(tmp_path / "s", "split")
    clawkb("fix", "stale-oauth-profile-poisons-provider", "--state-dir", state, "--apply")
    (backup,) = (state / ".clawkb-backups").iterdir()
    assert backup.stat().st_mode & 0o777 == 0o700
    for f in backup.rglob("*"):
        no_secret(str(f))


# --------------------------------------------------------------------------- fault injection

def test_crash_between_write_and_rename_leaves_the_original(tmp_path, monkeypatch):
    from clawkb.kb.remedies import backups as st
    from clawkb.kb.remedies.repairs import plan_clear_lockout

    state = build(tmp_path / "s", "split")
    before = snapshot(state)

    def crash(src, dst):
        raise OSError("simulated power loss before rename")

    monkeypatch.setattr(st.os, "replace", crash)
    with pytest.raises(st.StateError, match="every file is as it was"):
        st.apply(plan_clear_lockout(state))
    assert snapshot(state) == before
    assert not list(state.rglob("*.clawkb-tmp"))


def test_failure_halfway_puts_back_what_was_written(tmp_path, monkeypatch):
    from clawkb.kb.remedies import backups as st
    from clawkb.kb.remedies.repairs import plan_remove_profile

    state = build(tmp_path / "s", "split")
    before = snapshot(state)
    real = st.atomic_write_bytes
    calls = []

    def second_state_write_fails(path, payload, **kw):
        if ".clawkb-backups" not in str(path):
            calls.append(path)
            if len(calls) == 2:
                raise OSError("disk full")
        real(path, payload, **kw)

    monkeypatch.setattr(st, "atomic_write_bytes", second_state_write_fails)
    with pytest.raises(st.StateError, match="every file is as it was: .* put back from the backup"):
        st.apply(plan_remove_profile(state, "anthropic:manual"))
    monkeypatch.setattr(st, "atomic_write_bytes", real)
    assert snapshot(state) == before


def test_a_locked_database_is_a_clear_error_and_no_change(tmp_path, monkeypatch):
    state = build(tmp_path / "s", "sqlite")
    for module in ("openclaw_state", "writes", "backups"):
        monkeypatch.setattr(f"clawkb.kb.remedies.{module}.BUSY_TIMEOUT_S", 0.2)
    db = state / "agents/main/agent/openclaw-agent.sqlite"
    from clawkb.kb.remedies import backups as st
    from clawkb.kb.remedies.repairs import plan_clear_lockout
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # locked before clawkb reads
        with pytest.raises(st.StateError, match="locked by another process"):
            st.apply(plan_clear_lockout(state))
        holder.execute("ROLLBACK")
        plan = plan_clear_lockout(state)
        holder.execute("BEGIN IMMEDIATE")  # a writer takes the lock after clawkb has read
        holder.execute("UPDATE schema_meta SET updated_at = updated_at")
        with pytest.raises(st.StateError, match="locked by another process"):
            st.apply(plan)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    stats = json.loads(sqlite3.connect(db).execute("SELECT state_json FROM auth_profile_state").fetchone()[0])
    assert stats["usageStats"]["anthropic:default"]["disabledReason"] == "billing"


def test_truncated_json_is_refused_untouched(tmp_path):
    state = build(tmp_path / "s", "split")
    f = state / "agents/main/agent/auth-state.json"
    f.write_text(f.read_text()[:200])
    before = snapshot(state)
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", state, "--apply")
    assert p.returncode == 2 and "not valid JSON" in p.stderr and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines()[-1].startswith("clawkb: ")  # said as every clawkb error is
    p = clawkb("doctor", "--state-dir", state)  # says which part it could not read, and checks the rest
    assert "not checked:" in p.stderr and "not valid JSON" in p.stderr and "Traceback" not in p.stderr
    assert p.returncode == 0 and "isolated-cron-extra-usage" in p.stdout
    assert snapshot(state) == before


def test_one_malformed_agent_does_not_hide_another_agents_lockout(tmp_path):
    state = build(tmp_path / "s", "shared")
    (state / "agents/broken/agent").mkdir(parents=True)
    (state / "agents/broken/agent/auth-profiles.json").write_text("{not json")
    p, rec = doctor(state)
    assert p.returncode == 0 and "agents/broken/agent/auth-profiles.json" in p.stderr
    assert rec["unreadable"] and "stale-billing-disabled-until" in {d["id"] for d in rec["diagnoses"]}
    lock = next(d for d in rec["diagnoses"] if d["id"] == "stale-billing-disabled-until")
    assert {e["text"].split(":")[0] for e in lock["evidence"]} == {"agent main", "agent ken"}


def test_unknown_layout_is_refused(tmp_path):
    state = build(tmp_path / "s", "split")
    (state / "agents/main/agent/auth-state.json").write_text(json.dumps({"usageStats": ["not", "a", "map"]}))
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", state)
    assert p.returncode == 2 and "unknown layout" in p.stderr


def test_a_running_gateway_is_detected_and_respected(tmp_path):
    state = build(tmp_path / "s", "split")
    before = snapshot(state)
    # a gateway of this state dir (one of another, such as the developer's own ~/.openclaw, does not count)
    gw = subprocess.Popen(["bash", "-c", "exec -a openclaw-gateway sleep 30"], env=dict(os.environ, OPENCLAW_STATE_DIR=str(state)))
    try:
        time.sleep(0.3)
        e = dict(os.environ)
        p = subprocess.run([sys.executable, "-m", "clawkb", "fix", "stale-billing-disabled-until", "--state-dir",
                            str(state), "--apply"], capture_output=True, text=True, env=e, cwd=ROOT)
        assert p.returncode == 2 and "gateway is running" in p.stderr and f"pid {gw.pid}" in p.stderr
        assert snapshot(state) == before
        forced = subprocess.run([sys.executable, "-m", "clawkb", "fix", "stale-billing-disabled-until", "--state-dir",
                                 str(state), "--apply", "--force"], capture_output=True, text=True, env=e, cwd=ROOT)
        assert forced.returncode == 0 and snapshot(state) != before
    finally:
        gw.kill()
        gw.wait()


def test_missing_state_dir_is_one_line():
    p = clawkb("doctor", "--state-dir", "/nonexistent/.openclaw")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- standalone scripts

def test_standalone_script_runs_on_the_system_python_with_the_same_result(tmp_path):
    from clawkb.kb.remedies.bundle import build_script

    script = tmp_path / "openclaw-clear-billing-lockout.py"
    script.write_text(build_script("clear-billing-lockout"))
    a = build(tmp_path / "a", "shared")
    b = build(tmp_path / "b", "shared")
    env = dict(os.environ)
    # a python without clawkb or its dependencies on the path: the standard library only
    p = subprocess.run([sys.executable, "-I", "-S", str(script), "--state-dir", str(a), "--apply"],
                       capture_output=True, text=True, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert clawkb("fix", "stale-billing-disabled-until", "--state-dir", b, "--apply").returncode == 0
    strip = lambda snap: {k: v for k, v in snap.items() if not k.endswith(".sqlite")}
    assert strip(snapshot(a)) == strip(snapshot(b))
    for db in ("agents/main/agent/openclaw-agent.sqlite", "agents/ken/agent/openclaw-agent.sqlite"):
        sa = json.loads(sqlite3.connect(a / db).execute("SELECT state_json FROM auth_profile_state").fetchone()[0])
        sb = json.loads(sqlite3.connect(b / db).execute("SELECT state_json FROM auth_profile_state").fetchone()[0])
        shape = lambda st: {pid: sorted(v) for pid, v in st["usageStats"].items()}
        assert shape(sa) == shape(sb) and "disabledReason" not in sa["usageStats"]["anthropic:default"]
    no_secret(p.stdout)


def test_every_repair_has_a_script_that_compiles_for_python_39(tmp_path):
    import ast
    from clawkb.kb.remedies.bundle import build_script
    from clawkb.kb.remedies.repairs import REPAIRS

    for r in REPAIRS:
        src = build_script(r)
        ast.parse(src, feature_version=(3, 9))
        imports = [line for line in src.splitlines() if line.lstrip().startswith(("import ", "from "))]
        assert not [line for line in imports if "clawkb" in line or " matcher" in line or " kb" in line], r


def test_non_billing_cooldowns_are_cleared_and_billing_is_left(tmp_path):
    state = build(tmp_path / "s", "split")
    f = state / "agents/main/agent/auth-state.json"
    data = json.loads(f.read_text())
    data["usageStats"]["anthropic:claude-cli"].update(cooldownUntil=4102444800000, cooldownReason="timeout",
                                                       failureCounts={"timeout": 2}, errorCount=2)
    f.write_text(json.dumps(data, indent=2))
    p = clawkb("fix", "auth-profile-cooldown-non-billing", "--state-dir", state, "--apply")
    assert p.returncode == 0, p.stderr
    after = json.loads(f.read_text())["usageStats"]
    assert "cooldownUntil" not in after["anthropic:claude-cli"] and after["anthropic:claude-cli"]["errorCount"] == 0
    assert after["anthropic:default"]["disabledReason"] == "billing"  # a billing lockout is not this repair's
    assert after["anthropic:default"]["cooldownReason"] == "rate_limit"  # nor a rate limit


# --------------------------------------------------------------------------- what a repair may touch (issue 13: data loss)

def _auth(state):
    d = state / "agents/main/agent"
    return json.loads((d / "auth-profiles.json").read_text()), json.loads((d / "auth-state.json").read_text())


def test_the_stale_profile_command_doctor_prints_keeps_a_billing_locked_key(tmp_path):
    """anthropic:default is an API key locked out for billing: a working credential. Running the repair
    exactly as doctor prints it removes only the expired setup token."""
    import shlex

    state = build(tmp_path / "s", "split")
    _, rec = doctor(state)
    stale = next(d for d in rec["diagnoses"] if d["id"] == "stale-oauth-profile-poisons-provider")
    assert stale["fix_commands"] == [stale["fix_command"]] and "--profile anthropic:manual" in stale["fix_command"]
    assert not any("anthropic:default" in e["text"].split(":", 2)[-1].split(",")[0] for e in stale["evidence"])
    p = clawkb(*shlex.split(stale["fix_command"])[1:], "--apply")
    assert p.returncode == 0, p.stderr
    store, st = _auth(state)
    cfg = json.loads((state / "openclaw.json").read_text())
    assert "anthropic:manual" not in store["profiles"]
    assert store["profiles"]["anthropic:default"]["key"] == SECRETS["api"]
    assert st["usageStats"]["anthropic:default"]["disabledReason"] == "billing"  # the lockout is the other repair's
    assert "anthropic:default" in st["order"]["anthropic"] and "anthropic:default" in cfg["auth"]["order"]["anthropic"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_stale_repair_without_a_profile_never_removes_a_locked_working_key(tmp_path, layout):
    state = build(tmp_path / "s", layout)
    p = clawkb("fix", "stale-oauth-profile-poisons-provider", "--state-dir", state, "--apply")
    assert p.returncode == 0, p.stderr
    assert "remove profile anthropic:manual" in p.stdout
    removed = [l for l in p.stdout.splitlines() if (l.startswith("-") and not l.startswith("---")) or l.startswith("# ")]
    assert not [l for l in removed if "anthropic:default" in l or "litellm:default" in l], removed
    _, after = doctor(state)
    assert "stale-billing-disabled-until" in {d["id"] for d in after["diagnoses"]}  # still there to clear


def test_naming_a_working_profile_for_removal_is_refused(tmp_path):
    state = build(tmp_path / "s", "split")
    before = snapshot(state)
    p = clawkb("fix", "stale-oauth-profile-poisons-provider", "--state-dir", state, "--profile", "anthropic:default", "--apply")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "anthropic:default is not stale" in p.stderr and "stale-billing-disabled-until --profile anthropic:default" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert snapshot(state) == before


@pytest.mark.parametrize("kind,fields,dead", [
    ("token", {"expires": -1}, True),                                # a setup token past its expiry
    ("oauth", {"expires": -1, "refresh": "r"}, False),               # renewed by its refresh token
    ("oauth", {"expires": -1}, True),                                # expired, nothing to renew it with
    ("api_key", {"key": "sk-ant-oat01-" + "x" * 40}, True),          # a setup token where an API key goes
    ("api_key", {"key": "sk-ant-api03-" + "x" * 40}, False),
    ("api_key", {}, True),                                           # OpenClaw: missing_credential
    ("token", {"token": "t"}, False),                                # a token without expiry does not expire
    ("oauth", {"refresh": "r"}, False),
])
def test_what_counts_as_a_dead_credential(kind, fields, dead):
    from clawkb.kb.remedies.repairs import credential_problem

    at = int(time.time() * 1000)
    prof = {"type": kind, "provider": "anthropic", **({"token": "t", "access": "a"} if kind != "api_key" else {}),
            **{k: (at - 1000 if v == -1 else v) for k, v in fields.items()}}
    if kind == "oauth" and "access" in prof and fields.get("expires") is None and "refresh" in fields:
        prof.pop("access")
    assert (credential_problem("anthropic:x", prof, {}, at) is not None) is dead
    locked = {"disabledReason": "billing", "disabledUntil": at + 3_600_000}
    assert (credential_problem("anthropic:x", prof, locked, at) is not None) is dead  # a lockout changes nothing
    assert credential_problem("anthropic:x", {"type": "api_key", "key": "k"}, {"disabledReason": "auth_permanent"}, at)


def test_the_billing_repair_clears_only_the_lockouts_in_force(tmp_path):
    state = build(tmp_path / "s", "split")
    f = state / "agents/main/agent/auth-state.json"
    st = json.loads(f.read_text())
    ended = {"errorCount": 2, "failureCounts": {"billing": 2}, "disabledReason": "billing",
             "disabledUntil": int(time.time() * 1000) - 3_600_000}
    st["usageStats"]["anthropic:claude-cli"] = dict(ended)
    f.write_text(json.dumps(st, indent=2))
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", state, "--apply")
    assert p.returncode == 0, p.stderr
    assert "anthropic:claude-cli" not in p.stdout
    after = json.loads(f.read_text())["usageStats"]
    assert after["anthropic:claude-cli"] == ended  # an ended window is history, left as it was
    assert "disabledUntil" not in after["anthropic:default"] and "disabledUntil" not in after["litellm:default"]
    assert after["anthropic:default"]["cooldownReason"] == "rate_limit"  # a different reason, not reported


# --------------------------------------------------------------------------- OpenClaw's lock, restores that lose nothing

def _sleeper():
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def test_apply_waits_for_openclaws_lock_and_refuses_while_a_live_writer_holds_it(tmp_path, monkeypatch):
    from clawkb.kb.remedies import backups, writes
    from clawkb.kb.remedies.repairs import plan_clear_lockout

    state = build(tmp_path / "s", "split")
    monkeypatch.setattr(writes, "LOCK_WAIT_S", 0.3)
    lock = state / "agents/main/agent/auth-profiles.json.lock"
    writer = _sleeper()
    try:
        lock.write_text(json.dumps({"pid": writer.pid, "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}))
        before = snapshot(state)
        with pytest.raises(backups.StateError, match=f"locked by pid {writer.pid}.*nothing was changed"):
            backups.apply(plan_clear_lockout(state))
    finally:
        writer.kill()
        writer.wait()
    assert snapshot(state) == before
    backups.apply(plan_clear_lockout(state))  # its pid is dead now: a stale lock, removed as OpenClaw does
    assert not lock.exists()


def test_the_gateway_cannot_write_between_the_recheck_and_the_rename(tmp_path, monkeypatch):
    """While clawkb writes, OpenClaw's own exclusive create of the lock fails, so its writer waits."""
    from clawkb.kb.remedies import backups
    from clawkb.kb.remedies.repairs import plan_clear_lockout

    state = build(tmp_path / "s", "split")
    lock = state / "agents/main/agent/auth-profiles.json.lock"
    seen = []
    real = backups.atomic_write_bytes

    def write(path, payload, **kw):
        if ".clawkb-backups" not in str(path):
            try:
                os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                seen.append("gateway got the lock")
            except FileExistsError:
                seen.append(json.loads(lock.read_text())["pid"])
        real(path, payload, **kw)

    monkeypatch.setattr(backups, "atomic_write_bytes", write)
    backups.apply(plan_clear_lockout(state))
    assert seen == [os.getpid()] and not lock.exists()


def test_a_file_rewritten_after_the_plan_was_read_is_not_overwritten(tmp_path, monkeypatch):
    from clawkb.kb.remedies import backups
    from clawkb.kb.remedies.repairs import plan_clear_lockout

    state = build(tmp_path / "s", "split")
    plan = plan_clear_lockout(state)
    f = state / "agents/main/agent/auth-state.json"
    st = json.loads(f.read_text())
    st["usageStats"]["anthropic:claude-cli"]["lastUsed"] += 1  # the gateway used a profile meanwhile
    f.write_text(json.dumps(st, indent=2))
    gateway_wrote = snapshot(state)
    with pytest.raises(backups.StateError, match="changed while clawkb was reading it"):
        backups.apply(plan)
    assert snapshot(state) == gateway_wrote


def _apply_and_backup(state, sig="stale-billing-disabled-until"):
    p = clawkb("fix", sig, "--state-dir", state, "--apply")
    assert p.returncode == 0, p.stderr
    return p.stdout.split("undo: --restore ")[1].split(")")[0]


@pytest.mark.parametrize("layout", ["split", "sqlite"])
def test_restore_refuses_to_discard_what_the_gateway_wrote_since_unless_forced(tmp_path, layout):
    state = build(tmp_path / "s", layout)
    original = snapshot(state)
    backup_dir = _apply_and_backup(state)
    rotated = "sk-ant-ort01-" + "N" * 80  # the gateway refreshed the OAuth login and stored the new refresh token
    if layout == "split":
        f = state / "agents/main/agent/auth-state.json"
        st = json.loads(f.read_text())
        st["usageStats"]["anthropic:claude-cli"]["lastUsed"] += 5
        f.write_text(json.dumps(st, indent=2))
        fp = state / "agents/main/agent/auth-profiles.json"
        store = json.loads(fp.read_text())
        store["profiles"]["anthropic:claude-cli"]["refresh"] = rotated
        fp.write_text(json.dumps(store, indent=2))
        clawkb("fix", "stale-oauth-profile-poisons-provider", "--state-dir", state, "--apply")  # touches profiles too
    else:
        db = state / "agents/main/agent/openclaw-agent.sqlite"
        con = sqlite3.connect(db)
        st = json.loads(con.execute("SELECT state_json FROM auth_profile_state").fetchone()[0])
        st["usageStats"]["anthropic:claude-cli"]["lastUsed"] += 5
        con.execute("UPDATE auth_profile_state SET state_json = ?", (json.dumps(st),))
        con.commit()
        con.close()
    since = snapshot(state)
    p = clawkb("fix", "--restore", backup_dir)
    assert p.returncode == 2 and "changed since the repair; nothing was restored" in p.stderr
    assert "restoring discards" in p.stdout or "rows written since" in p.stdout
    assert rotated not in p.stdout + p.stderr
    assert snapshot(state) == since
    p = clawkb("fix", "--restore", backup_dir, "--force")
    assert p.returncode == 0, p.stderr
    if layout == "sqlite":
        assert snapshot(state) == original


def test_a_sqlite_restore_puts_back_only_the_rows_the_repair_wrote(tmp_path):
    state = build(tmp_path / "s", "sqlite")
    backup_dir = _apply_and_backup(state, "isolated-cron-extra-usage")
    db = state / "state/openclaw.sqlite"
    con = sqlite3.connect(db)
    con.execute("UPDATE cron_jobs SET state_json = '{\"lastRunStatus\": \"ok\"}' WHERE job_id = 'a1b2c3d4'")
    con.commit()
    con.close()
    p = clawkb("fix", "--restore", backup_dir)
    assert p.returncode == 0, p.stderr
    con = sqlite3.connect(db)
    rows = dict(con.execute("SELECT job_id, session_target || ' ' || state_json FROM cron_jobs"))
    assert rows["7f3a91c2"].startswith("isolated ")  # put back
    assert rows["a1b2c3d4"] == 'isolated {"lastRunStatus": "ok"}'  # written since, by someone else: kept


@pytest.mark.parametrize("bad", ["../../outside.json", "/tmp/clawkb-outside.json", "agents/../../../outside.json"])
def test_a_manifest_cannot_make_restore_write_outside_the_state_dir(tmp_path, bad):
    state = build(tmp_path / "s", "split")
    backup_dir = Path(_apply_and_backup(state))
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    entry = manifest["files"][0]
    entry["path"] = bad if bad.startswith("/") else str(state / bad)
    (backup_dir / "manifest.json").write_text(json.dumps(manifest))
    before = snapshot(tmp_path)
    p = clawkb("fix", "--restore", backup_dir, "--force")
    assert p.returncode == 2 and "outside the state dir" in p.stderr and "Traceback" not in p.stderr
    assert snapshot(tmp_path) == before and not Path("/tmp/clawkb-outside.json").exists()
    entry["path"], entry["backup"] = str(state / "openclaw.json"), "../../../etc/passwd"
    (backup_dir / "manifest.json").write_text(json.dumps(manifest))
    p = clawkb("fix", "--restore", backup_dir, "--force")
    assert p.returncode == 2 and "not a file of this backup" in p.stderr


def test_symlinks_and_trailing_newlines_are_kept(tmp_path):
    state = build(tmp_path / "s", "split")
    agent = state / "agents/main/agent"
    real = tmp_path / "elsewhere" / "auth-state.json"
    real.parent.mkdir()
    (agent / "auth-state.json").rename(real)
    (agent / "auth-state.json").symlink_to(real)
    assert not real.read_text().endswith("\n")
    store = agent / "auth-profiles.json"
    store.write_text(store.read_text() + "\n")
    _apply_and_backup(state)
    clawkb("fix", "stale-oauth-profile-poisons-provider", "--state-dir", state, "--apply")
    assert (agent / "auth-state.json").is_symlink() and "disabledUntil" not in real.read_text().split("anthropic:claude-cli")[0]
    assert not real.read_text().endswith("\n") and store.read_text().endswith("}\n")
    assert real.stat().st_mode & 0o777 == 0o600


# --------------------------------------------------------------------------- layouts up to OpenClaw 2026.9

def _machine_state(state, key):
    con = sqlite3.connect(state / "state/openclaw.sqlite")
    row = con.execute("SELECT value_json FROM config_machine_state WHERE state_key = ?", (key,)).fetchone()
    con.close()
    return json.loads(row[0])


def test_a_single_agent_2026_9_install_with_a_lockout_is_found_and_fixed(tmp_path):
    state = build(tmp_path / "s", "statedb")
    p, rec = doctor(state)
    assert p.returncode == 0 and rec["openclaw_version"] == "2026.9.4"
    lock = next(d for d in rec["diagnoses"] if d["id"] == "stale-billing-disabled-until")
    assert "config_machine_state" in lock["evidence"][0]["file"]
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", state, "--apply")
    assert p.returncode == 0, p.stderr
    usage = _machine_state(state, "authProfiles.state")["usageStats"]
    assert "disabledUntil" not in usage["anthropic:default"] and usage["anthropic:default"]["cooldownReason"] == "rate_limit"
    assert _machine_state(state, "authProfiles.store")["profiles"]["anthropic:default"]["key"] == SECRETS["api"]


def test_the_shared_store_that_is_not_live_is_never_edited(tmp_path):
    """auth.sharedStore says legacy-main: the main agent's own rows are live, and rows left in
    config_machine_state (say, by an interrupted migration) are not."""
    from state_trees import _agent_sqlite, profiles, usage

    state = build(tmp_path / "s", "statedb")
    con = sqlite3.connect(state / "state/openclaw.sqlite")
    con.execute("UPDATE config_machine_state SET value_json = '{\"location\":\"legacy-main\"}' WHERE state_key = 'auth.sharedStore'")
    con.commit()
    con.close()
    db = state / "agents/main/agent/openclaw-agent.sqlite"
    db.unlink()
    _agent_sqlite(db, {"version": 1, "profiles": profiles(True)}, {"version": 1, "usageStats": usage(True)}, "2026.9.4")
    not_live = _machine_state(state, "authProfiles.state")
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", state, "--apply")
    assert p.returncode == 0, p.stderr
    assert _machine_state(state, "authProfiles.state") == not_live
    live = json.loads(sqlite3.connect(db).execute("SELECT state_json FROM auth_profile_state").fetchone()[0])
    assert "disabledUntil" not in live["usageStats"]["anthropic:default"]
    assert "not live" in doctor(state)[0].stderr


def test_an_invalid_shared_store_location_is_refused(tmp_path):
    state = build(tmp_path / "s", "statedb")
    con = sqlite3.connect(state / "state/openclaw.sqlite")
    con.execute("UPDATE config_machine_state SET value_json = '{\"location\":\"somewhere\"}' WHERE state_key = 'auth.sharedStore'")
    con.commit()
    con.close()
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", state, "--apply")
    assert p.returncode == 2 and "run openclaw doctor --fix" in p.stderr


@pytest.mark.parametrize("layout,db,version", [("statedb", "state/openclaw.sqlite", 19),
                                               ("sqlite", "agents/main/agent/openclaw-agent.sqlite", 26)])
def test_a_database_newer_than_the_layouts_clawkb_knows_is_read_but_never_changed(tmp_path, layout, db, version):
    """Its tables still have the columns clawkb reads: doctor reads it; a newer schema may give the same
    columns new rules, so the repair refuses, before anything is written."""
    state = build(tmp_path / "s", layout)
    con = sqlite3.connect(state / db)
    con.execute(f"PRAGMA user_version = {version}")
    con.close()
    before = snapshot(state)
    _, rec = doctor(state)
    assert "stale-billing-disabled-until" in {d["id"] for d in rec["diagnoses"]}
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", state, "--apply")
    assert p.returncode == 2 and f"schema version {version} is newer" in p.stderr and "never changed" in p.stderr
    assert "Traceback" not in p.stderr and snapshot(state) == before


def test_a_newer_database_whose_tables_moved_is_not_read(tmp_path):
    state = build(tmp_path / "s", "statedb")
    con = sqlite3.connect(state / "state/openclaw.sqlite")
    con.executescript("ALTER TABLE config_machine_state RENAME COLUMN value_json TO value; PRAGMA user_version = 21;")
    con.close()
    p = clawkb("doctor", "--state-dir", state, "--format", "json")
    assert "schema version 21 is newer" in p.stderr and "config_machine_state moved" in p.stderr
    assert "Traceback" not in p.stderr


def test_an_agent_database_of_2026_9_7_is_repaired_its_auth_tables_are_unchanged(tmp_path):
    state = build(tmp_path / "s", "statedb")
    con = sqlite3.connect(state / "agents/main/agent/openclaw-agent.sqlite")
    con.execute("PRAGMA user_version = 24")  # session snapshots moved to their own table; auth as before
    con.close()
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", state, "--apply")
    assert p.returncode == 0, p.stderr


def test_cron_without_typed_columns_is_read_from_job_json_and_moved_there(tmp_path):
    state = build(tmp_path / "s", "statedb")
    _, rec = doctor(state)
    assert "isolated-cron-extra-usage" in {d["id"] for d in rec["diagnoses"]}
    p = clawkb("fix", "isolated-cron-extra-usage", "--state-dir", state, "--apply")
    assert p.returncode == 0, p.stderr
    assert "drops its model override (anthropic/claude-sonnet-4-6)" in p.stdout and "its delivery (announce to telegram" in p.stdout
    con = sqlite3.connect(state / "state/openclaw.sqlite")
    job = json.loads(con.execute("SELECT job_json FROM cron_jobs WHERE job_id = '7f3a91c2'").fetchone()[0])
    kinds = dict(con.execute("SELECT job_id, payload_kind FROM cron_jobs"))
    assert job["sessionTarget"] == "main" and job["payload"] == {"kind": "systemEvent", "text": "Summarise yesterday's inbox"}
    assert "delivery" not in job and job["failureAlert"] == {"after": 3}  # OpenClaw's edit keeps failure alerts
    assert kinds == {"7f3a91c2": "systemEvent", "a1b2c3d4": "agentTurn"}


def test_a_typed_cron_row_moved_to_main_loses_every_agent_turn_column(tmp_path):
    """2026.6-2026.7: OpenClaw rebuilds the job from the typed columns, so a model, fallbacks or
    delivery left in a column would come back."""
    state = build(tmp_path / "s", "sqlite")
    p = clawkb("fix", "isolated-cron-extra-usage", "--state-dir", state, "--apply")
    assert p.returncode == 0, p.stderr
    con = sqlite3.connect(state / "state/openclaw.sqlite")
    con.row_factory = sqlite3.Row
    row = dict(con.execute("SELECT * FROM cron_jobs WHERE job_id = '7f3a91c2'").fetchone())
    assert row["session_target"] == "main" and row["payload_kind"] == "systemEvent"
    assert row["payload_message"] == "Summarise yesterday's inbox"
    for column in ("payload_model", "payload_fallbacks_json", "payload_thinking", "payload_timeout_seconds",
                   "delivery_mode", "delivery_channel", "delivery_to"):
        assert row[column] is None, column
    assert row["failure_alert_after"] == 3


def test_only_the_default_agents_jobs_move_to_main(tmp_path):
    state = build(tmp_path / "s", "split")
    f = state / "cron/jobs.json"
    doc = json.loads(f.read_text())
    doc["jobs"][0]["agentId"] = "ken"
    f.write_text(json.dumps(doc, indent=2))
    before = f.read_bytes()
    p = clawkb("fix", "isolated-cron-extra-usage", "--state-dir", state, "--apply")
    assert p.returncode == 0, p.stderr
    assert "belongs to agent ken" in p.stdout and f.read_bytes() == before


def test_two_cron_stores_with_the_same_job_id_stay_two_jobs(tmp_path):
    state = build(tmp_path / "s", "statedb")
    con = sqlite3.connect(state / "state/openclaw.sqlite")
    con.execute("INSERT INTO cron_jobs (store_key, job_id, name, enabled, agent_id, payload_kind, job_json, state_json, "
                "sort_order, updated_at) SELECT 'work', job_id, name, enabled, agent_id, payload_kind, "
                "replace(job_json, 'nightly-summary', 'work-summary'), state_json, sort_order, updated_at "
                "FROM cron_jobs WHERE job_id = '7f3a91c2'")
    con.commit()
    con.close()
    _, rec = doctor(state)
    cron = next(d for d in rec["diagnoses"] if d["id"] == "isolated-cron-extra-usage")
    assert len(cron["evidence"]) == 2
    p = clawkb("fix", "isolated-cron-extra-usage", "--state-dir", state, "--apply")
    assert p.returncode == 0 and "2 cron job(s)" in p.stdout
    con = sqlite3.connect(state / "state/openclaw.sqlite")
    names = {(k, json.loads(j)["name"], json.loads(j)["sessionTarget"]) for k, j in
             con.execute("SELECT store_key, job_json FROM cron_jobs WHERE job_id = '7f3a91c2'")}
    assert names == {("default", "nightly-summary", "main"), ("work", "work-summary", "main")}


def test_where_openclaw_keeps_its_state_is_found_as_openclaw_finds_it(tmp_path):
    """OPENCLAW_HOME and the legacy ~/.clawdbot, a legacy clawdbot.json, agents.list[].agentDir."""
    home = tmp_path / "home"
    state = build(home / ".clawdbot", "split")
    (state / "openclaw.json").rename(state / "clawdbot.json")
    cfg = json.loads((state / "clawdbot.json").read_text())
    (state / "agents/main/agent").rename(tmp_path / "elsewhere")
    cfg["agents"]["list"] = [{"id": "main", "default": True, "agentDir": str(tmp_path / "elsewhere")}]
    (state / "clawdbot.json").write_text(json.dumps(cfg, indent=2))
    env = {"OPENCLAW_HOME": str(home), "OPENCLAW_STATE_DIR": "", "HOME": str(tmp_path / "nobody")}
    p = clawkb("doctor", "--format", "json", env=env)
    rec = json.loads(p.stdout)
    assert rec["input"] == str(state) and rec["openclaw_version"] == "2026.5.12"
    assert "stale-billing-disabled-until" in {d["id"] for d in rec["diagnoses"]}
    p = clawkb("fix", "stale-oauth-profile-poisons-provider", "--profile", "anthropic:manual", "--apply", env=env)
    assert p.returncode == 0, p.stderr
    assert "anthropic:manual" not in json.loads((state / "clawdbot.json").read_text())["auth"]["profiles"]
    assert "anthropic:manual" not in json.loads((tmp_path / "elsewhere/auth-profiles.json").read_text())["profiles"]


def test_a_two_step_repair_whose_second_step_fails_says_what_the_first_changed(tmp_path, monkeypatch):
    """isolated-cron-extra-usage moves the job, then clears the lockout; the second step finds the
    auth store locked by a live writer."""
    import argparse

    from clawkb.kb.remedies import repairs, writes

    state = build(tmp_path / "s", "split")
    monkeypatch.setattr(writes, "LOCK_WAIT_S", 0.2)
    writer = _sleeper()
    try:
        (state / "agents/main/agent/auth-profiles.json.lock").write_text(json.dumps({"pid": writer.pid}))
        args = argparse.Namespace(restore=None, state_dir=str(state), apply=True, force=False, agent=None, profile=None, job=None)
        import io
        import contextlib

        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = repairs.run(["move-isolated-cron-to-main", "clear-billing-lockout"], args, out=io.StringIO())
    finally:
        writer.kill()
        writer.wait()
    assert code == 2
    message = err.getvalue()
    assert "clear-billing-lockout failed" in message and "Already applied and kept: move-isolated-cron-to-main (backup " in message
    assert "nothing was changed" not in message.split("Already applied")[1]
    assert json.loads((state / "cron/jobs.json").read_text())["jobs"][0]["sessionTarget"] == "main"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: clawkb run as root on a user's state dir")
@pytest.mark.parametrize("layout", ["split", "statedb"])
def test_run_as_root_everything_clawkb_creates_belongs_to_the_state_dirs_owner(tmp_path, layout):
    state = build(tmp_path / "s", layout)
    user = (54321, 54322)
    for p in [state, *state.rglob("*")]:
        os.chown(p, *user, follow_symlinks=False)
    for sig in ("stale-billing-disabled-until", "stale-oauth-profile-poisons-provider", "isolated-cron-extra-usage"):
        p = clawkb("fix", sig, "--state-dir", state, "--apply")
        assert p.returncode == 0, p.stderr
    owners = {str(p.relative_to(state)): (p.lstat().st_uid, p.lstat().st_gid) for p in [state, *state.rglob("*")]}
    assert {o for o in owners.values()} == {user}, {k: v for k, v in owners.items() if v != user}
    assert any(".clawkb-backups" in k for k in owners)


def test_where_openclaw_has_its_own_clear_cooldown_command_it_is_recommended_first(tmp_path):
    """The command's first version is one fact (kb/remedies/openclaw_cli.py); before it, the file repair
    and `models auth login --provider` stay the advice."""
    from clawkb.kb.remedies.openclaw_cli import CLEAR_COOLDOWN_SINCE

    old = build(tmp_path / "old", "split")
    new = build(tmp_path / "new", "split")
    cfg = json.loads((new / "openclaw.json").read_text())
    cfg["meta"]["lastTouchedVersion"] = CLEAR_COOLDOWN_SINCE
    (new / "openclaw.json").write_text(json.dumps(cfg, indent=2))
    lock_new = next(d for d in doctor(new)[1]["diagnoses"] if d["id"] == "stale-billing-disabled-until")
    lock_old = next(d for d in doctor(old)[1]["diagnoses"] if d["id"] == "stale-billing-disabled-until")
    assert lock_new["fix_command"] == "openclaw models auth clear-cooldown anthropic:default"
    assert "openclaw models auth clear-cooldown litellm:default" in lock_new["fix_commands"]
    assert lock_old["fix_command"].startswith("clawkb fix stale-billing-disabled-until")
    assert "clear-cooldown" not in " ".join(lock_old["fix_commands"])
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", new)
    assert "own command, to prefer: openclaw models auth clear-cooldown anthropic:default" in p.stdout
    assert "clear-cooldown" not in clawkb("fix", "stale-billing-disabled-until", "--state-dir", old).stdout


def test_match_recommends_clear_cooldown_only_for_versions_that_have_it(tmp_path):
    from clawkb.kb.remedies.openclaw_cli import CLEAR_COOLDOWN_SINCE

    log = (ROOT / "examples/gateway-billing-lockout.log").read_text(encoding="utf-8")
    steps = {}
    for v in ("2026.9.6", CLEAR_COOLDOWN_SINCE):
        f = tmp_path / f"{v}.log"
        f.write_text(log.replace("2026.4.12", v), encoding="utf-8")
        rec = json.loads(clawkb("match", "--format", "json", "--detail", f).stdout)
        diag = next(d for d in rec["diagnoses"] if d["id"] == "stale-billing-disabled-until")
        steps[v] = [c for step in diag["fix"] for c in step.get("commands", [])]
    assert not any("clear-cooldown" in c for c in steps["2026.9.6"])
    assert steps[CLEAR_COOLDOWN_SINCE][0].startswith("openclaw models auth clear-cooldown ")


def test_the_bundled_modules_share_no_top_level_name():
    """The standalone scripts concatenate these modules into one namespace: a name defined twice would
    silently replace the other (as gateway.py's own config_path once did)."""
    import ast

    from clawkb.kb.remedies.bundle import SOURCES

    seen: dict = {}
    clashes = []
    for src in SOURCES:
        for node in ast.parse(src.read_text()).body:
            names = [node.name] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else \
                [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)] + \
                ([node.target.id] if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) else [])
            for name in names:
                if name in seen and seen[name] != src.name:
                    clashes.append((name, seen[name], src.name))
                seen.setdefault(name, src.name)
    assert not clashes, clashes


def test_a_backup_that_cannot_be_written_changes_nothing_and_says_so(tmp_path, monkeypatch):
    from clawkb.kb.remedies import backups
    from clawkb.kb.remedies.repairs import plan_clear_lockout

    state = build(tmp_path / "s", "split")
    before = snapshot(state)
    real = backups.shutil.copyfile

    def disk_full(src, dst, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups.shutil, "copyfile", disk_full)
    with pytest.raises(backups.StateError, match="could not write the backup .*No space left on device.*nothing was changed"):
        backups.apply(plan_clear_lockout(state))
    monkeypatch.setattr(backups.shutil, "copyfile", real)
    assert snapshot(state) == before
    assert not [p for p in (state / ".clawkb-backups").iterdir()]  # no half backup left either
    (state / ".clawkb-backups").rmdir()  # where the backups go is not writable (as root, modes do not stop us:
    (state / ".clawkb-backups").write_text("not a folder")  # a file in its place does)
    p = clawkb("fix", "stale-billing-disabled-until", "--state-dir", state, "--apply")
    assert p.returncode == 2 and "could not write the backup" in p.stderr and "nothing was changed" in p.stderr
    assert "Traceback" not in p.stderr


def test_the_repairs_a_fix_runs_are_its_page_steps_in_the_page_order(kb):
    from clawkb.kb.remedies.repairs import PLANNERS

    named = {step["remediation"] for s in kb.signatures for step in s.fix if step.get("remediation")}
    assert named == set(PLANNERS), "every planner is some page's step, every step a planner"
    proxy = kb.get("provider-wide-402-proxy")
    assert proxy.repairs == [step["remediation"] for step in proxy.fix if step.get("remediation")]
    assert proxy.repairs == ["split-proxy-provider", "clear-billing-lockout"]  # split first: a lockout cleared
    # while every upstream shares one profile comes back with the next 402
    assert kb.get("config-invalid").repairs == []


def test_the_upstream_note_comes_from_the_signature_versions_and_its_upgrade_step(kb):
    fixed_in, what = kb.get("billing-cooldown-skip-generic-error").upstream_fix
    assert fixed_in == "2026.5.12" and "names the billing problem" in what  # the release that fixes both ranges
    assert kb.get("stale-billing-disabled-until").upstream_fix is None  # open upstream: nothing to upgrade to


@pytest.mark.parametrize("layout", ["split", "statedb"])
def test_a_rate_limit_block_in_force_is_found_and_cleared_for_one_profile(tmp_path, layout):
    """A provider-reported subscription block (blockedUntil, never re-probed) outlives the quota's
    recovery: doctor names it, the repair removes the block fields of that profile and nothing else."""
    state = build(tmp_path / "s", layout)
    until = now() + 5 * 24 * HOUR

    def edit(stats):
        stats["anthropic:claude-cli"].update(blockedUntil=until, blockedReason="subscription_limit", blockedSource="wham",
                                            failureCounts={"rate_limit": 1}, errorCount=1)

    _edit_usage(state, layout, edit)
    _, rec = doctor(state)
    found = next(d for d in rec["diagnoses"] if d["id"] == "stale-rate-limit-cooldown")
    assert "blockedUntil" in found["evidence"][0]["text"] and "subscription_limit" in found["evidence"][0]["text"]
    p = clawkb("fix", "stale-rate-limit-cooldown", "--state-dir", state, "--profile", "anthropic:claude-cli", "--apply")
    assert p.returncode == 0, p.stderr
    stats = _usage(state, layout)
    assert not {"blockedUntil", "blockedReason", "blockedSource"} & set(stats["anthropic:claude-cli"])
    assert stats["anthropic:claude-cli"]["errorCount"] == 0 and "rate_limit" not in stats["anthropic:claude-cli"].get("failureCounts", {})
    assert stats["anthropic:default"]["disabledReason"] == "billing"  # another profile's lockout: untouched
    _, after = doctor(state)
    assert "stale-rate-limit-cooldown" not in {d["id"] for d in after["diagnoses"]}


def _usage(state, layout):
    if layout == "split":
        return json.loads((state / "agents/main/agent/auth-state.json").read_text())["usageStats"]
    con = sqlite3.connect(state / "state/openclaw.sqlite")
    row = con.execute("SELECT value_json FROM config_machine_state WHERE state_key = 'authProfiles.state'").fetchone()
    con.close()
    return json.loads(row[0])["usageStats"]


def _edit_usage(state, layout, edit):
    if layout == "split":
        path = state / "agents/main/agent/auth-state.json"
        doc = json.loads(path.read_text())
        edit(doc["usageStats"])
        path.write_text(json.dumps(doc))
        return
    con = sqlite3.connect(state / "state/openclaw.sqlite")
    doc = json.loads(con.execute("SELECT value_json FROM config_machine_state WHERE state_key = 'authProfiles.state'").fetchone()[0])
    edit(doc["usageStats"])
    con.execute("UPDATE config_machine_state SET value_json = ? WHERE state_key = 'authProfiles.state'", (json.dumps(doc),))
    con.commit()
    con.close()


@pytest.mark.parametrize("repair", ALL_REPAIRS)
def test_a_script_opens_with_what_its_repair_changes_and_where_its_code_is(repair):
    import re

    from clawkb.kb.remedies.bundle import build_script, planner_of

    script = build_script(repair)
    head = script.split('"""', 2)[1]
    planner, changes = planner_of(repair)
    assert "What it changes: " + changes.split()[0] in head and "--apply" in head and "--restore" in head
    line = int(re.search(rf"`{planner}` \(line (\d+)", head).group(1))
    assert script.splitlines()[line - 1].startswith(f"def {planner}(")  # the line it names is the repair
