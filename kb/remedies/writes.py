"""Writing OpenClaw's state the way OpenClaw does, so that neither side loses the other's update.

Standard library only (Python 3.9+): bundled into the standalone repair scripts.

- The auth store's lock. OpenClaw's writers of `auth-profiles.json` (and the `auth-state.json` beside it)
  hold `<real dir>/auth-profiles.json.lock`, a file created exclusively (`open(…, "wx")`) holding
  `{"pid": N, "createdAt": ISO-8601}`; a lock whose pid is dead, or older than 30 s, is stale and removed
  (src/plugin-sdk/file-lock.ts and AUTH_STORE_LOCK_OPTIONS in src/agents/auth-profiles/constants.ts,
  since "replace proper-lockfile with lightweight file locks", 2026-02-13; before that proper-lockfile
  made `<file>.lock` a directory, which is also respected here).
- Atomic replacement through symlinks: a symlinked file is written at its target, as OpenClaw's
  `saveJsonFile` does (src/infra/json-file.ts), by temp file + fsync + rename with the target's mode and
  owner; a JSON file keeps its trailing newline, or its absence.
- SQLite: one `BEGIN IMMEDIATE` transaction per change that re-reads what it changes, and the rows as
  written, hashed, so that a later restore can tell whether anything wrote them since.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from clawkb.kb.remedies.gateway import proc_start_time, process_alive  # bundle: inline
from clawkb.kb.remedies.openclaw_state import BUSY_TIMEOUT_S, Change, StateError, _row_json  # bundle: inline

AUTH_STORE_FILENAME = "auth-profiles.json"
AUTH_LOCK_STALE_MS = 30_000  # OpenClaw's AUTH_STORE_LOCK_OPTIONS.stale
LOCK_WAIT_S = 10.0
TMP_SUFFIX = ".clawkb-tmp"


# --------------------------------------------------------------------------- OpenClaw's file lock

def lock_path_for(path: Path) -> Path:
    """The lock OpenClaw takes for a file: `<realpath of its directory>/<name>.lock`."""
    return Path(os.path.realpath(path.parent)) / (path.name + ".lock")


class FileLock:
    """OpenClaw's `<file>.lock`, held for a read-check-write. Waits up to `wait_s` for a live holder."""

    def __init__(self, path: Path, wait_s: Optional[float] = None, owner: Optional[Tuple[int, int]] = None):
        self.path = path
        self.lock = lock_path_for(path)
        self.wait_s = LOCK_WAIT_S if wait_s is None else wait_s
        self.owner = owner
        self.held = False

    def _holder(self) -> Tuple[Optional[int], bool]:
        """(pid of the holder if it says, whether the lock is stale). The strictest of OpenClaw's rules:
        a lock naming a live process is never stale (2026.5.28 on; the process's start time, when recorded,
        must still match), one naming a dead process is; one naming none is stale past 30 s."""
        try:
            st = self.lock.lstat()
        except FileNotFoundError:
            return None, True
        age_ms = time.time() * 1000 - st.st_mtime * 1000
        if self.lock.is_dir():  # proper-lockfile (OpenClaw before 2026.2): fresh while its mtime is refreshed
            return None, age_ms > AUTH_LOCK_STALE_MS
        try:
            payload = json.loads(self.lock.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            payload = None
        payload = payload if isinstance(payload, dict) else {}
        pid = payload.get("pid")
        if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0:
            started = payload.get("starttime")
            if not process_alive(pid) or (isinstance(started, int) and proc_start_time(pid) not in (None, started)):
                return pid, True
            return pid, False
        created = payload.get("createdAt")
        if isinstance(created, str):
            try:
                at = _dt.datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp() * 1000
            except ValueError:
                return None, age_ms > AUTH_LOCK_STALE_MS
            return None, time.time() * 1000 - at > AUTH_LOCK_STALE_MS
        return None, age_ms > AUTH_LOCK_STALE_MS

    def __enter__(self) -> "FileLock":
        deadline = time.monotonic() + self.wait_s
        delay = 0.05
        while True:
            try:
                fd = os.open(str(self.lock), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                pid, stale = self._holder()
                if stale:
                    try:
                        (os.rmdir if self.lock.is_dir() else os.unlink)(str(self.lock))
                    except OSError:
                        pass
                    continue
                if time.monotonic() >= deadline:
                    who = f"pid {pid}" if pid else "another process"
                    raise StateError(f"{self.path} is locked by {who} (OpenClaw is writing it: {self.lock}); "
                                     "nothing was changed; try again in a moment") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            except OSError as exc:
                raise StateError(f"{self.lock}: cannot take OpenClaw's lock ({exc.strerror or exc}); "
                                 "nothing was changed") from None
            try:
                stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
                payload: Dict[str, Any] = {"pid": os.getpid(), "createdAt": stamp}
                started = proc_start_time(os.getpid())
                if started is not None:
                    payload["starttime"] = started
                os.write(fd, (json.dumps(payload, indent=2) + "\n").encode("utf-8"))
                if self.owner:
                    _chown(fd, self.owner)
            finally:
                os.close(fd)
            self.held = True
            return self

    def __exit__(self, *exc: Any) -> None:
        if not self.held:
            return
        self.held = False
        try:  # only our own lock: a stale-lock breaker may have replaced it
            payload = json.loads(self.lock.read_text(encoding="utf-8"))
            if isinstance(payload, dict) and payload.get("pid") == os.getpid():
                os.unlink(str(self.lock))
        except (OSError, ValueError):
            pass


def auth_lock_target(path: Path) -> Optional[Path]:
    """The file whose lock guards `path`: the agent's auth-profiles.json for the auth JSON files."""
    if path.name in (AUTH_STORE_FILENAME, "auth-state.json"):
        return path.parent / AUTH_STORE_FILENAME
    return None


# --------------------------------------------------------------------------- files

def write_target(path: Path) -> Path:
    """Where a write to `path` lands: the end of its symlink chain, as OpenClaw's saveJsonFile writes."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _chown(fd_or_path: Any, owner: Tuple[int, int]) -> None:
    try:
        if isinstance(fd_or_path, int):
            os.fchown(fd_or_path, *owner)
        else:
            os.chown(fd_or_path, *owner, follow_symlinks=False)
    except (PermissionError, AttributeError, OSError):
        pass


def json_bytes(data: Any, like: Optional[bytes] = None) -> bytes:
    """JSON as OpenClaw writes it (two-space indent, UTF-8), ending in a newline only if `like` did."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    newline = like is None or like.endswith(b"\n")
    return (text + ("\n" if newline else "")).encode("utf-8")


def atomic_write_bytes(path: Path, payload: bytes, like: Optional[Path] = None,
                       owner: Optional[Tuple[int, int]] = None) -> None:
    """Replace a file's bytes by temp file, fsync and rename at its symlink target, keeping mode and owner
    (of the file, else of `like`, else `owner` or the directory's). The temp file never outlives a failure."""
    target = write_target(path)
    ref = like if like is not None and like.exists() else (target if target.exists() else None)
    st = ref.stat() if ref is not None else None
    mode = (st.st_mode & 0o7777) if st else 0o600
    uid_gid = (st.st_uid, st.st_gid) if st else (owner or _owner_of(target.parent))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=TMP_SUFFIX, dir=str(target.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            _chown(fh.fileno(), uid_gid)
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(target.parent)


def _owner_of(path: Path) -> Tuple[int, int]:
    st = path.stat()
    return st.st_uid, st.st_gid


def remove_stale_temp_files(directory: Path) -> None:
    """Temp files of an earlier clawkb killed before its rename (they may hold credentials)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if not (name.startswith(".") and name.endswith(TMP_SUFFIX)):
            continue
        parts = name[:-len(TMP_SUFFIX)].split(".")
        pid = next((int(p) for p in reversed(parts) if p.isdigit()), None)
        if pid is not None and pid != os.getpid() and process_alive(pid):
            continue
        try:
            os.unlink(os.path.join(directory, name))
        except OSError:
            pass


def fsync_dir(d: Path) -> None:
    try:
        fd = os.open(str(d), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> Optional[str]:
    try:
        return sha256(write_target(path).read_bytes())
    except FileNotFoundError:
        return None


# --------------------------------------------------------------------------- SQLite

def row_digest(con: sqlite3.Connection, table: str, key: Dict[str, Any]) -> Optional[str]:
    """A hash of one whole row as stored (None when there is no such row)."""
    where = " AND ".join(f'"{c}" = ?' for c in key)
    row = con.execute(f'SELECT * FROM "{table}" WHERE {where}', tuple(key.values())).fetchone()
    return None if row is None else sha256(json.dumps(list(row), default=str).encode("utf-8"))


def apply_sqlite(ch: Change) -> List[Optional[str]]:
    """One transaction: re-check what the change read, write it, and return the digests of its rows as
    written."""
    try:
        con = sqlite3.connect(str(ch.ref.path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{ch.ref.path}: cannot open ({exc})") from None
    try:
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        con.execute("BEGIN IMMEDIATE")
        try:
            if ch.sqlite_apply is not None:
                ch.sqlite_apply(con)
            else:
                current = _row_json(con, ch.ref)
                if json.dumps(current, sort_keys=True) != json.dumps(ch.before, sort_keys=True):
                    raise StateError(f"{ch.ref.path}: {ch.ref.table} changed while clawkb was reading it; run again")
                con.execute(
                    f'UPDATE "{ch.ref.table}" SET "{ch.ref.json_col}" = ?, "{ch.ref.updated_col}" = ? WHERE "{ch.ref.key_col}" = ?',
                    (json.dumps(ch.after, ensure_ascii=False), int(time.time() * 1000), ch.ref.key))
            digests = [row_digest(con, table, key) for table, key in ch.rows]
            con.execute("COMMIT")
            return digests
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StateError(f"{ch.ref.path}: the database is locked by another process (is the gateway running?); "
                             "nothing was changed") from None
        raise StateError(f"{ch.ref.path}: {exc}; nothing was changed") from None
    finally:
        con.close()
