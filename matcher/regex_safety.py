"""Reject regular expressions that can take more than linear time.

Signature regexes run over untrusted input (issue bodies, 1 GB logs) with Python's backtracking engine,
so each pattern must be one whose running time is linear in the line: no backreferences, no
lookarounds, and no unbounded repetition over something that itself repeats without bound or can
match the same text in more than one way (alternation under `*`/`+`). The engine also cuts lines to
`normalise.MAX_LINE` characters, which bounds what a polynomial pattern could cost anyway.
"""
from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_MAXREPEAT = sre_constants.MAXREPEAT
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
if hasattr(sre_constants, "POSSESSIVE_REPEAT"):
    _REPEATS.add(sre_constants.POSSESSIVE_REPEAT)
_FORBIDDEN = {
    sre_constants.GROUPREF: "backreference",
    sre_constants.ASSERT: "lookahead/lookbehind",
    sre_constants.ASSERT_NOT: "negative lookahead/lookbehind",
    sre_constants.GROUPREF_EXISTS: "conditional group",
}


class UnsafeRegex(ValueError):
    pass


def _unbounded(av) -> bool:
    return av[1] == _MAXREPEAT or av[1] > 1000


def _walk(items, under_unbounded: bool) -> None:
    for op, av in items:
        if op in _FORBIDDEN:
            raise UnsafeRegex(f"{_FORBIDDEN[op]} is not allowed (not linear-time)")
        if op in _REPEATS:
            lo, hi, body = av
            unbounded = _unbounded(av)
            if unbounded and under_unbounded:
                raise UnsafeRegex("nested unbounded repetition (e.g. (a+)+) can backtrack exponentially")
            if unbounded and _has_branch(body):
                raise UnsafeRegex("alternation under unbounded repetition (e.g. (a|ab)*) can backtrack exponentially")
            _walk(body, under_unbounded or unbounded)
        elif op == sre_constants.SUBPATTERN:
            _walk(av[-1], under_unbounded)
        elif op == sre_constants.BRANCH:
            for branch in av[1]:
                _walk(branch, under_unbounded)
        elif op == getattr(sre_constants, "ATOMIC_GROUP", None):
            _walk(av, under_unbounded)


def _has_branch(items) -> bool:
    for op, av in items:
        if op == sre_constants.BRANCH:
            return True
        if op == sre_constants.SUBPATTERN and _has_branch(av[-1]):
            return True
        if op in _REPEATS and _has_branch(av[2]):
            return True
    return False


def check_regex(pattern: str) -> None:
    """Raise UnsafeRegex (or re.error) unless `pattern` compiles and is linear-time."""
    re.compile(pattern)
    _walk(sre_parse.parse(pattern), False)


def is_safe(pattern: str) -> bool:
    try:
        check_regex(pattern)
    except (UnsafeRegex, re.error):
        return False
    return True
