"""`clawkb test`: every signature's examples, run through the real matcher.

A positive example must rank its signature first (and, with `expect_line`, show that line as
evidence); a negative example must not report it. The confusion table counts, for the positive
examples of each signature, which signature came first.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

from clawkb.matcher import diagnose, normalise
from clawkb.matcher.model import MIN_CONFIDENCE

from .signatures import KnowledgeBase


@dataclass
class ExampleResult:
    signature: str
    kind: str  # positive | negative
    index: int
    ok: bool
    top: Optional[str]
    message: str


def run_examples(kb: KnowledgeBase, min_confidence: float = MIN_CONFIDENCE) -> list[ExampleResult]:
    index = kb.index()
    results: list[ExampleResult] = []
    for sig in kb.signatures:
        for kind in ("positive", "negative"):
            for i, ex in enumerate(sig.examples[kind]):
                diags = diagnose(normalise(ex["text"]), index, min_confidence=min_confidence)
                ids = [d.id for d in diags]
                top = ids[0] if ids else None
                if kind == "positive":
                    ok = top == sig.id
                    msg = "" if ok else f"expected {sig.id} first, got {ids or 'nothing'}"
                    if ok and ex.get("expect_line"):
                        lines = [e.text for e in diags[0].evidence]
                        if not any(ex["expect_line"].lower() in t.lower() for t in lines):
                            ok, msg = False, f"no evidence line contains {ex['expect_line']!r}"
                else:
                    ok = sig.id not in ids
                    msg = "" if ok else f"reported {sig.id} on a negative example (confidence {diags[ids.index(sig.id)].confidence})"
                results.append(ExampleResult(sig.id, kind, i, ok, top, msg))
    return results


def confusion(results: list[ExampleResult]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in results:
        if r.kind == "positive":
            table[r.signature][r.top or "(none)"] += 1
    return {k: dict(v) for k, v in table.items()}


def format_confusion(table: dict[str, dict[str, int]], width: int = 100) -> str:
    """The confusion between signatures as lines that fit `width`: how many positive examples rank
    their own signature first, and each pair that does not (a 50 x 50 grid would not fit a terminal)."""
    import textwrap

    own = sum(n for row, cols in table.items() for col, n in cols.items() if col == row)
    total = sum(n for cols in table.values() for n in cols.values())
    lines = textwrap.wrap(f"confusion: {own} of {total} positive examples rank their own signature first", width,
                          subsequent_indent="  ")
    off = sorted(((n, row, col) for row, cols in table.items() for col, n in cols.items() if col != row),
                 key=lambda t: (-t[0], t[1], t[2]))
    for n, row, col in off:
        lines += textwrap.wrap(f"{row} -> {col}: {n}", width, initial_indent="  ", subsequent_indent="      ")
    return "\n".join(lines)


def summary(results: list[ExampleResult], verbose: bool = False, width: int = 100) -> str:
    """What `clawkb test` prints, in lines of at most `width`: each failed example (each one with
    `verbose`), the confusion between signatures and the count."""
    import textwrap

    failed = sum(not r.ok for r in results)
    lines = []
    for r in results:
        if verbose or not r.ok:
            text = f"{'ok  ' if r.ok else 'FAIL'} {r.signature} {r.kind}[{r.index}]" + (f": {r.message}" if r.message else "")
            lines += textwrap.wrap(text, width, subsequent_indent="      ", break_long_words=True) or [text]
    lines += [format_confusion(confusion(results), width), f"{len(results) - failed} passed, {failed} failed"]
    return "\n".join(lines)
