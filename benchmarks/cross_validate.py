"""Grouped k-fold cross-validation of the matcher over the real corpus (issue 14, item 1).

    python benchmarks/cross_validate.py                   # the three files under ../shared/corpus, 5 folds
    python benchmarks/cross_validate.py --folds 10 --seed 3 --json
    python benchmarks/cross_validate.py --corpus A.jsonl --corpus B.jsonl --png /tmp/rel.png

Every case of the corpus files, combined, is put in one of --folds folds so that all cases of one
source thread (its `source` without the `#comment-...` fragment) share a fold: a thread's excerpts
resemble one another, so a component fitted on one of them must not be tested on another. Each
layer variant is fitted on the other folds and predicts the held-out one; every case is scored
exactly once, by a layer that never saw its thread. The rules layer learns nothing (its figures equal a
plain scoring of the corpus); `SimilarityLayer` fits the similarity index and the calibration tables
(`kb.similarity.fit`, as the shipped build does) on the training folds only, and is scored alone
("similarity"), as calibrated rules ("rules-calibrated") and as `clawkb match` joins them ("together").
`Combined` joins other layers through a combination function.

Labels are those of ../shared/eval/score run with --family-ids set to every signature id: a `none`
case whose `family` is a signature id is a case of that signature. The metrics are the scorer's:
  top1   share of labelled cases whose first diagnosis is one of its labels
  found  share of labelled cases whose primary label appears anywhere among the diagnoses
  fp     share of `none` cases given a diagnosis whose id some labelled case of the corpus uses
and per signature s (over the top diagnosis of each case):
  support    labelled cases whose primary label is s
  precision  of the cases whose top diagnosis is s, the share that have s among their labels
  recall     of the `support` cases, the share whose top diagnosis is one of their labels (top1 of s)
Calibration, over the cases that got at least one diagnosis: the top diagnosis' confidence against
whether its id is among the case's labels (never, for a `none` case). Expected calibration error
  ECE = sum over 10 equal-width confidence bins b of (n_b / N) * |accuracy_b - mean confidence_b|,
bin i holding confidences in [i/10, (i+1)/10) (the last bin includes 1.0). The reliability diagram
(accuracy and mean confidence per bin) is written with matplotlib when it is installed
(pip install 'clawkb[eval]'); without it the figures are printed all the same.
"""
from __future__ import annotations

import argparse
import os
import json
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional, Protocol, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout as `python benchmarks/cross_validate.py`
    sys.path.insert(0, str(ROOT))

from clawkb.kb.corpus import corpus_files, read_cases, shared_dir  # noqa: E402
from clawkb.kb.settings import Settings  # noqa: E402

BINS = 10

Prediction = tuple[str, float, str]  # (signature id, confidence 0..1, name of the layer that said it)


# --------------------------------------------------------------------------- the corpus

@dataclass(frozen=True)
class Case:
    id: str
    thread: str  # the group: cases of one thread are never split across folds
    labels: tuple[str, ...]  # primary first; ("none",) when no known signature is shown
    family: Optional[str]
    text: str

    @property
    def is_none(self) -> bool:
        return self.labels == ("none",)


def load_cases(paths: Iterable[Path], family_ids: Iterable[str]) -> list[Case]:
    """The cases of the corpus files (kb.corpus reads them: labels, threads), for scoring."""
    cases = [Case(c.id, c.thread, c.labels, c.family, c.text) for c in read_cases(paths, family_ids)]
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise ValueError("case ids are not unique across the corpus files")
    return cases


def grouped_folds(cases: Sequence[Case], k: int, seed: int) -> list[list[Case]]:
    """k folds, no thread split between two: threads in a seeded random order, largest first, each to
    the fold that holds fewest cases so far (ties: the lower fold). Deterministic for a seed."""
    threads: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        threads[c.thread].append(c)
    if k < 2 or k > len(threads):
        raise ValueError(f"--folds must be between 2 and the number of threads ({len(threads)})")
    order = sorted(threads)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda t: -len(threads[t]))  # stable: the shuffle breaks ties
    folds: list[list[Case]] = [[] for _ in range(k)]
    for t in order:
        min(folds, key=len).extend(threads[t])  # min() returns the first of equals
    return folds


# --------------------------------------------------------------------------- layers

class Fitted(Protocol):
    def predict(self, text: str) -> list[Prediction]:
        """Diagnoses of one text, best first."""


class Layer(Protocol):
    name: str

    def fit(self, cases: Sequence[Case]) -> Fitted:
        """What this layer learns from the training cases (and only from them)."""


class RulesLayer:
    """The signatures' rules as `clawkb match` applies them: nothing is learnt from the corpus."""

    name = "rules"

    def __init__(self, index, min_confidence: float = 0.5):  # 0.5: the `clawkb match` default
        self.index, self.min_confidence = index, min_confidence

    def fit(self, cases: Sequence[Case]) -> "RulesLayer":
        return self

    def predict(self, text: str) -> list[Prediction]:
        from clawkb.matcher import diagnose, normalise

        return [(d.id, d.confidence, self.name)
                for d in diagnose(normalise(text), self.index, min_confidence=self.min_confidence)]


Combiner = Callable[[Sequence[list[Prediction]]], list[Prediction]]


def best_of(predictions: Sequence[list[Prediction]]) -> list[Prediction]:
    """One diagnosis per id, from the layer most confident of it, best first."""
    best: dict[str, Prediction] = {}
    for preds in predictions:
        for p in preds:
            if p[0] not in best or p[1] > best[p[0]][1]:
                best[p[0]] = p
    return sorted(best.values(), key=lambda p: -p[1])


class Combined:
    """Layers fitted on the same training cases, their predictions joined by `combine`."""

    def __init__(self, name: str, layers: Sequence[Layer], combine: Combiner = best_of):
        self.name, self.layers, self.combine = name, tuple(layers), combine

    def fit(self, cases: Sequence[Case]) -> Fitted:
        return _CombinedFit([layer.fit(cases) for layer in self.layers], self.combine)


class _CombinedFit:
    def __init__(self, fitted: Sequence[Fitted], combine: Combiner):
        self.fitted, self.combine = fitted, combine

    def predict(self, text: str) -> list[Prediction]:
        return self.combine([f.predict(text) for f in self.fitted])


class SimilarityLayer:
    """The similarity layer (`kb.similarity`), its index and calibration fitted on the training cases:
    the signatures' words plus the training reports are indexed, and the calibration tables are fitted
    on the training reports' held-out resemblance (each against every other thread).

    with_rules=False: the layer alone (every case is compared; its table fitted on all training cases);
    with_rules=True: what `clawkb match` does (`kb.similarity.decide`): the calibrated rules first, the
    similarity only where they do not decide, its table fitted on the training cases they do not decide;
    with_similarity=False: the rules alone with their fitted calibration."""

    def __init__(self, kb, name: str = "similarity", with_rules: bool = False, with_similarity: bool = True):
        self.kb, self.name, self.with_rules, self.with_similarity = kb, name, with_rules, with_similarity

    def fit(self, cases: Sequence[Case]) -> Fitted:
        from clawkb.kb.similarity import Report, fit

        reports = [Report(c.text, c.labels, c.thread) for c in cases]
        index, tables = fit(self.kb.signatures, reports, self.kb.index(),
                            population="undecided" if self.with_rules else "all")
        return _SimilarityFit(self, index if self.with_similarity else None, tables)


class _SimilarityFit:
    def __init__(self, layer: SimilarityLayer, index, tables):
        self.layer, self.index, self.tables = layer, index, tables

    def predict(self, text: str) -> list[Prediction]:
        from clawkb.kb.similarity import decide
        from clawkb.matcher import normalise

        said = decide(normalise(text), self.layer.kb.index(), self.tables, self.index, use_rules=self.layer.with_rules)
        return [(s.id, s.confidence, s.layer) for s in said]


def variants(kb) -> list[Layer]:
    """The layer variants scored: the rules as they stand, the rules calibrated, the similarity layer
    alone, and both together as `clawkb match` joins them."""
    return [RulesLayer(kb.index()), SimilarityLayer(kb, "rules-calibrated", with_rules=True, with_similarity=False),
            SimilarityLayer(kb, "similarity"), SimilarityLayer(kb, "together", with_rules=True)]


# --------------------------------------------------------------------------- cross-validation

@dataclass(frozen=True)
class Scored:
    case: Case
    fold: int
    predictions: tuple[Prediction, ...]

    @property
    def ids(self) -> list[str]:
        return [p[0] for p in self.predictions]


def cross_validate(layer: Layer, folds: Sequence[Sequence[Case]]) -> list[Scored]:
    """Each fold predicted by the layer fitted on the other folds."""
    out = []
    for i, held_out in enumerate(folds):
        train = [c for j, f in enumerate(folds) if j != i for c in f]
        fitted = layer.fit(train)
        out.extend(Scored(c, i, tuple(fitted.predict(c.text))) for c in held_out)
    return out


def headline(scored: Sequence[Scored], watch: Optional[set[str]] = None) -> dict[str, float]:
    """top1, found and fp as ../shared/eval/score defines them (watch: by default every label used)."""
    labelled = [s for s in scored if not s.case.is_none]
    negatives = [s for s in scored if s.case.is_none]
    if watch is None:
        watch = {label for s in labelled for label in s.case.labels}
    top1 = sum(bool(s.ids) and s.ids[0] in s.case.labels for s in labelled)
    found = sum(s.case.labels[0] in s.ids for s in labelled)
    fp = sum(any(i in watch for i in s.ids) for s in negatives)
    return {"top1": top1 / len(labelled) if labelled else 0.0, "found": found / len(labelled) if labelled else 0.0,
            "fp": fp / len(negatives) if negatives else 0.0, "labelled": len(labelled), "none": len(negatives)}


def per_signature(scored: Sequence[Scored]) -> dict[str, dict[str, Optional[float]]]:
    """support, predicted, precision and recall of each signature, over top diagnoses (see the header)."""
    support: dict[str, int] = defaultdict(int)
    hits: dict[str, int] = defaultdict(int)  # support cases whose top diagnosis is one of their labels
    predicted: dict[str, int] = defaultdict(int)
    right: dict[str, int] = defaultdict(int)  # cases topped by s that have s among their labels
    for s in scored:
        top = s.ids[0] if s.ids else None
        if not s.case.is_none:
            support[s.case.labels[0]] += 1
            hits[s.case.labels[0]] += top in s.case.labels
        if top is not None:
            predicted[top] += 1
            right[top] += top in s.case.labels
    return {sig: {"support": support[sig], "predicted": predicted[sig],
                  "precision": right[sig] / predicted[sig] if predicted[sig] else None,
                  "recall": hits[sig] / support[sig] if support[sig] else None}
            for sig in sorted(set(support) | set(predicted))}


def top_confidences(scored: Sequence[Scored]) -> list[tuple[float, bool]]:
    """(confidence, correct) of the top diagnosis of each case that has one."""
    return [(s.predictions[0][1], s.predictions[0][0] in s.case.labels) for s in scored if s.predictions]


def reliability(points: Sequence[tuple[float, bool]], bins: int = BINS) -> list[dict[str, float]]:
    """Per equal-width bin: its range, count, mean confidence and accuracy (empty bins included)."""
    rows = [{"lo": i / bins, "hi": (i + 1) / bins, "n": 0, "confidence": 0.0, "accuracy": 0.0} for i in range(bins)]
    for conf, ok in points:
        row = rows[min(int(conf * bins), bins - 1)]
        row["n"] += 1
        row["confidence"] += conf
        row["accuracy"] += ok
    for row in rows:
        if row["n"]:
            row["confidence"] /= row["n"]
            row["accuracy"] /= row["n"]
    return rows


def ece(points: Sequence[tuple[float, bool]], bins: int = BINS) -> float:
    """Expected calibration error: the count-weighted mean gap between accuracy and confidence per bin."""
    if not points:
        return 0.0
    return sum(r["n"] / len(points) * abs(r["accuracy"] - r["confidence"]) for r in reliability(points, bins))


def evaluate(layer: Layer, folds: Sequence[Sequence[Case]], watch: set[str]) -> dict:
    t0 = time.monotonic()
    scored = cross_validate(layer, folds)
    points = top_confidences(scored)
    return {"layer": layer.name, **headline(scored, watch), "seconds": round(time.monotonic() - t0, 2),
            "ece": ece(points), "calibrated_cases": len(points),
            "bins": reliability(points), "signatures": per_signature(scored)}


# --------------------------------------------------------------------------- output

def report(results: Sequence[dict], folds: Sequence[Sequence[Case]], files: Sequence[Path]) -> str:
    sizes = ", ".join(str(len(f)) for f in folds)
    threads = len({c.thread for f in folds for c in f})
    out = [f"corpus: {', '.join(p.name for p in files)}: {sum(map(len, folds))} cases, {threads} threads",
           f"folds: {len(folds)} grouped by thread (cases per fold: {sizes})", ""]
    for r in results:
        out.append(f"[{r['layer']}] top1={r['top1']:.3f} found={r['found']:.3f} fp={r['fp']:.3f} "
                   f"labelled={r['labelled']} none={r['none']} ECE={r['ece']:.3f} "
                   f"(over {r['calibrated_cases']} cases with a diagnosis) {r['seconds']:.1f}s")
        out.append(f"  {'signature':45} {'support':>7} {'predicted':>9} {'precision':>9} {'recall':>6}")
        for sig, m in r["signatures"].items():
            out.append(f"  {sig:45} {m['support']:7d} {m['predicted']:9d} {_pct(m['precision']):>9} {_pct(m['recall']):>6}")
        out.append("  reliability (10 equal-width bins of the top diagnosis' confidence):")
        out.append(f"  {'bin':>11} {'n':>4} {'confidence':>10} {'accuracy':>8}")
        for b in r["bins"]:
            if b["n"]:
                out.append(f"  [{b['lo']:.1f}, {b['hi']:.1f}{']' if b['hi'] >= 1 else ')'} {b['n']:4d} "
                           f"{b['confidence']:10.3f} {b['accuracy']:8.3f}")
        out.append("")
    out.append("precision: of the cases whose top diagnosis is s, the share labelled s; recall: of the cases whose "
               "primary label is s, the share whose top diagnosis is one of their labels; '-' where undefined.")
    out.append("ECE = sum over bins of (n_b/N)*|accuracy_b - confidence_b|, correct = the top id is one of the "
               "case's labels.")
    return "\n".join(out)


def _pct(x: Optional[float]) -> str:
    return "-" if x is None else f"{x:.2f}"


def plot(results: Sequence[dict], path: Path) -> Optional[str]:
    """The reliability diagram as a PNG; the reason it was not written, if it was not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install 'clawkb[eval]')"
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfect calibration")
    width = 1 / BINS / max(1, len(results))
    for k, r in enumerate(results):
        full = [b for b in r["bins"] if b["n"]]
        ax.bar([b["lo"] + width * (k + 0.5) for b in full], [b["accuracy"] for b in full], width=width * 0.9,
               alpha=0.7, label=f"{r['layer']} (ECE {r['ece']:.3f})")
        for b in full:
            ax.annotate(str(b["n"]), (b["lo"] + width * (k + 0.5), b["accuracy"]), ha="center", va="bottom", fontsize=7)
    ax.set(xlim=(0, 1), ylim=(0, 1.05), xlabel="confidence of the top diagnosis (10 bins)",
           ylabel="share correct", title="Reliability, grouped cross-validation")
    ax.legend(loc="upper left", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, action="append", help="a corpus file (repeatable; default: the three "
                    "files under ../shared/corpus)")
    ap.add_argument("--png", type=Path, default=ROOT / "artifacts" / "reliability.png")
    ap.add_argument("--json", action="store_true", help="print a machine-readable summary instead of the report")
    a = ap.parse_args(argv)

    from clawkb.kb.compiled import load

    settings = Settings.from_env(os.environ)
    kb = load(None, settings)
    files = a.corpus or list(corpus_files(shared_dir(settings)))
    cases = load_cases(files, kb.ids)
    folds = grouped_folds(cases, a.folds, a.seed)
    watch = {label for c in cases if not c.is_none for label in c.labels}
    results = [evaluate(layer, folds, watch) for layer in variants(kb)]
    why_not = plot(results, a.png)
    if a.json:
        summary = {"folds": a.folds, "seed": a.seed, "corpus": [str(p) for p in files], "cases": len(cases),
                   "fold_sizes": [len(f) for f in folds], "png": None if why_not else str(a.png), "layers": results}
        print(json.dumps(summary, indent=1))
    else:
        print(report(results, folds, files))
        print(f"reliability diagram: {a.png}" if why_not is None else f"reliability diagram not written: {why_not}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
