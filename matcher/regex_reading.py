"""What the index learns from one regex, read once.

An indicator's regex is parsed here once (`re`'s own parser) and everything the engine derives from
it is read off that parse: whether it searches in linear time (`regex_safety`), its anchor words
(what the paste path looks for before running it), its top-level branches (run one by one when a
line holds only some of their words) and the requirements of each branch (what the large-log
scanner and the line gate look for: `conditions`). Only a pattern with top-level `|` is parsed again,
branch by branch, because the parser factors out what branches start with.
"""
from __future__ import annotations

from typing import NamedTuple

from .regex_safety import alternatives, check_parsed, parse, required_words, top_level_branches
from .vocabulary import set_selectivity


class RegexReading(NamedTuple):
    anchors: tuple[str, ...]  # words of which every match holds one (empty: none can be required)
    branches: tuple[str, ...]  # the pattern split at its top-level `|`
    alternatives: tuple[tuple[frozenset, ...], ...]  # each branch's requirements (empty: any line)


def read_regex(pattern: str, *, common: frozenset = frozenset(), anchors: bool = True) -> RegexReading:
    """The reading of `pattern`; raises `regex_safety.UnsafeRegex` or `re.error` for a regex clawkb
    refuses. `common` are words too frequent to anchor on; `anchors=False` skips them (a
    case-sensitive indicator is not anchored on lower-case words)."""
    items = parse(pattern)
    check_parsed(items)
    branches = top_level_branches(pattern)
    return RegexReading(
        anchors=required_words(items, common=common) if anchors else (),
        branches=tuple(branches),
        alternatives=alternatives(pattern, key=set_selectivity, parsed=items, texts=branches),
    )
