"""rapidfuzz's `fuzz.partial_ratio` in pure Python, for where rapidfuzz cannot be installed.

The site's paste-a-log page runs the matcher in the browser (Pyodide), and rapidfuzz has no
WebAssembly wheel; everywhere else rapidfuzz is a dependency and this module is not imported.

The definition (rapidfuzz's documentation of `partial_ratio`): align the shorter string (m
characters) with the longer one at every place that can be optimal -- the longer one's prefixes
shorter than m, each of its stretches of length m, its suffixes shorter than m -- and keep the best
Indel similarity, 100 * (1 - (m + k - 2 * LCS) / (m + k)) against a stretch of k characters (an
alignment that ends, or for a suffix starts, on a character the shorter string lacks cannot be
better than its neighbour and is skipped, as rapidfuzz skips it). Strings of equal length are
aligned both ways round. The longest common subsequence is counted bit-parallel (Hyyrö's
algorithm, one machine word per character in C, one Python int here), so a stretch costs k steps.

`tests/test_phrase.py` checks this against rapidfuzz on every line of the corpus and on random
strings: the same scores, float for float.
"""
from __future__ import annotations

from typing import Hashable, Iterable, Mapping


def _masks(s: str) -> dict[str, int]:
    """Per character of `s`, the bit set of its positions."""
    masks: dict[str, int] = {}
    bit = 1
    for ch in s:
        masks[ch] = masks.get(ch, 0) | bit
        bit <<= 1
    return masks


def _lcs(masks: dict[str, int], m: int, text: str) -> int:
    """The length of the longest common subsequence of the m-character string of `masks` and `text`."""
    full = (1 << m) - 1
    v = full
    get = masks.get
    for ch in text:
        u = v & get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return m - bin(v).count("1")


def _similarity(masks: dict[str, int], m: int, text: str) -> float:
    total = m + len(text)
    if not total:
        return 1.0
    return 1.0 - (total - 2 * _lcs(masks, m, text)) / total


def _best_alignment(shorter: str, longer: str) -> float:
    """The best similarity (0..1) of `shorter` against the alignments in `longer` (len(shorter) <= len(longer))."""
    m, n = len(shorter), len(longer)
    masks = _masks(shorter)
    present = set(shorter)
    best = 0.0
    for i in range(1, m):  # prefixes shorter than m
        if longer[i - 1] in present:
            best = max(best, _similarity(masks, m, longer[:i]))
            if best == 1.0:
                return best
    for i in range(n - m):  # whole stretches of m characters (the last one is the first suffix below)
        if longer[i + m - 1] in present:
            best = max(best, _similarity(masks, m, longer[i:i + m]))
            if best == 1.0:
                return best
    for i in range(n - m, n):  # suffixes
        if longer[i] in present:
            best = max(best, _similarity(masks, m, longer[i:]))
            if best == 1.0:
                return best
    return best


def partial_ratio(s1: str, s2: str) -> float:
    """rapidfuzz.fuzz.partial_ratio(s1, s2): 0..100."""
    if not s1 and not s2:
        return 100.0
    if not s1 or not s2:
        return 0.0
    shorter, longer = (s1, s2) if len(s1) <= len(s2) else (s2, s1)
    best = _best_alignment(shorter, longer)
    if best != 1.0 and len(s1) == len(s2):
        best = max(best, _best_alignment(longer, shorter))
    return best * 100


def extract(query: str, choices: Mapping[Hashable, str], score_cutoff: float) -> Iterable[tuple[str, float, Hashable]]:
    """rapidfuzz.process.extract(query, choices, scorer=fuzz.partial_ratio, score_cutoff=..., limit=None),
    unordered: (choice, score, key) for each choice scoring at least `score_cutoff`."""
    for key, choice in choices.items():
        score = partial_ratio(query, choice)
        if score >= score_cutoff:
            yield choice, score, key
