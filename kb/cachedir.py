"""Where clawkb keeps what it can rebuild at any time, and how it reads and writes there.

The directory is `Settings.cache_dir` (`kb.settings`: `$CLAWKB_CACHE_DIR`, `off` for nowhere, else
`$XDG_CACHE_HOME/clawkb`, else `~/.cache/clawkb`); nothing here reads the environment. A file there is read only when it is a regular file of this user that no one else may write, opened
without following a symbolic link; it is written by temporary file and rename, in a directory only
this user may enter. Imports nothing of clawkb, so that the launcher can use it before anything else.
"""
from __future__ import annotations

import os
from typing import BinaryIO, Optional


def open_own(path: str) -> Optional[BinaryIO]:
    """`path` opened for reading when it is a regular file owned by this user that no one else may
    write (not through a symbolic link); else None: someone else's file is not loaded."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        import stat

        uid = os.geteuid() if hasattr(os, "geteuid") else st.st_uid
        if not stat.S_ISREG(st.st_mode) or st.st_uid != uid or st.st_mode & 0o022:
            os.close(fd)
            return None
        return os.fdopen(fd, "rb")
    except OSError:
        os.close(fd)
        return None


def atomic_write(path: str, data: bytes) -> bool:
    """Write by temp file + rename (a reader sees the old file or the new one); False when the cache
    cannot be written (a read-only home: every run then builds in memory)."""
    import tempfile

    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path), suffix=".tmp", dir=os.path.dirname(path))
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return False
    return True
