"""The compiled knowledge base, kept between runs in the user's cache directory.

Parsing and validating thirty YAML files takes a quarter of a second; `clawkb match` on a pasted
log should take about as long as starting Python. So the first run validates the signatures, compiles
the rules and prepares the texts (`kb.texts`), and stores the result; later runs load it in a few
milliseconds, without importing YAML, JSON Schema or Jinja2. The store is keyed by the content of
every signature file (compared byte for byte, no hash to collide) and by clawkb's own code: editing, adding or removing a signature, or
upgrading clawkb, rebuilds it. A missing, unreadable, corrupt or unwritable cache only costs time.

Where: `Settings.cache_dir` (`$CLAWKB_CACHE_DIR`, else `$XDG_CACHE_HOME/clawkb`, else `~/.cache/clawkb`;
`CLAWKB_CACHE_DIR=off`, or no cache directory in the settings, builds in memory every time). The files are pickles written by this user
for this user, like any tool's cache; nothing from an input is ever stored. Unpickling can run code,
so a store is read only when the file is owned by this user and writable by no one else, and its key
(stored before the pickle, as plain bytes) is compared before anything is unpickled.
"""
from __future__ import annotations

import os
import pickle
import sys
import zlib
from typing import Optional

from .cachedir import atomic_write, open_own
from .knowledge import KnowledgeBase, default_dir
from .settings import Settings

FORMAT = 3  # bump when what is stored changes shape (2: the calibration tables; 3: the key in plain bytes)
MAGIC = b"clawkb-kb\0"  # a store: MAGIC, the key's length (8 bytes, big-endian), the key, the pickle


def _code_fingerprint() -> bytes:
    """clawkb's own modules (by size and modification time): a new version invalidates the store."""
    import clawkb.matcher as matcher

    parts = [f"{sys.version_info[:2]}:{FORMAT}"]
    for pkg in (os.path.dirname(os.path.abspath(__file__)), os.path.dirname(os.path.abspath(matcher.__file__))):
        for name in sorted(os.listdir(pkg)):
            if name.endswith(".py"):
                st = os.stat(os.path.join(pkg, name))
                parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(parts).encode()


def _key(files: list[str]) -> Optional[bytes]:
    parts = [_code_fingerprint()]
    try:
        for f in files:
            with open(f, "rb") as fh:
                parts.append(os.path.basename(f).encode() + b"\0" + fh.read())
    except OSError:
        return None  # let the full loader report the unreadable file
    return b"\0\0".join(parts)


def _store_path(directory: str, root: str) -> str:
    where = zlib.crc32(os.path.abspath(root).encode())  # names the file; the key decides
    return os.path.join(directory, f"kb-{where:08x}.pickle")


def load(directory: Optional[os.PathLike | str] = None, settings: Settings = Settings()) -> KnowledgeBase:
    """The knowledge base of a signature directory (default: `settings.signatures`, else the shipped
    one), with its rules compiled and its texts prepared: from the store in `settings.cache_dir` when it
    is current, else built (validated) and stored there. Its pages link `settings.site_url`.
    Raises `SourceError` as `load_kb` does."""
    from .similarity import CALIBRATION_FILE  # load_kb attaches the tables; the store keeps them

    if directory is None:
        directory = settings.signatures
    root = os.fspath(directory) if directory is not None else default_dir()
    try:
        files = sorted(os.path.join(root, f) for f in os.listdir(root) if f.endswith(".yaml"))
    except OSError:
        files = []
    store = settings.cache_dir
    calibration = [CALIBRATION_FILE] if os.path.exists(CALIBRATION_FILE) else []
    key = _key(files + calibration) if store is not None and files else None
    path = _store_path(store, root) if store is not None and key else None
    if path is not None and key is not None:
        kb = _read(path, key)
        if kb is not None:
            kb.site_url = settings.site_url
            return kb
    from .signatures import load_kb

    kb = load_kb(root)
    kb.index()
    for sig in kb.signatures:
        for source in sig.template_sources():
            try:
                sig.text(source)
            except ValueError:
                pass  # a broken template renders as an error note; `clawkb validate` names it
        sig.located = None  # only for pointing at lines of files being validated
    if path is not None and key is not None:
        _write(path, key, kb)
    kb.site_url = settings.site_url
    return kb


def _read(path: str, key: bytes) -> Optional[KnowledgeBase]:
    """The stored knowledge base when the store at `path` is this user's own and holds `key`. The
    key is compared as bytes, before anything is unpickled."""
    fh = open_own(path)
    if fh is None:
        return None
    try:
        with fh:
            head = fh.read(len(MAGIC) + 8)
            if head[:len(MAGIC)] != MAGIC or int.from_bytes(head[len(MAGIC):], "big") != len(key):
                return None
            if fh.read(len(key)) != key:
                return None
            kb = pickle.load(fh)
    except Exception:  # truncated, from another version: rebuild
        return None
    return kb if isinstance(kb, KnowledgeBase) else None


def _write(path: str, key: bytes, kb: KnowledgeBase) -> None:
    atomic_write(path, MAGIC + len(key).to_bytes(8, "big") + key + pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL))


class FileStore:
    """`matcher.prefilter.Store` in the cache directory: the compiled Hyperscan database (a second
    to build, a few milliseconds to load). Keeps the few most recent entries."""

    KEEP = 8

    def __init__(self, directory: Optional[str]):
        self.directory = directory  # None: nowhere (every build is kept in memory only)

    def get(self, key: str) -> Optional[bytes]:
        if self.directory is None:
            return None
        fh = open_own(os.path.join(self.directory, key + ".bin"))  # only this user's own files
        if fh is None:
            return None
        try:
            with fh:
                return fh.read()
        except OSError:
            return None

    def put(self, key: str, data: bytes) -> None:
        if self.directory is None or not atomic_write(os.path.join(self.directory, key + ".bin"), data):
            return
        prefix = key.split("-")[0] + "-"
        try:
            entries = sorted((e for e in os.scandir(self.directory) if e.name.startswith(prefix) and e.name.endswith(".bin")),
                             key=lambda e: e.stat().st_mtime, reverse=True)
            for old in entries[self.KEEP:]:
                os.unlink(old.path)
        except OSError:
            pass
