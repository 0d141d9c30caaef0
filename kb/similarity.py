"""The similarity layer as clawkb ships it: the index over the signatures' words and the corpus'
reports, the calibration of both layers, and how `clawkb match` joins them.

    rules first: each rule diagnosis' confidence is mapped through the `rules` calibration table;
    the rules decide when one reaches the report threshold (then nothing else is loaded);
    otherwise the input is compared with the index (`matcher.similarity`) and the best signature is
    reported when its calibrated `similarity` confidence reaches the threshold.

What ships, `kb/data/similarity.json` (the index: vocabulary, BM25 score matrix, per document its label
and source link, never a report's text) and `kb/data/calibration.json` (the tables), is written by
`python -m clawkb.kb.build_similarity` from the signatures and the corpus; `fit` is the same function the
cross-validation fits on its training folds. Fitting needs scikit-learn (isotonic regression) and
bm25s (the extra `eval`); applying needs neither.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Sequence

from clawkb.matcher import Diagnosis, Document, diagnose, normalise
from clawkb.matcher.calibration import calibrate
from clawkb.matcher.model import CLOSEST_MIN, MIN_CONFIDENCE

if TYPE_CHECKING:  # the similarity layer itself is imported only when it runs
    from clawkb.matcher.similarity import Resemblance, SimilarityIndex

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
INDEX_FILE = os.path.join(DATA_DIR, "similarity.json")
CALIBRATION_FILE = os.path.join(DATA_DIR, "calibration.json")
RULES_FLOOR = CLOSEST_MIN  # rule diagnoses scored for calibration and for the "closest" listing
THRESHOLD = MIN_CONFIDENCE


class Report(NamedTuple):
    """A real report with a known diagnosis: its text, its labels, and the thread it came from (its link, and the group it is held out with)."""

    text: str
    labels: tuple[str, ...]  # primary first; ("none",) when no signature covers it
    thread: str


class Said(NamedTuple):
    """One reported diagnosis: a rules `Diagnosis` or a `Resemblance`, its calibrated confidence, the layer."""

    id: str
    confidence: float
    layer: str  # "rules" or "similarity"
    diagnosis: Optional[Diagnosis] = None
    resemblance: Optional[Resemblance] = None


# --------------------------------------------------------------------------- applying

def decide(doc: Document, rules_index, calibration: dict[str, Sequence], similarity_index,
           min_confidence: float = THRESHOLD, rules: Optional[list[Diagnosis]] = None,
           use_rules: bool = True, exclude=None, near: Optional[list[Said]] = None) -> list[Said]:
    """What clawkb reports for a document. `similarity_index` is the index or a function returning it
    (called only when the rules do not decide); `rules`: the rule diagnoses already scored at
    RULES_FLOOR or below. Confidences are calibrated when the table has the layer. `near` receives the
    resemblance found below the threshold (too weak to report, worth naming as the closest)."""
    said: list[Said] = []
    if use_rules:
        if rules is None:
            rules = diagnose(doc, rules_index, min_confidence=RULES_FLOOR)
        table = calibration.get("rules", ())
        for d in rules:
            conf = round(calibrate(table, d.confidence), 4)
            if conf >= min_confidence:
                said.append(Said(d.id, conf, "rules", diagnosis=d))
        # kept in the rules' order: the calibration is monotone, and a root cause comes before what it caused
        if said:
            return said
    if similarity_index is None:
        return []
    index = similarity_index() if callable(similarity_index) else similarity_index
    from clawkb.matcher.similarity import resemble, tokens

    r = resemble(tokens(doc), index, exclude)
    if r is None:
        return []
    conf = round(calibrate(calibration.get("similarity", ()), r.score), 4)
    if conf >= min_confidence:
        return [Said(r.id, conf, "similarity", resemblance=r)]
    if near is not None:
        near.append(Said(r.id, conf, "similarity", resemblance=r))
    return []


_loaded: dict[str, Any] = {}


def load_calibration() -> dict[str, Sequence]:
    """The shipped calibration tables (empty when the file is missing: confidences stay raw). `clawkb
    match` takes them from the compiled knowledge base (kb.compiled), which keeps them."""
    import json

    if "calibration" not in _loaded:
        try:
            with open(CALIBRATION_FILE, encoding="utf-8") as f:
                _loaded["calibration"] = {k: [tuple(p) for p in v] for k, v in json.load(f)["tables"].items()}
        except (OSError, ValueError, KeyError):
            _loaded["calibration"] = {}
    return _loaded["calibration"]


def load_index() -> Optional[SimilarityIndex]:
    """The shipped similarity index, or None when it is missing or unreadable."""
    import json

    if "index" not in _loaded:
        try:
            with open(INDEX_FILE, encoding="utf-8") as f:
                _loaded["index"] = from_json(json.load(f))
        except (OSError, ValueError, KeyError):
            _loaded["index"] = None
    return _loaded["index"]


def to_json(index: SimilarityIndex) -> dict[str, Any]:
    return {"format": 1, "library": "bm25s", "params": index.params, "vocab": list(index.vocab),
            "matrix": {"data": list(index.data), "indices": list(index.indices), "indptr": list(index.indptr)},
            "docs": [{"label": l, "source": s} for l, s in zip(index.labels, index.sources)]}


def from_json(obj: dict[str, Any]) -> SimilarityIndex:
    from clawkb.matcher.similarity import SimilarityIndex

    m = obj["matrix"]
    return SimilarityIndex(obj["vocab"], m["data"], m["indices"], m["indptr"], [d["label"] for d in obj["docs"]],
                           [d["source"] for d in obj["docs"]], obj["params"])


# --------------------------------------------------------------------------- fitting

def signature_text(sig) -> str:
    """A signature's own words: title, summary, symptoms, explanation and its positive examples."""
    parts = [sig.title, sig.summary, *sig.symptom_texts, sig.explanation]
    parts += [e["text"] for e in (sig.data.get("examples") or {}).get("positive") or []]
    return "\n".join(str(p) for p in parts if p)


def fit(signatures: Sequence, reports: Sequence[Report], rules_index, *, population: str = "undecided"
        ) -> tuple[SimilarityIndex, dict[str, list[tuple[float, float]]]]:
    """The index over the signatures' words and the reports, and the calibration tables fitted on the
    reports: `rules` from their rule diagnoses, `similarity` from their resemblance with every other
    thread (a report never resembles itself), over the reports the calibrated rules do not decide
    (`population="undecided"`, as `decide` applies it) or over all of them (`"all"`: the layer alone)."""
    from clawkb.matcher.similarity import build, resemble, tokens

    docs = [(tokens(normalise(signature_text(s))), s.id, None) for s in signatures]
    words = [tokens(normalise(r.text)) for r in reports]
    docs += [(w, r.labels[0], r.thread) for w, r in zip(words, reports)]
    index = build(docs)
    rules = [diagnose(normalise(r.text), rules_index, min_confidence=RULES_FLOOR) for r in reports]
    tables: dict[str, list[tuple[float, float]]] = {}
    points = [(d[0].confidence, d[0].id in r.labels) for d, r in zip(rules, reports) if d]
    tables["rules"] = isotonic(points)
    sim_points = []
    for i, r in enumerate(reports):
        if population == "undecided" and any(calibrate(tables["rules"], d.confidence) >= THRESHOLD for d in rules[i]):
            continue
        exclude = [src == r.thread for src in index.sources]
        got = resemble(words[i], index, exclude)
        if got is not None:
            sim_points.append((got.score, got.id in r.labels))
    tables["similarity"] = isotonic(sim_points)
    index.calibration = tables
    return index, tables


def isotonic(points: Sequence[tuple[float, bool]], digits: int = 4) -> list[tuple[float, float]]:
    """The isotonic regression of being right on the raw score (scikit-learn), as the table of its
    breakpoints `calibrate` interpolates. Too few points: no table (the raw score stands)."""
    if len(points) < 10 or len({ok for _x, ok in points}) < 2:
        return []
    from sklearn.isotonic import IsotonicRegression

    xs = [float(x) for x, _ok in points]
    ys = [1.0 if ok else 0.0 for _x, ok in points]
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(xs, ys)
    # Each block of the fit holds n points, k of them right: its level k/n becomes (k + 1) / (n + 2)
    # (the rule of succession), so that 40 right out of 40 reads 0.98, not a certainty the reports
    # cannot give, and a block of two is pulled towards one half. A running maximum keeps it monotone.
    blocks: dict[float, list[int]] = {}
    for fitted, ok in zip(iso.predict(xs), ys):
        kn = blocks.setdefault(round(float(fitted), 9), [0, 0])
        kn[0] += int(ok)
        kn[1] += 1
    table, top = [], 0.0
    for x, y in zip(iso.X_thresholds_, iso.y_thresholds_):
        k, n = blocks.get(round(float(y), 9), [y, 1])
        top = max(top, (k + 1) / (n + 2))
        table.append((round(float(x), digits), round(top, digits)))
    return table
