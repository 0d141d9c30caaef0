"""Is an OpenClaw gateway, or another OpenClaw process that writes the state, running for this state dir?

Standard library only (Python 3.9+): bundled into the standalone repair scripts.

`gateway_running(root)` answers with a short description of what it found ("pid 1234 holds
/tmp/openclaw-0/gateway.1a2b3c4d.lock", "a listener on port 18789 (127.0.0.1)") or None. It asks,
in this order, what OpenClaw itself uses to keep a second gateway off a state dir:

1. The gateway locks (OpenClaw src/infra/gateway-lock.ts; research notes issue13-facts §5, §6).
   Directory, up to 2026.7.x: `os.tmpdir()/openclaw-<uid>/` (Node: $TMPDIR, $TMP, $TEMP, else /tmp;
   `openclaw/` where there is no uid); from 2026.8.2: `<stateDir>/tmp/openclaw-<uid>/`
   (`resolveGatewayLockDir`, src/config/paths.ts). Files: `gateway.<sha256(configPath) hex[:8]>.lock`,
   and from 2026.8.2 also `gateway.state.lock` (the `<lock>.sqlite` sidecars are not read here).
   configPath is the resolved config path string, not realpathed: OPENCLAW_CONFIG_PATH (~-expanded),
   else the first existing of <stateDir>/openclaw.json, <stateDir>/clawdbot.json, else
   <stateDir>/openclaw.json (`resolveConfigPath`). Content: `{pid, createdAt, configPath, startTime?}`
   (<= 2026.6.11), `+ port?` (2026.7.1), and from 2026.8.2 `{pid, ownerId, createdAt, configPath,
   stateDir, port?, role?, startTime?}` as pretty JSON, "\\n", an ownership-token line. `startTime` is
   field 22 of /proc/<pid>/stat. OpenClaw never reclaims a lock whose pid is alive with a matching
   start time, so neither does this: a lock is live when its pid is alive (and not a zombie) and
   startTime is absent, unreadable here, or equal to the pid's current start time. A lock with a
   `role` other than gateway (agent-embedded, sqlite-maintenance, ...) is reported as "an OpenClaw
   process holds the state lock". A lock with no readable pid counts while it is younger than
   OpenClaw's stale limit (30 s): it is being written.
   Only locks of THIS state dir count. One under <stateDir>/tmp/ belongs to it unless its `stateDir`
   names another existing directory (a copied state dir). One in the shared tmp dir belongs to it when
   its file name hash or its `configPath` is that of one of this state dir's config paths (as given
   and realpathed, openclaw.json and clawdbot.json, and OPENCLAW_CONFIG_PATH), or its stateDir is it.
2. The gateway port (`resolveGatewayPort`): OPENCLAW_GATEWAY_PORT (digits, host:port, [v6]:port),
   else the config's gateway.port (openclaw.json is JSON5), else 18789 (DEFAULT_GATEWAY_PORT). A TCP
   socket in LISTEN state on that port in /proc/net/tcp or tcp6 counts, on any local address (the
   gateway binds 127.0.0.1 by default, 0.0.0.0 or a LAN/tailnet address with `gateway.bind`; docker
   publishes it on 0.0.0.0). Without /proc: a 0.3 s connect() to 127.0.0.1. (2026.9.6 derives a port
   from OPENCLAW_PROFILE; that is not covered: its hash input is not confirmed.)
3. The process table, last, with a strict reading of the command line modelled on OpenClaw's
   `isGatewayArgv` (src/infra/gateway-process-argv.ts) but stricter, because OpenClaw applies that
   only to the pid of a lock while this scans every process. Why it is kept at all: the locks are
   invisible or look dead exactly where a gateway commonly runs - docker-compose (its /tmp is the
   container's; an 8.2+ lock under the bind-mounted state dir carries a container pid), systemd
   PrivateTmp=, a launchd TMPDIR that is not the shell's - and a gateway may not be listening yet.
   What counts: an `openclaw-gateway` / `clawdbot-gateway` executable; or OpenClaw's CLI run as
   `gateway` or `gateway run` (no other subcommand: `openclaw gateway status|stop|install|...` are
   short-lived clients), where the CLI is an `openclaw`/`clawdbot` executable or a node/bun/deno/tsx
   script whose path names openclaw or clawdbot (/opt/clawdbot/dist/entry.js, .../openclaw.mjs) or
   that is one of OpenClaw's entry files (dist/index.js, dist/entry.js, scripts/run-node.mjs, ...)
   beside a package.json named openclaw or clawdbot, found through /proc/<pid>/cwd and /proc/<pid>/root
   (so `node dist/index.js gateway` in a container is recognised from the host). `grep -r gateway`,
   an editor with gateway.ts open, `openclaw gateway status` do not count. A process whose environment
   can be read and names another existing state dir (OPENCLAW_STATE_DIR, or HOME's .openclaw when no
   profile is in play) does not count either.

There is no override: tests point OpenClaw's own settings (OPENCLAW_GATEWAY_PORT, the state dir) at a
port and a directory of their own, and start a listener or hold a lock when they need a gateway.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import socket
import struct
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from clawkb.kb.remedies.openclaw_state import Config, StateError, _env_value, config_path, default_state_dir  # bundle: inline

DEFAULT_GATEWAY_PORT = 18789
LOCK_STALE_S = 30.0  # OpenClaw's DEFAULT_STALE_MS, for a lock that names no pid
CONNECT_TIMEOUT_S = 0.3
def gateway_running(root: Optional[Path] = None, env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    env = os.environ if env is None else env
    root = Path(root) if root is not None else default_state_dir(env)
    return held_lock(root, env) or port_listener(gateway_port(root, env)) or gateway_process(root)


# --------------------------------------------------------------------------- paths

def config_path_candidates(root: Path, env: Mapping[str, str]) -> List[str]:
    """Every string OpenClaw might have resolved as this state dir's config path."""
    out = [str(config_path(root, env))]
    for base in (os.path.abspath(root), os.path.realpath(root)):
        for name in ("openclaw.json", "clawdbot.json"):
            p = os.path.join(base, name)
            if p not in out:
                out.append(p)
    return out


def lock_name(config: str) -> str:
    return f"gateway.{hashlib.sha256(config.encode('utf-8')).hexdigest()[:8]}.lock"


def _node_tmpdir(env: Mapping[str, str]) -> str:
    """Node's os.tmpdir() on POSIX."""
    for key in ("TMPDIR", "TMP", "TEMP"):
        if env.get(key):
            d = env[key]
            return d[:-1] if len(d) > 1 and d.endswith("/") else d
    return "/tmp"


def _owner_dirs(base: Path) -> Iterator[Path]:
    """`openclaw-<uid>` (any uid: the gateway need not be this user) and `openclaw` under base."""
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return
    for name in names:
        if re.fullmatch(r"openclaw(-\d+)?", name) and (base / name).is_dir():
            yield base / name


def lock_dirs(root: Path, env: Mapping[str, str]) -> List[Tuple[Path, bool]]:
    """(directory, is under the state dir): 2026.8.2+ first, then the tmp dirs of up to 2026.7.x."""
    out = [(d, True) for d in _owner_dirs(root / "tmp")]
    for base in dict.fromkeys([_node_tmpdir(env), "/tmp"]):
        out += [(d, False) for d in _owner_dirs(Path(base))]
    return out


def _same_path(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _other_existing_dir(path: str, root: Path) -> bool:
    return os.path.isdir(path) and not _same_path(path, root)


# --------------------------------------------------------------------------- processes

def proc_start_time(pid: int) -> Optional[int]:
    """Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), as OpenClaw records it."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 1:].split()
    try:
        return int(fields[19])  # fields[0] is field 3
    except (IndexError, ValueError):
        return None


def process_alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (OpenClaw's isPidAlive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass  # EPERM: it exists, owned by someone else
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        return raw[raw.rfind(")") + 1:].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _number(value: object) -> Optional[int]:
    """A JSON number that is a whole number, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    return int(value)


# --------------------------------------------------------------------------- 1. the locks

def read_lock(path: Path) -> Optional[dict]:
    """The payload of a lock file, in any release's format; None when it is not (yet) JSON."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        try:  # 2026.8.2+: the JSON, then an ownership-token line
            data = json.JSONDecoder().raw_decode(text.lstrip())[0]
        except ValueError:
            return None
    return data if isinstance(data, dict) else None


def _belongs(lock: Path, payload: dict, root: Path, in_state_dir: bool, configs: List[str]) -> bool:
    state = payload.get("stateDir")
    if isinstance(state, str) and state.strip():
        if _same_path(state, root):
            return True
        if _other_existing_dir(state, root):
            return False
        # a path that does not exist here: the state dir as a container sees it; decide below
    if in_state_dir:
        return True
    config = payload.get("configPath")
    if isinstance(config, str) and (config in configs or any(_same_path(config, Path(c)) for c in configs)):
        return True
    return lock.name in {lock_name(c) for c in configs}


def held_lock(root: Path, env: Mapping[str, str]) -> Optional[str]:
    configs = config_path_candidates(root, env)
    names = {lock_name(c) for c in configs}
    for directory, in_state_dir in lock_dirs(root, env):
        try:
            locks = sorted(p for p in directory.iterdir() if re.fullmatch(r"gateway\.[^/]+\.lock", p.name))
        except OSError:
            continue
        for lock in locks:
            payload = read_lock(lock)
            if payload is None:
                if not (in_state_dir or lock.name in names):
                    continue
                try:
                    age = time.time() - lock.stat().st_mtime
                except OSError:
                    continue
                if age < LOCK_STALE_S:
                    return f"{lock} was taken {max(age, 0):.0f} s ago and is still being written"
                continue
            if not _belongs(lock, payload, root, in_state_dir, configs):
                continue
            found = _live_owner(lock, payload)
            if found:
                return found
    return None


def _live_owner(lock: Path, payload: dict) -> Optional[str]:
    pid = _number(payload.get("pid"))
    if pid is None or pid <= 0:
        created = payload.get("createdAt")
        try:
            age = time.time() - lock.stat().st_mtime
        except OSError:
            return None
        return f"{lock} (created {created}) names no pid and is {age:.0f} s old" if age < LOCK_STALE_S else None
    if not process_alive(pid):
        return None
    recorded = _number(payload.get("startTime"))
    if recorded is not None:
        current = proc_start_time(pid)
        if current is not None and current != recorded:
            return None  # the pid was reused: OpenClaw reclaims this lock
    role = payload.get("role")
    if isinstance(role, str) and role and role != "gateway":
        return f"an OpenClaw process holds the state lock: pid {pid} ({role}) holds {lock}"
    return f"pid {pid} holds {lock}"


# --------------------------------------------------------------------------- 2. the port

def parse_port(raw: str) -> Optional[int]:
    """OPENCLAW_GATEWAY_PORT: `18789`, `host:18789` or `[::1]:18789`."""
    raw = raw.strip()
    m = re.fullmatch(r"(\d+)|\[[^\]]*\]:(\d+)|[^:\[\]]+:(\d+)", raw)
    if not m:
        return None
    port = int(next(g for g in m.groups() if g is not None))
    return port if 0 < port < 65536 else None


def gateway_port(root: Path, env: Mapping[str, str]) -> int:
    port = parse_port(env.get("OPENCLAW_GATEWAY_PORT") or "")
    if port:
        return port
    try:
        value = _number(Config(config_path(root, env)).get("gateway", "port"))
    except (StateError, OSError, UnicodeDecodeError):
        value = None
    return value if value is not None and 0 < value < 65536 else DEFAULT_GATEWAY_PORT


def _tcp_listeners(port: int) -> Optional[List[str]]:
    """Local addresses listening on `port` per /proc/net/tcp{,6}; None when neither can be read."""
    found: List[str] = []
    readable = False
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        try:
            lines = Path(f"/proc/net/{name}").read_text(encoding="ascii", errors="replace").splitlines()[1:]
        except OSError:
            continue
        readable = True
        for line in lines:
            cols = line.split()
            if len(cols) < 4 or cols[3] != "0A":  # TCP_LISTEN
                continue
            addr, _, hexport = cols[1].partition(":")
            try:
                if int(hexport, 16) != port:
                    continue
                words = [int(addr[i:i + 8], 16) for i in range(0, len(addr), 8)]
                found.append(socket.inet_ntop(family, struct.pack(f"={len(words)}I", *words)))
            except (ValueError, struct.error, OSError):
                found.append("?")
    return found if readable else None


def port_listener(port: int) -> Optional[str]:
    addrs = _tcp_listeners(port)
    if addrs:
        return f"a listener on port {port} ({', '.join(sorted(set(addrs)))})"
    if addrs is not None:
        return None
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT_S):
            return f"a listener on port {port} (127.0.0.1 accepted a connection)"
    except OSError:
        return None


# --------------------------------------------------------------------------- 3. the process table

_RUNTIME = re.compile(r"(node|nodejs|bun|deno|tsx|ts-node)(\d[\d.]*)?")
_RUNTIME_VALUE_FLAGS = {"-r", "--require", "--import", "--loader", "--experimental-loader", "--env-file",
                        "--title", "--conditions", "-C", "--inspect-port", "--cwd", "--config"}
_GATEWAY_BINARIES = {"openclaw-gateway", "clawdbot-gateway"}
_CLI_NAMES = {"openclaw", "clawdbot", "openclaw.mjs", "clawdbot.mjs"}
_ENTRY_FILES = ("dist/index.js", "dist/index.mjs", "dist/entry.js", "dist/entry.mjs", "scripts/run-node.mjs",
                "src/entry.ts", "src/index.ts")
_PACKAGE_NAMES = {"openclaw", "clawdbot"}
# `openclaw gateway <these>` are clients that talk to (or manage) a gateway and exit
_CLIENT_SUBCOMMANDS = {"status", "stop", "start", "restart", "install", "uninstall", "call", "health", "probe",
                       "discover", "usage-cost", "help", "logs", "token", "pair", "config"}

Reader = Callable[[str], Optional[str]]


def _base(arg: str) -> str:
    return re.sub(r"\.(exe|cmd|bat)$", "", arg.replace("\\", "/").rsplit("/", 1)[-1].lower())


def _positionals(args: Sequence[str], keep: Callable[[str], bool]) -> Iterator[Tuple[int, str]]:
    """(index, word) of the positional arguments; a word right after a `--flag` is taken as its
    value unless `keep(word)` says it is a command word."""
    after_flag = False
    for i, a in enumerate(args):
        if a.startswith("-"):
            after_flag = a.startswith("--") and "=" not in a
            continue
        if after_flag and not keep(a.lower()):
            after_flag = False
            continue
        after_flag = False
        yield i, a


def _openclaw_entry(entry: str, read: Reader) -> bool:
    norm = entry.replace("\\", "/").lower()
    if _base(norm) in _CLI_NAMES or any(n in part for part in norm.split("/")[:-1] for n in _PACKAGE_NAMES):
        return True
    if not norm.endswith(_ENTRY_FILES):
        return False
    d = os.path.dirname(entry.replace("\\", "/")) or "."
    for _ in range(3):
        text = read(f"{d}/package.json")
        if text is not None:
            try:
                name = json.loads(text).get("name")
            except (ValueError, AttributeError):
                name = None
            return isinstance(name, str) and name.lower() in _PACKAGE_NAMES
        d = f"{d}/.."
    return False


def is_gateway_argv(argv: Sequence[str], read: Reader = lambda path: None) -> bool:
    """Whether a command line is an OpenClaw gateway server (see the module docstring). `read(path)`
    returns the text of a file as the process sees it (relative to its cwd), or None."""
    if not argv:
        return False
    exe = _base(argv[0])
    if exe in _GATEWAY_BINARIES:
        return True
    if _RUNTIME.fullmatch(exe):
        i = 1
        while i < len(argv) and (argv[i].startswith("-") or (i == 1 and argv[i] == "run" and exe in ("bun", "deno"))):
            if argv[i] in ("-e", "--eval", "-p", "--print", "-c", "--check"):
                return False
            i += 2 if argv[i] in _RUNTIME_VALUE_FLAGS else 1
        if i >= len(argv):
            return False
        entry, rest = argv[i], list(argv[i + 1:])
    elif exe in _CLI_NAMES:
        entry, rest = argv[0], list(argv[1:])
    else:
        return False
    words = _positionals(rest, lambda w: w == "gateway")
    first = next(words, None)
    if first is None or first[1].lower() != "gateway":
        return False
    sub = next(_positionals(rest[first[0] + 1:], lambda w: w in _CLIENT_SUBCOMMANDS), None)
    if sub is not None and sub[1].lower() != "run":
        return False
    return _openclaw_entry(entry, read)


def _proc_reader(pid: int) -> Reader:
    def read(path: str) -> Optional[str]:
        where = [f"/proc/{pid}/root{path}", path] if path.startswith("/") else [f"/proc/{pid}/cwd/{path}"]
        for p in where:
            try:
                with open(p, encoding="utf-8", errors="replace") as fh:
                    return fh.read(65536)
            except OSError:
                continue
        return None
    return read


def _for_another_state_dir(pid: int, argv: Sequence[str], root: Path) -> bool:
    """True only when the process's environment is readable and names another existing state dir."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    penv: Dict[str, str] = {}
    for entry in raw.split(b"\0"):
        key, sep, value = entry.decode("utf-8", "replace").partition("=")
        if sep:
            penv[key] = value

    def here(path: str) -> str:  # a path as the process sees it, from here
        return f"/proc/{pid}/root{path}" if path.startswith("/") else f"/proc/{pid}/cwd/{path}"

    home = next((penv[k].strip() for k in ("OPENCLAW_HOME", "HOME") if _env_value(k, penv)), None)
    state = _env_value("OPENCLAW_STATE_DIR", penv)
    if state:
        if state.startswith("~") and home:
            state = home + state[1:]
        candidates = [state]
    elif home and not _env_value("OPENCLAW_PROFILE", penv) and not any(a in ("--profile", "--dev") or
                                                                     a.startswith("--profile=") for a in argv):
        candidates = [f"{home}/.openclaw", f"{home}/.clawdbot"]
    else:
        return False
    for c in candidates:
        if c.startswith("~"):
            return False
        if os.path.isdir(here(c)):
            return not _same_path(here(c), root)
    return False


def gateway_process(root: Path) -> Optional[str]:
    me = os.getpid()
    proc = Path("/proc")
    if proc.is_dir():
        try:
            pids = sorted(int(p) for p in os.listdir(proc) if p.isdigit())
        except OSError:
            pids = []
        for pid in pids:
            if pid == me:
                continue
            try:
                argv = [a.decode("utf-8", "replace") for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
            except OSError:
                continue
            if is_gateway_argv(argv, _proc_reader(pid)) and not _for_another_state_dir(pid, argv, root):
                return f"pid {pid}: {' '.join(argv)[:120]}"
        return None
    try:  # macOS and other systems without /proc: no cwd, so only self-evident command lines count
        import subprocess
        out = subprocess.run(["ps", "-axo", "pid=,command="], capture_output=True, text=True, timeout=5).stdout
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        pid, _, cmd = line.strip().partition(" ")
        if pid.isdigit() and int(pid) != me and is_gateway_argv(cmd.split()):
            return f"pid {pid}: {cmd.strip()[:120]}"
    return None
