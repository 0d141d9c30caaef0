"""Diagnosis by resemblance, for inputs the rules cannot decide (a prose description, no log line).

The input is compared with documents whose diagnosis is known: each signature's own words (title,
summary, symptoms, explanation, examples) and real reports of the corpus, by BM25 (the `bm25s`
library: its eager index is a sparse matrix of per-token, per-document scores, so a query costs a
sum over its tokens). A document labelled `none` is a real report of something no signature
covers: resembling it most argues against every signature.

Each label scores the mean of its two best documents; the best signature's raw score is its share
  best / (best + max(second best signature, none))
(0.5: a tie with a competitor; 1: nothing else resembles the input). A calibration table, fitted on
held-out reports (`kb.build_similarity`), turns a raw score of a layer into the probability that the
diagnosis is right: `calibrate` interpolates it, with no learning library.

Pure like the rest of `matcher`: the index is given (kb loads the shipped one), nothing is read or
kept between calls except the lookup tables an index makes for itself on first use. `bm25s` builds the
index (`build`, at build time); scoring a query is a sum over the stored matrix and needs neither it nor numpy.
"""
from __future__ import annotations

import re
from array import array
from typing import Any, NamedTuple, Optional, Sequence

from .calibration import calibrate  # noqa: F401  (part of this module's face)
from .model import Document

BM25_PARAMS = {"k1": 1.5, "b": 0.75, "method": "lucene"}
PER_LABEL = 2  # a label scores the mean of its best PER_LABEL documents
RESEMBLES = 3  # reports named as the closest

_TOKEN = re.compile(r"[a-z][a-z0-9_]+|(?<![\d.])\d{3}(?![\d.])")  # words, and 3-digit status codes
STOPWORDS = frozenset("""
a an and are as at be been being but by can could did do does for from had has have how i if in into is it
its just me my no not of on once only or our out so some such than that the their them then there these
they this to too very was we were what when where which while who why will with would you your also any
all after before about again more most other over same should each both few here own up down off further
""".split())


def tokens(doc: Document) -> list[str]:
    """The words of a normalised document, from its masked lines (timestamps, ids, paths, URLs and long
    numbers are masked, so they cannot make two reports alike), without stop words."""
    out: list[str] = []
    for line in doc.lines:
        out.extend(t for t in _TOKEN.findall(line.masked) if t not in STOPWORDS)
    return out


class Resemblance(NamedTuple):
    id: str  # the signature
    score: float  # the raw share (see the module's doc), 0..1
    resembles: tuple[str, ...]  # sources of the closest real reports of that signature, best first


class SimilarityIndex:
    """A BM25 index over labelled documents, as stored: the vocabulary (token i is `vocab[i]`), the
    score matrix in compressed form (`indptr[i]:indptr[i+1]` are token i's entries: document
    `indices[j]` scores `data[j]`), and per document its label and source (None for a signature's own
    words). `calibration` maps a layer name to its table of (raw score, probability right) points."""

    __slots__ = ("vocab", "data", "indices", "indptr", "labels", "sources", "params", "calibration", "_tables")  # _tables: made on first use

    def __init__(self, vocab: Sequence[str], data: Sequence[float], indices: Sequence[int], indptr: Sequence[int],
                 labels: Sequence[str], sources: Sequence[Optional[str]], params: Optional[dict[str, Any]] = None,
                 calibration: Optional[dict[str, Sequence[Sequence[float]]]] = None):
        self.vocab, self.data, self.indices, self.indptr = tuple(vocab), data, indices, indptr
        self.labels, self.sources = tuple(labels), tuple(sources)
        self.params = dict(params or BM25_PARAMS)
        self.calibration = {k: tuple(tuple(p) for p in v) for k, v in (calibration or {}).items()}
        self._tables = None

    def __getstate__(self):
        return {k: getattr(self, k) for k in self.__slots__ if k != "_tables"}

    def __setstate__(self, state):
        for k, v in state.items():
            setattr(self, k, v)
        self._tables = None

    def doc_scores(self, words: Sequence[str]) -> list[float]:
        """The BM25 score of every document for these query words: the sum of each word's stored
        scores, as bm25s's numpy backend sums them (in float32, word by word in query order, a
        repeated word counted again), so the scores are bm25s's to the bit -- `tests/test_similarity.py`
        compares -- without importing numpy and bm25s for a sum over a few rows (or where they cannot
        be installed: the site's paste-a-log page)."""
        if self._tables is None:  # the vocabulary's ids and the scores as float32, made on first use
            self._tables = ({t: i for i, t in enumerate(self.vocab)}, array("f", self.data))
        ids, data = self._tables
        indices, indptr = self.indices, self.indptr
        scores = array("f", bytes(4 * len(self.labels)))
        for word in words:
            t = ids.get(word)
            if t is not None:
                for j in range(indptr[t], indptr[t + 1]):
                    scores[indices[j]] += data[j]  # a float32 store of a sum of two float32s: float32 addition
        return scores.tolist()


def build(docs: Sequence[tuple[Sequence[str], str, Optional[str]]], params: Optional[dict[str, Any]] = None,
          digits: int = 4) -> SimilarityIndex:
    """An index over (tokens, label, source) documents, built by bm25s. Deterministic: the vocabulary
    is sorted and the scores rounded to `digits` decimals (what is stored is what is scored)."""
    import bm25s

    params = dict(params or BM25_PARAMS)
    vocab = sorted({t for words, _l, _s in docs for t in words})
    ids = {t: i for i, t in enumerate(vocab)}
    eng = bm25s.BM25(k1=params["k1"], b=params["b"], method=params["method"], backend="numpy")
    eng.index(([[ids[t] for t in words] for words, _l, _s in docs], dict(ids)), create_empty_token=False,
              show_progress=False)
    s = eng.scores
    data = [round(float(x), digits) for x in s["data"]]
    return SimilarityIndex(vocab, data, [int(i) for i in s["indices"]], [int(i) for i in s["indptr"]],
                           [l for _w, l, _s in docs], [src for _w, _l, src in docs], params)


def resemble(words: Sequence[str], index: SimilarityIndex, exclude: Optional[Sequence[bool]] = None
             ) -> Optional[Resemblance]:
    """The signature these words resemble most, with its raw score and closest reports; None when no
    document shares a word with them. `exclude[i]` leaves document i out (a held-out thread)."""
    scores = index.doc_scores(words)
    by_label: dict[str, list[tuple[float, int]]] = {}
    for i, (label, s) in enumerate(zip(index.labels, scores)):
        if exclude is not None and exclude[i]:
            continue
        by_label.setdefault(label, []).append((s, i))
    ranked = []
    for label, hits in by_label.items():
        hits.sort(key=lambda h: (-h[0], h[1]))
        best = hits[:PER_LABEL]
        ranked.append((sum(s for s, _i in best) / PER_LABEL, label, hits))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    sigs = [r for r in ranked if r[1] != "none"]
    if not sigs or sigs[0][0] <= 0:
        return None
    top, label, hits = sigs[0]
    rival = max([r[0] for r in sigs[1:2]] + [r[0] for r in ranked if r[1] == "none"] + [0.0])
    near = tuple(index.sources[i] for s, i in hits if s > 0 and index.sources[i])[:RESEMBLES]
    return Resemblance(label, round(top / (top + rival), 4), near)
