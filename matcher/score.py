"""Score rules against a normalised document.

Confidence (0..1) is a noisy-OR of the indicators found: each indicator's weight is the author's
estimate that it alone establishes the failure, so independent indicators combine as
    1 - prod(1 - weight_i * strength_i * proximity_i)
where strength is 1 for a literal or regex hit and the fuzzy similarity (0..1) for a phrase, and
proximity is 1 for indicators inside the densest window of `rule.window` lines and 0.5 for those
found within `REACH` lines of it (several indicators close together beat one stray phrase; evidence
further away belongs to something else, and a large log is read only around anchor hits).
A rule needs at least one `anchor` indicator; `support` indicators only add to an anchored rule.
Each negative indicator found within one window of the evidence multiplies the confidence by
(1 - weight * strength).
An indicator with `after` counts only on lines that follow a hit of the indicator it names.
When the input names an OpenClaw version that already contains the fix (or predates the failure),
the confidence is multiplied by 0.6: the failure is probably something else.
Reported diagnoses are those at or above `min_confidence` (0.5 by default: the evidence is more
likely than not to mean this failure). The order is by confidence, except that a rule that
`explains` another diagnosed rule (its root cause) is placed before it.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import NamedTuple, Optional, Sequence

from .index import CompiledIndicator, CompiledRule, Index, matches
from .model import MIN_CONFIDENCE, Diagnosis, Document, EvidenceHit, Line
from .needles import Needles
from .phrase import partial_scores
from .versions import verdict as version_verdict

OUTSIDE_WINDOW = 0.5
REACH = 400  # lines around the best window where evidence still counts, at OUTSIDE_WINDOW
VERSION_PENALTY = 0.6


class _Hit(NamedTuple):
    pos: int  # index into document lines
    strength: float


class Lookup:
    """Which lines of a document hold a word: each form of the lines (`canon`, `masked`, `text`) is
    joined once and searched with `str.find`, a few searches per word instead of a test on every
    line for every indicator (a large log keeps thousands of lines around its failures)."""

    __slots__ = ("lines", "needles", "_joined", "_pairs", "_present")

    def __init__(self, lines: Sequence[Line], needles: Optional[Needles] = None):
        self.lines = lines
        self.needles = needles  # the index's needles: found in one pass per form, the first time one is asked for
        self._joined: dict[str, tuple[str, list[int]]] = {}
        self._pairs: Optional[tuple[list[int], list[tuple[int, str, str]]]] = None
        self._present: dict[str, dict[str, list[int]]] = {}


    def short_pairs(self, shorter_than: int) -> list[tuple[int, str, str]]:
        """(position, masked text, next line's masked text) of adjacent lines (at most two input
        lines apart) whose first is shorter than `shorter_than`: where a wrapped phrase may be.
        Gateway lines are mostly long, so these are few; they are sorted by length once."""
        if self._pairs is None:
            lines = self.lines
            pairs = sorted(((len(lines[p].masked), p) for p in range(len(lines) - 1)
                            if lines[p + 1].no - lines[p].no <= 2))
            self._pairs = ([n for n, _p in pairs],
                           [(p, lines[p].masked, lines[p + 1].masked) for _n, p in pairs])
        lengths, pairs = self._pairs
        return sorted(pairs[:bisect_left(lengths, shorter_than)])

    def meets(self, needs) -> bool:
        """Whether the lines meet one of a rule's anchor needs (`index.anchor_needs`; None: always)."""
        return needs is None or any(self.holding(words, form) for form, words in needs)

    def _form(self, form: str) -> tuple[str, list[int]]:
        got = self._joined.get(form)
        if got is None:
            # "lower": the lines as given, lower-cased (where a case-insensitive regex on `text` looks)
            texts = [line.text.lower() for line in self.lines] if form == "lower" else [getattr(line, form) for line in self.lines]
            starts, pos = [], 0
            for t in texts:
                starts.append(pos)
                pos += len(t) + 1
            got = self._joined[form] = ("\n".join(texts), starts)
        return got

    def holding(self, words: Sequence[str], form: str = "canon") -> list[int]:
        """Positions, in order, of the lines whose `form` holds one of the words."""
        joined, starts = self._form(form)
        found: set[int] = set()
        last = len(starts) - 1
        present = None
        known = self.needles.words if self.needles is not None else ()
        for w in words:
            if w in known:
                if present is None:
                    present = self._present.get(form)
                    if present is None:
                        present = self._present[form] = self.needles.lines_holding(joined, starts)
                found.update(present.get(w, ()))
                continue
            if "\n" in w:  # could run from one line into the next in the joined text: line by line
                found.update(p for p, line in enumerate(self.lines) if w in getattr(line, form))
                continue
            i = joined.find(w)
            while i >= 0:
                pos = bisect_right(starts, i) - 1
                found.add(pos)
                i = joined.find(w, starts[pos + 1]) if pos < last else -1
        return sorted(found)


def indicator_hits(ind: CompiledIndicator, lines: Sequence[Line], lookup: Optional[Lookup] = None) -> list[_Hit]:
    """Every line where one indicator matches, in line order. `lookup` is the lines' `Lookup`,
    shared by the indicators of one document."""
    spec = ind.spec
    if lookup is None:
        lookup = Lookup(lines)
    hits: list[_Hit] = []
    if spec.kind == "regex":
        assert ind.regex is not None
        if ind.gate and lookup.needles is not None:  # one pass found them: only the lines that may match
            candidates: Sequence[int] = lookup.holding(ind.gate)
        else:
            candidates = lookup.holding(ind.anchors) if ind.anchors else range(len(lines))
        for pos in candidates:
            if matches(ind, lines[pos].text, lines[pos].canon):
                hits.append(_Hit(pos, 1.0))
        return hits
    if spec.kind == "literal":
        return [_Hit(pos, 1.0) for pos in lookup.holding([ind.needle], "text" if spec.case_sensitive else "canon")]
    # phrase: fuzzy partial match against lines at least as long as the phrase (a short line
    # would otherwise "match" as a fragment of the phrase), and against pairs of adjacent lines
    # so that a phrase split by a wrap or a line break is still found
    needle = ind.needle
    need = max(len(needle) - 2, 1)
    anchors = ind.anchors
    choices: dict[int, str] = {}
    for pos in (lookup.holding(anchors, "masked") if anchors else range(len(lines))):
        if len(lines[pos].masked) >= need:
            choices[pos] = lines[pos].masked
    found = partial_scores(needle, choices, spec.min_similarity) if choices else {}
    pairs = {}
    for pos, a, b in lookup.short_pairs(need):
        if pos not in found and len(a) + len(b) + 1 >= need:
            joined = a + " " + b
            if not anchors or any(w in joined for w in anchors):
                pairs[pos] = joined
    if pairs:
        found.update(partial_scores(needle, pairs, spec.min_similarity))
    return sorted((_Hit(pos, s) for pos, s in found.items()), key=lambda h: h.pos)


def _noisy_or(values: Sequence[float]) -> float:
    p = 1.0
    for v in values:
        p *= 1.0 - max(0.0, min(v, 1.0))
    return 1.0 - p


class _Scored(NamedTuple):
    confidence: float
    chosen: dict  # indicator id -> _Hit used for the score
    all_hits: dict  # indicator id -> list[_Hit]


def _best_window(rule: CompiledRule, hits: dict[str, list[_Hit]], line_no) -> tuple[float, dict]:
    """The densest window of `rule.window` lines that holds an anchor hit, scored by noisy-OR.

    Window starts are taken only at hit lines up to one window before an anchor hit, so the
    cost grows with the hits near anchors, not with the size of the input.
    """
    weights = {i.spec.id: i.spec.weight for i in rule.indicators}
    anchors = {i.spec.id for i in rule.indicators if i.spec.role == "anchor"}
    present = {k: sorted(v, key=lambda h: line_no(h.pos)) for k, v in hits.items() if v}
    anchor_pos = sorted({line_no(h.pos) for a in anchors for h in present.get(a, ())})
    if not anchor_pos:
        return 0.0, {}
    window = rule.rule.span
    positions = {k: [line_no(h.pos) for h in v] for k, v in present.items()}
    all_pos = sorted({p for v in positions.values() for p in v})
    starts: set[int] = set()
    for a in anchor_pos:
        lo = bisect_left(all_pos, a - window + 1)
        hi = bisect_right(all_pos, a)
        starts.update(all_pos[lo:hi])
    best_score, best_choice = 0.0, {}
    for start in sorted(starts):
        end = start + window
        values, choice = [], {}
        in_window_anchor = False
        for ind_id, hs in present.items():
            pos = positions[ind_id]
            lo, hi = bisect_left(pos, start), bisect_left(pos, end)
            if lo < hi:
                h = max(hs[lo:hi], key=lambda x: x.strength)
                values.append(weights[ind_id] * h.strength)
                in_window_anchor |= ind_id in anchors
            else:
                lo, hi = bisect_left(pos, start - REACH), bisect_left(pos, end + REACH)
                if lo == hi:
                    continue
                h = max(hs[lo:hi], key=lambda x: x.strength)
                values.append(weights[ind_id] * h.strength * OUTSIDE_WINDOW)
            choice[ind_id] = h
        if not in_window_anchor:
            continue
        score = _noisy_or(values)
        if score > best_score + 1e-12:
            best_score, best_choice = score, choice
    return best_score, best_choice


def score_rule(rule: CompiledRule, doc: Document, lookup: Optional[Lookup] = None) -> _Scored:
    lines = doc.lines
    if lookup is None:
        lookup = Lookup(lines)
    # anchors first: without an anchor hit nothing else can raise the score above zero
    hits = {ind.spec.id: indicator_hits(ind, lines, lookup) for ind in rule.indicators if ind.spec.role == "anchor"}
    if not any(hits.values()):
        return _Scored(0.0, {}, hits)
    hits.update({ind.spec.id: indicator_hits(ind, lines, lookup) for ind in rule.indicators if ind.spec.role != "anchor"})
    for ind in rule.indicators:  # sequence evidence: keep only hits after the first hit of `after`
        if ind.spec.after is not None:
            before = hits.get(ind.spec.after) or []
            first = min((h.pos for h in before), default=None)
            hits[ind.spec.id] = [h for h in hits[ind.spec.id] if first is not None and h.pos > first]
    line_no = lambda pos: lines[pos].place  # windows are measured in logical lines of the input (`Line.at`)
    confidence, chosen = _best_window(rule, hits, line_no)
    if confidence <= 0:
        return _Scored(0.0, {}, hits)
    # negative evidence counts near the evidence it rules out: within one window of it
    near = [line_no(h.pos) for h in chosen.values()]
    lo, hi = min(near) - rule.rule.window, max(near) + rule.rule.window
    for neg in rule.negatives:
        nh = [h for h in indicator_hits(neg, lines, lookup) if lo <= line_no(h.pos) <= hi]
        if nh:
            confidence *= 1.0 - neg.spec.weight * max(h.strength for h in nh)
    return _Scored(confidence, chosen, hits)


def _captures(rule: CompiledRule, doc: Document, lookup: Lookup, anchors: list[int],
              evidence: set[int]) -> dict[str, tuple[str, ...]]:
    """The values a rule's captures find on its evidence lines (`evidence`: positions) and on the
    lines within one window of its anchor hits (`anchors`: places, sorted): the failure's own lines
    name its model and profile; a large log names every model it ever used."""
    out: dict[str, list[str]] = {}
    window = rule.rule.window
    for cap, rx, words in rule.captures:
        for pos in (lookup.holding(words, "lower") if words else range(len(doc.lines))):
            if pos not in evidence and not _near(doc.lines[pos].place, anchors, window):
                continue
            for m in rx.finditer(doc.lines[pos].text):
                value = m.groupdict().get(cap.name)
                if value and value not in out.setdefault(cap.name, []):
                    out[cap.name].append(value)
    if doc.openclaw_version:
        out.setdefault("version", [doc.openclaw_version])
    return {k: tuple(v[:10]) for k, v in out.items() if v}


def diagnose(
    doc: Document,
    index: Index,
    *,
    min_confidence: float = MIN_CONFIDENCE,
    max_evidence: int = 8,
    only: Optional[Sequence[str]] = None,
) -> list[Diagnosis]:
    """Ranked diagnoses for a normalised document. Pure: no I/O, no global state."""
    results: list[Diagnosis] = []
    lookup = Lookup(doc.lines, index.needles)
    ids = index.ids or tuple(r.rule.id for r in index.rules)
    for i, rule_id in enumerate(ids):
        if only is not None and rule_id not in only:
            continue
        if index.needs and not lookup.meets(index.needs[i]):
            continue  # none of its anchors can match: zero, without loading the rule
        rule = index.rules[i]
        scored = score_rule(rule, doc, lookup)
        conf = scored.confidence
        if conf <= 0:
            continue
        verdict = None
        if doc.openclaw_version and rule.rule.affected:
            verdict = version_verdict(doc.openclaw_version, rule.rule.affected)
            if verdict.status in ("fixed-before", "not-introduced"):
                conf *= VERSION_PENALTY
        if conf < min_confidence:
            continue
        # evidence: the chosen hit of each indicator first, then other hits, in line order
        chosen_pos = {(ind_id, h.pos) for ind_id, h in scored.chosen.items()}
        ev: list[EvidenceHit] = []
        seen_lines: set[int] = set()
        ordered = sorted(
            ((ind_id, h) for ind_id, hs in scored.all_hits.items() for h in hs),
            key=lambda t: ((t[0], t[1].pos) not in chosen_pos, t[1].pos),
        )
        anchor_ids = {i.spec.id for i in rule.indicators if i.spec.role == "anchor"}
        anchor_pos = sorted({h.pos for i in anchor_ids for h in scored.all_hits.get(i, ())})
        occurrences = sorted({doc.lines[p].no for p in anchor_pos})  # a cut line shares its number
        places = sorted({doc.lines[p].place for p in anchor_pos})
        reach = rule.rule.window + REACH
        total_lines = {h.pos for _i, h in ordered if _near(doc.lines[h.pos].place, places, reach)}
        for ind_id, h in ordered:
            if h.pos in seen_lines or h.pos not in total_lines:
                continue
            seen_lines.add(h.pos)
            line = doc.lines[h.pos]
            ev.append(EvidenceHit(line=line.no, text=line.text, indicator=ind_id, strength=round(h.strength, 3)))
            if len(ev) >= max_evidence:
                break
        ev.sort(key=lambda e: e.line)
        first = doc.lines[anchor_pos[0]] if anchor_pos else None
        last = doc.lines[anchor_pos[-1]] if anchor_pos else None
        last_line, last_time = (last.no, timestamp_of(last.text)) if last else (0, None)
        more = 0  # hits a large log had too many of to keep: counted by the stream
        for e in doc.elided:
            if e.rule == rule.rule.id:
                more += e.count
                if e.last_line > last_line:
                    last_line, last_time = e.last_line, e.last_time or last_time
        results.append(Diagnosis(
            id=rule.rule.id,
            confidence=round(min(conf, 1.0), 4),
            evidence=tuple(ev),
            evidence_total=len(total_lines) + more,
            captures=_captures(rule, doc, lookup, places, total_lines),
            verdict=verdict,
            first_line=first.no if first else 0,
            last_line=last_line,
            occurrences=len(occurrences) + more,
            first_time=timestamp_of(first.text) if first else None,
            last_time=last_time,
        ))
    return rank(results, index)


def _near(no: int, anchors: list[int], reach: int) -> bool:
    i = bisect_left(anchors, no - reach)
    return i < len(anchors) and anchors[i] <= no + reach


_TIMESTAMP = re.compile(r"\b(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})?)")


def timestamp_of(text: str) -> Optional[str]:
    """The ISO timestamp a log line starts with or carries (OpenClaw's console and file logs)."""
    m = _TIMESTAMP.search(text[:200])
    return m.group(1) if m else None


def rank(results: list[Diagnosis], index: Index) -> list[Diagnosis]:
    """Best first; a root cause (a rule that `explains` another reported rule) before what it explains.
    A diagnosis whose every evidence line is evidence of a root cause that explains it, at least as
    confident, says nothing that cause does not: it is dropped (the cause's page names it)."""
    explains = {d.id: set(index.rule(d.id).rule.explains) for d in results}
    lines = {d.id: {e.line for e in d.evidence} for d in results}
    results = sorted((d for d in results if not any(
        d.id in explains.get(o.id, ()) and o.confidence >= d.confidence and lines[d.id] and lines[d.id] <= lines[o.id]
        for o in results if o.id != d.id)), key=lambda d: (-d.confidence, d.id))
    ordered: list[Diagnosis] = []
    remaining = list(results)
    while remaining:
        ids = {d.id for d in remaining}
        for d in remaining:
            # d can go next unless some other remaining diagnosis explains it
            if not any(d.id in explains.get(o, ()) for o in ids if o != d.id):
                ordered.append(d)
                remaining.remove(d)
                break
        else:  # a cycle of explanations: fall back to confidence order
            ordered.extend(remaining)
            break
    return ordered
