"""`clawkb match --follow`: a growing log read as it grows (as `tail -F` reads it), each new diagnosis
said once, as soon as it shows.

The last `WINDOW_LINES` lines are kept and diagnosed again whenever new lines arrive (at most once per
`poll` seconds), so memory stays bounded however long the log runs; a failure is said the first time
it is diagnosed and not again in the same run. A file is read from its last `START_BYTES` on (the
recent past), then followed; when it is rotated (renamed away and a new file created at its name, or
truncated in place), what was left in the old file is read and the new one followed from its start.
"""
from __future__ import annotations

import os
import time
from collections import deque
from typing import Any, Callable, Iterator, Optional, TextIO

WINDOW_LINES = 2000  # lines kept and diagnosed together: more than any failure's window
START_BYTES = 1 << 20  # of an existing file, the last MiB is read before following it
CHUNK = 1 << 20  # read at a time: a burst of a gigabyte is taken a MiB at a time
MAX_LINE = 256 * 1024  # of a line without its end yet, what is kept (the matcher reads no more of a line)


class Follower:
    """The diagnosis of a growing log: `feed` it lines, `diagnose` for what is new."""

    def __init__(self, kb, name: str, *, min_confidence: float, max_evidence: Optional[int] = None,
                 window: int = WINDOW_LINES):
        self.kb, self.name = kb, name
        self.min_confidence, self.max_evidence = min_confidence, max_evidence
        self.lines: deque[str] = deque(maxlen=window)
        self.dropped = 0  # lines that left the window: added to line numbers, which count from the start
        self.said: set[str] = set()
        self.fresh = False

    def feed(self, lines: list[str]) -> None:
        self.dropped += max(0, len(self.lines) + len(lines) - (self.lines.maxlen or 0))  # pushed out of the window
        self.lines.extend(lines)
        self.fresh = self.fresh or bool(lines)

    def diagnose(self) -> list[dict[str, Any]]:
        """The records (one diagnosis each, as `match --format json` prints them) not said before."""
        from clawkb.matcher import normalise

        from .diagnosis import diagnose_document

        if not self.fresh or not self.lines:
            return []
        self.fresh = False
        result = diagnose_document(normalise("\n".join(self.lines)), self.kb, name=self.name,
                                   min_confidence=self.min_confidence, max_evidence=self.max_evidence, detail=False)
        out = []
        for d in result["diagnoses"]:
            if d["id"] in self.said:
                continue
            self.said.add(d["id"])
            for e in d.get("evidence", []):
                e["line"] += self.dropped
            for key in ("first_line", "last_line"):
                if d.get(key):
                    d[key] += self.dropped
            out.append({**{k: v for k, v in result.items() if k not in ("diagnoses", "closest")}, "diagnoses": [d]})
        return out


def file_batches(path: str, poll: float, stop: Callable[[], bool] = lambda: False) -> Iterator[list[str]]:
    """Batches of new lines of the file at `path`, following it across rotations, until `stop()`."""
    fh = open(path, "r", encoding="utf-8", errors="replace", newline="")
    size = os.fstat(fh.fileno()).st_size
    if size > START_BYTES:
        fh.seek(size - START_BYTES)
        fh.readline()  # from the first whole line
    partial = ""
    while not stop():
        chunk = fh.read(CHUNK)
        if chunk:
            text = partial + chunk
            lines = text.split("\n")
            partial = lines.pop()[:MAX_LINE]
            if lines:
                yield [line.rstrip("\r") for line in lines]
            continue
        if _rotated(path, fh):
            rest = fh.read(CHUNK)  # what the old file still held (of a burst: its first MiB)
            fh.close()
            if partial + rest:
                yield [line.rstrip("\r") for line in (partial + rest).split("\n") if line]
            partial = ""
            try:
                fh = open(path, "r", encoding="utf-8", errors="replace", newline="")
            except FileNotFoundError:  # renamed away, not yet created again: wait for it
                fh = _wait_for(path, poll, stop)
                if fh is None:
                    return
            continue
        yield []
        time.sleep(poll)


def _rotated(path: str, fh: TextIO) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return True
    held = os.fstat(fh.fileno())
    return (now.st_ino, now.st_dev) != (held.st_ino, held.st_dev) or now.st_size < fh.tell()


def _wait_for(path: str, poll: float, stop: Callable[[], bool]) -> Optional[TextIO]:
    while not stop():
        try:
            return open(path, "r", encoding="utf-8", errors="replace", newline="")
        except FileNotFoundError:
            time.sleep(poll)
    return None


def stream_batches(stream: TextIO, poll: float) -> Iterator[list[str]]:
    """Batches of lines from a pipe (stdin) as they come, until it ends: a reader thread hands lines
    over, and a batch is what arrived within `poll` seconds of its first line."""
    import queue
    import threading

    lines: "queue.Queue[Optional[str]]" = queue.Queue(maxsize=10_000)  # a bounded hand-over

    def read() -> None:
        for line in stream:
            lines.put(line.rstrip("\r\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    while True:
        try:
            first = lines.get(timeout=poll)
        except queue.Empty:
            yield []
            continue
        if first is None:
            return
        batch = [first]
        deadline = time.monotonic() + poll
        while len(batch) < 5000:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                yield batch
                return
            batch.append(line)
        yield batch
