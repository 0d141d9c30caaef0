"""Find the lines worth scoring in a large input, fast, without losing any diagnosis.

Every indicator (anchor, support and negative) yields words at least one of which must appear on any
line it can match (see `indicator_words`). The prefilter keeps the lines holding any of those words,
plus a little context, and the scorer runs on those lines only. Words are plain ASCII word pieces or
non-ASCII runs, matched case-insensitively in the raw bytes, so colour codes, JSON escaping of quotes
and the `"key": "value"` -> `key=value` rewrite of the canonical form cannot hide them.

Two engines: Hyperscan (optional extra `clawkb[fast]`) when it is installed, otherwise one compiled
`re` alternation over the bytes. Both report the same lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from .index import CompiledIndicator, Index
from .regex_safety import required_words

CONTEXT = 2  # lines kept on each side of a candidate (wrapped lines, adjacent-line phrases)
VERSION_WORDS = ("openclaw", "clawdbot", "version")
_PIECE = re.compile(r"[a-z0-9_]{3,}|[^\x00-\x7f\s]{2,}")


class NoPrefilterWords(ValueError):
    """An indicator the prefilter cannot find (it names no word)."""


def _best_piece(word: str) -> Optional[str]:
    pieces = _PIECE.findall(word.lower())
    if not pieces:
        return None
    return max(pieces, key=lambda p: (len(p.encode()), p))


def indicator_words(ind: CompiledIndicator) -> tuple[str, ...]:
    """Words one of which is on every line the indicator can match."""
    spec = ind.spec
    if spec.kind == "regex":
        req = required_words(spec.pattern, min_len=3)
    elif spec.kind == "literal":
        req = (spec.pattern,)
    else:
        req = ind.anchors
    pieces = [_best_piece(w) for w in req]
    if not req or any(p is None for p in pieces):
        raise NoPrefilterWords(f"{spec.id}: names no word the prefilter can look for")
    return tuple(sorted(set(pieces)))  # type: ignore[arg-type]


def all_words(index: Index) -> tuple[str, ...]:
    words: set[str] = set(VERSION_WORDS)
    for rule in index.rules:
        for ind in (*rule.indicators, *rule.negatives):
            words.update(indicator_words(ind))
    # a word containing another adds nothing: keep the shortest ones
    ordered = sorted(words, key=lambda w: (len(w), w))
    kept: list[str] = []
    for w in ordered:
        if not any(k in w for k in kept):
            kept.append(w)
    return tuple(sorted(kept))


@dataclass
class Prefilter:
    words: tuple[str, ...]
    engine: str
    _regex: Optional[re.Pattern[bytes]] = None
    _hs: object = None

    def candidate_offsets(self, block: bytes) -> list[int]:
        """Byte offsets of matches in a block (at least one per matching line)."""
        if self._hs is not None:
            found: list[int] = []

            def on_match(_id, start, end, _flags, ctx):
                found.append(end - 1)
                return None

            self._hs.scan(block, match_event_handler=on_match)
            return found
        out = []
        rx = self._regex
        assert rx is not None
        pos = 0
        n = len(block)
        while pos < n:
            m = rx.search(block, pos)
            if m is None:
                break
            out.append(m.start())
            nl = block.find(b"\n", m.end())
            pos = n if nl < 0 else nl + 1  # one hit per line is enough
        return out


def build(index: Index, engine: str = "auto") -> Prefilter:
    words = all_words(index)
    encoded = [w.encode("utf-8") for w in words]
    if engine in ("auto", "hyperscan"):
        try:
            import hyperscan  # type: ignore

            db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            db.compile(expressions=[_hs_literal(e) for e in encoded], ids=list(range(len(encoded))),
                       flags=[hyperscan.HS_FLAG_CASELESS] * len(encoded))
            return Prefilter(words, "hyperscan", _hs=db)
        except ImportError:
            if engine == "hyperscan":
                raise
    rx = re.compile(b"|".join(re.escape(e) for e in sorted(encoded, key=len, reverse=True)), re.IGNORECASE)
    return Prefilter(words, "re", _regex=rx)


def _hs_literal(word: bytes) -> bytes:
    return b"".join(b"\\x%02x" % b for b in word)


def line_spans(block: bytes, offsets: Iterable[int]) -> list[tuple[int, int]]:
    """(start, end) byte spans of the distinct lines holding the offsets, in order."""
    spans = []
    last_end = -1
    for off in sorted(offsets):
        if off < last_end:
            continue
        start = block.rfind(b"\n", 0, off) + 1
        end = block.find(b"\n", off)
        end = len(block) if end < 0 else end
        spans.append((start, end))
        last_end = end
    return spans


def select(data: bytes, pre: Prefilter, context: int = CONTEXT) -> list[tuple[int, bytes]]:
    """The candidate lines of `data` with `context` lines around them, as (first line number, bytes)
    segments of contiguous lines. Pure: the caller reads the input."""
    spans = line_spans(data, pre.candidate_offsets(data))
    if not spans:
        return []
    # line number of each span start, counted incrementally
    keep: list[int] = []
    counted_to, line = 0, 1
    for start, _end in spans:
        line += data.count(b"\n", counted_to, start)
        counted_to = start
        keep.append(line)
    lines = data.split(b"\n")
    wanted: set[int] = set()
    for no in keep:
        wanted.update(range(max(1, no - context), min(len(lines), no + context) + 1))
    segments: list[tuple[int, bytes]] = []
    run: list[bytes] = []
    first = prev = None
    for no in sorted(wanted):
        if prev is not None and no != prev + 1:
            segments.append((first, b"\n".join(run)))
            run, first = [], None
        if first is None:
            first = no
        run.append(lines[no - 1])
        prev = no
    if run:
        segments.append((first, b"\n".join(run)))
    return segments
