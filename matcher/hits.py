"""Where an indicator matches in a document: the lines it hits and how strongly.

Hit finding, apart from scoring: `score` weighs the hits of a rule's indicators into a confidence;
the large-log stream (`stream`) finds hits alone, to keep the lines around them. A `Lookup` answers
which lines hold a word for every indicator of one document at once.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import NamedTuple, Optional, Sequence

from .index import CompiledIndicator, matches
from .model import Line
from .needles import Needles
from .phrase import partial_scores


class Hit(NamedTuple):
    pos: int  # index into document lines
    strength: float


class Lookup:
    """Which lines of a document hold a word: each form of the lines (`canon`, `masked`, `text`) is
    joined once and searched with `str.find`, a few searches per word instead of a test on every
    line for every indicator (a large log keeps thousands of lines around its failures)."""

    __slots__ = ("lines", "needles", "_joined", "_pairs", "_present")

    def __init__(self, lines: Sequence[Line], needles: Optional[Needles] = None):
        self.lines = lines
        self.needles = needles  # the index's needles: found in one pass per form, the first time one is asked for
        self._joined: dict[str, tuple[str, list[int]]] = {}
        self._pairs: Optional[tuple[list[int], list[tuple[int, str, str]]]] = None
        self._present: dict[str, dict[str, list[int]]] = {}


    def short_pairs(self, shorter_than: int) -> list[tuple[int, str, str]]:
        """(position, masked text, next line's masked text) of adjacent lines (at most two input
        lines apart) whose first is shorter than `shorter_than`: where a wrapped phrase may be.
        Gateway lines are mostly long, so these are few; they are sorted by length once."""
        if self._pairs is None:
            lines = self.lines
            pairs = sorted(((len(lines[p].masked), p) for p in range(len(lines) - 1)
                            if lines[p + 1].no - lines[p].no <= 2))
            self._pairs = ([n for n, _p in pairs],
                           [(p, lines[p].masked, lines[p + 1].masked) for _n, p in pairs])
        lengths, pairs = self._pairs
        return sorted(pairs[:bisect_left(lengths, shorter_than)])

    def meets(self, needs) -> bool:
        """Whether the lines meet one of a rule's anchor needs (`index.anchor_needs`; None: always)."""
        return needs is None or any(self.holding(words, form) for form, words in needs)

    def _form(self, form: str) -> tuple[str, list[int]]:
        got = self._joined.get(form)
        if got is None:
            # "lower": the lines as given, lower-cased (where a case-insensitive regex on `text` looks)
            texts = [line.text.lower() for line in self.lines] if form == "lower" else [getattr(line, form) for line in self.lines]
            starts, pos = [], 0
            for t in texts:
                starts.append(pos)
                pos += len(t) + 1
            got = self._joined[form] = ("\n".join(texts), starts)
        return got

    def holding(self, words: Sequence[str], form: str = "canon") -> list[int]:
        """Positions, in order, of the lines whose `form` holds one of the words."""
        joined, starts = self._form(form)
        found: set[int] = set()
        last = len(starts) - 1
        present = None
        known = self.needles.words if self.needles is not None else ()
        for w in words:
            if w in known:
                if present is None:
                    present = self._present.get(form)
                    if present is None:
                        present = self._present[form] = self.needles.lines_holding(joined, starts)
                found.update(present.get(w, ()))
                continue
            if "\n" in w:  # could run from one line into the next in the joined text: line by line
                found.update(p for p, line in enumerate(self.lines) if w in getattr(line, form))
                continue
            i = joined.find(w)
            while i >= 0:
                pos = bisect_right(starts, i) - 1
                found.add(pos)
                i = joined.find(w, starts[pos + 1]) if pos < last else -1
        return sorted(found)


def indicator_hits(ind: CompiledIndicator, lines: Sequence[Line], lookup: Optional[Lookup] = None) -> list[Hit]:
    """Every line where one indicator matches, in line order. `lookup` is the lines' `Lookup`,
    shared by the indicators of one document."""
    spec = ind.spec
    if lookup is None:
        lookup = Lookup(lines)
    hits: list[Hit] = []
    if spec.kind == "regex":
        assert ind.regex is not None
        if ind.gate and lookup.needles is not None:  # one pass found them: only the lines that may match
            candidates: Sequence[int] = lookup.holding(ind.gate)
        else:
            candidates = lookup.holding(ind.anchors) if ind.anchors else range(len(lines))
        for pos in candidates:
            if matches(ind, lines[pos].text, lines[pos].canon):
                hits.append(Hit(pos, 1.0))
        return hits
    if spec.kind == "literal":
        return [Hit(pos, 1.0) for pos in lookup.holding([ind.needle], "text" if spec.case_sensitive else "canon")]
    # phrase: fuzzy partial match against lines at least as long as the phrase (a short line
    # would otherwise "match" as a fragment of the phrase), and against pairs of adjacent lines
    # so that a phrase split by a wrap or a line break is still found
    needle = ind.needle
    need = max(len(needle) - 2, 1)
    anchors = ind.anchors
    choices: dict[int, str] = {}
    for pos in (lookup.holding(anchors, "masked") if anchors else range(len(lines))):
        if len(lines[pos].masked) >= need:
            choices[pos] = lines[pos].masked
    found = partial_scores(needle, choices, spec.min_similarity) if choices else {}
    pairs = {}
    for pos, a, b in lookup.short_pairs(need):
        if pos not in found and len(a) + len(b) + 1 >= need:
            joined = a + " " + b
            if not anchors or any(w in joined for w in anchors):
                pairs[pos] = joined
    if pairs:
        found.update(partial_scores(needle, pairs, spec.min_similarity))
    return sorted((Hit(pos, s) for pos, s in found.items()), key=lambda h: h.pos)


_TIMESTAMP = re.compile(r"\b(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})?)")


def timestamp_of(text: str) -> Optional[str]:
    """The ISO timestamp a log line starts with or carries (OpenClaw's console and file logs)."""
    m = _TIMESTAMP.search(text[:200])
    return m.group(1) if m else None
