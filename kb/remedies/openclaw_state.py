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
from typing import Any, Callable, Dict, List, Optional, Tuple

from matcher.redact import redact  # bundle: inline

BUSY_TIMEOUT_S = 5.0


class StateError(Exception):
    """A problem with the local state, said in one line. Nothing has been changed when it is raised."""


# --------------------------------------------------------------------------- locating

def state_dir(arg: Optional[str] = None) -> Path:
    root = Path(arg or os.environ.get("OPENCLAW_STATE_DIR") or "~/.openclaw").expanduser()
    if not root.is_dir():
        raise StateError(f"{root}: no OpenClaw state directory here (use --state-dir or OPENCLAW_STATE_DIR)")
    return root


def agent_dirs(root: Path) -> List[Tuple[str, Path]]:
    out = []
    agents = root / "agents"
    if agents.is_dir():
        for d in sorted(agents.iterdir()):
            if (d / "agent").is_dir():
                out.append((d.name, d / "agent"))
    legacy = root / "agent"
    if legacy.is_dir() and (legacy / "auth-profiles.json").exists():
        out.append(("(legacy)", legacy))
    return out


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
            text = path.read_text(encoding="utf-8")
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
    return Config(root / "openclaw.json")


def _sqlite_ro(path: Path) -> sqlite3.Connection:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        con.execute("PRAGMA schema_version").fetchone()
        return con
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StateError(f"{path}: the database is locked by another process (is the gateway running?); "
                             "nothing was changed") from None
        raise StateError(f"{path}: not a readable SQLite database ({exc}); refusing to touch it") from None
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{path}: not a readable SQLite database ({exc}); refusing to touch it") from None


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
                 key: Optional[str] = None, json_col: Optional[str] = None):
        self.path, self.table, self.key_col, self.key, self.json_col = path, table, key_col, key, json_col

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


def _sqlite_auth(agent: str, db: Path, shared: bool) -> Optional[AuthStore]:
    con = _sqlite_ro(db)
    try:
        tables = _tables(con)
        store_table = "auth_profile_stores" if shared else "auth_profile_store"
        if store_table not in tables or "auth_profile_state" not in tables:
            return None
        state_key_col = "store_key" if "store_key" in tables["auth_profile_state"] else "state_key"
        key = "shared" if shared else "primary"
        store_ref = Ref(db, store_table, "store_key", key, "store_json")
        state_ref = Ref(db, "auth_profile_state", state_key_col, key, "state_json")
        return AuthStore(agent, "sqlite-shared" if shared else "sqlite-agent", store_ref, state_ref,
                         _row_json(con, store_ref), _row_json(con, state_ref))
    finally:
        con.close()


def load_auth_stores(root: Path, agent: Optional[str] = None) -> List[AuthStore]:
    stores: List[AuthStore] = []
    for name, d in agent_dirs(root):
        if agent and name != agent:
            continue
        db = d / "openclaw-agent.sqlite"
        if db.exists():
            s = _sqlite_auth(name, db, shared=False)
            if s:
                stores.append(s)
                continue
        profiles_file, state_file = d / "auth-profiles.json", d / "auth-state.json"
        if state_file.exists():
            store = read_json(profiles_file) if profiles_file.exists() else {}
            state = read_json(state_file)
            _expect_object(store, profiles_file)
            _expect_object(state, state_file)
            stores.append(AuthStore(name, "json-split", Ref(profiles_file), Ref(state_file), store, state))
        elif profiles_file.exists():
            data = read_json(profiles_file)
            _expect_object(data, profiles_file)
            stores.append(AuthStore(name, "json-legacy", Ref(profiles_file), Ref(profiles_file), data, data))
    shared_db = root / "state" / "openclaw.sqlite"
    if shared_db.exists() and (agent is None or agent == "shared"):
        s = _sqlite_auth("shared", shared_db, shared=True)
        if s and (s.store or s.state):
            stores.append(s)
    return stores


def _expect_object(data: Any, path: Path) -> None:
    if not isinstance(data, dict):
        raise StateError(f"{path}: expected a JSON object; refusing to touch it")
    for key in ("profiles", "usageStats", "order"):
        if key in data and not isinstance(data[key], dict):
            raise StateError(f"{path}: '{key}' is not an object; unknown layout, refusing to touch it")


# --------------------------------------------------------------------------- cron

class CronStore:
    def __init__(self, layout: str, ref: Optional[Ref], doc: Optional[dict], jobs: List[dict],
                 rows: Optional[Dict[str, Tuple[str, str]]] = None):
        self.layout, self.ref, self.doc, self.jobs, self.rows = layout, ref, doc, jobs, rows or {}


def load_cron(root: Path, config: Optional[Config] = None) -> Optional[CronStore]:
    db = root / "state" / "openclaw.sqlite"
    if db.exists():
        con = _sqlite_ro(db)
        try:
            tables = _tables(con)
            if "cron_jobs" in tables:
                cols = tables["cron_jobs"]
                if not {"job_id", "job_json", "session_target"} <= set(cols):
                    raise StateError(f"{db}: unknown cron_jobs layout; refusing to touch it")
                key_col = "store_key" if "store_key" in cols else None
                q = f'SELECT {"store_key, " if key_col else ""}job_id, job_json FROM cron_jobs'
                jobs, rows = [], {}
                for r in con.execute(q):
                    store_key, job_id, raw = (r if key_col else (None,) + tuple(r))
                    try:
                        job = json.loads(raw)
                    except (TypeError, ValueError):
                        raise StateError(f"{db}: cron job {job_id!r} is not valid JSON; refusing to touch it") from None
                    jobs.append(job)
                    rows[str(job.get("id", job_id))] = (store_key, job_id)
                return CronStore("sqlite", Ref(db, "cron_jobs", "job_id", None, "job_json"), None, jobs, rows)
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


def version_at_least(version: Optional[str], floor: str) -> Optional[bool]:
    def key(v: str):
        m = re.match(r"v?(\d{4})\.(\d{1,2})\.(\d{1,3})(?:-(beta|alpha|rc)\.?(\d+)|-(\d+))?", v or "")
        if not m:
            return None
        pre = m.group(4)
        return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, int(m.group(5) or m.group(6) or 0))
    a, b = key(version or ""), key(floor)
    if a is None or b is None:
        return None
    return a >= b

