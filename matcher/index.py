"""A compiled, ready-to-score form of a rule set.

Compiling once does the work that does not depend on the input: regexes compiled, phrases put
through the same canonical form and masks as input lines, and the literal anchors that a line must
contain for any indicator to possibly match it (used to skip lines cheaply).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple, Optional

from .masks import mask
from .model import Capture, Indicator, Rule
from .needles import Needles
from .regex_code import capture, rebuild
from .normalise import canonical
from .regex_reading import RegexReading, read_regex
from .vocabulary import COMMON, STOP, is_common_word

_WORD = re.compile(r"[a-z][a-z0-9_-]{3,}")


class LazyRegex:
    """A regex compiled on first use. A compiled index is stored (pickled) between runs; most of its
    regexes never meet a line holding their anchor words in a short paste, so compiling them all on
    load would cost more than the whole match."""

    __slots__ = ("pattern", "flags", "code", "_rx")

    def __init__(self, pattern: str, flags: int = 0, code: Optional[bytes] = None):
        # code: what the pattern compiles to (`regex_code.capture`), stored with the index so that a
        # later run makes the pattern object without compiling it again
        self.pattern, self.flags, self.code, self._rx = pattern, flags, code, None

    @classmethod
    def stored(cls, pattern: str, flags: int = 0) -> "LazyRegex":
        """A LazyRegex that carries its compiled program (for an index that is kept between runs)."""
        return cls(pattern, flags, capture(pattern, flags))

    @property
    def compiled(self) -> re.Pattern[str]:
        rx = getattr(self, "_rx", None)  # a loaded LazyRegex has the slot unset
        if rx is None:
            rx = rebuild(self.pattern, self.flags, self.code) if self.code is not None else None
            if rx is None:
                rx = re.compile(self.pattern, self.flags)
            self._rx = rx
        return rx

    def search(self, text: str) -> Optional[re.Match[str]]:
        return self.compiled.search(text)

    def finditer(self, text: str):
        return self.compiled.finditer(text)

    def __getstate__(self):  # stored without the compiled pattern: loading one runs no Python code
        return (None, {"pattern": self.pattern, "flags": self.flags, "code": self.code})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyRegex) and (self.pattern, self.flags) == (other.pattern, other.flags)

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"LazyRegex({self.pattern!r}, {self.flags})"


class CompiledIndicator(NamedTuple):
    spec: Indicator
    regex: Optional[LazyRegex]
    needle: str  # phrase (masked canonical) or literal (canonical, unless case-sensitive)
    anchors: tuple[str, ...]  # lower-case words; a line can only match if it holds one of them (empty: any line)
    # what a raw line must hold for it to match (`conditions.indicator_condition`), worked out once here
    # because parsing a thousand regexes again on every run of a large log costs seconds
    condition: Optional[tuple] = None
    # the same for a canonical line, for a regex: alternatives of groups of lower-case needles, one
    # of each group on the line (`holds`); checked before the regex, which is compiled on first use
    must: tuple = ()
    # a regex whose top-level alternatives each have their entry in `must` (in order) is searched by
    # alternative, only with the ones whose needles a line holds, so a paste compiles the few branches
    # it can match rather than the whole alternation (`matches`); split here, once, and stored
    parts: tuple = ()
    # needles of which every line `must` admits holds one (`gate_of`): the lines to look at, found
    # with the index's `Needles` in one pass over the document
    gate: tuple = ()

    @property
    def split(self) -> bool:
        return bool(self.parts)


class CompiledRule(NamedTuple):
    rule: Rule
    indicators: tuple[CompiledIndicator, ...]
    negatives: tuple[CompiledIndicator, ...]
    captures: tuple[tuple[Capture, LazyRegex, tuple[str, ...]], ...]  # with the words a line must hold (lower-cased)


# what a rule's anchors need before any of them can match a document: for each anchor indicator, the
# form of the lines it looks at and the words one of which such a line holds (`anchor_needs`)
Needs = tuple[tuple[str, tuple[str, ...]], ...]


class Index(NamedTuple):
    rules: Sequence[CompiledRule]  # a tuple, or `StoredRules` in an index kept between runs
    # every literal needle of the rules (anchor words, gates, literals), searched all at once
    needles: Optional[Needles] = None
    ids: tuple[str, ...] = ()  # the rules' ids, in order
    # per rule, in order: what its anchors need (`anchor_needs`), None when an anchor may match any line;
    # a rule none of whose needs a document meets scores zero, and is not even loaded
    needs: tuple[Optional[Needs], ...] = ()

    def rule(self, rule_id: str) -> CompiledRule:
        if self.ids:
            try:
                return self.rules[self.ids.index(rule_id)]
            except ValueError:
                raise KeyError(rule_id) from None
        for r in self.rules:
            if r.rule.id == rule_id:
                return r
        raise KeyError(rule_id)


class StoredRules(Sequence):
    """An index's rules as stored between runs: each rule pickled on its own and loaded when first
    asked for. A pasted log meets the anchors of a few rules; loading all thirty rules' indicators
    (tens of thousands of small objects) would cost more than scoring the few."""

    __slots__ = ("_blobs", "_rules")

    def __init__(self, rules: Sequence[CompiledRule]):
        self._rules: list[Optional[CompiledRule]] = list(rules)
        self._blobs: tuple[bytes, ...] = ()

    def __len__(self) -> int:
        return len(self._rules)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        rule = self._rules[i]
        if rule is None:
            import pickle

            rule = self._rules[i] = pickle.loads(self._blobs[i])
        return rule

    def __reduce__(self):
        import pickle

        blobs = self._blobs if all(r is None for r in self._rules) and self._blobs else tuple(
            pickle.dumps(self[i], protocol=pickle.HIGHEST_PROTOCOL) for i in range(len(self)))
        return (_stored_rules, (blobs,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"StoredRules({len(self)} rules)"


def _stored_rules(blobs: tuple[bytes, ...]) -> StoredRules:
    rules = StoredRules(())
    rules._rules, rules._blobs = [None] * len(blobs), blobs
    return rules


def anchor_needs(rule: CompiledRule) -> Optional[Needs]:
    """What one of a rule's anchor indicators needs of a line before it can match it, as
    `Lookup.holding` looks: (form, words) per anchor; None when some anchor may match any line.
    The same necessary conditions `hits.indicator_hits` narrows its candidate lines by."""
    needs = []
    for ind in rule.indicators:
        if ind.spec.role != "anchor":
            continue
        if ind.spec.kind == "regex":
            words, form = ind.gate or ind.anchors, "canon"
        elif ind.spec.kind == "literal":
            words, form = (ind.needle,), "text" if ind.spec.case_sensitive else "canon"
        else:
            words, form = ind.anchors, "masked"
        if not words:
            return None
        needs.append((form, tuple(words)))
    return tuple(needs)


def _phrase_anchors(needle: str) -> tuple[str, ...]:
    """The words of a phrase a line must hold one of to be compared with it: its distinctive words
    (not in `vocabulary.COMMON`), or all its content words when it has no distinctive one."""
    words = [w for w in _WORD.findall(needle) if w not in STOP and "<" not in w]
    rare = [w for w in words if not is_common_word(w)]
    return tuple(dict.fromkeys(rare or words))


def compile_indicator(ind: Indicator) -> CompiledIndicator:
    from .conditions import NoPrefilterWords, indicator_condition

    reading = read_regex(ind.pattern, common=COMMON, anchors=not ind.case_sensitive) if ind.kind == "regex" else None
    compiled = _compile_indicator(ind, reading)
    try:
        condition = indicator_condition(compiled, reading.alternatives if reading else None)
    except NoPrefilterWords:
        return compiled  # the scanner reports it if it ever needs this indicator
    must = _must(compiled, condition)
    compiled = compiled._replace(condition=condition, must=must, gate=gate_of(must))
    if reading is not None and len(must) > 1 and len(reading.branches) == len(must):
        compiled = compiled._replace(parts=tuple(LazyRegex.stored(b, compiled.regex.flags) for b in reading.branches))
    return compiled


def gate_of(must: tuple) -> tuple[str, ...]:
    """Needles of which a line that `holds(must)` holds at least one: from each alternative, the group
    whose shortest needle is longest (the rarest to meet). Empty when `must` asks nothing."""
    if not must or not all(must):
        return ()  # an alternative that asks nothing admits every line
    gate: dict[str, None] = {}
    for alt in must:
        best = max(alt, key=lambda group: min(map(len, group), default=0))
        gate.update(dict.fromkeys(best))
    return tuple(gate)


def matches(ind: CompiledIndicator, text: str, canon: str) -> bool:
    """Whether a regex indicator matches a line (`text` as given, `canon` its canonical form): the
    whole regex, or only those of its branches whose needles the line holds."""
    subject = text if ind.spec.case_sensitive else canon
    if ind.parts:
        return any(holds((alt,), canon) and rx.search(subject) for rx, alt in zip(ind.parts, ind.must))
    return holds(ind.must, canon) and ind.regex.search(subject) is not None


def _must(ind: CompiledIndicator, condition: tuple) -> tuple:
    """`condition` as plain lower-case needles, for a case-insensitive regex whose needles are ASCII or
    have no case at all (CJK): the canonical line is `str.lower()`ed and the regex folds case, which
    agree there; a needle with case outside ASCII (where they may not) drops the check."""
    from .regex_safety import plain

    if ind.spec.kind != "regex" or ind.spec.case_sensitive:
        return ()
    must = tuple(tuple(tuple(sorted({plain(n).lower() for n in group})) for group in alt) for alt in condition)
    if not all(n.isascii() or n.lower() == n.upper() for alt in must for group in alt for n in group):
        return ()
    return must


def holds(must: tuple, text: str) -> bool:
    """Does the canonical line hold what `CompiledIndicator.must` asks? (True when it asks nothing.)"""
    return not must or any(all(any(n in text for n in group) for group in alt) for alt in must)


def _compile_indicator(ind: Indicator, reading: Optional[RegexReading]) -> CompiledIndicator:
    if reading is not None:  # a regex, read (and found safe) by read_regex
        flags = 0 if ind.case_sensitive else re.IGNORECASE
        re.compile(ind.pattern, flags)  # raises re.error now rather than on first use
        return CompiledIndicator(ind, LazyRegex.stored(ind.pattern, flags), "", reading.anchors)
    if ind.kind == "literal":
        needle = ind.pattern if ind.case_sensitive else canonical(ind.pattern)
        return CompiledIndicator(ind, None, needle, ())
    needle = mask(canonical(ind.pattern))
    return CompiledIndicator(ind, None, needle, _phrase_anchors(needle))


def compile_rules(rules: Sequence[Rule]) -> Index:
    compiled = []
    for rule in rules:
        compiled.append(CompiledRule(
            rule=rule,
            indicators=tuple(compile_indicator(i) for i in rule.indicators),
            negatives=tuple(compile_indicator(i) for i in rule.negatives),
            captures=tuple(_compile_capture(c) for c in rule.captures),
        ))
    words = set()
    for r in compiled:
        for ind in r.indicators + r.negatives:
            words.update(ind.anchors)
            words.update(ind.gate)
            if ind.needle:
                words.add(ind.needle)
        for _c, _rx, anchors in r.captures:
            words.update(anchors)
    return Index(tuple(compiled), Needles(words), tuple(r.rule.id for r in compiled),
                 tuple(anchor_needs(r) for r in compiled))


def _compile_capture(c: Capture) -> tuple[Capture, LazyRegex, tuple[str, ...]]:
    anchors = read_regex(c.pattern).anchors  # raises for a regex clawkb refuses
    re.compile(c.pattern, re.IGNORECASE)
    return c, LazyRegex.stored(c.pattern, re.IGNORECASE), anchors
