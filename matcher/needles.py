"""Many literal needles looked for in one text at once.

An index holds some two thousand lower-case needles (the anchor words of its regexes, what their
alternatives must hold, its literals). Looking for each with `str.find` in a pasted log costs a few
microseconds a needle, which adds up to more than the rest of the match; an Aho-Corasick automaton
(pyahocorasick, C) finds every needle, overlapping ones included, in one pass over the text. The
automaton is built once with the index and stored with it. Without pyahocorasick the needles are
looked for one by one: the same answer, slower.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Iterable, Optional, Sequence

try:
    import ahocorasick
except ImportError:  # pragma: no cover - exercised by tests that hide the module
    ahocorasick = None


class Needles:
    """A fixed set of needles and, where pyahocorasick is installed, their automaton."""

    __slots__ = ("words", "_order", "_automaton")

    def __init__(self, words: Iterable[str], *, automaton: bool = True):
        # a needle holding a line break could run from one line into the next: not kept here
        self.words = frozenset(w for w in words if w and "\n" not in w)
        self._order = tuple(sorted(self.words))  # the automaton stores a needle's place in this order
        self._automaton = _build(self._order) if automaton and ahocorasick is not None and self.words else None

    def lines_holding(self, joined: str, starts: Sequence[int]) -> dict[str, list[int]]:
        """For each needle present in `joined` (lines joined by "\\n", line i starting at
        `starts[i]`): the positions, in order, of the lines holding it."""
        found: dict[str, set[int]] = {}
        if self._automaton is not None:
            order, line, next_start = self._order, -1, -1
            for end, k in self._automaton.iter(joined):
                if end >= next_start:  # hits come in the order of their ends: a line past the last one
                    line = bisect_right(starts, end) - 1
                    next_start = starts[line + 1] if line + 1 < len(starts) else len(joined) + 1
                found.setdefault(order[k], set()).add(line)
        else:
            last = len(starts) - 1
            for word in self.words:
                i = joined.find(word)
                while i >= 0:
                    pos = bisect_right(starts, i) - 1
                    found.setdefault(word, set()).add(pos)
                    i = joined.find(word, starts[pos + 1]) if pos < last else -1
        return {w: sorted(p) for w, p in found.items()}

    @property
    def one_pass(self) -> bool:
        """Whether the needles are found in one pass (pyahocorasick is installed)."""
        return self._automaton is not None

    @property
    def order(self) -> tuple[str, ...]:
        """The needles, sorted: what `positions` refers to."""
        return self._order

    def positions(self, text: str) -> set[int]:
        """The places in `order` of the needles `text` holds."""
        if self._automaton is not None:
            return {k for _end, k in self._automaton.iter(text)}
        return {k for k, w in enumerate(self._order) if w in text}

    def __reduce__(self):
        return (_restore, (self._order, self._automaton))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Needles) and self.words == other.words

    def __hash__(self) -> int:
        return hash(self.words)


def _build(order: tuple[str, ...]):
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)  # ints: a smaller store, loaded faster
    for k, w in enumerate(order):
        automaton.add_word(w, k)
    automaton.make_automaton()
    return automaton


def _restore(order: tuple[str, ...], automaton: Optional[object]) -> Needles:
    needles = Needles((), automaton=False)
    needles.words, needles._order, needles._automaton = frozenset(order), order, automaton
    return needles
