"""Apply a plan with a backup first, and put a backup back, losing nothing either way.

Standard library only (Python 3.9+): bundled into the standalone repair scripts.

`apply` takes OpenClaw's own lock for the auth files it changes, re-checks every document under it,
backs up every file it will touch, then writes; if a write fails it puts back what it had written and
says exactly what is changed and where the originals are when even that fails.

A backup is `<state dir>/.clawkb-backups/<UTC stamp>-<repair>/`: the files as they were, and
`manifest.json` (format 2) naming each file by absolute path with the digest of what clawkb wrote
(SQLite: the rows it wrote, which are all a restore puts back). `restore` refuses, unless forced, when
anything wrote a file since clawkb did (a gateway that rotated an OAuth refresh token, say) and shows
what restoring would discard; it writes nothing outside the state directory the backup belongs to.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import sqlite3
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from clawkb.kb.remedies.gateway import gateway_running  # bundle: inline
from clawkb.kb.remedies.openclaw_state import BUSY_TIMEOUT_S, Change, Plan, StateError, json_diff  # bundle: inline
from clawkb.kb.remedies.openclaw_state import mask_secrets, newer_schema, read_json  # bundle: inline
from clawkb.kb.remedies.writes import FileLock, _chown, _owner_of, apply_sqlite, atomic_write_bytes, auth_lock_target  # bundle: inline
from clawkb.kb.remedies.writes import file_digest, fsync_dir, json_bytes, remove_stale_temp_files, row_digest  # bundle: inline
from clawkb.kb.remedies.writes import sha256, write_target  # bundle: inline

BACKUP_DIRNAME = ".clawkb-backups"
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 2


class RestoreConflict(StateError):
    """A restore that would discard writes made since the backup; `details` shows them (secrets masked)."""

    def __init__(self, message: str, details: str):
        super().__init__(message)
        self.details = details


def _abs(path: Any) -> str:
    return os.path.normpath(os.path.abspath(str(path)))


def _stamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")


# --------------------------------------------------------------------------- backup

def _private_dir(path: Path, owner: Tuple[int, int]) -> None:
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    try:
        os.chown(path, *owner)
    except (PermissionError, OSError):
        pass


def backup(plan: Plan, changes: List[Change]) -> Tuple[Path, Dict[str, Any]]:
    """Copy every file the changes touch into a new private backup folder, owned like the state dir,
    with its manifest. Raises StateError (nothing changed) when the backup cannot be written whole."""
    root = Path(_abs(plan.root))
    owner = _owner_of(root)
    dest = root / BACKUP_DIRNAME / f"{_stamp()}-{plan.fix}"
    try:
        _private_dir(root / BACKUP_DIRNAME, owner)
        _private_dir(dest, owner)
        entries: Dict[str, Dict[str, Any]] = {}
        for ch in changes:
            path = Path(_abs(ch.ref.path))
            entry = entries.get(str(path))
            if entry is None:
                rel = os.path.relpath(path, root)
                entry = entries[str(path)] = {"path": str(path), "backup": rel,
                                              "kind": "sqlite" if ch.ref.is_sqlite else "json", "rows": []}
                target = dest / rel
                for parent in reversed(target.relative_to(dest).parents[:-1]):
                    _private_dir(dest / parent, owner)
                if ch.ref.is_sqlite:
                    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
                    dst = sqlite3.connect(str(target))
                    try:
                        src.backup(dst)
                    finally:
                        src.close()
                        dst.close()
                else:
                    shutil.copyfile(write_target(path), target)
                os.chmod(target, 0o600)
                _chown(str(target), owner)
                entry["before"] = sha256(target.read_bytes()) if not ch.ref.is_sqlite else None
            entry["rows"] += [{"table": t, "key": k, "after": None} for t, k in ch.rows]
        manifest = {"format": MANIFEST_FORMAT, "fix": plan.fix, "created": _stamp(), "state_dir": str(root),
                    "files": list(entries.values())}
        fd = os.open(str(dest / MANIFEST), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # a new file: no rename
        with os.fdopen(fd, "wb") as fh:
            _chown(fh.fileno(), owner)
            fh.write((json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        fsync_dir(dest)
    except (OSError, sqlite3.Error) as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise StateError(f"could not write the backup in {dest.parent} ({getattr(exc, 'strerror', None) or exc}); "
                         "nothing was changed") from None
    return dest, manifest


def sweep(root: Path, dirs: List[Path]) -> None:
    """Remove the temp files a killed clawkb left (before its rename) in the state dir, the given
    directories and its backups: they may hold credentials."""
    for d in [root] + dirs:
        remove_stale_temp_files(d)
    backups = root / BACKUP_DIRNAME
    if backups.is_dir():
        for earlier in backups.iterdir():
            if earlier.is_dir() and not earlier.is_symlink():
                remove_stale_temp_files(earlier)


def _write_manifest(dest: Path, manifest: Dict[str, Any]) -> None:
    """The manifest again, with the digests of what was written so far."""
    atomic_write_bytes(dest / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- apply

def apply(plan: Plan, force: bool = False) -> Path:
    """Lock, re-check, back up, then write every change; on a failure put back what was written.
    Returns the backup folder."""
    running = gateway_running(plan.root)
    if running and not force:
        raise StateError(f"the OpenClaw gateway is running ({running}); stop it first "
                         "(openclaw gateway stop) or pass --force")
    changes = plan.changes
    for db in sorted({ch.ref.path for ch in changes if ch.ref.is_sqlite}):
        too_new = newer_schema(db)  # read to make the plan; a newer schema's rules are not known
        if too_new:
            raise StateError(too_new + "; nothing was changed")
    locks = sorted({str(t) for t in (auth_lock_target(ch.ref.path) for ch in changes if not ch.ref.is_sqlite) if t})
    with ExitStack() as held:
        for target in locks:
            held.enter_context(FileLock(Path(target), owner=_owner_of(plan.root)))
        for ch in changes:  # under the lock: nothing changed since the plan read it
            if not ch.ref.is_sqlite:
                remove_stale_temp_files(write_target(ch.ref.path).parent)
                if json.dumps(read_json(ch.ref.path), sort_keys=True) != json.dumps(ch.before, sort_keys=True):
                    raise StateError(f"{ch.ref.path}: changed while clawkb was reading it (OpenClaw wrote it); "
                                     "nothing was changed; run again")
        dest, manifest = backup(plan, changes)
        entries = {e["path"]: e for e in manifest["files"]}
        done: List[Change] = []
        try:
            for ch in changes:
                entry = entries[_abs(ch.ref.path)]
                if ch.ref.is_sqlite:
                    digests = apply_sqlite(ch)
                    for row, digest in zip([r for r in entry["rows"] if r["after"] is None], digests):
                        row["after"] = digest
                else:
                    atomic_write_bytes(ch.ref.path, json_bytes(ch.after, like=write_target(ch.ref.path).read_bytes()))
                    entry["after"] = file_digest(ch.ref.path)
                done.append(ch)
                _write_manifest(dest, manifest)
        except BaseException as exc:
            _roll_back(plan, dest, done, exc)
    return dest


def _roll_back(plan: Plan, dest: Path, done: List[Change], exc: BaseException) -> None:
    what = str(exc) if isinstance(exc, StateError) else f"writing failed ({type(exc).__name__}: {exc})"
    what = what.replace("; nothing was changed", "")
    if not done:
        raise StateError(f"{what}; every file is as it was (backup kept at {dest})") from None
    written = sorted({_abs(c.ref.path) for c in done})
    try:
        restore(dest, only=written, force=True, quiet=True)
    except BaseException as again:  # say exactly what is changed and where the originals are
        raise StateError(f"{what}; putting back what was written failed too ({again}): changed and not put back: "
                         f"{', '.join(written)}; the originals are in {dest} "
                         f"(clawkb fix --restore {dest} --force)") from None
    raise StateError(f"{what}; every file is as it was: {', '.join(written)} put back from the backup at {dest}") from None


# --------------------------------------------------------------------------- restore

def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root and path != root


def _entries(backup_dir: Path, manifest: Dict[str, Any]) -> Tuple[Path, List[Dict[str, Any]]]:
    """The manifest's files, every path confined to the state dir the backup sits in."""
    here = Path(os.path.abspath(backup_dir))
    if here.parent.name != BACKUP_DIRNAME:
        raise StateError(f"{backup_dir}: a clawkb backup lives in <state dir>/{BACKUP_DIRNAME}/; refusing to restore")
    root = os.path.realpath(here.parent.parent)
    claimed = manifest.get("state_dir")
    if not isinstance(claimed, str) or os.path.realpath(claimed) != root:
        raise StateError(f"{backup_dir}: its manifest names state dir {claimed!r}, not {root} where the backup is; "
                         "refusing to restore")
    files = manifest.get("files")
    if not isinstance(files, list):
        raise StateError(f"{backup_dir}: manifest.json lists no files; refusing to restore")
    out = []
    for f in files:
        entry = dict(f) if isinstance(f, dict) else {"path": None, "backup": f, "rows": None, "format1": True}
        rel = entry.get("backup")
        path = entry.get("path") or (os.path.join(root, rel) if isinstance(rel, str) else None)
        if not isinstance(rel, str) or not isinstance(path, str) or not os.path.isabs(path):
            raise StateError(f"{backup_dir}: manifest entry {f!r} is not a path in the state dir; refusing to restore")
        target = os.path.normpath(path)
        if not _inside(os.path.join(os.path.realpath(os.path.dirname(target)), os.path.basename(target)), root) \
                and not _inside(target, root):
            raise StateError(f"{backup_dir}: manifest names {path}, outside the state dir {root}; refusing to restore")
        source = os.path.normpath(os.path.join(str(here), rel))
        if not _inside(source, str(here)) or not os.path.isfile(source) or os.path.islink(source):
            raise StateError(f"{backup_dir}: manifest names backup file {rel!r}, which is not a file of this backup; "
                             "refusing to restore")
        entry["path"], entry["source"] = target, source
        entry.setdefault("kind", "sqlite" if target.endswith(".sqlite") else "json")
        out.append(entry)
    return Path(root), out


def _changed_since(entry: Dict[str, Any]) -> Optional[str]:
    """What was written to the file since clawkb wrote it, shown masked; None when nothing was."""
    path = Path(entry["path"])
    if entry["kind"] == "json":
        now = file_digest(path)
        if entry.get("after") is not None and now == entry["after"]:
            return None
        if now is not None and now == sha256(Path(entry["source"]).read_bytes()):
            return None  # already as in the backup
        try:
            current = read_json(path) if now is not None else None
            saved = json.loads(Path(entry["source"]).read_text(encoding="utf-8"))
        except (StateError, ValueError) as exc:
            return f"{path}: cannot compare ({exc})"
        why = "no record of what clawkb wrote (a format-1 backup)" if entry.get("format1") or entry.get("after") is None \
            else "written since clawkb's repair"
        return f"# {path}: {why}; restoring discards:\n" + json_diff(current, saved, os.path.basename(path))
    rows = entry.get("rows")
    if not rows:
        return f"# {path}: a whole-database backup without a record of its rows; restoring replaces every table"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    try:
        changed = [r for r in rows if r.get("after") is None or row_digest(con, r["table"], r["key"]) != r["after"]]
    finally:
        con.close()
    if not changed:
        return None
    names = ", ".join(f"{r['table']} {json.dumps(r['key'])}" for r in changed)
    return f"# {path}: rows written since clawkb's repair, which restoring discards: {mask_secrets(names)}"


def restore(backup_dir: Path, only: Optional[List[str]] = None, force: bool = False, quiet: bool = False) -> List[str]:
    """Put the files (or SQLite rows) of a backup back. Refuses, unless `force`, while the gateway runs or
    when anything wrote them since the repair (RestoreConflict, with what would be discarded)."""
    manifest_path = backup_dir / MANIFEST
    if not manifest_path.is_file():
        raise StateError(f"{backup_dir}: not a clawkb backup (no {MANIFEST})")
    manifest = read_json(manifest_path)
    if not isinstance(manifest, dict):
        raise StateError(f"{manifest_path}: not a clawkb manifest; refusing to restore")
    root, entries = _entries(backup_dir, manifest)
    entries = [e for e in entries if only is None or e["path"] in {_abs(p) for p in only}]
    if not quiet and not force:
        running = gateway_running(root)
        if running:
            raise StateError(f"the OpenClaw gateway is running ({running}); stop it before restoring, or pass --force")
    if not force:
        conflicts = [c for c in (_changed_since(e) for e in entries) if c]
        if conflicts:
            raise RestoreConflict(f"{len(conflicts)} file(s) changed since the repair; nothing was restored "
                                  "(--force restores anyway and discards those changes)", "\n".join(conflicts))
    restored = []
    for e in entries:
        path = Path(e["path"])
        if e["kind"] == "sqlite":
            _restore_sqlite(Path(e["source"]), path, e.get("rows"))
        else:  # the exact bytes, atomically, at the symlink's target, with the mode the file had
            atomic_write_bytes(path, Path(e["source"]).read_bytes(), like=write_target(path) if path.exists() else None,
                               owner=_owner_of(root))
        restored.append(os.path.relpath(e["path"], root))
    return restored


def _restore_sqlite(source: Path, path: Path, rows: Optional[List[Dict[str, Any]]]) -> None:
    if not rows:  # a format-1 backup: the whole database, as it was
        s = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        d = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
        try:
            s.backup(d)
        finally:
            s.close()
            d.close()
        return
    old = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        try:
            for r in rows:
                table, key = r["table"], r["key"]
                where = " AND ".join(f'"{c}" = ?' for c in key)
                cur = old.execute(f'SELECT * FROM "{table}" WHERE {where}', tuple(key.values()))
                cols = [c[0] for c in cur.description]
                row = cur.fetchone()
                con.execute(f'DELETE FROM "{table}" WHERE {where}', tuple(key.values()))
                if row is not None:
                    con.execute(f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
                                f'VALUES ({", ".join("?" for _ in cols)})', row)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except sqlite3.OperationalError as exc:
        raise StateError(f"{path}: {exc}; nothing was restored") from None
    finally:
        con.close()
        old.close()
    fsync_dir(path.parent)
