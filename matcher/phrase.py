"""How closely lines hold a phrase: rapidfuzz's `fuzz.partial_ratio` (0..100), the similarity of
the phrase to its best-aligned stretch of the line, kept where it reaches a cut-off.

Most lines are decided before rapidfuzz is asked, so that a paste the rules decide never imports
it (importing rapidfuzz costs about as much as the rest of `clawkb match` on a short paste):
- a line holding the phrase verbatim scores 100;
- a line that cannot reach the cut-off is dropped by an upper bound of the ratio, computed from
  the characters the phrase and the line share.
The bound: partial_ratio aligns the shorter string (length m) with stretches of the longer one
(its prefixes shorter than m, every stretch of length m, its suffixes shorter than m) and takes
the best `ratio` = 200 * LCS / (m + k) over a stretch of length k. A common subsequence holds at
most the characters the two share counted with multiplicity (S), and at most k of them, so
- a stretch of length m scores at most 100 * S / m,
- a prefix or suffix of length k < m at most 200 * min(S, k) / (m + k),
and over the whole of the shorter string, 200 * S / (m + S) bounds every stretch at once.
`tests/test_phrase.py` checks the bound against rapidfuzz itself, so a change in how rapidfuzz
aligns would fail there rather than lose a match silently.
"""
from __future__ import annotations

from collections import Counter
from typing import Mapping

SCAN_BUDGET = 1 << 17  # characters scanned stretch by stretch in Python before rapidfuzz is cheaper


def partial_scores(phrase: str, texts: Mapping[int, str], cutoff: float) -> dict[int, float]:
    """{key: partial_ratio / 100} for each text whose partial_ratio with `phrase` is >= `cutoff`."""
    found: dict[int, float] = {}
    left: dict[int, str] = {}
    need = Counter(phrase)
    budget = SCAN_BUDGET
    for key, text in texts.items():
        if phrase in text:
            found[key] = 1.0
            continue
        if whole_ceiling(need, phrase, text) < cutoff:
            continue
        if len(text) > len(phrase) and budget > 0:
            budget -= len(text)
            if stretch_ceiling(need, len(phrase), text) < cutoff:
                continue
        left[key] = text
    if left:
        for _choice, score, key in _extract(phrase, left, cutoff):
            found[key] = score / 100.0
    return found


def _extract(phrase: str, texts: Mapping[int, str], cutoff: float):
    """(text, partial_ratio, key) for each text reaching `cutoff`: by rapidfuzz, or where it cannot be
    installed (the browser) by `partial_ratio`, its pure-Python equal."""
    try:
        from rapidfuzz import fuzz, process
    except ImportError:
        from .partial_ratio import extract

        return extract(phrase, texts, cutoff)
    return process.extract(phrase, texts, scorer=fuzz.partial_ratio, score_cutoff=cutoff, limit=None)


def _shared(need: Counter, text: str) -> int:
    have = Counter(text)
    return sum(min(n, have[ch]) for ch, n in need.items())


def whole_ceiling(need: Counter, phrase: str, text: str) -> float:
    """An upper bound of partial_ratio(phrase, text) from the characters they share."""
    shared = _shared(need, text)
    m = min(len(phrase), len(text))
    return 200.0 * shared / (m + shared) if shared else 0.0


def stretch_ceiling(need: Counter, m: int, text: str) -> float:
    """A tighter upper bound of partial_ratio(phrase, text) for a text longer than the phrase (m
    characters, `need` its character counts): the shared characters of each stretch rapidfuzz
    aligns, counted as a window slides along the text."""
    best = 0.0
    have: dict[str, int] = {}
    shared = 0
    for k, ch in enumerate(text[: m - 1], 1):  # prefixes shorter than the phrase
        c = have.get(ch, 0)
        if c < need.get(ch, 0):
            shared += 1
        have[ch] = c + 1
        best = max(best, 200.0 * shared / (m + k))
    for i in range(m - 1, len(text)):  # every stretch of m characters, ending at i
        ch = text[i]
        c = have.get(ch, 0)
        if c < need.get(ch, 0):
            shared += 1
        have[ch] = c + 1
        if 100.0 * shared / m > best:
            best = 100.0 * shared / m
        out = text[i - m + 1]
        c = have[out] - 1
        have[out] = c
        if c < need.get(out, 0):
            shared -= 1
    have.clear()
    shared = 0
    for k, ch in enumerate(reversed(text[len(text) - m + 1:]), 1):  # suffixes shorter than the phrase
        c = have.get(ch, 0)
        if c < need.get(ch, 0):
            shared += 1
        have[ch] = c + 1
        best = max(best, 200.0 * shared / (m + k))
    return best
