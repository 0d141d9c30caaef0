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
import struct
from array import array
from typing import Optional

try:  # CPython's regex engine and compiler internals (3.11+ names)
    import _sre
    from re import _compiler, _parser
except ImportError:  # pragma: no cover - another implementation
    _sre = _compiler = _parser = None

# A program as stored: one bytes object (`struct` header, group names, the program's code units), so
# that a stored index of a thousand regexes loads as a thousand strings, not a thousand tuples and dicts
_HEADER = struct.Struct("<IBIIIH")  # magic, code unit size, flags asked, flags in all, groups, length of the group names
Code = bytes


def _engine() -> Optional[tuple[int, int]]:
    if _sre is None:
        return None
    return (getattr(_sre, "MAGIC", None), getattr(_sre, "CODESIZE", None))


def capture(pattern: str, flags: int) -> Optional[Code]:
    """What `re.compile(pattern, flags)` compiles to, in a form to store; None when it cannot be had."""
    engine = _engine()
    if engine is None or None in engine or engine[1] not in (2, 4):
        return None
    try:
        parsed = _parser.parse(pattern, flags)
        program = array("I" if engine[1] == 4 else "H", [int(c) for c in _compiler._code(parsed, flags)])
        state = parsed.state
        names = "\0".join(f"{name}\0{i}" for name, i in state.groupdict.items()).encode("utf-8")
        return _HEADER.pack(engine[0], engine[1], flags, flags | state.flags, state.groups - 1, len(names)) + names + program.tobytes()
    except Exception:
        return None


def rebuild(pattern: str, flags: int, code: Optional[Code]) -> Optional[re.Pattern[str]]:
    """The pattern object `code` (from `capture`) stands for, or None when it cannot be used here."""
    engine = _engine()
    if code is None or engine is None:
        return None
    try:
        magic, size, asked, all_flags, groups, n = _HEADER.unpack_from(code)
        if (magic, size, asked) != (*engine, flags):
            return None
        fields = code[_HEADER.size:_HEADER.size + n].decode("utf-8").split("\0") if n else []
        groupindex = {fields[i]: int(fields[i + 1]) for i in range(0, len(fields), 2)}
        ints = array("I" if size == 4 else "H")
        ints.frombytes(code[_HEADER.size + n:])
        indexgroup = [None] * (groups + 1)
        for name, i in groupindex.items():
            indexgroup[i] = name
        rx = _sre.compile(pattern, all_flags, ints.tolist(), groups, groupindex, tuple(indexgroup))
    except Exception:
        return None
    if rx.pattern != pattern or rx.groups != groups or rx.flags != all_flags:
        return None
    return rx
