"""The dev corpus, scored as the project is judged, and the same texts pasted the ways people paste."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DEV_CORPUS, SHARED
from clawkb.matcher import diagnose, normalise
from variants import TRANSFORMS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (SHARED / "eval" / "score").exists(), reason="../shared/eval/score not present")
def test_dev_corpus_score_keeps_top1_and_false_positive_targets():
    cmd = f"{sys.executable} -m clawkb match --format json"
    families = [p.stem for p in (ROOT / "signatures").glob("*.yaml")]
    p = subprocess.run([sys.executable, str(SHARED / "eval" / "score"), "--corpus", str(DEV_CORPUS), "--cmd", cmd,
                        "--min-top1", "0.90", "--max-fp", "0.03", "--show-misses", "--family-ids", *families],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize("variant", sorted(TRANSFORMS))
def test_pasted_variants_keep_their_diagnosis(variant, dev_cases, index):
    transform = TRANSFORMS[variant]
    families = {r.rule.id for r in index.rules}  # a family with its own signature counts as labelled

    def labels_of(case):
        return [case["family"]] if case["labels"] == ["none"] and case.get("family") in families else case["labels"]

    # as ../shared/eval/score counts them: a diagnosis of a `none` case is a false positive when its id
    # is one the corpus's labelled cases use (dev's `none` cases predate most signatures)
    watched = {label for case in dev_cases for label in labels_of(case) if label != "none"}
    wrong = []
    for case in dev_cases:
        got = [d.id for d in diagnose(normalise(transform(case["text"])), index)]
        labels = labels_of(case)
        if labels == ["none"]:
            if set(got) & watched:
                wrong.append((case["id"], "false positive", got))
        elif not got or got[0] not in labels:
            wrong.append((case["id"], labels[0], got))
    assert not wrong, wrong


@pytest.fixture(scope="module")
def all_cases_plain(index):
    """Every corpus case (development and training) with the top diagnosis of its plain paste."""
    cases = [json.loads(line) for f in sorted((SHARED / "corpus").glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not cases:
        pytest.skip("corpus not found")
    return [(c, [d.id for d in diagnose(normalise(c["text"]), index)][:1]) for c in cases]


@pytest.mark.parametrize("variant", sorted(TRANSFORMS))
def test_no_paste_variant_changes_what_the_plain_paste_finds(variant, all_cases_plain, index):
    """On the whole corpus, training reports included: pasted wrapped, quoted, coloured, escaped...,
    a report gets the top diagnosis its plain text gets (right or wrong: a variant must neither
    lose a diagnosis nor make one up)."""
    transform = TRANSFORMS[variant]
    changed = [(case["id"], plain, got[:1]) for case, plain in all_cases_plain
               if (got := [d.id for d in diagnose(normalise(transform(case["text"])), index)])[:1] != plain]
    assert not changed, changed


@pytest.mark.skipif(not (SHARED / "eval" / "score").exists(), reason="../shared/eval/score not present")
def test_the_seed_six_alone_keep_their_targets():
    cmd = f"{sys.executable} -m clawkb match --format json"
    p = subprocess.run([sys.executable, str(SHARED / "eval" / "score"), "--corpus", str(DEV_CORPUS), "--cmd", cmd,
                        "--min-top1", "0.90", "--max-fp", "0.03"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr


def test_benign_gateway_logs_produce_no_diagnosis(index):
    import random
    from benign import benign_log

    for seed in range(3):
        for form in ("console", "json"):
            assert diagnose(normalise(benign_log(3000, random.Random(seed), form)), index) == []


def test_real_healthy_logs_produce_no_diagnosis(dev_cases, index):
    """Real gateway output with nothing wrong in it (the corpus' benign family) and the healthy
    lines of real reports."""
    healthy = [c["text"] for c in dev_cases if c.get("family") == "benign-startup"]
    healthy.append((ROOT / "examples" / "healthy-gateway.log").read_text(encoding="utf-8"))
    assert healthy
    for text in healthy:
        assert [d.id for d in diagnose(normalise(text), index)] == []


def test_no_anchor_or_negative_indicator_fires_on_healthy_gateway_lines(index):
    """A negative that matches healthy lines weakens every real diagnosis found in a busy log (buried
    in one, a report loses half its confidence); an anchor that does makes one up. Support indicators
    may match healthy lines: they only strengthen an anchored rule."""
    import random
    from benign import benign_log
    from clawkb.matcher.hits import Lookup, indicator_hits

    import re

    codes = (401, 402, 403, 404, 409, 429, 499, 500, 502, 503, 515, 529)  # status codes signatures look for
    for form in ("console", "json"):
        healthy = benign_log(2000, random.Random(11), form).split("\n")
        # and the same lines with their fields' numbers (len=, durationMs=, chunks=, ...) set to those codes
        numbered = [re.sub(r"(?<==)\d{1,6}\b", str(code), line) for line in healthy[:400] for code in codes]
        doc = normalise("\n".join(healthy + numbered))
        lookup = Lookup(doc.lines, index.needles)
        fired = [(r.rule.id, ind.spec.id, doc.lines[hits[0].pos].text[:100])
                 for r in index.rules for ind in (*r.negatives, *(i for i in r.indicators if i.spec.role == "anchor"))
                 if (hits := indicator_hits(ind, doc.lines, lookup))]
        assert not fired, fired
