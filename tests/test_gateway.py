"""Gateway detection (kb/remedies/gateway.py): OpenClaw's own locks and port, then a strict process table.

Every test passes its own environment to `detect`: HOME and TMPDIR under tmp_path and
OPENCLAW_GATEWAY_PORT on a port nobody listens on, so the machine's own state cannot decide a result.
"""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clawkb.kb.remedies import gateway
from clawkb.kb.remedies.gateway import gateway_running, gateway_port, gateway_running, is_gateway_argv, lock_name, parse_port

ROOT = Path(__file__).resolve().parent.parent
SLEEP = "import time; time.sleep(30)\n"
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def env(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "tmp").mkdir()
    return {"HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path / "tmp"), "OPENCLAW_GATEWAY_PORT": str(free_port())}


@pytest.fixture
def state(tmp_path):
    root = tmp_path / "state"
    root.mkdir()
    (root / "openclaw.json").write_text("{}")
    return root


@pytest.fixture
def sleeper():
    procs = []

    def spawn(args=None, **kw):
        p = subprocess.Popen(args or [sys.executable, "-c", SLEEP], **kw)
        procs.append(p)
        time.sleep(0.3)
        assert p.poll() is None
        return p

    yield spawn
    for p in procs:
        p.kill()
        p.wait()


def start_time(pid: int) -> int:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return int(raw[raw.rfind(")") + 1:].split()[19])


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def write_lock(directory: Path, name: str, payload: dict, release: str = "7.1") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    if release == "8.2":  # pretty JSON, then the fs-safe sidecar manager's ownership-token line
        path.write_text(json.dumps(payload, indent=2) + "\n" + "  \t \n")
    else:
        path.write_text(json.dumps(payload, separators=(",", ":")))
    return path


def old_lock(env, state, payload, config=None):
    """A lock as 2026.7.x and earlier write it: $TMPDIR/openclaw-<uid>/gateway.<hash>.lock."""
    config = config or str(state / "openclaw.json")
    payload = dict({"createdAt": "2026-07-01T10:00:00.000Z", "configPath": config, "port": 18789}, **payload)
    return write_lock(Path(env["TMPDIR"]) / f"openclaw-{os.getuid()}", lock_name(config), payload)


def new_lock(state, payload, name=None):
    """A lock as 2026.8.2 and later write it: <stateDir>/tmp/openclaw-<uid>/gateway.<hash>.lock."""
    config = str(state / "openclaw.json")
    payload = dict({"ownerId": "5b0c3f1e-9a57-4c3b-8d0e-2f6a1c7d9e10", "createdAt": "2026-08-02T10:00:00.000Z",
                    "configPath": config, "stateDir": str(state)}, **payload)
    return write_lock(state / "tmp" / f"openclaw-{os.getuid()}", name or lock_name(config), payload, "8.2")


# --------------------------------------------------------------------------- locks

@linux_only
@pytest.mark.parametrize("layout", ["old", "new"])
def test_a_live_lock_is_a_running_gateway(state, env, sleeper, layout):
    p = sleeper()
    payload = {"pid": p.pid, "startTime": start_time(p.pid)}
    lock = old_lock(env, state, payload) if layout == "old" else new_lock(state, payload)
    assert gateway_running(state, env) == f"pid {p.pid} holds {lock}"


@linux_only
@pytest.mark.parametrize("layout", ["old", "new"])
def test_a_lock_of_a_dead_pid_or_a_reused_one_is_not(state, env, sleeper, layout):
    p = sleeper()
    write = (lambda pl: old_lock(env, state, pl)) if layout == "old" else (lambda pl: new_lock(state, pl))
    write({"pid": dead_pid(), "startTime": 12345})
    assert gateway_running(state, env) is None
    write({"pid": p.pid, "startTime": start_time(p.pid) + 1})  # the pid now belongs to another process
    assert gateway_running(state, env) is None


@linux_only
def test_a_lock_without_start_time_counts_while_its_pid_lives(state, env, sleeper):
    p = sleeper()
    lock = old_lock(env, state, {"pid": p.pid})
    assert gateway_running(state, env) == f"pid {p.pid} holds {lock}"


@linux_only
def test_the_state_lock_of_another_role_is_reported_as_such(state, env, sleeper):
    p = sleeper()
    lock = new_lock(state, {"pid": p.pid, "startTime": start_time(p.pid), "role": "sqlite-maintenance"},
                    name="gateway.state.lock")
    found = gateway_running(state, env)
    assert found.startswith("an OpenClaw process holds the state lock") and str(lock) in found
    assert "sqlite-maintenance" in found and f"pid {p.pid}" in found


@linux_only
def test_a_lock_of_another_state_dir_does_not_count(tmp_path, state, env, sleeper):
    p = sleeper()
    live = {"pid": p.pid, "startTime": start_time(p.pid)}
    other = tmp_path / "other"
    other.mkdir()
    old_lock(env, state, live, config=str(other / "openclaw.json"))  # another gateway sharing /tmp
    assert gateway_running(state, env) is None
    copied = new_lock(state, dict(live, stateDir=str(other)))  # a state dir copied from a running one
    assert gateway_running(state, env) is None
    copied.unlink()
    # a stateDir that does not exist here is the state dir as a container sees it: it counts
    lock = new_lock(state, dict(live, stateDir="/home/node/.openclaw"))
    assert gateway_running(state, env) == f"pid {p.pid} holds {lock}"


@linux_only
def test_the_lock_name_follows_openclaw_config_path(tmp_path, state, env, sleeper):
    p = sleeper()
    config = tmp_path / "etc" / "openclaw.json"
    env = dict(env, OPENCLAW_CONFIG_PATH=str(config))
    lock = old_lock(env, state, {"pid": p.pid, "startTime": start_time(p.pid)}, config=str(config))
    assert gateway_running(state, env) == f"pid {p.pid} holds {lock}"


def test_lock_names_are_sha256_prefixes_of_the_config_path():
    # createHash("sha256").update("/home/u/.openclaw/openclaw.json").digest("hex").slice(0, 8)
    import hashlib
    path = "/home/u/.openclaw/openclaw.json"
    assert lock_name(path) == f"gateway.{hashlib.sha256(path.encode()).hexdigest()[:8]}.lock"


def test_a_lock_still_being_written_counts_for_a_while(state, env):
    lock = state / "tmp" / "openclaw-1000" / lock_name(str(state / "openclaw.json"))
    lock.parent.mkdir(parents=True)
    lock.write_text("")
    assert "still being written" in gateway_running(state, env)
    old = time.time() - 60
    os.utime(lock, (old, old))
    assert gateway_running(state, env) is None


# --------------------------------------------------------------------------- port

def test_a_listener_on_the_gateway_port_is_a_running_gateway(state, env):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        env = dict(env, OPENCLAW_GATEWAY_PORT=str(port))
        assert gateway_running(state, env).startswith(f"a listener on port {port}")
    assert gateway_running(state, env) is None


def test_without_proc_net_the_port_is_probed_by_connecting(state, env, monkeypatch):
    monkeypatch.setattr(gateway, "_tcp_listeners", lambda port: None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert gateway.port_listener(port) == f"a listener on port {port} (127.0.0.1 accepted a connection)"
    assert gateway.port_listener(port) is None


def test_the_port_comes_from_the_env_then_the_json5_config_then_the_default(state):
    assert gateway_port(state, {}) == 18789
    (state / "openclaw.json").write_text("{\n  // JSON5\n  gateway: {port: 19001,},\n}\n")
    assert gateway_port(state, {}) == 19001
    assert gateway_port(state, {"OPENCLAW_GATEWAY_PORT": "127.0.0.1:19555"}) == 19555
    assert [parse_port(v) for v in ("18790", "host:1", "[::1]:2", "0", "99999", "x", "")] == [18790, 1, 2, None, None, None, None]
    (state / "openclaw.json").write_text("{gateway: {port: 'nope'}")  # broken: the default, not a crash
    assert gateway_port(state, {}) == 18789


# --------------------------------------------------------------------------- process table

@pytest.mark.parametrize("argv, running", [
    (["openclaw-gateway"], True),
    (["openclaw", "gateway"], True),
    (["/usr/bin/openclaw", "--profile", "work", "gateway", "run", "--force"], True),
    (["node", "/usr/lib/node_modules/openclaw/openclaw.mjs", "gateway", "--port", "18789"], True),
    (["node", "--max-old-space-size=4096", "/opt/clawdbot/dist/entry.js", "gateway", "--port", "18789"], True),
    (["node", "openclaw.mjs", "gateway", "--allow-unconfigured", "--bind", "lan"], True),
    (["openclaw", "gateway", "status"], False),
    (["openclaw", "gateway", "--json", "status"], False),
    (["node", "/usr/lib/node_modules/openclaw/openclaw.mjs", "gateway", "stop"], False),
    (["openclaw", "doctor"], False),
    (["grep", "-r", "gateway"], False),
    (["vim", "src/gateway.ts"], False),
    (["node", "-e", "gateway"], False),
    (["node", "dist/index.js", "gateway"], False),  # whose? nothing here says OpenClaw
    (["node", "/srv/api/dist/index.js", "gateway"], False),
])
def test_which_command_lines_are_a_gateway(argv, running):
    assert is_gateway_argv(argv) is running


def test_an_entry_file_is_openclaw_by_its_package_json():
    files = {"./package.json": '{"name": "openclaw", "version": "2026.9.6"}'}
    assert is_gateway_argv(["node", "dist/index.js", "gateway"], lambda p: files.get(p.replace("dist/..", ".")))
    assert not is_gateway_argv(["node", "dist/index.js", "gateway"], lambda p: '{"name": "api"}')


@linux_only
def test_gateway_processes_are_found_and_clients_are_not(tmp_path, state, env, sleeper):
    app, other_app = tmp_path / "app", tmp_path / "api"
    for d in (app, other_app):
        (d / "dist").mkdir(parents=True)
        (d / "dist" / "index.js").write_text(SLEEP)
    (app / "gateway").write_text(SLEEP)
    (other_app / "package.json").write_text('{"name": "api"}')
    # what must not count: a CLI client, a grep, an editor with a file named gateway
    sleeper(["openclaw", "gateway", "status"], executable=sys.executable, cwd=app)
    sleeper(["grep", "-r", "gateway", "-"], stdin=subprocess.PIPE)
    sleeper(["vim", "gateway"], executable=sys.executable, cwd=app)
    sleeper(["node", "dist/index.js", "gateway"], executable=sys.executable, cwd=other_app)  # not OpenClaw's
    procs = [sleeper(["node", "dist/index.js", "gateway"], executable=sys.executable, cwd=app)]  # no package.json yet
    assert gateway_running(state, env) is None
    # docker-compose's `node dist/index.js gateway`, in a checkout of OpenClaw
    (app / "package.json").write_text('{"name": "openclaw"}')
    found = gateway_running(state, env)
    assert found == f"pid {procs[-1].pid}: node dist/index.js gateway"


@linux_only
def test_an_old_clawdbot_install_is_found(tmp_path, state, env, sleeper):
    entry = tmp_path / "opt" / "clawdbot" / "dist" / "entry.js"
    entry.parent.mkdir(parents=True)
    entry.write_text(SLEEP)
    p = sleeper(["node", str(entry), "gateway", "--port", "18789"], executable=sys.executable)
    assert gateway_running(state, env) == f"pid {p.pid}: node {entry} gateway --port 18789"


@linux_only
def test_a_gateway_process_of_another_state_dir_does_not_count(tmp_path, state, env, sleeper):
    other = tmp_path / "other"
    other.mkdir()
    gw = ["bash", "-c", "exec -a openclaw-gateway sleep 30"]
    sleeper(gw, env=dict(os.environ, OPENCLAW_STATE_DIR=str(other)))
    assert gateway_running(state, env) is None
    p = sleeper(gw, env=dict(os.environ, OPENCLAW_STATE_DIR=str(state)))
    assert gateway_running(state, env) == f"pid {p.pid}: openclaw-gateway 30"


# --------------------------------------------------------------------------- the CLI

def test_no_variable_of_clawkb_overrides_the_detection(state):
    env = {"OPENCLAW_STATE_DIR": str(state), "OPENCLAW_GATEWAY_PORT": os.environ["OPENCLAW_GATEWAY_PORT"],
           "CLAWKB_ASSUME_GATEWAY": "pid 1 (test)"}  # the old test seam is gone: only real evidence counts
    assert gateway_running(state, env) is None


@linux_only
def test_apply_refuses_while_a_gateway_holds_the_lock(tmp_path, env, sleeper):
    from state_trees import build, snapshot

    root = build(tmp_path / "s", "split")
    p = sleeper()
    lock = new_lock(root, {"pid": p.pid, "startTime": start_time(p.pid)})
    before = snapshot(root)
    e = dict(os.environ)
    e.update(env)
    r = subprocess.run([sys.executable, "-m", "clawkb", "fix", "stale-billing-disabled-until", "--state-dir", str(root),
                        "--apply"], capture_output=True, text=True, env=e, cwd=ROOT)
    assert r.returncode == 2 and f"gateway is running (pid {p.pid} holds {lock})" in r.stderr
    assert snapshot(root) == before
