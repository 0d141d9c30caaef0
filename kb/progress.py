"""A progress line on stderr for large inputs: bytes read, rate, time left.

Shown only when stderr is a terminal, the input is at least `MIN_BYTES`, and --quiet is not given;
piped runs print nothing.
"""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO

from .settings import PROGRESS_MIN_BYTES as MIN_BYTES  # Settings.progress_min_bytes


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} TiB"


class Progress:
    def __init__(self, name: str, total: Optional[int], *, quiet: bool = False, stream: TextIO = sys.stderr,
                 clock=time.monotonic, min_bytes: int = MIN_BYTES):
        self.name, self.total, self.stream, self.clock = name, total, stream, clock
        self.enabled = (not quiet and total is not None and total >= min_bytes
                        and hasattr(stream, "isatty") and stream.isatty())
        self.done = 0
        self.start = clock()
        self._last = 0.0

    def line(self) -> str:
        elapsed = max(self.clock() - self.start, 1e-9)
        rate = self.done / elapsed
        parts = [f"reading {self.name}", f"{_size(self.done)} / {_size(self.total or 0)}", f"{_size(rate)}/s"]
        if self.total and rate > 0:
            parts.append(f"ETA {max(self.total - self.done, 0) / rate:.0f}s")
        return "  ".join(parts)

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        now = self.clock()
        if now - self._last >= 0.1 or (self.total and self.done >= self.total):
            self._last = now
            self.stream.write("\r\x1b[2K" + self.line())
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
