"""Turn what people really paste into comparable lines.

Handles: bytes that are not UTF-8, UTF-16, ANSI colour, CRLF and bare CR, Markdown fences and `>` quotes,
`openclaw logs --json` / file-log JSON records (tslog shape: `{"0": ..., "1": ..., "_meta": {...}}`),
JSON-escaped strings (`\\n`, `\\"`, `\\u2014`), mojibake (UTF-8 read as cp1252 or latin-1), lines
hard-wrapped by a terminal, and indented continuation lines of a log record. Every line keeps the
number of the original line it starts on, and is redacted before it leaves this module.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Iterator, Sequence

from .masks import mask_lines
from .model import Document, Line
from .redact import REDACTED, redact
from .versions import find_openclaw_version, version_mentions

SNIFF = 8192  # bytes that tell an input's encoding
MAX_LINE = 8192  # longer physical lines are cut into pieces of this size (a 50 MB line stays linear)
# of a physical line longer than twice this, only the first and the last this many characters are read:
# a line that long is a data dump (a JSON array on one line), and reading every piece of a 50 MB one
# full of log records costs minutes where a log of the same records in lines is read around its first
# occurrences only; a line in the document says what was left out
LONG_LINE_READ = 16 * MAX_LINE
SECRET_REACH = 8192  # a secret is shorter than this (a one-line PEM key is about 3,300 characters)


class InputError(ValueError):
    """Input that cannot be read as a log (binary data). The message is one line for the user."""


# --------------------------------------------------------------------------- bytes -> text

def decode_bytes(data: bytes) -> str:
    """Text of an input's bytes (already gunzipped: reading inputs is `kb.inputs`' job): UTF-8, with
    or without BOM, its bad bytes marked; UTF-16 as `sniff_encoding` tells it."""
    codec, bom = sniff_encoding(data)
    return data[bom:].decode(codec, errors="replace")


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """(codec, length of the byte order mark) of text starting with `head` (a few KB): UTF-16 when a
    BOM says so and the text has the NUL bytes of UTF-16 (Windows PowerShell's `>` writes UTF-16LE
    with a BOM; `\\xff\\xfe` alone may start any cp1252 junk), or without a BOM when every other byte
    is NUL as in UTF-16 ASCII; else UTF-8."""
    sample = head[:SNIFF]
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            if codec == "utf-8":
                return codec, len(bom)
            body = sample[len(bom):]
            high = body[1::2] if codec == "utf-16-le" else body[0::2]
            if not body or high.count(0) * 4 >= len(high):  # ASCII in UTF-16: a NUL in each unit
                return codec, len(bom)
            return "utf-8", 0
    if len(sample) >= 16 and sample.count(0) * 3 >= len(sample):
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) * 10 >= len(odd) * 9 and even.count(0) * 10 <= len(even):
            return "utf-16-le", 0
        if even.count(0) * 10 >= len(even) * 9 and odd.count(0) * 10 <= len(odd):
            return "utf-16-be", 0
    return "utf-8", 0


# --------------------------------------------------------------------------- per-line cleaning

_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_FENCE = re.compile(r"^\s*(?:```|~~~)[\w+-]*\s*$")
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# Characters that appear when UTF-8 bytes were decoded as cp1252/latin-1: Ã Â â ï ð followed by a
# character in the C1/cp1252 punctuation range.
_MOJIBAKE = re.compile("[ÃÂâïðÅÆ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")
_CP1252_REVERSE = {}
for _b in range(256):
    try:
        _CP1252_REVERSE[bytes([_b]).decode("cp1252")] = _b
    except UnicodeDecodeError:
        pass


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 that was read as cp1252 or latin-1 (`âš ï¸` -> `⚠️`, `â€”` -> `—`)."""
    if not _MOJIBAKE.search(text):
        return text

    def repair(segment: str) -> str:
        out = bytearray()
        for ch in segment:
            b = _CP1252_REVERSE.get(ch)
            if b is None:
                if ord(ch) < 256:
                    b = ord(ch)
                else:
                    return segment
            out.append(b)
        attempts = (out, out.replace(b" ", b"\xa0"))  # NBSP (0xa0) is often pasted back as a space
        for attempt in attempts:
            try:
                return attempt.decode("utf-8")
            except UnicodeDecodeError:
                continue
        # a byte that cp1252 cannot show (0x81, 0x8d, 0x8f, 0x90, 0x9d) is often lost on the way:
        # accept a repair that only drops the broken tail of one or two sequences
        for attempt in attempts:
            fixed = attempt.decode("utf-8", errors="ignore")
            if len(attempt) - len(fixed.encode("utf-8")) <= 2 and not _MOJIBAKE.search(fixed):
                return fixed
        return segment

    # repair maximal runs of characters that cp1252/latin-1 can represent
    return re.sub(r"[^\x00-\x7f]+(?:[\x20-\x7e]{0,2}[^\x00-\x7f]+)*", lambda m: repair(m.group(0)), text)


_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


_DRIVE_PATH = re.compile(r"\b[a-zA-Z]:\\(?![\\\s])")  # C:\Users, as Windows prints it (not C:\\Users)
_ESCAPE = re.compile(r'\\\\"|\\(["\\/ntr])')  # a doubly escaped quote, or one escape (left to right)
_ESCAPED = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "  ", "r": ""}


def unescape_json_string(text: str) -> list[str]:
    """A line holding a JSON-escaped string (`...\\n...\\"...`) split into its real lines. Escapes
    are read left to right, so an escaped backslash starts no escape (`C:\\\\node` is a path); a
    line with a Windows path printed as it is (`C:\\Users\\me\\node_modules`) and no escaped quote
    or backslash is not an escaped string at all."""
    if "\\n" not in text and '\\"' not in text and "\\u" not in text:
        return [text]
    if _DRIVE_PATH.search(text) and '\\"' not in text and "\\\\" not in text:
        return [text]
    text = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = _ESCAPE.sub(lambda m: _ESCAPED[m.group(1)] if m.group(1) else '"', text)
    return text.split("\n")


# --------------------------------------------------------------------------- JSON log records

_META_KEYS = {"_meta", "time", "timestamp", "ts", "date", "level", "levelname", "loglevel", "hostname",
              "pid", "runtime", "runtimeversion", "name", "type"}
_MESSAGE_KEYS = ("message", "msg", "error", "err")


def render_record(obj: dict) -> str:
    """One readable line for a JSON log record, keeping every scalar field as key=value."""
    import json  # here, as in _maybe_record: a paste without JSON records does not load it

    meta = obj.get("_meta") if isinstance(obj.get("_meta"), dict) else {}
    time = obj.get("time") or obj.get("timestamp") or obj.get("ts") or meta.get("date") or ""
    level = obj.get("level") or meta.get("logLevelName") or ""
    subsystem = obj.get("subsystem") or ""
    messages: list[str] = []
    fields: list[str] = []
    numbered = sorted((k for k in obj if k.isdigit()), key=int)
    for k in numbered:
        v = obj[k]
        if isinstance(v, str) and v.startswith("{") and '"subsystem"' in v:
            try:
                subsystem = subsystem or json.loads(v).get("subsystem", "")
                continue
            except (ValueError, AttributeError):
                pass
        messages.append(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
    for k in _MESSAGE_KEYS:
        v = obj.get(k)
        if isinstance(v, str) and v not in messages:
            messages.append(v)
    for k, v in obj.items():
        if k.isdigit() or k.lower() in _META_KEYS or k == "subsystem" or (k in _MESSAGE_KEYS and isinstance(v, str)):
            continue
        if isinstance(v, (str, int, float, bool)) or v is None:
            fields.append(f"{k}={v}")
        elif isinstance(v, (dict, list)):
            fields.append(f"{k}={json.dumps(v, ensure_ascii=False)}")
    head = " ".join(p for p in (str(time), str(level).lower(), f"[{subsystem}]" if subsystem else "") if p)
    return " ".join(p for p in (head, " ".join(messages), " ".join(fields)) if p)


def _maybe_record(line: str) -> str:
    s = line.strip()
    if len(s) < 2 or s[0] != "{" or s[-1] != "}":
        return line
    import json

    try:
        obj = json.loads(s)
    except ValueError:
        return line
    return render_record(obj) if isinstance(obj, dict) else line


# --------------------------------------------------------------------------- canonical forms

# (none of these matches a line break: `canonical_lines` runs them over a whole document at once)
_KV_JSON = re.compile(r'"([A-Za-z_][\w.-]{0,60})"[^\S\n]*:[^\S\n]*(?:"((?:[^"\\\n]|\\.)*)"|(-?\d[\d.]*|true|false|null))')
_KV_YAMLISH = re.compile(r'(?<![\w"])([A-Za-z_][\w-]{1,40}):[^\S\n]+"([^"\n]*)"')
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ",
                         "\ufe0f": "", "\u200b": "", "\u2026": "..."})
_SPACES = re.compile(r"[ \t]+")


def _canonical_text(t: str) -> str:
    t = t.translate(_QUOTES)
    t = _KV_JSON.sub(lambda m: f"{m.group(1)}={m.group(2) if m.group(2) is not None else m.group(3)}", t)
    t = _KV_YAMLISH.sub(lambda m: f"{m.group(1)}={m.group(2)}", t)
    return _SPACES.sub(" ", t)


def canonical(text: str) -> str:
    return _canonical_text(text).strip().lower()


def canonical_lines(texts: Sequence[str]) -> list[str]:
    """`canonical` of each text, the substitutions worked over the texts joined (none matches a line
    break, so none runs from one line into the next)."""
    if any("\n" in t for t in texts):
        return [canonical(t) for t in texts]
    out = _canonical_text("\n".join(texts)).split("\n")
    if len(out) != len(texts):
        return [canonical(t) for t in texts]
    return [t.strip().lower() for t in out]


# --------------------------------------------------------------------------- line assembly

_RECORD_START = re.compile(
    r"^(?:\s*(?:\d{4}-\d{2}-\d{2}[T ]\d|\d{1,2}:\d{2}:\d{2}|\[[\w/ .:-]+\]|[A-Z][a-z]{2} \d{1,2} \d\d:|"
    r"[\w-]+-\d+\s+\|)|(?:info|warn|error|debug|trace|fatal)\b)", re.I)
_CONTINUATION = re.compile(r"^\s{2,}(?:[a-z][\w.-]*=|error\b|at\s|\()", re.I)
_KV_LINE = re.compile(r"\b[a-z][\w.-]*=\S", re.I)


def _physical_lines(text: str, first_line: int = 1) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, is a cut piece of a longer line)."""
    text = text.replace("\r\n", "\n")
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")
    for no, raw in enumerate(text.split("\n"), start=first_line):
        for part in raw.split("\r"):
            cut = len(part) > MAX_LINE
            if len(part) > 2 * LONG_LINE_READ + SECRET_REACH:
                # the ends, each redacted with what follows or precedes it, so that a secret across
                # the edge of what is read is redacted whole before the edge cuts it
                head = redact(part[: LONG_LINE_READ + SECRET_REACH])[:LONG_LINE_READ]
                tail = redact(part[-(LONG_LINE_READ + SECRET_REACH):])[-LONG_LINE_READ:]
                note = f"[... {len(part) - 2 * LONG_LINE_READ:,} characters of this line not read ...]"
                pieces = [*_cut(head), note, *_cut(tail)]
            else:  # redact before cutting: a secret across a cut would keep its tail in the next piece
                pieces = _cut(redact(part)) if cut else [part]
            for piece in pieces:
                yield no, piece, cut


def _cut(text: str) -> list[str]:
    return [text[start : start + MAX_LINE] for start in range(0, len(text), MAX_LINE)]


def _clean(raw: str) -> list[str]:
    s = _ANSI.sub("", raw) if "\x1b" in raw else raw
    s = _CONTROL.sub("", s)
    s = fix_mojibake(s)
    s = _QUOTE.sub("", s)
    if _FENCE.match(s):
        return [""]
    if "<!--" in s:
        s = strip_html_comments(s)
    s = _maybe_record(s)
    return [piece for part in s.split("\n") for piece in unescape_json_string(part)]


def strip_html_comments(s: str) -> str:
    """`s` without its `<!-- ... -->` comments (an issue template's hints), in linear time: what
    `re.sub(r"<!--.*?-->", "", s)` gives, but that regex scans to the end of the line from every
    `<!--` that has no `-->` after it (4 MB of `<!--`: 115 s)."""
    out, pos = [], 0
    while True:
        start = s.find("<!--", pos)
        if start < 0:
            break
        end = s.find("-->", start + 4)
        if end < 0:  # unclosed: no later `<!--` can close either
            break
        out.append(s[pos:start])
        pos = end + 3
    if not out:
        return s
    out.append(s[pos:])
    return "".join(out)


_TERMINAL_WIDTHS = frozenset((80, 100, 120, 132, 140, 160, 180, 200, 240))


def _wrap_width(lengths: Iterable[int]) -> int:
    """The terminal width lines were hard-wrapped at, or 0 when they were not: the longest length
    shared by two lines, or by one line when it is a standard terminal width."""
    counts = Counter(n for n in lengths if n >= 60)
    if not counts:
        return 0
    width, hits = max(counts.items(), key=lambda kv: (kv[0], kv[1]))
    return width if hits >= 2 or width in _TERMINAL_WIDTHS else 0


def clean_lines(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """(original line number, cleaned text) pairs, one per logical line, wrapped lines re-joined."""
    pieces: list[tuple[int, str, bool]] = []
    for no, raw, cut in _physical_lines(text, first_line):
        for part in _clean(raw):
            # kept with its trailing spaces until the end: a terminal wraps at the width whatever the
            # character there, and a piece that ends in a space must join the next one as it was
            pieces.append((no, part, cut))
    width = _wrap_width(len(p) for _, p, cut in pieces if not cut)
    out: list[tuple[int, str]] = []
    joinable = False  # the previous logical line may take a continuation
    for no, part, cut in pieces:
        if out and joinable and not cut and part.strip() and not _RECORD_START.match(part):
            prev_no, prev = out[-1]
            if len(prev) + len(part) < MAX_LINE:
                if width and len(prev) % width == 0 and len(prev) >= width:
                    out[-1] = (prev_no, prev + part)
                    continue
                if _CONTINUATION.match(part) and (_RECORD_START.match(prev) or _KV_LINE.search(prev)):
                    out[-1] = (prev_no, prev.rstrip() + " " + part.strip())
                    continue
        out.append((no, part))
        joinable = bool(part.strip()) and not cut
    return [(no, part.rstrip()) for no, part in out]


def normalise_lines(text: str, first_line: int = 1, masks: bool = True) -> list[Line]:
    """Normalised lines of one contiguous piece of input that starts at `first_line`. Without `masks`
    a line's `masked` form is its `canon` (for checking indicators that never read it: only phrases
    do; masking is a third of the work)."""
    kept = []
    at, prev = first_line - 1, None
    in_key = False  # inside a PEM private key pasted over several lines: every body line is withheld
    for no, cleaned in clean_lines(text, first_line):
        if no != prev:  # blank lines count; pieces of one cut line do not
            at, prev = at + 1, no
        if in_key and "-----END" not in cleaned:
            shown = REDACTED if cleaned.strip() else ""
        else:
            in_key = "-----BEGIN" in cleaned and "PRIVATE KEY" in cleaned and "-----END" not in cleaned
            shown = redact(cleaned).strip()
        if shown:
            kept.append((no, at, shown))
    canons = canonical_lines([shown for _no, _at, shown in kept])
    return [Line(no=no, text=shown, canon=canon, masked=masked, at=at)
            for (no, at, shown), canon, masked in zip(kept, canons, mask_lines(canons) if masks else canons)]


def document(lines: Iterable[Line]) -> Document:
    doc_lines = tuple(lines)
    version, version_line = find_openclaw_version(doc_lines)
    mentions = version_mentions(doc_lines)
    return Document(lines=doc_lines, openclaw_version=version, version_line=version_line,
                    versions=mentions if len({v for _p, v in mentions}) > 1 else ())


def normalise(text: str) -> Document:
    """The document the engine scores: redacted, cleaned logical lines in three forms."""
    return document(normalise_lines(text))
