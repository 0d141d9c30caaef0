"""What a raw line must hold for an indicator to match it: its condition.

A condition is a tuple of alternatives, each a conjunction of needle sets (a line meets it when it
holds a needle of every set of one alternative, in any order). The index works conditions out once,
when it compiles an indicator (`index.compile_indicator`), and narrows the lines a regex runs on by
them; the large-log scanner (`prefilter`) looks for them in raw bytes. This module depends on neither,
so the index does not import the scanner that imports it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .regex_safety import alternatives, needles_of, plain
from .vocabulary import set_selectivity

if TYPE_CHECKING:
    from .index import CompiledIndicator


class NoPrefilterWords(ValueError):
    """An indicator the prefilter cannot find (it names no word)."""


MAX_CONJUNCTION = 2  # needle sets required together on a line (in any order); a third costs Hyperscan
# three times the orderings and rarely singles out fewer lines


def indicator_condition(ind: "CompiledIndicator", alts_of_regex: Optional[tuple] = None) -> tuple[tuple[frozenset, ...], ...]:
    """What a line must hold for the indicator to match it, as alternatives each of which is a
    conjunction of needle sets (in any order): per top-level alternative of a regex, up to the
    `MAX_CONJUNCTION` most selective of its requirements; for a literal, its needles; for a phrase
    one set of its distinctive words (fuzzy matching requires none of them in particular).
    `alts_of_regex` are a regex's alternatives as `regex_reading.read_regex` read them."""
    if ind.condition is not None:
        return ind.condition
    spec = ind.spec
    if spec.kind == "regex":
        alts = alts_of_regex if alts_of_regex is not None else alternatives(spec.pattern, key=set_selectivity)
    elif spec.kind == "literal":
        needles = needles_of(spec.pattern)
        alts = (tuple(frozenset([n]) for n in needles),) if needles else ()
    else:
        alts = ((frozenset(ind.anchors),),) if ind.anchors else ()
    if not alts:
        raise NoPrefilterWords(f"{spec.id}: names no word the prefilter can look for")
    return tuple(_strongest(a) for a in alts)


def _strongest(requirements, k: int = MAX_CONJUNCTION) -> tuple[frozenset, ...]:
    """The `k` most selective needle sets of one alternative's requirements, skipping a set that those
    already taken imply (every needle of a taken set holds one of its needles: `delivered` implies
    {`delivered`, `delivered:false`}, which would single out no fewer lines)."""
    taken: list[frozenset] = []
    for group in sorted(requirements, key=set_selectivity, reverse=True):
        if len(taken) == k:
            break
        if any(all(any(plain(g) in plain(t) for g in group) for t in chosen) for chosen in taken):
            continue
        taken.append(group)
    return tuple(taken)
