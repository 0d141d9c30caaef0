"""Read and safely change OpenClaw's local state, in every layout it has used.

Standard library only (Python 3.9+): this module is bundled into the standalone repair scripts.

Layouts (see docs/state-layouts.md for sources):
  auth, up to 2026.4.5   agents/<agent>/agent/auth-profiles.json  {version, profiles, order?, lastGood?, usageStats?}
  auth, 2026.4.7-6.1     auth-profiles.json {version, profiles} + auth-state.json {version, order?, lastGood?, usageStats?}
  auth, 2026.6.x on      agents/<agent>/agent/openclaw-agent.sqlite: auth_profile_store(store_key, store_json),
                         auth_profile_state(state_key, state_json), rows 'primary'
  auth, 2026.8.x on      shared profiles in state/openclaw.sqlite: auth_profile_stores(store_key, store_json),
                         auth_profile_state(store_key, state_json), rows 'shared'
  cron, up to 2026.5.x   cron/jobs.json {version: 1, jobs: [...]}
  cron, 2026.6.1 on      state/openclaw.sqlite: cron_jobs(store_key, job_id, session_target, payload_kind,
                         payload_message, payload_model, job_json, ...)
  config                 openclaw.json (JSON5)
The root is $OPENCLAW_STATE_DIR, else ~/.openclaw.
"""
from __future__ import annotations

import copy
import datetime as _dt
import difflib
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from clawkb.matcher.redact import redact  # bundle: inline

BUSY_TIMEOUT_S = 5.0


class StateError(Exception):
    """A problem with the local state, said in one line. Nothing has been changed when it is raised."""


# --------------------------------------------------------------------------- locating

Env = Optional[Mapping[str, str]]


def _env_value(name: str, env: Env = None) -> Optional[str]:
    """An environment variable as OpenClaw reads one: blank, "undefined" and "null" are unset."""
    value = ((os.environ if env is None else env).get(name) or "").strip()
    return None if not value or value in ("undefined", "null") else value


def _env_path(name: str, home: Optional[Path] = None, env: Env = None) -> Optional[Path]:
    """An environment variable holding a path; a leading ~ is OpenClaw's home directory."""
    value = _env_value(name, env)
    if value is None:
        return None
    if value == "~" or value.startswith("~/"):
        return (home or home_dir(env)) / value[2:]
    return Path(value).expanduser()


def home_dir(env: Env = None) -> Path:
    """OPENCLAW_HOME, else HOME, else USERPROFILE, else the OS home (src/infra/home-dir.ts)."""
    for name in ("OPENCLAW_HOME", "HOME", "USERPROFILE"):
        value = _env_value(name, env)
        if value:
            return Path(os.path.expanduser(value))
    return Path.home()


def default_state_dir(env: Env = None) -> Path:
    """OPENCLAW_STATE_DIR, else ~/.openclaw if it exists, else the legacy ~/.clawdbot if it exists, else
    ~/.openclaw (resolveStateDir, src/config/paths.ts)."""
    home = home_dir(env)
    return _env_path("OPENCLAW_STATE_DIR", home, env) or next(
        (home / n for n in (".openclaw", ".clawdbot") if (home / n).is_dir()), home / ".openclaw")


def state_dir(arg: Optional[str] = None, env: Env = None) -> Path:
    """--state-dir, else OpenClaw's own state dir; it must exist."""
    root = Path(arg).expanduser() if arg else default_state_dir(env)
    if not root.is_dir():
        raise StateError(f"{root}: no OpenClaw state directory here (use --state-dir or OPENCLAW_STATE_DIR)")
    return root


def config_path(root: Path, env: Env = None) -> Path:
    """OPENCLAW_CONFIG_PATH, else the state dir's openclaw.json, else its legacy clawdbot.json
    (resolveConfigPath, src/config/paths.ts). Its string is also what names the gateway's lock."""
    explicit = _env_path("OPENCLAW_CONFIG_PATH", env=env)
    if explicit:
        return explicit
    for name in ("openclaw.json", "clawdbot.json"):
        if (root / name).exists():
            return root / name
    return root / "openclaw.json"


def default_agent_id(cfg: "Config") -> str:
    """The agents.list entry marked default, else the first, else "main" (resolveDefaultAgentId)."""
    entries = [e for e in (cfg.get("agents", "list", default=[]) or []) if isinstance(e, dict) and isinstance(e.get("id"), str)]
    marked = [e for e in entries if e.get("default") is True]
    return (marked or entries or [{"id": "main"}])[0]["id"]


def agent_dirs(root: Path, cfg: Optional["Config"] = None) -> List[Tuple[str, Path]]:
    """Every agent's directory: `agents.list[].agentDir` where the config sets one, else
    <state>/agents/<id>/agent; OPENCLAW_AGENT_DIR for the main agent; agents on disk the config does not
    list; and the pre-agents legacy <state>/agent."""
    out: Dict[str, Path] = {}
    try:
        cfg = cfg if cfg is not None else load_config(root)
        listed = cfg.get("agents", "list", default=[]) or []
    except (StateError, OSError):
        listed = []
    for entry in listed if isinstance(listed, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            custom = entry.get("agentDir")
            out[entry["id"]] = Path(custom.strip()).expanduser() if isinstance(custom, str) and custom.strip() \
                else root / "agents" / entry["id"] / "agent"
    main_dir = _env_path("OPENCLAW_AGENT_DIR")
    if main_dir is not None:
        out["main"] = main_dir
    agents = root / "agents"
    if agents.is_dir():
        for d in sorted(agents.iterdir()):
            if (d / "agent").is_dir() and d.name not in out:
                out[d.name] = d / "agent"
    seen, found = set(), []
    for name, d in sorted(out.items()):
        key = os.path.realpath(d)
        if d.is_dir() and key not in seen:
            seen.add(key)
            found.append((name, d))
    legacy = root / "agent"
    if legacy.is_dir() and (legacy / "auth-profiles.json").exists() and os.path.realpath(legacy) not in seen:
        found.append(("(legacy)", legacy))
    return found


# --------------------------------------------------------------------------- reading

def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StateError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise StateError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); refusing to touch it") from None


_JSON5_TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<line>//[^\n]*) | (?P<block>/\*.*?\*/) |
    (?P<dq>"(?:[^"\\\n]|\\.)*") | (?P<sq>'(?:[^'\\\n]|\\.)*') |
    (?P<punct>[{}\[\]:,]) | (?P<word>[^\s{}\[\]:,'"/]+)
""", re.X | re.S)


def parse_json5(text: str, path: Path) -> Any:
    """The JSON5 that openclaw.json is written in: comments, trailing commas, unquoted keys,
    single-quoted strings. Returns plain data; raises StateError on anything else."""
    out: List[str] = []
    pos = 0
    while pos < len(text):
        m = _JSON5_TOKEN.match(text, pos)
        if not m:
            raise StateError(f"{path}: cannot parse as JSON5 near character {pos}; refusing to touch it")
        pos = m.end()
        kind = m.lastgroup
        tok = m.group(0)
        if kind in ("ws", "line", "block"):
            continue
        if kind == "sq":
            body = tok[1:-1].replace('\\"', '"').replace("\\'", "'").replace('"', '\\"')
            tok = f'"{body}"'
        elif kind == "word":
            if tok in ("true", "false", "null") or re.fullmatch(r"[-+]?(?:\d[\d_]*\.?\d*(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+|Infinity|NaN)", tok):
                if tok.startswith("0x"):
                    tok = str(int(tok, 16))
                elif tok.startswith("+"):
                    tok = tok[1:]
            else:
                tok = json.dumps(tok)  # an unquoted key
        out.append(tok)
    joined = re.sub(r",\s*([}\]])", r"\1", " ".join(out))
    try:
        return json.loads(joined)
    except ValueError as exc:
        raise StateError(f"{path}: cannot parse as JSON5 ({exc.msg}); refusing to touch it") from None


class Config:
    def __init__(self, path: Path):
        self.path = path
        self.exists = path.exists()
        self.data: Dict[str, Any] = {}
        self.strict_json = True
        if self.exists:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise StateError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
            try:
                self.data = json.loads(text)
            except ValueError:
                self.strict_json = False
                self.data = parse_json5(text, path)
            if not isinstance(self.data, dict):
                raise StateError(f"{path}: the config is not an object; refusing to touch it")

    def get(self, *keys: str, default: Any = None) -> Any:
        cur: Any = self.data
        for k in keys:
            if not isinstance(cur, dict) or k not in cur:
                return default
            cur = cur[k]
        return cur


def load_config(root: Path) -> Config:
    return Config(config_path(root))


# The newest SQLite schemas whose layout clawkb knows (PRAGMA user_version; OpenClaw 2026.9.6: state 18,
# agent 23). Agent 24 (v2026.9.7) and 25 move session snapshots and retire session validation triggers;
# the auth tables stay as they were (docs/reference/database-schemas/agent-schema-history.md).
KNOWN_SCHEMA = {"openclaw.sqlite": (18, "2026.9.6"), "openclaw-agent.sqlite": (25, "2026.9.7+")}
# A newer database (OpenClaw 2026.10's state database is 19 or more, not pinned) is read only when every
# table clawkb reads there still has the columns it reads (table -> alternatives of column sets), and is
# never changed: a newer schema may give the same columns new rules.
READ_SHAPES = {
    "openclaw.sqlite": {"config_machine_state": ({"state_key", "value_json"},), "cron_jobs": ({"job_id", "job_json"},)},
    "openclaw-agent.sqlite": {"auth_profile_store": ({"store_key", "store_json"},),
                              "auth_profile_state": ({"state_key", "state_json"}, {"store_key", "state_json"})},
}


def _sqlite_ro(path: Path) -> sqlite3.Connection:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        con.execute("PRAGMA schema_version").fetchone()
        _check_schema(con, path)
        return con
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StateError(f"{path}: the database is locked by another process (is the gateway running?); "
                             "nothing was changed") from None
        raise StateError(f"{path}: not a readable SQLite database ({exc}); refusing to touch it") from None
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{path}: not a readable SQLite database ({exc}); refusing to touch it") from None


def schema_version(con: sqlite3.Connection) -> int:
    """PRAGMA user_version, or 2026.9.6's content version when larger."""
    version = con.execute("PRAGMA user_version").fetchone()[0]
    try:  # 2026.9.6: the effective version is the larger of user_version and the content version
        row = con.execute("SELECT value_json FROM config_machine_state WHERE state_key = 'state.schema.contentVersion'").fetchone()
        content = json.loads(row[0]) if row else None
        if isinstance(content, int) and not isinstance(content, bool):
            version = max(version, content)
    except (sqlite3.DatabaseError, ValueError, TypeError):
        pass
    return version


def newer_schema(path: Path) -> Optional[str]:
    """Why a database is too new for clawkb to change (None when it is not): what `apply` refuses."""
    known = KNOWN_SCHEMA.get(path.name)
    if known is None:
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    try:
        version = schema_version(con)
    finally:
        con.close()
    if version <= known[0]:
        return None
    return (f"{path}: schema version {version} is newer than any this clawkb knows ({known[0]}, OpenClaw {known[1]}); "
            "read, never changed (update clawkb, or use OpenClaw's own command shown)")


def _check_schema(con: sqlite3.Connection, path: Path) -> None:
    known = KNOWN_SCHEMA.get(path.name)
    if known is None:
        return
    version = schema_version(con)
    if version <= known[0]:
        return
    tables = _tables(con)
    shapes = READ_SHAPES.get(path.name, {})
    moved = [t for t, alternatives in shapes.items()
             if t in tables and not any(cols <= set(tables[t]) for cols in alternatives)]
    if moved or not any(t in tables for t in shapes):
        con.close()
        raise StateError(f"{path}: schema version {version} is newer than any this clawkb knows ({known[0]}, OpenClaw "
                         f"{known[1]}) and {', '.join(moved) or 'the tables it reads'} moved; refusing to read or "
                         "change it (update clawkb, or check what OpenClaw reports instead: openclaw models status "
                         "--json | clawkb doctor --from -)")


def _tables(con: sqlite3.Connection) -> Dict[str, List[str]]:
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {n: [c[1] for c in con.execute(f'PRAGMA table_info("{n}")')] for n in names}


def detect_version(root: Path) -> Optional[str]:
    """The OpenClaw version that last wrote this state, when it says."""
    cfg_version = None
    try:
        cfg_version = load_config(root).get("meta", "lastTouchedVersion")
    except (StateError, OSError):
        pass
    if isinstance(cfg_version, str) and cfg_version:
        return cfg_version
    for db in [root / "state" / "openclaw.sqlite"] + [d / "openclaw-agent.sqlite" for _, d in agent_dirs(root)]:
        if db.exists():
            try:
                con = _sqlite_ro(db)
                if "schema_meta" in _tables(con):
                    row = con.execute("SELECT app_version FROM schema_meta WHERE app_version IS NOT NULL "
                                      "ORDER BY updated_at DESC LIMIT 1").fetchone()
                    if row and row[0]:
                        return str(row[0])
            except (StateError, sqlite3.DatabaseError):
                continue
    return None


# --------------------------------------------------------------------------- auth stores

class AuthStore:
    """Where one agent's (or the shared) auth profiles and their routing state live."""

    def __init__(self, agent: str, layout: str, store_ref: "Ref", state_ref: "Ref", store: dict, state: dict):
        self.agent, self.layout = agent, layout
        self.store_ref, self.state_ref = store_ref, state_ref
        self.store, self.state = store, state

    @property
    def profiles(self) -> Dict[str, dict]:
        p = self.store.get("profiles")
        return p if isinstance(p, dict) else {}

    @property
    def usage(self) -> Dict[str, dict]:
        u = self.state.get("usageStats")
        return u if isinstance(u, dict) else {}


class Ref:
    """A JSON document in a file, or in one row of a SQLite table."""

    def __init__(self, path: Path, table: Optional[str] = None, key_col: Optional[str] = None,
                 key: Optional[str] = None, json_col: Optional[str] = None, updated_col: str = "updated_at"):
        self.path, self.table, self.key_col, self.key, self.json_col = path, table, key_col, key, json_col
        self.updated_col = updated_col

    @property
    def is_sqlite(self) -> bool:
        return self.table is not None

    def label(self, root: Path) -> str:
        rel = os.path.relpath(self.path, root)
        return f"{rel} [{self.table} {self.key_col}={self.key!r}]" if self.is_sqlite else rel

    def same(self, other: "Ref") -> bool:
        return (self.path, self.table, self.key) == (other.path, other.table, other.key)


def _row_json(con: sqlite3.Connection, ref: Ref) -> dict:
    row = con.execute(f'SELECT "{ref.json_col}" FROM "{ref.table}" WHERE "{ref.key_col}" = ?', (ref.key,)).fetchone()
    if row is None:
        return {}
    try:
        data = json.loads(row[0])
    except (TypeError, ValueError):
        raise StateError(f"{ref.path}: {ref.table} row {ref.key!r} is not valid JSON; refusing to touch it") from None
    if not isinstance(data, dict):
        raise StateError(f"{ref.path}: {ref.table} row {ref.key!r} is not an object; refusing to touch it")
    return data


def _sqlite_auth(agent: str, db: Path) -> Optional[AuthStore]:
    """An agent's own store: rows 'primary' of auth_profile_store / auth_profile_state (2026.6.5 on)."""
    con = _sqlite_ro(db)
    try:
        tables = _tables(con)
        if "auth_profile_store" not in tables or "auth_profile_state" not in tables:
            return None
        state_key_col = "store_key" if "store_key" in tables["auth_profile_state"] else "state_key"
        store_ref = Ref(db, "auth_profile_store", "store_key", "primary", "store_json")
        state_ref = Ref(db, "auth_profile_state", state_key_col, "primary", "state_json")
        return AuthStore(agent, "sqlite-agent", store_ref, state_ref, _row_json(con, store_ref), _row_json(con, state_ref))
    finally:
        con.close()


SHARED_STORE_KEY, SHARED_STATE_KEY, SHARED_OWNER_KEY = "authProfiles.store", "authProfiles.state", "auth.sharedStore"


def shared_store_location(con: sqlite3.Connection, tables: Dict[str, List[str]], db: Path) -> str:
    """Which shared auth store is live: config_machine_state row auth.sharedStore = {"location":
    "legacy-main" | "state-db"}; no row means legacy-main, the main agent's own rows
    (parseSharedAuthStoreOwnership, src/agents/auth-profiles/path-resolve.ts, 2026.8.2 on)."""
    if "config_machine_state" not in tables:
        return "legacy-main"
    row = con.execute("SELECT value_json FROM config_machine_state WHERE state_key = ?", (SHARED_OWNER_KEY,)).fetchone()
    if row is None:
        return "legacy-main"
    try:
        value = json.loads(row[0])
    except (TypeError, ValueError):
        value = None
    if not (isinstance(value, dict) and set(value) == {"location"} and value["location"] in ("legacy-main", "state-db")):
        raise StateError(f"{db}: config_machine_state {SHARED_OWNER_KEY} is not a shared auth store location "
                         "OpenClaw accepts (it says: run openclaw doctor --fix); refusing to touch it")
    return value["location"]


def _shared_auth(db: Path) -> Tuple[Optional[AuthStore], List[str]]:
    """The shared (inherited) auth store in state/openclaw.sqlite, when it is the live one, and notes on
    stores that are present but not live (never edited)."""
    con = _sqlite_ro(db)
    notes: List[str] = []
    try:
        tables = _tables(con)
        location = shared_store_location(con, tables, db)
        if "config_machine_state" in tables:  # state schema 13 and later (2026.8.2 on)
            held = [k for (k,) in con.execute("SELECT state_key FROM config_machine_state WHERE state_key IN (?, ?)",
                                              (SHARED_STORE_KEY, SHARED_STATE_KEY))]
            if location != "state-db":
                if held:
                    notes.append(f"{db}: shared auth rows in config_machine_state are not live "
                                 f"({SHARED_OWNER_KEY} is {location}); left as they are")
                return None, notes
            store_ref = Ref(db, "config_machine_state", "state_key", SHARED_STORE_KEY, "value_json", "updated_at_ms")
            state_ref = Ref(db, "config_machine_state", "state_key", SHARED_STATE_KEY, "value_json", "updated_at_ms")
            return AuthStore("shared", "sqlite-state-db", store_ref, state_ref, _row_json(con, store_ref),
                             _row_json(con, state_ref)), notes
        if "auth_profile_stores" in tables and "auth_profile_state" in tables:  # 2026.6.x-2026.8.1
            state_key_col = "store_key" if "store_key" in tables["auth_profile_state"] else "state_key"
            store_ref = Ref(db, "auth_profile_stores", "store_key", "shared", "store_json")
            state_ref = Ref(db, "auth_profile_state", state_key_col, "shared", "state_json")
            return AuthStore("shared", "sqlite-shared", store_ref, state_ref, _row_json(con, store_ref),
                             _row_json(con, state_ref)), notes
        return None, notes
    finally:
        con.close()


def _json_auth(name: str, d: Path) -> Optional[AuthStore]:
    profiles_file, state_file = d / "auth-profiles.json", d / "auth-state.json"
    if state_file.exists():
        store = read_json(profiles_file) if profiles_file.exists() else {}
        state = read_json(state_file)
        _expect_object(store, profiles_file)
        _expect_object(state, state_file)
        return AuthStore(name, "json-split", Ref(profiles_file), Ref(state_file), store, state)
    if profiles_file.exists():
        data = read_json(profiles_file)
        _expect_object(data, profiles_file)
        return AuthStore(name, "json-legacy", Ref(profiles_file), Ref(profiles_file), data, data)
    return None


def load_auth_stores(root: Path, agent: Optional[str] = None, problems: Optional[List[str]] = None,
                     notes: Optional[List[str]] = None) -> List[AuthStore]:
    """Every live auth store: each agent's own, and the shared one. With `problems`, a store that
    cannot be read is said there and the others are still read; without, it raises. `notes` gets the
    stores that are present but not live (never edited)."""
    stores: List[AuthStore] = []

    def attempt(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except StateError as exc:
            if problems is None:
                raise StateError(f"{exc} (--agent NAME repairs the other agents)" if agent is None else str(exc)) from None
            problems.append(str(exc))
            return None

    for name, d in agent_dirs(root):
        if agent and name != agent:
            continue
        db = d / "openclaw-agent.sqlite"
        found = attempt(lambda: _sqlite_auth(name, db)) if db.exists() else None
        found = found or attempt(lambda: _json_auth(name, d))
        if found:
            stores.append(found)
    shared_db = root / "state" / "openclaw.sqlite"
    if shared_db.exists() and (agent is None or agent == "shared"):
        result = attempt(lambda: _shared_auth(shared_db))
        if result:
            shared, not_live = result
            if notes is not None:
                notes.extend(not_live)
            if shared and (shared.store or shared.state):
                stores.append(shared)
    return stores


def _expect_object(data: Any, path: Path) -> None:
    if not isinstance(data, dict):
        raise StateError(f"{path}: expected a JSON object; refusing to touch it")
    for key in ("profiles", "usageStats", "order"):
        if key in data and not isinstance(data[key], dict):
            raise StateError(f"{path}: '{key}' is not an object; unknown layout, refusing to touch it")


# --------------------------------------------------------------------------- cron

class CronStore:
    """The cron jobs as OpenClaw reads them. `keys[i]` is where `jobs[i]` lives: (store_key, job_id) of
    its SQLite row (two stores may hold the same job id), or None in a JSON store. `typed` is the
    2026.6-2026.7 table whose typed columns OpenClaw rebuilds jobs from (job_json only from 2026.8.2,
    state schema 13: src/cron/store/row-codec.ts)."""

    def __init__(self, layout: str, ref: Optional[Ref], doc: Optional[dict], jobs: List[dict],
                 keys: Optional[List[Optional[Tuple[Optional[str], str]]]] = None, columns: Optional[List[str]] = None):
        self.layout, self.ref, self.doc, self.jobs = layout, ref, doc, jobs
        self.keys = keys if keys is not None else [None] * len(jobs)
        self.columns = columns or []

    @property
    def typed(self) -> bool:
        return "session_target" in self.columns


def _row_job(row: Dict[str, Any]) -> dict:
    """One cron_jobs row as OpenClaw's codec makes it a job."""
    job = json.loads(row["job_json"])
    if not isinstance(job, dict):
        raise ValueError("not an object")
    job["id"] = row["job_id"]
    if "session_target" in row:  # typed era: the columns win
        payload = dict(job.get("payload") or {}) if isinstance(job.get("payload"), dict) else {}
        if row.get("payload_kind"):
            payload["kind"] = row["payload_kind"]
        if row.get("payload_model") is not None or "payload_model" in row:
            if row.get("payload_model"):
                payload["model"] = row["payload_model"]
            else:
                payload.pop("model", None)
        job["payload"] = payload
        job["sessionTarget"] = row["session_target"]
        if row.get("agent_id"):
            job["agentId"] = row["agent_id"]
    return job


def load_cron(root: Path, config: Optional[Config] = None, problems: Optional[List[str]] = None) -> Optional[CronStore]:
    """The cron store: state/openclaw.sqlite's cron_jobs from 2026.6.1, else cron/jobs.json (or
    `cron.store`). A row that cannot be read is said in `problems` and skipped (raises without it)."""
    db = root / "state" / "openclaw.sqlite"
    if db.exists():
        con = _sqlite_ro(db)
        try:
            tables = _tables(con)
            if "cron_jobs" in tables:
                cols = tables["cron_jobs"]
                if not {"job_id", "job_json"} <= set(cols):
                    raise StateError(f"{db}: cron_jobs has no job_id/job_json; unknown layout, refusing to touch it")
                jobs, keys = [], []
                cur = con.execute("SELECT * FROM cron_jobs ORDER BY " + ("store_key, " if "store_key" in cols else "")
                                  + ("sort_order, " if "sort_order" in cols else "") + "job_id")
                names = [c[0] for c in cur.description]
                for values in cur:
                    row = dict(zip(names, values))
                    try:
                        jobs.append(_row_job(row))
                    except (TypeError, ValueError):
                        message = f"{db}: cron job {row['job_id']!r} is not valid JSON; refusing to touch it"
                        if problems is None:
                            raise StateError(message) from None
                        problems.append(message)
                        continue
                    keys.append((row.get("store_key"), row["job_id"]))
                return CronStore("sqlite", Ref(db, "cron_jobs", "job_id", None, "job_json"), None, jobs, keys, cols)
        finally:
            con.close()
    store_path = root / "cron" / "jobs.json"
    configured = config.get("cron", "store") if config else None
    if isinstance(configured, str) and configured:
        store_path = Path(configured).expanduser()
        if not store_path.is_absolute():
            store_path = root / store_path
    if store_path.exists():
        doc = read_json(store_path)
        if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), list):
            raise StateError(f"{store_path}: expected {{\"version\", \"jobs\": [...]}}; refusing to touch it")
        return CronStore("json", Ref(store_path), doc, doc["jobs"])
    return None


# --------------------------------------------------------------------------- plans: what would change

class Change:
    """A JSON document before and after, at one Ref; or (sqlite_apply) a function doing it in SQL."""

    def __init__(self, ref: Ref, before: Any, after: Any, what: str,
                 sqlite_apply: Optional[Callable[[sqlite3.Connection], None]] = None,
                 rows: Optional[List[Tuple[str, Dict[str, Any]]]] = None):
        self.ref, self.before, self.after, self.what, self.sqlite_apply = ref, before, after, what, sqlite_apply
        # the SQLite rows it writes, (table, {key column: value}), so that a restore puts back only those
        self.rows = rows if rows is not None else ([(ref.table, {ref.key_col: ref.key})] if ref.is_sqlite else [])


class Plan:
    """What a repair would change. Repairs edit working copies (`doc`), one per document, and say why
    (`describe`); `changes` lists the documents that differ from what was read."""

    def __init__(self, fix: str, root: Path):
        self.fix, self.root = fix, root
        self._docs: Dict[Tuple, List[Any]] = {}  # key -> [ref, before, after, [descriptions], sqlite_apply, rows]
        self.notes: List[str] = []
        self.manual: List[Tuple[str, str]] = []  # (title, diff) the user applies by hand
        self.decisive: set = set()

    @staticmethod
    def key(ref: Ref) -> Tuple:
        return (str(ref.path), ref.table, ref.key)

    def doc(self, ref: Ref, original: Any, decisive: bool = False) -> Any:
        """The working copy of a document (the same object for the same place). A decisive document is
        the one whose change makes the finding go away; it is written after the others, so that a run
        killed halfway is found again, and completed, by the next."""
        k = self.key(ref)
        if k not in self._docs:
            self._docs[k] = [ref, deep(original), deep(original), [], None, None]
        if decisive:
            self.decisive.add(k)
        return self._docs[k][2]

    def describe(self, ref: Ref, text: str) -> None:
        self._docs[self.key(ref)][3].append(text)

    def sql(self, ref: Ref, before: Any, after: Any, text: str, fn: Callable[[sqlite3.Connection], None],
            rows: List[Tuple[str, Dict[str, Any]]]) -> None:
        """A change made by `fn` inside one transaction, touching exactly `rows`."""
        self._docs[self.key(ref)] = [ref, before, after, [text], fn, rows]

    @property
    def changes(self) -> List[Change]:
        out = []
        for k, (ref, before, after, what, fn, rows) in sorted(self._docs.items(), key=lambda kv: kv[0] in self.decisive):
            if json.dumps(before, sort_keys=True) != json.dumps(after, sort_keys=True):
                out.append(Change(ref, before, after, "; ".join(what) or "update", fn, rows))
        return out

    @property
    def empty(self) -> bool:
        return not self.changes


def mask_secrets(text: str) -> str:
    """Secret-shaped values replaced (matcher.redact, inlined into the standalone scripts)."""
    return redact(text)


def json_diff(before: Any, after: Any, label: str) -> str:
    a = mask_secrets(json.dumps(before, indent=2, sort_keys=True, ensure_ascii=False)).splitlines(keepends=True)
    b = mask_secrets(json.dumps(after, indent=2, sort_keys=True, ensure_ascii=False)).splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, fromfile=f"a/{label}", tofile=f"b/{label}", n=2))


def render_plan(plan: Plan) -> str:
    out = []
    for ch in plan.changes:
        out.append(f"# {ch.what}")
        out.append(json_diff(ch.before, ch.after, ch.ref.label(plan.root)).rstrip("\n"))
    for title, diff in plan.manual:
        out.append(f"# {title} (review and apply by hand)")
        out.append(mask_secrets(diff).rstrip("\n"))
    return "\n".join(out)


# --------------------------------------------------------------------------- safety: gateway, backup, writes

def deep(data: Any) -> Any:
    return copy.deepcopy(data)


def now_ms() -> int:
    return int(_dt.datetime.now(_dt.timezone.utc).timestamp() * 1000)


def fmt_ms(ms: Any) -> str:
    try:
        return _dt.datetime.fromtimestamp(int(ms) / 1000, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError, OverflowError, OSError):
        return str(ms)


def fmt_duration(ms: int) -> str:
    minutes = max(int(ms // 60000), 0)
    days, rem = divmod(minutes, 1440)
    hours, mins = divmod(rem, 60)
    parts = ([f"{days}d"] if days else []) + ([f"{hours}h"] if hours else []) + [f"{mins}m"]
    return " ".join(parts)


