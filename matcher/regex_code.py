"""A compiled regex kept between runs: the program `re` compiles a pattern to, stored beside it.

Compiling the rules' regexes is most of what a pasted log costs once the index is loaded (a few
hundred microseconds each for the long alternations of provider wordings, pure Python in
`re._parser` and `re._compiler`). What they compile to is a list of integers that CPython's `_sre`
turns into a pattern object in microseconds, after checking it is well formed. `capture` records
that program when the index is built; `rebuild` makes the pattern from it on a later run.

Both lean on CPython's internal `re._parser.parse`, `re._compiler._code` and `_sre.compile`, so both
are guarded: the program is stored with `_sre.MAGIC` and `_sre.CODESIZE` and used only by the same
engine, `rebuild` checks the result against the pattern's own text and flags, and any failure (another
Python, another implementation, a program `_sre` rejects) returns None, and the caller compiles
with `re.compile` as it always could.
"""
from __future__ import annotations

import re
from array import array
from typing import Optional

try:  # CPython's regex engine and compiler internals (3.11+ names)
    import _sre
    from re import _compiler, _parser
except ImportError:  # pragma: no cover - another implementation
    _sre = _compiler = _parser = None

Code = tuple  # (magic, codesize, flags, program as bytes, groups, groupindex)


def _engine() -> Optional[tuple[int, int]]:
    if _sre is None:
        return None
    return (getattr(_sre, "MAGIC", None), getattr(_sre, "CODESIZE", None))


def capture(pattern: str, flags: int) -> Optional[Code]:
    """What `re.compile(pattern, flags)` compiles to, in a form to store; None when it cannot be had."""
    engine = _engine()
    if engine is None or None in engine:
        return None
    try:
        parsed = _parser.parse(pattern, flags)
        program = array("I" if engine[1] == 4 else "H", [int(c) for c in _compiler._code(parsed, flags)])
        state = parsed.state
        return (*engine, flags | state.flags, program.tobytes(), state.groups - 1, dict(state.groupdict))
    except Exception:
        return None


def rebuild(pattern: str, flags: int, code: Optional[Code]) -> Optional[re.Pattern[str]]:
    """The pattern object `code` (from `capture`) stands for, or None when it cannot be used here."""
    if code is None or _engine() != tuple(code[:2]):
        return None
    try:
        _magic, size, all_flags, program, groups, groupindex = code
        ints = array("I" if size == 4 else "H")
        ints.frombytes(program)
        indexgroup = [None] * (groups + 1)
        for name, i in groupindex.items():
            indexgroup[i] = name
        rx = _sre.compile(pattern, all_flags, ints.tolist(), groups, dict(groupindex), tuple(indexgroup))
    except Exception:
        return None
    if rx.pattern != pattern or rx.groups != groups or (rx.flags & ~re.UNICODE) != (all_flags & ~re.UNICODE):
        return None
    return rx
