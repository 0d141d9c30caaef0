"""The three scanner engines are interchangeable: on the same bytes they name the same candidate
lines, with the same conditions, and the same version lines. `re` is the reference (one regex per
condition, no cleverness); grep and Hyperscan are checked against it on a block large enough to be
scanned in pieces."""
import random

import pytest

from clawkb.matcher.prefilter import Candidates, build, literal_plan

from engines import ENGINES

FAST = [e for e in ENGINES if e != "re"]


@pytest.fixture(scope="module")
def block(dev_cases):
    """About 6 MiB: healthy console and JSON traffic with every dev case and a version line buried in it."""
    from benign import benign_log, inject

    rng = random.Random(5)
    texts = [c["text"] for c in dev_cases] + ["OpenClaw 2026.3.13 (a1b2c3d) ready", "v2026.11.2"]
    parts = []
    while sum(map(len, parts)) < 6 << 20:
        background = benign_log(4000, rng, rng.choice(["console", "json"])).split("\n")
        lines, _ = inject(background, rng.sample(texts, 8), rng)
        parts.append("\n".join(lines))
    return "\n".join(parts).encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def reference(index, block) -> Candidates:
    return build(index, "re").candidates(block)


@pytest.mark.parametrize("engine", FAST)
def test_every_engine_names_the_same_lines_as_the_reference(index, block, reference, engine):
    found = build(index, engine).candidates(block)
    assert reference.anchors and reference.versions
    assert found.anchors == reference.anchors
    assert found.versions == reference.versions
    # the line breaks the stream numbers later blocks from, when the engine counted them on its way
    assert found.newlines in (None, block.count(b"\n"))


def test_the_reference_counts_line_breaks_as_it_goes(block, reference):
    assert reference.newlines == block.count(b"\n")


def test_a_common_needle_is_only_looked_for_with_its_partner():
    # `delivered` and `false` are on most lines of cron traffic; together they are rare.
    delivered_false = (frozenset({"delivered"}), frozenset({"false"}))
    out_of_usage = (frozenset({"out of extra usage"}),)
    needles, conjunctions = literal_plan([(delivered_false,), (out_of_usage,)])
    assert needles == ("out of extra usage",)
    assert conjunctions == (delivered_false,)


def test_a_rare_needle_is_enough_on_its_own():
    disabled_until_billing = (frozenset({"disableduntil"}), frozenset({"billing"}))
    needles, conjunctions = literal_plan([(disabled_until_billing,)])
    assert needles == ("disableduntil",)
    assert conjunctions == ()


@pytest.mark.parametrize("pattern, meets, misses", [
    # the parser factors out `\b` from both branches: each branch keeps its own pair of needle sets
    (r"\b(?:returns?|gets?|got) (?:an? )?(?:529|overloaded)\b|\b(?:api|provider) (?:is )?overloaded\b",
     ["the api got a 529 from anthropic", "provider is overloaded"],
     ["cron job finished: sessionTarget=main", "model fallback decision: candidate_succeeded"]),
    # every spelling of `delivered[=:] ?false` holds `false`: a plain `delivered` line is no candidate
    (r"\bdelivered[=:] ?false", ["delivered=false", '"delivered": false'], ["outbound message delivered: chat=1"]),
    (r"sessionid[=:] ?null", ["sessionId=null run=1", "sessionid: null"], ["embedded run start: sessionId=1ec5"]),
])
def test_a_condition_keeps_what_each_branch_and_spelling_requires(pattern, meets, misses):
    from clawkb.matcher import Indicator
    from clawkb.matcher.index import compile_indicator
    from clawkb.matcher.conditions import indicator_condition
    from clawkb.matcher.prefilter import ConditionCheck

    check = ConditionCheck([indicator_condition(compile_indicator(Indicator("x", "regex", pattern, 0.5)))])
    assert [line for line in meets if not check(line.encode())] == []
    assert [line for line in misses if check(line.encode())] == []


def test_a_run_of_small_alternations_is_searched_spelled_out():
    # `daily usage limit reached`, not `daily`: that is on every line of a cron job named daily-digest
    from clawkb.matcher import Indicator
    from clawkb.matcher.index import compile_indicator
    from clawkb.matcher.conditions import indicator_condition

    pattern = r"(?:daily|weekly|monthly|hourly|5-hour)(?: usage)? limits? (?:exhausted|reached|exceeded)"
    needles, _ = literal_plan([indicator_condition(compile_indicator(Indicator("x", "regex", pattern, 0.5)))])
    assert "daily usage limit reached" in needles and "weekly limits exceeded" in needles
    assert not [n for n in needles if n in ("daily", "limit", "limits")]


def test_a_cjk_word_counts_as_rare_as_its_bytes():
    # `欠费` (arrears) is two characters but six bytes that a gateway's English log never holds:
    # the literal plan searches it, not the log word it is paired with
    from clawkb.matcher.vocabulary import is_common_word, selectivity

    assert not is_common_word("欠费") and is_common_word("get")
    assert selectivity("欠费") > selectivity("reason")
    from clawkb.matcher import Indicator
    from clawkb.matcher.index import compile_indicator
    from clawkb.matcher.conditions import indicator_condition

    ind = compile_indicator(Indicator("x", "regex", r"reason[=:] ?\S{0,20}(?:欠费|余额不足)", 0.5))
    needles, conjunctions = literal_plan([indicator_condition(ind)])
    assert conjunctions == () and set(needles) == {"欠费", "余额不足"}


@pytest.mark.parametrize("one_pass", [True, False])
def test_checking_many_lines_at_once_answers_as_line_by_line(index, block, one_pass, monkeypatch):
    # grep prints thousands of lines of a busy log: their needles are found in one pass over them
    # all (Aho-Corasick, or the regex trie without pyahocorasick), each line's answer unchanged
    from clawkb.matcher import needles
    from clawkb.matcher.prefilter import ConditionCheck, anchor_conditions

    if not one_pass:
        monkeypatch.setattr(needles, "ahocorasick", None)
    check = ConditionCheck(anchor_conditions(index))
    lines = block.split(b"\n")[:20000] + [b"", b"rawError=429 status", b"TELEGRAM api call timed out"]
    one_by_one = [check(line) for line in lines]
    assert check.many(lines) == one_by_one and sum(map(bool, one_by_one)) > 10
    assert check.many([]) == []
