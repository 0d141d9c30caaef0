"""The matcher as a library: rules in, diagnoses out, no files involved."""
import json
import pickle

from conftest import SHARED
from clawkb.matcher import Indicator, Rule, compile_rules, diagnose, normalise


def rule(rule_id, *indicators, negatives=(), window=10, explains=()):
    return Rule(id=rule_id, indicators=tuple(indicators), negatives=tuple(negatives), window=window, explains=explains)


BILLING = rule(
    "billing-skip",
    Indicator("skip", "regex", r"has billing issue", 0.45),
    Indicator("generic", "phrase", "Something went wrong while processing your request", 0.4, role="support"),
    negatives=(Indicator("timeout", "literal", "reason=timeout", 0.9),),
)


def ids(text, *rules, **kw):
    return [d.id for d in diagnose(normalise(text), compile_rules(rules), **kw)]


def test_one_indicator_below_the_threshold_reports_nothing():
    assert ids("Provider anthropic has billing issue (skipping all models)", BILLING) == []


def test_several_indicators_close_together_report_it():
    text = "Provider anthropic has billing issue (skipping all models)\n⚠️ Something went wrong while processing your request."
    (d,) = diagnose(normalise(text), compile_rules([BILLING]))
    assert d.id == "billing-skip" and d.confidence == round(1 - (1 - 0.45) * (1 - 0.4), 4)
    assert [e.line for e in d.evidence] == [1, 2]


def test_the_same_indicators_far_apart_count_less():
    near = "has billing issue\nSomething went wrong while processing your request"
    far = "has billing issue\n" + "unrelated line\n" * 50 + "Something went wrong while processing your request"
    c_near = diagnose(normalise(near), compile_rules([BILLING]), min_confidence=0)[0].confidence
    c_far = diagnose(normalise(far), compile_rules([BILLING]), min_confidence=0)[0].confidence
    assert c_far < c_near


def test_support_alone_never_diagnoses():
    assert ids("Something went wrong while processing your request", BILLING, min_confidence=0.01) == []


def test_negative_evidence_rules_it_out():
    text = "has billing issue\nSomething went wrong while processing your request\nreason=timeout"
    assert ids(text, BILLING) == []


def test_fuzzy_phrases_survive_small_differences():
    text = "has billing issue\nSomething went wrong while procesing you're request!"
    assert ids(text, BILLING) == ["billing-skip"]


def test_sequence_evidence_counts_only_after_its_predecessor():
    seq = rule("seq", Indicator("fail", "literal", "reason=billing", 0.3, role="support"),
               Indicator("skip", "literal", "skip_candidate", 0.6, after="fail"))
    assert ids("reason=billing\nskip_candidate", seq) == ["seq"]
    assert ids("skip_candidate\nreason=billing", seq) == []


def test_a_root_cause_is_ranked_before_what_it_explains():
    cause = rule("cron-cause", Indicator("cron", "literal", "sessiontarget=isolated", 0.55), explains=("billing-skip",))
    text = "sessionTarget=isolated\nhas billing issue\nSomething went wrong while processing your request"
    assert ids(text, BILLING, cause) == ["cron-cause", "billing-skip"]


def test_matching_is_deterministic():
    text = "has billing issue\nSomething went wrong while processing your request"
    runs = {tuple((d.id, d.confidence, d.evidence) for d in diagnose(normalise(text), compile_rules([BILLING])))
            for _ in range(5)}
    assert len(runs) == 1


def test_a_regex_is_tried_only_where_its_needles_are_and_misses_nothing_for_it(kb, index, dev_cases):
    # Compiling every regex of every rule would cost a pasted log more than the match itself, so a
    # regex is compiled and run only on lines holding its needles. On every example and corpus line
    # that a regex matches, its needles are there.
    from clawkb.matcher.index import holds

    texts = [c["text"] for c in dev_cases]
    for sig in kb.signatures:
        texts += [e if isinstance(e, str) else e.get("text", "") for e in sig.examples["positive"]]
    lines = [line for t in texts for line in normalise(t).lines]
    checked = 0
    for rule in index.rules:
        for ind in rule.indicators + rule.negatives:
            if ind.regex is None or not ind.must:
                continue
            for line in lines:
                if ind.regex.search(line.canon):
                    checked += 1
                    assert holds(ind.must, line.canon), (rule.rule.id, ind.spec.id, line.canon)
    assert checked > 100


def test_a_literal_is_found_on_its_own_line_only():
    from clawkb.matcher.hits import Lookup

    doc = normalise("provider anthropic has\nbilling issue\nprovider anthropic has billing issue")
    lookup = Lookup(doc.lines)
    assert lookup.holding(["has billing"]) == [2]
    assert lookup.holding(["has\nbilling"]) == []  # never across the join between two lines
    assert lookup.holding(["billing", "nothing"]) == [1, 2]


def test_a_consequence_with_no_evidence_of_its_own_is_left_to_its_root_cause():
    """`cause` explains `effect`: where every line that shows `effect` already shows `cause`, only the
    cause is reported; with a line of its own, `effect` is reported after it."""
    index = compile_rules([
        Rule(id="cause", indicators=(Indicator("a", "phrase", "upstream returned 402", 0.9),), explains=("effect",)),
        Rule(id="effect", indicators=(Indicator("b", "phrase", "upstream returned 402", 0.6),
                                      Indicator("c", "phrase", "still locked after the top-up", 0.6))),
    ])
    assert [d.id for d in diagnose(normalise("one upstream returned 402 Insufficient Balance"), index)] == ["cause"]
    both = "one upstream returned 402 Insufficient Balance\nand it is still locked after the top-up"
    assert [d.id for d in diagnose(normalise(both), index)] == ["cause", "effect"]


def test_a_regex_split_into_its_branches_matches_exactly_where_the_whole_regex_does(index, dev_cases):
    """Big alternations are searched branch by branch, only the branches whose needles a line holds
    (so a paste compiles few of them): on every example and corpus line, the same verdict as the
    whole regex."""
    from clawkb.matcher.index import matches
    from clawkb.matcher.regex_safety import top_level_branches
    from clawkb.kb.compiled import load

    assert top_level_branches(r"(?i)a|b(c|d)|[|x]|e\|f") == ["(?i)a", "(?i)b(c|d)", "(?i)[|x]", r"(?i)e\|f"]
    kb = load()
    texts = [ex["text"] for s in kb.signatures for kind in ("positive", "negative")
             for ex in (s.data.get("examples") or {}).get(kind, [])] + [c["text"] for c in dev_cases]
    for train in sorted((SHARED / "corpus").glob("train-*.jsonl")):
        texts += [json.loads(line)["text"] for line in train.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [line for t in texts for line in normalise(t).lines]
    split = [ind for r in index.rules for ind in r.indicators + r.negatives if ind.split]
    assert split  # the knowledge base has such regexes
    for ind in split:
        for line in lines:
            subject = line.text if ind.spec.case_sensitive else line.canon
            assert matches(ind, line.text, line.canon) == bool(ind.regex.search(subject)), (ind.spec.id, line.text)


def test_needles_are_found_in_one_pass_as_one_search_each_finds_them():
    """`Needles` (Aho-Corasick) answers which lines hold each needle, overlapping and nested needles
    included, exactly as looking for each needle with `str.find` does."""
    from clawkb.matcher.needles import Needles
    from clawkb.matcher.hits import Lookup

    doc = normalise("billing_error on anthropic\nrate limit\nbill me\nprovider anthropic has billing issue")
    words = ["billing", "bill", "billing_error", "anthropic has", "limit", "absent", "has\nbilling"]
    fast, slow = Needles(words), Needles(words, automaton=False)
    assert fast.lines_holding(*Lookup(doc.lines)._form("canon")) == slow.lines_holding(*Lookup(doc.lines)._form("canon"))
    assert Lookup(doc.lines, fast).holding(["bill"]) == [0, 2, 3]
    stored = pickle.loads(pickle.dumps(fast))  # as the compiled index is kept between runs
    assert stored.lines_holding(*Lookup(doc.lines)._form("canon")) == slow.lines_holding(*Lookup(doc.lines)._form("canon"))
    assert Lookup(doc.lines, fast).holding(["has\nbilling"]) == []  # never across the join between two lines
    for w in words:
        assert Lookup(doc.lines, fast).holding([w]) == Lookup(doc.lines).holding([w]), w


def test_the_needle_pass_changes_no_diagnosis(index, dev_cases):
    """With the index's needles (one pass per document) and without them (a search per word): the
    same diagnoses, confidences, evidence and captures on every development case."""
    plain = index._replace(needles=None)
    assert index.needles is not None and len(index.needles.words) > 1000
    for case in dev_cases:
        doc = normalise(case["text"])
        assert diagnose(doc, index, min_confidence=0.2) == diagnose(doc, plain, min_confidence=0.2), case["id"]


def test_skipping_rules_whose_anchor_needs_are_unmet_changes_no_diagnosis(index):
    """`Index.needs` says which rules cannot score on a document; scoring every rule anyway gives the
    same diagnoses on every corpus case, training reports included, even at a low threshold."""
    from clawkb.matcher.hits import Lookup

    cases = [json.loads(line) for f in sorted((SHARED / "corpus").glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not cases:
        pytest.skip("corpus not found")
    every = index._replace(needs=())
    assert len(index.needs) == len(index.rules) and any(n is not None for n in index.needs)
    skipped = 0
    for case in cases:
        doc = normalise(case["text"])
        assert diagnose(doc, index, min_confidence=0.05) == diagnose(doc, every, min_confidence=0.05), case["id"]
        lookup = Lookup(doc.lines, index.needles)
        skipped += sum(not lookup.meets(n) for n in index.needs)
    assert skipped > len(cases) * len(index.rules) // 2  # most rules are skipped on most reports


def test_a_stored_regex_program_makes_the_pattern_re_compile_makes(index, dev_cases):
    """The index keeps what each regex compiles to (`matcher.regex_code`); the pattern rebuilt from it
    has the same flags and groups as `re.compile`'s and finds the same matches on every development
    line. A program from another engine, or a damaged one, is refused (the caller then compiles)."""
    import re

    from clawkb.matcher.regex_code import capture, rebuild

    regexes = [rx for r in index.rules for ind in r.indicators + r.negatives if ind.regex is not None
               for rx in (ind.regex, *ind.parts)] + [rx for r in index.rules for _c, rx, _a in r.captures]
    assert len(regexes) > 300 and all(rx.code is not None for rx in regexes)
    lines = [line.canon for case in dev_cases for line in normalise(case["text"]).lines]
    for rx in regexes:
        made, plain = rebuild(rx.pattern, rx.flags, rx.code), re.compile(rx.pattern, rx.flags)
        assert (made.pattern, made.flags, made.groups, made.groupindex) == (plain.pattern, plain.flags, plain.groups, plain.groupindex)
        assert [m.span() for t in lines for m in made.finditer(t)] == [m.span() for t in lines for m in plain.finditer(t)]
    code = capture(r"reason=(billing|auth)\b", re.I)
    assert rebuild(r"reason=(billing|auth)\b", re.I, bytes([code[0] ^ 1]) + code[1:]) is None  # another engine
    assert rebuild(r"reason=(billing|auth)\b", re.I, code[:-8]) is None  # truncated
    assert rebuild(r"reason=(billing|auth)\b", 0, code) is None  # not this pattern's program
    named = capture(r"(?P<profile>[\w-]+):(?P<kind>oauth|token)", 0)
    assert rebuild(r"(?P<profile>[\w-]+):(?P<kind>oauth|token)", 0, named).groupindex == {"profile": 1, "kind": 2}
    assert rebuild(r"reason=(billing|auth)\b", re.I, code).search("x reason=AUTH y").group(1) == "AUTH"
