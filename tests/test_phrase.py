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
