"""benchmarks/cross_validate.py on a tiny synthetic corpus: the split keeps threads whole, every case is
scored once, a layer cannot profit from having seen a held-out thread, and ECE is what it says."""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Sequence

import pytest

from cross_validate import (Case, Combined, Prediction, RulesLayer, Scored, cross_validate, ece, grouped_folds,
                            headline, load_cases, main, per_signature, plot, reliability)

SIGS = ("alpha", "beta", "gamma")


def synthetic_corpus(path: Path) -> Path:
    """Nine fake threads of one to three cases; cases of a thread share their text (a re-paste, a
    comment quoting the report), so a split that broke threads would hand a memoriser the answer."""
    lines = []
    for t in range(9):
        sig = SIGS[t % 3]
        for k in range(1 + t % 3):
            source = f"https://github.com/openclaw/openclaw/issues/{1000 + t}" + (f"#comment-u{k}" if k else "")
            labels, family = ([sig], None) if t < 7 else (["none"], "some-family")
            lines.append({"id": f"t{t}-c{k}", "source": source, "kind": "log", "version": None, "labels": labels,
                          "family": family, "text": f"thread {t} says {sig} happened"})
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


@pytest.fixture
def cases(tmp_path) -> list[Case]:
    return load_cases([synthetic_corpus(tmp_path / "c.jsonl")], family_ids=SIGS)


class Memoriser:
    """Remembers the primary label of every training text, and knows nothing else."""

    name = "memoriser"

    def fit(self, cases: Sequence[Case]) -> "Memoriser":
        fitted = Memoriser()
        fitted.memory = {c.text: c.labels[0] for c in cases if not c.is_none}
        return fitted

    def predict(self, text: str) -> list[Prediction]:
        label = getattr(self, "memory", {}).get(text)
        return [(label, 1.0, self.name)] if label else []


def test_comments_belong_to_their_thread(cases):
    assert len({c.thread for c in cases}) == 9
    assert {c.thread for c in cases if c.id.startswith("t2-")} == {"https://github.com/openclaw/openclaw/issues/1002"}


@pytest.mark.parametrize("k,seed", [(2, 0), (3, 1), (5, 7), (9, 3)])
def test_no_thread_is_split_across_folds(cases, k, seed):
    folds = grouped_folds(cases, k, seed)
    assert len(folds) == k and all(folds)
    fold_of = {}
    for i, fold in enumerate(folds):
        for c in fold:
            assert fold_of.setdefault(c.thread, i) == i, f"{c.thread} is in folds {fold_of[c.thread]} and {i}"
    assert grouped_folds(cases, k, seed) == folds  # deterministic for a seed


def test_every_case_is_scored_exactly_once(cases):
    scored = cross_validate(Memoriser(), grouped_folds(cases, 3, 0))
    assert Counter(s.case.id for s in scored) == Counter(c.id for c in cases)
    assert all(s.case in grouped_folds(cases, 3, 0)[s.fold] for s in scored)


def test_a_memoriser_gains_nothing_on_held_out_threads(cases):
    seen = Memoriser().fit(cases)
    on_training = headline([_scored(c, seen) for c in cases])
    assert on_training["top1"] == 1.0 and on_training["found"] == 1.0

    held_out = headline(cross_validate(Memoriser(), grouped_folds(cases, 3, 0)))
    assert held_out["top1"] == 0.0 and held_out["found"] == 0.0 and held_out["fp"] == 0.0

    # the guard has teeth: split case by case, the re-pasted threads leak their labels
    ungrouped = [Case(c.id, c.id, c.labels, c.family, c.text) for c in cases]
    assert headline(cross_validate(Memoriser(), grouped_folds(ungrouped, 3, 0)))["top1"] > 0.3


def test_ece_on_a_hand_checked_example():
    points = [(0.95, True), (0.95, True), (0.95, False), (0.55, True), (0.55, False)]
    # bin [0.9, 1.0]: 3 cases, confidence 0.95, accuracy 2/3; bin [0.5, 0.6): 2 cases, 0.55 against 0.5
    assert ece(points) == pytest.approx(3 / 5 * abs(2 / 3 - 0.95) + 2 / 5 * abs(0.5 - 0.55))
    assert ece(points) == pytest.approx(0.19)
    assert ece([(0.7, True), (0.75, False)]) == pytest.approx(abs(0.5 - 0.725))
    assert ece([]) == 0.0
    rows = reliability([(1.0, True), (0.0, False), (0.1, True)])
    assert [r["n"] for r in rows] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]  # 1.0 in the last bin, 0.1 in the second


def test_metrics_follow_the_scorer():
    def case(cid, labels):
        return Case(cid, cid, tuple(labels), None, "")

    scored = [_fixed(case("a", ["x", "y"]), ["y", "x"]),  # top1 (a label), found (primary listed)
              _fixed(case("b", ["x", "y"]), ["y"]),  # top1, not found: the primary is absent
              _fixed(case("c", ["y"]), []),  # neither
              _fixed(case("d", ["none"]), ["y"]),  # a false positive: y is a label in use
              _fixed(case("e", ["none"]), ["z"])]  # not one: no labelled case uses z
    assert headline(scored) == {"top1": 2 / 3, "found": 1 / 3, "fp": 0.5, "labelled": 3, "none": 2}
    table = per_signature(scored)
    assert table["y"] == {"support": 1, "predicted": 3, "precision": 2 / 3, "recall": 0.0}
    assert table["x"] == {"support": 2, "predicted": 0, "precision": None, "recall": 1.0}


def test_combined_layers_take_the_most_confident_of_each_id():
    class Fixed:
        def __init__(self, name, preds):
            self.name, self.preds = name, preds

        def fit(self, cases):
            return self

        def predict(self, text):
            return self.preds

    both = Combined("together", [Fixed("a", [("x", 0.6, "a"), ("y", 0.5, "a")]), Fixed("b", [("y", 0.9, "b")])])
    assert both.fit([]).predict("") == [("y", 0.9, "b"), ("x", 0.6, "a")]


def test_the_rules_layer_diagnoses_as_clawkb_match(index):
    text = "⚠️ API rate limit reached. Please try again later.\n" * 2 + "error: 429 Too Many Requests"
    preds = RulesLayer(index).fit([]).predict(text)
    assert preds and all(layer == "rules" and conf >= 0.5 for _id, conf, layer in preds)
    assert RulesLayer(index).predict("nothing to see here") == []


def test_the_script_runs_and_prints_without_matplotlib(tmp_path, capsys, monkeypatch):
    corpus = synthetic_corpus(tmp_path / "c.jsonl")
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    assert plot([], tmp_path / "x.png") is not None
    assert main(["--corpus", str(corpus), "--folds", "3", "--png", str(tmp_path / "r.png"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["png"] is None and summary["cases"] == 18 and sum(summary["fold_sizes"]) == 18
    assert [r["layer"] for r in summary["layers"]] == ["rules", "rules-calibrated", "similarity", "together"]
    assert main(["--corpus", str(corpus), "--folds", "3", "--png", str(tmp_path / "r.png")]) == 0
    assert "reliability diagram not written" in capsys.readouterr().out


def _scored(case: Case, fitted) -> Scored:
    return Scored(case, 0, tuple(fitted.predict(case.text)))


def _fixed(case: Case, ids: list[str]) -> Scored:
    return Scored(case, 0, tuple((i, 0.9, "fixed") for i in ids))
