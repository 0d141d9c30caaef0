"""The prefilter must not cost recall: scoring only the lines it keeps gives the same diagnoses as
scoring every line, on the dev corpus, its paste variants and long logs with failures buried deep."""
import random

import pytest

from matcher import diagnose, normalise
from matcher.normalise import document, normalise_lines
from matcher.prefilter import build, select
from variants import TRANSFORMS

ENGINES = ["re"]
try:
    import hyperscan  # noqa: F401
    ENGINES.append("hyperscan")
except ImportError:
    pass


def prefiltered(text: str, index, pre):
    data = text.encode("utf-8", "surrogatepass")
    lines = []
    for first, seg in select(data, pre):
        lines.extend(normalise_lines(seg.decode("utf-8", "replace"), first))
    return diagnose(document(lines), index)


def same(a, b):
    return [(d.id, d.confidence, tuple(e.line for e in d.evidence)) for d in a] == \
           [(d.id, d.confidence, tuple(e.line for e in d.evidence)) for d in b]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("variant", ["none", "ansi", "json-records", "hard-wrap-80", "quoted", "mojibake"])
def test_same_diagnoses_with_and_without_the_prefilter(dev_cases, index, engine, variant):
    pre = build(index, engine)
    transform = TRANSFORMS.get(variant, lambda t: t)
    diff = []
    for case in dev_cases:
        text = transform(case["text"])
        full = diagnose(normalise(text), index)
        if not same(full, prefiltered(text, index, pre)):
            diff.append(case["id"])
    assert not diff, diff


@pytest.mark.parametrize("engine", ENGINES)
def test_failures_buried_at_random_depths_are_found_the_same(dev_cases, index, engine):
    from benign import benign_log, inject

    pre = build(index, engine)
    rng = random.Random(11)
    failing = [c["text"] for c in dev_cases if c["labels"] != ["none"]][:12]
    for form in ("console", "json"):
        background = benign_log(4000, rng, form).split("\n")
        lines, starts = inject(background, rng.sample(failing, 3), rng)
        text = "\n".join(lines)
        full = diagnose(normalise(text), index)
        assert full and same(full, prefiltered(text, index, pre))
