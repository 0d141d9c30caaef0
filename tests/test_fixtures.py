"""Real reports kept as fixtures (tests/fixtures/corpus/, format in its README): each diagnosed as
its folder says, on the line marked #=MATCH=#; known misses are expected failures."""
import re
from pathlib import Path
from typing import NamedTuple, Optional

import pytest

from clawkb.kb.diagnosis import diagnose_text
from clawkb.matcher import normalise, redact

from conftest import ROOT, SHARED

FIXTURES = ROOT / "tests" / "fixtures" / "corpus"
MATCH = "#=MATCH=#"


class Fixture(NamedTuple):
    expected: str  # a signature id, or "none"
    source: str
    known_miss: Optional[str]
    text: str  # markers stripped
    marked: list[str]  # the marked lines, marker stripped


def read_fixture(path: Path) -> Fixture:
    source, miss, lines, marked = "", None, [], []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("#=SOURCE=# "):
            source = line.split(" ", 1)[1]
        elif line.startswith("#=KNOWN-MISS=# "):
            miss = line.split(" ", 1)[1]
        elif line.rstrip().endswith(MATCH):
            line = line.rstrip()[: -len(MATCH)].rstrip()
            marked.append(line)
            lines.append(line)
        else:
            lines.append(line)
    return Fixture(path.parent.name, source, miss, "\n".join(lines), marked)


FILES = sorted(FIXTURES.glob("*/*.log"))


def _param(path: Path):
    f = read_fixture(path)
    marks = [pytest.mark.xfail(strict=True, reason=f.known_miss)] if f.known_miss else []
    return pytest.param(f, id=f"{f.expected}/{path.stem}", marks=marks)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _as_read(line: str) -> str:
    """A marked line as clawkb reads it (quoting and Markdown around a pasted log line removed)."""
    lines = normalise(line).lines
    return _plain(lines[0].text if lines else line)


@pytest.mark.parametrize("fixture", [_param(p) for p in FILES])
def test_a_real_report_is_diagnosed_as_its_folder_says_on_the_marked_line(fixture, kb):
    result = diagnose_text(fixture.text, kb)
    ids = [d["id"] for d in result["diagnoses"]]
    if fixture.expected == "none":
        assert ids == []
        return
    assert ids[:1] == [fixture.expected]
    evidence = [_plain(e["text"]) for e in result["diagnoses"][0]["evidence"]]
    for line in fixture.marked:
        assert any(_as_read(line) in e for e in evidence), f"marked line not in the evidence: {line[:120]}"


def test_the_fixtures_cover_most_signatures_and_their_look_alikes(kb):
    fixtures = [read_fixture(p) for p in FILES]
    diagnosed = {f.expected for f in fixtures if f.expected != "none" and not f.known_miss}
    assert {f.expected for f in fixtures} - {"none"} <= set(kb.ids)  # a folder per signature id
    assert len(diagnosed) >= 45 and sum(f.expected == "none" for f in fixtures) >= 8
    for f in fixtures:
        assert f.source.startswith("https://github.com/openclaw/openclaw/"), f
        assert f.expected == "none" or f.known_miss or f.marked, f"{f.expected}: no #=MATCH=# line"
        assert redact(f.text) == f.text, f"{f.source}: holds something secret-shaped"


@pytest.mark.skipif(not (SHARED / "eval" / "reserved-threads.txt").exists(), reason="../shared/eval not present")
def test_no_fixture_comes_from_a_reserved_thread():
    from clawkb.kb.corpus import reserved_file, reserved_threads, thread_of

    reserved = reserved_threads(reserved_file(SHARED))
    assert reserved
    assert not [p for p in FILES if thread_of(read_fixture(p).source) in reserved]
