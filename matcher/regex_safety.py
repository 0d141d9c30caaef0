"""Reject regular expressions whose search time is not linear in the input.

Signature regexes run over untrusted input (issue bodies, 1 GB logs) with Python's backtracking
engine, and `re.search` tries every start position. A pattern is accepted only when the work from
one start position is bounded by a constant that depends on the pattern alone, which makes the whole
search linear in the line:
- no unbounded repetition (`*`, `+`, `{n,}`): write `{0,40}` / `{1,80}` instead;
- no repetition over something that itself repeats or alternates (`(a{1,9}){1,9}`, `(a|ab){0,9}`);
- no backreferences, lookarounds or conditionals.
The engine also cuts lines to `normalise.MAX_LINE` characters.
"""
from __future__ import annotations

import re
from typing import Optional

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


def _walk(items, under_repeat: bool) -> None:
    for op, av in items:
        if op in _FORBIDDEN:
            raise UnsafeRegex(f"{_FORBIDDEN[op]} is not allowed (not linear-time)")
        if op in _REPEATS:
            lo, hi, body = av
            if _unbounded(av):
                raise UnsafeRegex("unbounded repetition (*, +, {n,}) can scan to the end of the line from every "
                                  "start position; use a bounded {m,n}")
            repeats = hi > 1
            if repeats and under_repeat:
                raise UnsafeRegex("nested repetition (e.g. (a{1,9}){1,9}) can backtrack exponentially")
            if repeats and _has_branch(body):
                raise UnsafeRegex("alternation under repetition (e.g. (a|ab){0,9}) can backtrack exponentially")
            _walk(body, under_repeat or repeats)
        elif op == sre_constants.SUBPATTERN:
            _walk(av[-1], under_repeat)
        elif op == sre_constants.BRANCH:
            for branch in av[1]:
                _walk(branch, under_repeat)
        elif op == getattr(sre_constants, "ATOMIC_GROUP", None):
            _walk(av, under_repeat)


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
    """Raise UnsafeRegex (or re.error) unless `pattern` compiles and searches in linear time."""
    re.compile(pattern)
    check_parsed(sre_parse.parse(pattern))


def check_parsed(items) -> None:
    """Raise UnsafeRegex unless the parsed pattern `items` searches in linear time."""
    _walk(items, False)


def parse(pattern: str):
    """The parsed pattern (`re`'s own parser); raises re.error for what does not compile."""
    return sre_parse.parse(pattern)


def required_words(pattern, min_len: int = 4, common: frozenset = frozenset()) -> tuple[str, ...]:
    """Lower-case words of which every match of `pattern` contains at least one.

    Read off the parsed pattern: a literal run is required as it stands; a group or a repetition with
    a minimum of one requires what its body requires; an alternation requires one of its branches'
    words. Of all the requirements of a sequence the most selective is kept (longest shortest word,
    then fewest words), preferring requirements with no word from `common` (words so frequent that
    they select nearly every line). Empty when nothing can be required (the regex then runs on every line).
    ASCII words need `min_len` characters, other scripts two. `pattern` may also be a parsed item list.
    """
    def words_of(run: str) -> list[str]:
        return [w for w in re.findall(r"[a-z0-9_=:./()-]+|[^\x00-\x7f\s]+", run.lower())
                if len(w) >= (min_len if w.isascii() else 2)]

    def key(a: frozenset) -> tuple:
        return (not any(w in common for w in a), min(map(len, a)), -len(a))

    def better(a: frozenset, b: Optional[frozenset]) -> bool:
        return b is None or key(a) > key(b)

    def req(items) -> Optional[frozenset]:
        best: Optional[frozenset] = None
        cur: list[str] = []

        def flush():
            nonlocal best, cur
            for w in words_of("".join(cur)):
                cand = frozenset([w])
                if better(cand, best):
                    best = cand
            cur = []

        for op, av in items:
            if op == sre_constants.LITERAL:
                cur.append(chr(av))
                continue
            flush()
            sub = None
            if op == sre_constants.SUBPATTERN:
                sub = req(av[-1])
            elif op in _REPEATS and av[0] >= 1:
                sub = req(av[2])
            elif op == sre_constants.BRANCH:
                parts = [req(b) for b in av[1]]
                sub = None if any(p is None for p in parts) else frozenset().union(*parts)
            if sub and better(sub, best):
                best = sub
        flush()
        return best

    found = req(sre_parse.parse(pattern) if isinstance(pattern, str) else pattern)
    return tuple(sorted(found)) if found else ()



_NEEDLE = re.compile(r"[a-z0-9_:./-]+(?: [a-z0-9_:./-]+)*|[^\x00-\x7f\s]+")


BOUNDARY = "\x08"  # ends a needle that no word character can follow (`529` in `status=529\b`)
_WORDCHAR = re.compile(r"[a-z0-9_]")


def needles_of(run: str, min_len: int = 3, bounded_after: bool = False) -> list[str]:
    """The pieces of a literal run that appear unchanged in raw log bytes, lower-cased: words and
    single-space-separated word sequences of `[a-z0-9_:./-]`, and runs of other scripts. Other
    punctuation splits them, because normalising adds it (`"key": "value"` becomes `key=value`);
    a colon it only ever removes, so a colon in the canonical line was in the raw line.

    A piece of digits that the pattern says no word character follows (the run goes on with
    punctuation, or `bounded_after`: what follows the run is `\b` or punctuation) ends in
    `BOUNDARY`: status codes are otherwise found inside every long number. Normalising never puts a
    word character where the raw line had none after a piece (it removes colour codes, quotes and
    escapes, which all start with punctuation), so the boundary holds in the raw bytes too."""
    out = []
    low = run.lower()
    for m in _NEEDLE.finditer(low):
        n = m.group(0)
        if len(n) < (min_len if n.isascii() else 2):
            continue
        if n[-1].isdigit() and n.split()[-1].isdigit():
            after = low[m.end():m.end() + 1]
            if (after and not _WORDCHAR.match(after)) or (not after and bounded_after):
                n += BOUNDARY
        out.append(n)
    return out


def plain(needle: str) -> str:
    """The needle as a literal (without its `BOUNDARY` mark)."""
    return needle[:-1] if needle.endswith(BOUNDARY) else needle


def _bounds_after(item) -> bool:
    """Does this parsed item guarantee that no word character comes next?"""
    if item is None:
        return False
    op, av = item
    if op == sre_constants.AT:
        return av == sre_constants.AT_BOUNDARY
    if op == sre_constants.LITERAL:
        return not _WORDCHAR.match(chr(av).lower())
    if op == sre_constants.IN:
        return all(o == sre_constants.LITERAL and not _WORDCHAR.match(chr(c).lower()) for o, c in av)
    return False


def _longest_shortest(needles: frozenset) -> tuple:
    return (min(map(len, needles)), -len(needles))


MAX_SPELLINGS = 64  # a run of literals and small alternations is expanded into at most this many strings
# (16 split `(?:daily|weekly|...)(?: usage)? (?:limit|quota)` into `daily` and `limit`; `daily limit` is rarer)


def _spellings(op, av) -> Optional[list[str]]:
    """The strings one parsed item can match, when it is a literal or a small alternation of
    literals (`[- ]`, `(?:cron|job)`, `(?:extra )?`); None otherwise."""
    if op == sre_constants.LITERAL:
        return [chr(av)]
    if op == sre_constants.IN:
        if len(av) <= 4 and all(o == sre_constants.LITERAL for o, _ in av):
            return [chr(c) for _, c in av]
        return None
    if op == sre_constants.SUBPATTERN:
        return _sequence_spellings(av[-1])
    if op == sre_constants.BRANCH:
        out: list[str] = []
        for branch in av[1]:
            sub = _sequence_spellings(branch)
            if sub is None or len(out) + len(sub) > MAX_SPELLINGS:
                return None
            out.extend(sub)
        return out
    if op in _REPEATS and av[1] == 1 and av[0] in (0, 1):
        sub = _sequence_spellings(av[2])
        if sub is None:
            return None
        return sub + [""] if av[0] == 0 else sub
    return None


def _sequence_spellings(items) -> Optional[list[str]]:
    out = [""]
    for op, av in items:
        opts = _spellings(op, av)
        if opts is None or len(out) * len(opts) > MAX_SPELLINGS:
            return None
        out = [a + b for a in out for b in opts]
    return out


def requirements(pattern, min_len: int = 3, key=_longest_shortest) -> tuple[frozenset, ...]:
    """Every requirement of `pattern` at once: a tuple of needle sets, each of which a match must
    hold one member of (a conjunction of alternatives); see `needles_of` for what a needle is. A line
    lacking any of them cannot match. A branch requires one of its alternatives' needles; of each
    alternative's requirements the best by `key` (a function of a needle set) is taken.
    Literals and small alternations next to each other are spelled out together first, so that
    `isolated (?:cron|job)` requires one of `isolated cron`, `isolated job` (and `isolated`).
    `pattern` may also be a parsed item list."""
    items = sre_parse.parse(pattern) if isinstance(pattern, str) else pattern

    def req(items) -> list[frozenset]:
        out: list[frozenset] = []
        cur: list[str] = [""]  # the spellings of the literal run so far

        def flush(following=None):
            nonlocal cur
            bounded = _bounds_after(following)
            pieces = [needles_of(c, min_len, bounded) for c in cur]
            if len(cur) == 1:
                out.extend(frozenset([w]) for w in pieces[0])
            elif all(pieces):
                # a needle every spelling holds, as a piece or inside one: `delivered[=:]false` is
                # `delivered`, `false` or `delivered:false`, and each holds `false`
                everywhere = {w for p in pieces for w in p if all(any(w in q for q in other) for other in pieces)}
                out.extend(frozenset([w]) for w in sorted(everywhere))
                out.append(frozenset(max(p, key=lambda w: key(frozenset([w]))) for p in pieces))
            cur = [""]

        for op, av in items:
            opts = _spellings(op, av)
            if opts is not None and len(cur) * len(opts) <= MAX_SPELLINGS:
                cur = [a + b for a in cur for b in opts]
                continue
            if opts is not None:  # too many together: start a new run with this item
                flush()
                cur = opts
                continue
            flush((op, av))
            if op == sre_constants.SUBPATTERN:
                out.extend(req(av[-1]))
            elif op in _REPEATS and av[0] >= 1:
                out.extend(req(av[2]))
            elif op == sre_constants.BRANCH:
                per_branch = [req(b) for b in av[1]]
                if all(per_branch):
                    out.append(frozenset().union(*(max(b, key=key) for b in per_branch)))
        flush()
        return out

    return tuple(dict.fromkeys(req(items)))


def alternatives(pattern: str, min_len: int = 3, key=_longest_shortest, *, parsed=None,
                 texts: Optional[list[str]] = None) -> tuple[tuple[frozenset, ...], ...]:
    """The requirements of each top-level alternative of `pattern` (one alternative when it has no
    top-level `|`): a line can match only if it meets every requirement of some alternative.
    An alternative with no requirement makes the result empty (any line might match). `parsed` and
    `texts` are the pattern already parsed and split (`top_level_branches`), when the caller has them."""
    texts = top_level_branches(pattern) if texts is None else texts
    if len(texts) > 1:
        # split as written: the parser factors out what the branches start with (`\\ba|\\bb` becomes
        # `\\b(?:a|b)`), and a factored branch would give one merged requirement for all of them
        branches = [list(sre_parse.parse(t)) for t in texts]
    else:
        items = list(sre_parse.parse(pattern) if parsed is None else parsed)
        branches = items[0][1][1] if len(items) == 1 and items[0][0] == sre_constants.BRANCH else [items]
    out = []
    for branch in branches:
        reqs = requirements(branch, min_len, key)
        if not reqs:
            return ()
        out.append(reqs)
    return tuple(out)


def top_level_branches(pattern: str) -> list[str]:
    """`pattern` split at its top-level `|` (outside groups, classes and escapes); a leading global flag
    group such as `(?i)` is given to every branch. One element when there is no top-level `|`."""
    flags = re.match(r"\(\?[aiLmsux]+\)", pattern)
    head = flags.group(0) if flags else ""
    body = pattern[len(head):]
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]" and body[i - 1] != "[" and not (body[i - 1] == "^" and body[i - 2] == "["):
                in_class = False
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    return [head + p for p in parts]
