"""What `clawkb match` reads: paths, directories and stdin, as chunks of UTF-8 text bytes.

One place for everything between a name on the command line and the bytes the matcher reads:
  - paths: regular files; a FIFO (or `<(zcat log.gz)`) is read when something writes to it, and
    refused when nothing does instead of blocking; a terminal is read until the first Ctrl-D;
  - directories: walked for log files; archives, binary, unreadable and special files are skipped
    with a note (as ripgrep does) instead of failing the run;
  - stdin: as a path, and "closed" is an input error, not a crash;
  - gzip (rotated logs, several members, one gzip inside another), bounded: every layer gives at
    most `OUT` bytes a call, and the whole stays within `MAX_RATIO` bytes out per byte read, which
    one deflate layer cannot exceed (at most 1032 to 1): a 2 KB double-gzipped bomb of 1 GiB stops
    after a couple of megabytes;
  - text encodings: UTF-8 (BOM dropped), UTF-16 with a BOM or without one (what Windows
    PowerShell's `>` writes), transcoded on the fly to UTF-8;
  - binary data and tar archives: refused, on the first few kilobytes, with a one-line reason.
Every problem is an `InputError` (or an `OSError`) whose message is one line for the user.
"""
from __future__ import annotations

import os
import stat
import sys
import time
from typing import Callable, Iterable, Iterator, Optional, Sequence

from clawkb.matcher.normalise import InputError, sniff_encoding

CHUNK = 8 * 1024 * 1024  # bytes read from a file at a time
TTY_CHUNK = 64 * 1024  # a terminal gives a line at a time; reading stops at the first end of file
LOG_SUFFIXES = (".log", ".jsonl", ".txt", ".log.gz", ".jsonl.gz", ".txt.gz", ".gz")
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")

GZIP_MAGIC = b"\x1f\x8b"
MAX_LAYERS = 2  # a .gz of a .gz is opened; gzip nested deeper is not a log
FEED = 64 * 1024  # compressed bytes given to zlib at a time (so the ratio is checked often)
OUT = 1024 * 1024  # most bytes one call of a layer may produce
MAX_RATIO = 1100  # bytes out per compressed byte read, over all layers (one deflate layer: <= 1032)
RATIO_SLACK = 1024 * 1024  # a tiny gzip may expand this much whatever its ratio
SNIFF = 8192  # bytes looked at to tell the encoding and binary data
FIFO_WAIT = 2.0  # seconds a FIFO with no writer is given for one to appear

WALK_SKIP = "skipped"  # the note of a file a directory walk leaves out


class NotText(InputError):
    """Input that is not a text log (binary data, an archive): in a directory, skipped with a note."""


class Input:
    """One input: its name, its chunks of UTF-8 text (gzip opened, encoding converted, binary data
    refused when the first chunk is read), its size on disk when known, and whether it was found
    by walking a directory (then what is not text is skipped, not an error)."""

    def __init__(self, name: str, chunks: Iterator[bytes], size: Optional[int], walked: bool = False):
        self.name, self.chunks, self.size, self.walked = name, chunks, size, walked


Note = Callable[[str], None]


def _stderr_note(message: str) -> None:
    print(f"clawkb: note: {message}", file=sys.stderr)


def iter_inputs(paths: Sequence[str], note: Note = _stderr_note
                ) -> Iterator[tuple[str, Optional[Input], Optional[str]]]:
    """(name as given, input, error) for each input; directories are walked for log files, and
    what a walk skips is said with `note`."""
    for p in paths or ["-"]:
        if p == "-":
            yield _stdin()
            continue
        try:
            st = os.stat(p)
        except FileNotFoundError:
            yield p, None, "no such file"
            continue
        except PermissionError:
            yield p, None, "permission denied"
            continue
        except OSError as exc:
            yield p, None, exc.strerror or str(exc)
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(p, note)
            continue
        yield open_path(p)


# --------------------------------------------------------------------------- sources

def read_whole(name: str) -> bytes:
    """All of a small file's bytes, or stdin's for "-" (what `clawkb doctor --from` reads). Raises
    `InputError` with a one-line message when it cannot be read."""
    try:
        if name == "-":
            return sys.stdin.buffer.read()
        with open(name, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(f"cannot read {name}: {_reason(exc)}") from None


def _stdin() -> tuple[str, Optional[Input], Optional[str]]:
    stdin = sys.stdin
    try:
        fd = stdin.fileno() if stdin is not None else -1
        if fd < 0:
            raise OSError
        os.fstat(fd)
    except (OSError, ValueError, AttributeError):
        return "-", None, "stdin is closed: give a FILE, or pipe a log in"
    if os.isatty(fd):
        print("clawkb: waiting for a log on stdin: paste it, then press Ctrl-D (on a line of its own) to end",
              file=sys.stderr, flush=True)
        return "-", Input("-", text_chunks(_tty_chunks(fd)), None), None
    return "-", Input("-", text_chunks(_file_chunks(stdin.buffer)), None), None


def open_path(p: str, walked: bool = False) -> tuple[str, Optional[Input], Optional[str]]:
    """(name, input, error) of a path that is not a directory; a FIFO is opened without blocking
    (see `_fifo_chunks`)."""
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return p, None, "no such file"
    except IsADirectoryError:
        return p, None, "is a directory"
    except PermissionError:
        return p, None, "permission denied"
    except OSError as exc:
        return p, None, exc.strerror or str(exc)
    try:
        st = os.fstat(fd)
        if stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode):
            return p, Input(p, text_chunks(_fifo_chunks(fd, p)), None, walked), None
        os.set_blocking(fd, True)
        if os.isatty(fd):
            print(f"clawkb: {p}: reading a terminal until Ctrl-D", file=sys.stderr, flush=True)
            return p, Input(p, text_chunks(_tty_chunks(fd)), None, walked), None
        size = st.st_size if stat.S_ISREG(st.st_mode) else None
        fh = os.fdopen(fd, "rb")
    except OSError as exc:
        os.close(fd)
        return p, None, exc.strerror or str(exc)
    return p, Input(p, text_chunks(_file_chunks(fh, close=True)), size, walked), None


def _file_chunks(fh, close: bool = False) -> Iterator[bytes]:
    try:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                return
            yield chunk
    finally:
        if close:
            fh.close()


def _tty_chunks(fd: int) -> Iterator[bytes]:
    """A terminal, line by line, up to the first end of file (Ctrl-D): a buffered read of CHUNK
    bytes would wait for a second one."""
    while True:
        chunk = os.read(fd, TTY_CHUNK)
        if not chunk:
            return
        yield chunk


def _fifo_chunks(fd: int, name: str) -> Iterator[bytes]:
    """A FIFO opened without blocking: with a writer (`<(zcat x.gz)`, `mkfifo` and a writer), read
    until it closes; with none for FIFO_WAIT seconds, refused (a blocking open would wait forever)."""
    try:
        deadline = time.monotonic() + FIFO_WAIT
        while True:
            try:
                first = os.read(fd, CHUNK)
            except BlockingIOError:  # a writer is there and has not written yet
                first = b""
                break
            if first:
                break
            if time.monotonic() >= deadline:  # no writer (or one that wrote nothing)
                raise InputError("a FIFO that nothing writes to")
            time.sleep(0.05)
        os.set_blocking(fd, True)
        if first:
            yield first
        while True:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                return
            yield chunk
    finally:
        os.close(fd)


def _walk(root: str, note: Note) -> Iterator[tuple[str, Optional[Input], Optional[str]]]:
    """The log files under a directory, in name order. An unreadable directory is an error; an
    unreadable subdirectory, a special file, an archive or an unreadable file is skipped with a
    note (binary files are skipped when read: `Input.walked`)."""
    failed: list[OSError] = []
    found: list[str] = []
    for d, _dirs, names in os.walk(root, onerror=failed.append):
        for f in names:
            if f.endswith(LOG_SUFFIXES) or f.endswith(ARCHIVE_SUFFIXES):
                found.append(os.path.join(d, f))
    top = [e for e in failed if os.path.normpath(e.filename or "") == os.path.normpath(root)]
    if top:
        yield root, None, _reason(top[0])
        return
    for e in failed:
        note(f"{e.filename}: {WALK_SKIP}: {_reason(e)}")
    readable = 0
    for f in sorted(found):
        why = _skip_reason(f)
        if why is not None:
            note(f"{f}: {WALK_SKIP}: {why}")
            continue
        name, inp, error = open_path(f, walked=True)
        if error is not None:
            note(f"{f}: {WALK_SKIP}: {error}")
            continue
        readable += 1
        yield name, inp, None
    if not readable:
        yield root, None, ("directory holds no *.log, *.jsonl or *.txt files" if not found
                           else "directory holds no readable log files")


def _skip_reason(path: str) -> Optional[str]:
    if path.endswith(ARCHIVE_SUFFIXES):
        return "an archive (extract it, then give the directory)"
    try:
        st = os.stat(path)
    except OSError as exc:  # a dangling link, a file removed during the walk
        return _reason(exc)
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    return None


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    return exc.strerror or str(exc)


# --------------------------------------------------------------------------- bytes -> text bytes

def text_chunks(raw: Iterable[bytes]) -> Iterator[bytes]:
    """Raw chunks as UTF-8 text chunks: gzip opened (bounded), UTF-16 converted, binary refused (when
    the first chunk is asked for: nothing is read before)."""
    yield from _text(_open_gzip(iter(raw)))


def _peek(chunks: Iterator[bytes], n: int) -> tuple[bytes, Iterator[bytes]]:
    """At least `n` bytes from the front (fewer at the end), and the chunks with them put back."""
    parts: list[bytes] = []
    have = 0
    for chunk in chunks:
        if chunk:
            parts.append(chunk)
            have += len(chunk)
            if have >= n:
                break
    head = b"".join(parts)
    return head, _chain(head, chunks)


def _chain(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    yield from rest


class _Counted:
    """The compressed bytes the outermost gzip layer has given to zlib so far."""

    read = 0


def _open_gzip(raw: Iterator[bytes]) -> Iterator[bytes]:
    head, raw = _peek(raw, 2)
    if head[:2] != GZIP_MAGIC:
        return raw
    counted = _Counted()
    return _bounded(_layers(_gunzip(raw, counted), counted, 1), counted)


def _layers(chunks: Iterator[bytes], counted: _Counted, depth: int) -> Iterator[bytes]:
    """`chunks` (a layer's output), with a gzip inside it opened too."""
    head, chunks = _peek(chunks, 2)
    if head[:2] != GZIP_MAGIC:
        yield from chunks
        return
    if depth >= MAX_LAYERS:
        raise InputError(f"gzip inside gzip more than {MAX_LAYERS} deep: not a log")
    yield from _layers(_gunzip(chunks), counted, depth + 1)


def _bounded(chunks: Iterator[bytes], counted: _Counted) -> Iterator[bytes]:
    out = 0
    for chunk in chunks:
        out += len(chunk)
        if out > MAX_RATIO * counted.read + RATIO_SLACK:
            raise InputError(f"gzip data expanding over {MAX_RATIO} times its size (a decompression bomb), "
                             "not a log")
        yield chunk


def _gunzip(chunks: Iterator[bytes], counted: Optional[_Counted] = None) -> Iterator[bytes]:
    """One gzip layer, decompressed on the fly (several members too), at most OUT bytes a call and
    FEED compressed bytes at a time (counted in `counted`, for the outermost layer)."""
    import zlib

    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    fed = False
    try:
        for chunk in chunks:
            view = memoryview(chunk)
            for i in range(0, len(view), FEED):
                data = bytes(view[i:i + FEED])
                if counted is not None:
                    counted.read += len(data)
                while data:
                    if not fed and data[:1] != GZIP_MAGIC[:1]:
                        raise InputError("corrupt gzip data (trailing garbage)")
                    fed = True
                    out = d.decompress(data, OUT)
                    if out:
                        yield out
                    if d.eof:
                        data = d.unused_data + d.unconsumed_tail
                        d, fed = zlib.decompressobj(16 + zlib.MAX_WBITS), False
                    else:
                        data = d.unconsumed_tail
        if fed:
            tail = d.flush()  # a truncated last member: what it holds (a log being rotated)
            if tail:
                yield tail
    except zlib.error as exc:
        raise InputError(f"corrupt gzip data ({exc})") from None


def looks_binary(data: bytes, sample: int = SNIFF) -> bool:
    """NUL bytes, or more than a tenth control characters, in the first `sample` bytes of UTF-8."""
    head = data[:sample]
    if not head:
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return control / len(head) > 0.10


def _text(chunks: Iterator[bytes]) -> Iterator[bytes]:
    head, chunks = _peek(chunks, SNIFF)
    codec, bom = sniff_encoding(head)
    if codec != "utf-8":
        chunks = _transcode(chunks, codec, bom)
        head, chunks = _peek(chunks, SNIFF)
    elif bom:
        chunks = _drop(chunks, bom)
        head = head[bom:]
    if len(head) > 262 and head[257:262] == b"ustar":
        raise NotText("a tar archive: extract it, then give the directory")
    if looks_binary(head):
        raise NotText("binary data, not a text log")
    return chunks


def _drop(chunks: Iterator[bytes], n: int) -> Iterator[bytes]:
    for chunk in chunks:
        if n:
            chunk, n = chunk[n:], max(0, n - len(chunk))
        if chunk:
            yield chunk


def _transcode(chunks: Iterator[bytes], codec: str, bom: int) -> Iterator[bytes]:
    import codecs

    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    for chunk in _drop(chunks, bom):
        text = decoder.decode(chunk)
        if text:
            yield text.encode("utf-8", "replace")
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail.encode("utf-8", "replace")
