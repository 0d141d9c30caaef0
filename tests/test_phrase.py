"""Fuzzy phrases: the same scores as rapidfuzz's partial_ratio, with rapidfuzz asked only when needed."""
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from clawkb.matcher.phrase import partial_scores, stretch_ceiling, whole_ceiling

ROOT = Path(__file__).resolve().parent.parent
PHRASE = "something went wrong while processing your request"


def reference(phrase, texts, cutoff):
    return {k: s / 100.0 for _c, s, k in process.extract(phrase, texts, scorer=fuzz.partial_ratio,
                                                           score_cutoff=cutoff, limit=None)}


@pytest.mark.parametrize("text, kept", [
    ("⚠️ something went wrong while processing your request. please try again", True),  # verbatim
    ("something went wrong whilst processing your request", True),                       # one word changed
    ("something went wrong while procesing your reqest", True),                          # typos
    ("something went wrong while loading models", False),                                # a different ending
    ("request id <id> processing took <n> ms", False),                                   # its words, not it
    ("x" * 500 + " something went wrong while processing your requests " + "y" * 500, True),
])
def test_a_line_is_kept_exactly_when_rapidfuzz_keeps_it(text, kept):
    got = partial_scores(PHRASE, {7: text}, 88)
    assert got == reference(PHRASE, {7: text}, 88)
    assert (7 in got) is kept


def _random_pairs(seed, n):
    rnd = random.Random(seed)
    for _ in range(n):
        alphabet = "abcde fgh"[: rnd.randint(2, 9)]
        phrase = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40)))
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 120)))
        if rnd.random() < 0.3:  # plant a near copy of the phrase
            cut = rnd.randint(0, len(text))
            near = list(phrase)
            for _ in range(rnd.randint(0, 3)):
                if near:
                    near[rnd.randrange(len(near))] = rnd.choice(alphabet)
            text = text[:cut] + "".join(near) + text[cut:]
        yield phrase, text


def test_the_bounds_never_fall_below_rapidfuzz():
    """If rapidfuzz ever aligned differently, lines could be dropped that it would keep: this says so."""
    for phrase, text in _random_pairs(0, 4000):
        real = fuzz.partial_ratio(phrase, text)
        need = Counter(phrase)
        assert whole_ceiling(need, phrase, text) + 1e-9 >= real, (phrase, text)
        if len(text) > len(phrase):
            assert stretch_ceiling(need, len(phrase), text) + 1e-9 >= real, (phrase, text)


def test_scores_equal_rapidfuzz_on_random_texts():
    pairs = list(_random_pairs(1, 1500))
    for cutoff in (50, 88, 100):
        for phrase, text in pairs:
            assert partial_scores(phrase, {0: text}, cutoff) == reference(phrase, {0: text}, cutoff), (phrase, text)


def test_past_the_scan_budget_rapidfuzz_decides_the_rest(monkeypatch):
    from clawkb.matcher import phrase

    monkeypatch.setattr(phrase, "SCAN_BUDGET", 10)
    texts = {i: text for i, (_p, text) in enumerate(_random_pairs(2, 300))}
    assert partial_scores("abcab", texts, 80) == reference("abcab", texts, 80)


def test_a_paste_the_rules_decide_does_not_import_rapidfuzz():
    code = ("import sys; from clawkb.kb import cli; cli.main(['match', sys.argv[1]]); "
            "print('rapidfuzz' in sys.modules, file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code, str(ROOT / "examples" / "gateway-billing-lockout.log")],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "billing" in p.stdout
    assert p.stderr.strip().splitlines()[-1] == "False", p.stderr


# The stand-in for rapidfuzz where it cannot be installed (the site's paste-a-log page, in Pyodide)

def test_the_pure_python_partial_ratio_equals_rapidfuzz_on_random_texts():
    from clawkb.matcher.partial_ratio import partial_ratio

    for phrase, text in _random_pairs(3, 3000):
        assert partial_ratio(phrase, text) == fuzz.partial_ratio(phrase, text), (phrase, text)
        assert partial_ratio(text, phrase) == fuzz.partial_ratio(text, phrase), (phrase, text)


@pytest.mark.parametrize("a, b", [
    ("", ""), ("abc", ""), ("abcd", "dcba"), ("ab", "ba"),  # empty, equal lengths both ways round
    ("x" * 70 + "y", "z" * 30 + "x" * 69 + "y" + "z" * 30),   # a needle longer than a machine word
])
def test_the_pure_python_partial_ratio_on_edge_cases(a, b):
    from clawkb.matcher.partial_ratio import partial_ratio

    assert partial_ratio(a, b) == fuzz.partial_ratio(a, b)


def _corpus_lines():
    from conftest import SHARED
    import json

    for name in ("dev.jsonl", "train-billing-auth.jsonl", "train-other.jsonl"):
        path = SHARED / "corpus" / name
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    yield json.loads(line)["text"]
    for path in sorted((ROOT / "tests" / "fixtures" / "corpus").rglob("*.log")):
        yield path.read_text(encoding="utf-8")


def test_without_rapidfuzz_every_corpus_line_scores_the_same(kb, monkeypatch):
    """What the matcher asks of each phrase on every line of every corpus report (lines and joined
    pairs, as `hits` sends them): the same lines kept, with the same scores, with rapidfuzz hidden."""
    from clawkb.matcher import normalise

    phrases = [(i["phrase"], float(i.get("min_similarity", 88))) for s in kb.signatures
               for i in s.data["evidence"]["indicators"] + s.data["evidence"].get("negative", []) if "phrase" in i]
    texts = list(_corpus_lines())
    assert len(texts) > 300 and phrases
    batches = []
    for text in texts:
        masked = [line.masked for line in normalise(text).lines]
        batches.append(dict(enumerate(masked + [a + " " + b for a, b in zip(masked, masked[1:])])))
    with_rapidfuzz = [[partial_scores(p, b, c) for p, c in phrases] for b in batches]
    monkeypatch.setitem(sys.modules, "rapidfuzz", None)  # `import rapidfuzz` raises ImportError
    without = [[partial_scores(p, b, c) for p, c in phrases] for b in batches]
    assert without == with_rapidfuzz
    assert sum(len(d) for row in without for d in row) > 50  # the corpus does hold the phrases
