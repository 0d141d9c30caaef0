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

from bisect import bisect_left, bisect_right
from typing import NamedTuple, Optional, Sequence

from .hits import Hit, Lookup, indicator_hits, timestamp_of
from .index import CompiledRule, Index
from .model import MAX_EVIDENCE, MIN_CONFIDENCE, Diagnosis, Document, EvidenceHit
from .versions import verdict as version_verdict
from .versions import version_at

OUTSIDE_WINDOW = 0.5
REACH = 400  # lines around the best window where evidence still counts, at OUTSIDE_WINDOW
VERSION_PENALTY = 0.6


def _noisy_or(values: Sequence[float]) -> float:
    p = 1.0
    for v in values:
        p *= 1.0 - max(0.0, min(v, 1.0))
    return 1.0 - p


class _Scored(NamedTuple):
    confidence: float
    chosen: dict  # indicator id -> Hit used for the score
    all_hits: dict  # indicator id -> list[Hit]


def _best_window(rule: CompiledRule, hits: dict[str, list[Hit]], line_no) -> tuple[float, dict]:
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
              evidence: set[int], version: Optional[str] = None) -> dict[str, tuple[str, ...]]:
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
    if version:
        out.setdefault("version", [version])
    return {k: tuple(v[:10]) for k, v in out.items() if v}


def diagnose(
    doc: Document,
    index: Index,
    *,
    min_confidence: float = MIN_CONFIDENCE,
    max_evidence: int = MAX_EVIDENCE,
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
        if scored.confidence <= 0:
            continue
        conf, verdict = scored.confidence, None
        version = _version_in_force(rule, doc, scored)
        if version and rule.rule.affected:
            verdict = version_verdict(version, rule.rule.affected)
            if verdict.status in ("fixed-before", "not-introduced"):
                conf *= VERSION_PENALTY
        if conf >= min_confidence:
            results.append(_diagnosis(rule, doc, lookup, scored, conf, verdict, max_evidence))
    return rank(results, index)


def _version_in_force(rule: CompiledRule, doc: Document, scored: _Scored) -> Optional[str]:
    """The OpenClaw version where the failure last occurs: a log spanning an upgrade states both
    versions, and the failure is judged by the one running when it happened."""
    if not doc.versions:
        return doc.openclaw_version
    anchors = [h.pos for i in rule.indicators if i.spec.role == "anchor" for h in scored.all_hits.get(i.spec.id, ())]
    return version_at(doc.versions, max(anchors), doc.openclaw_version) if anchors else doc.openclaw_version


def _diagnosis(rule: CompiledRule, doc: Document, lookup: Lookup, scored: _Scored, conf: float, verdict,
               max_evidence: int) -> Diagnosis:
    """A reported rule as a diagnosis: its evidence, where and how often it occurs, its captures."""
    anchor_ids = {i.spec.id for i in rule.indicators if i.spec.role == "anchor"}
    anchor_pos = sorted({h.pos for i in anchor_ids for h in scored.all_hits.get(i, ())})
    places = sorted({doc.lines[p].place for p in anchor_pos})
    evidence, total_lines = _evidence(rule, doc, scored, places, max_evidence)
    first = doc.lines[anchor_pos[0]] if anchor_pos else None
    last = doc.lines[anchor_pos[-1]] if anchor_pos else None
    last_line, last_time = (last.no, timestamp_of(last.text)) if last else (0, None)
    more = 0  # hits a large log had too many of to keep: counted by the stream
    for e in doc.elided:
        if e.rule == rule.rule.id:
            more += e.count
            if e.last_line > last_line:
                last_line, last_time = e.last_line, e.last_time or last_time
    return Diagnosis(
        id=rule.rule.id,
        confidence=round(min(conf, 1.0), 4),
        evidence=evidence,
        evidence_total=len(total_lines) + more,
        captures=_captures(rule, doc, lookup, places, total_lines, verdict.version if verdict else doc.openclaw_version),
        verdict=verdict,
        first_line=first.no if first else 0,
        last_line=last_line,
        occurrences=len({doc.lines[p].no for p in anchor_pos}) + more,  # a cut line shares its number
        first_time=timestamp_of(first.text) if first else None,
        last_time=last_time,
    )


def _evidence(rule: CompiledRule, doc: Document, scored: _Scored, places: list[int],
              max_evidence: int) -> tuple[tuple[EvidenceHit, ...], set[int]]:
    """Up to `max_evidence` evidence lines, in line order (the chosen hit of each indicator first, then
    other hits), and every line position that is evidence (within reach of an anchor hit)."""
    chosen_pos = {(ind_id, h.pos) for ind_id, h in scored.chosen.items()}
    ordered = sorted(
        ((ind_id, h) for ind_id, hs in scored.all_hits.items() for h in hs),
        key=lambda t: ((t[0], t[1].pos) not in chosen_pos, t[1].pos),
    )
    reach = rule.rule.window + REACH
    total_lines = {h.pos for _i, h in ordered if _near(doc.lines[h.pos].place, places, reach)}
    ev: list[EvidenceHit] = []
    seen_lines: set[int] = set()
    for ind_id, h in ordered:
        if h.pos in seen_lines or h.pos not in total_lines:
            continue
        seen_lines.add(h.pos)
        line = doc.lines[h.pos]
        ev.append(EvidenceHit(line=line.no, text=line.text, indicator=ind_id, strength=round(h.strength, 3)))
        if len(ev) >= max_evidence:
            break
    return tuple(sorted(ev, key=lambda e: e.line)), total_lines


def _near(no: int, anchors: list[int], reach: int) -> bool:
    i = bisect_left(anchors, no - reach)
    return i < len(anchors) and anchors[i] <= no + reach


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
