import re
import time

import pytest

from clawkb.matcher import UnsafeRegex, check_regex
from clawkb.matcher.regex_safety import required_words


@pytest.mark.parametrize("pattern", [
    r"has billing issue \(skipping all models\)",
    r"reason=(?:format|unknown)\b[^\n]{0,400}?out of (?:extra )?usage",
    r"provider=(?P<provider>[\w.-]{1,80})",
    r"\d{1,9} days?",
])
def test_bounded_patterns_pass(pattern):
    check_regex(pattern)


@pytest.mark.parametrize("pattern, why", [
    (r"[\w-]+:manual", "unbounded"),  # quadratic: every start position scans the whole word
    (r"a.*b", "unbounded"),
    (r"(a{1,9}){1,9}$", "nested"),
    (r"(?:\w{1,9}\s?){0,9}x", "nested"),
    (r"(a|ab){0,9}c", "alternation"),
    (r"(\w{1,9})=\1", "backreference"),
    (r"billing(?=issue)", "lookahead"),
    (r"(?<!no )billing", "lookahead/lookbehind"),
])
def test_backtracking_patterns_are_rejected(pattern, why):
    with pytest.raises(UnsafeRegex) as err:
        check_regex(pattern)
    assert why in str(err.value)


def test_an_accepted_pattern_stays_linear_on_hostile_lines():
    rx = re.compile(r"[\w-]{1,40}:manual\b[^\n]{0,200}claude-cli", re.I)
    check_regex(rx.pattern)
    t = time.process_time()
    rx.search("x" * 200_000)
    assert time.process_time() - t < 2.0  # a generous bound: the unbounded form takes minutes


@pytest.mark.parametrize("pattern, words", [
    (r"has billing issue \(skipping all models\)", ("(skipping",)),
    (r"(?:mis-?classif\w{0,9}|classified)\b[^\n]{0,80}\bas", ("classif", "classified")),
    (r"熔断|持久化", ("持久化", "熔断")),
    (r"\d{1,9} days?", ()),  # nothing required: the regex runs on every line
])
def test_required_words_let_lines_be_skipped_safely(pattern, words):
    assert required_words(pattern) == words


def test_an_indicator_regex_is_parsed_once_for_all_the_index_learns_from_it(kb, monkeypatch):
    """read_regex reads anchors, branches and each branch's requirements off one parse of the whole
    pattern (only a pattern with top-level `|` is parsed again, branch by branch), and reads what the
    separate functions read."""
    from clawkb.matcher import regex_reading, regex_safety
    from clawkb.matcher.vocabulary import COMMON, set_selectivity

    patterns = [i["regex"] for s in kb.signatures for group in ("indicators", "negative")
                for i in s.evidence.get(group, []) if "regex" in i]
    assert len(patterns) > 100
    whole = []
    real = regex_safety.sre_parse.parse
    monkeypatch.setattr(regex_safety.sre_parse, "parse", lambda p, *a: (whole.append(p), real(p, *a))[1])
    for p in patterns:
        whole.clear()
        reading = regex_reading.read_regex(p, common=COMMON)
        assert whole.count(p) == 1, p  # the whole pattern: once
        monkeypatch.undo()
        assert reading.anchors == required_words(p, common=COMMON)
        assert reading.alternatives == regex_safety.alternatives(p, key=set_selectivity)
        monkeypatch.setattr(regex_safety.sre_parse, "parse", lambda p, *a: (whole.append(p), real(p, *a))[1])
