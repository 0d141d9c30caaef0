"""The similarity layer, as a user meets it: a description in words is diagnosed by resemblance (and says
so), a pasted log is still diagnosed by its rules (with evidence), the shipped index is what the build
makes of the signatures and the corpus, and a paste the rules decide never loads the similarity library."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SHARED
from clawkb.matcher import normalise
from clawkb.matcher.similarity import build, calibrate, resemble, tokens

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "gateway-billing-lockout.log"
PROSE = ("My Telegram bot stopped answering this morning. I restarted the gateway twice and it still does not "
         "reply; it looks like another instance is polling the same bot token at the same time, maybe my old "
         "VPS still runs the gateway with that token.\n")


def match_json(path: Path) -> dict:
    p = subprocess.run([sys.executable, "-m", "clawkb", "match", "--format", "json", str(path)],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)


def test_a_description_in_words_is_named_by_what_it_resembles(tmp_path):
    """No rule decides a description in words. Its resemblance is reported only as far as the shipped
    calibration trusts it; below that, it is named as the closest, with the reports it resembles."""
    issue = tmp_path / "issue.md"
    issue.write_text(PROSE, encoding="utf-8")
    rec = match_json(issue)
    reported = [d for d in rec["diagnoses"] if d["layer"] == "similarity"]
    named = [c for c in rec.get("closest") or [] if c.get("resembles")]
    (d,) = (reported or named)[:1]
    assert d["id"] == "telegram-409-getupdates-conflict"
    assert d["resembles"] and all(u.startswith("https://github.com/openclaw/openclaw/") for u in d["resembles"])
    assert (d["confidence"] >= 0.5) == bool(reported)
    text = subprocess.run([sys.executable, "-m", "clawkb", "match", str(issue)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120).stdout
    assert "resembles" in text and "evidence:" not in text and "openclaw#" in text


def test_a_trusted_resemblance_is_reported_without_evidence_lines(kb):
    """Where the calibration says the layer is right often enough, the resemblance is a diagnosis: it
    says `layer: similarity`, its score and the reports it resembles, and claims no log line."""
    from clawkb.kb.report import said_record
    from clawkb.kb.similarity import decide, load_index

    trusting = {"similarity": [(0.0, 0.9), (1.0, 0.9)]}
    (said,) = decide(normalise(PROSE), kb.index(), trusting, load_index)
    rec = said_record(said, kb)
    assert rec["id"] == "telegram-409-getupdates-conflict" and rec["layer"] == "similarity"
    assert rec["evidence"] == [] and rec["confidence"] == 0.9 and 0 < rec["similarity"] <= 1 and rec["resembles"]


def test_a_pasted_log_is_still_diagnosed_by_its_rules_with_evidence():
    rec = match_json(SAMPLE)
    assert rec["diagnoses"] and all(d["layer"] == "rules" and d["evidence"] for d in rec["diagnoses"])
    assert not any("resembles" in d for d in rec["diagnoses"])


def test_nothing_diagnosed_still_names_the_closest(tmp_path):
    empty = tmp_path / "healthy.log"
    empty.write_text((ROOT / "examples" / "healthy-gateway.log").read_text(encoding="utf-8"), encoding="utf-8")
    rec = match_json(empty)
    assert rec["diagnoses"] == [] and "closest" in rec


def test_the_paste_path_does_not_import_the_similarity_library_when_the_rules_decide(tmp_path):
    probe = ("import sys; from clawkb.kb.cli import main; code = main(['match', sys.argv[1]])\n"
             "import json; print('\\nLOADED', json.dumps([sorted(m for m in ('bm25s', 'numpy', 'sklearn', 'scipy') "
             "if m in sys.modules), code]))\n")
    def loaded(path):
        out = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, cwd=ROOT,
                             timeout=120).stdout
        return json.loads(out.rsplit("LOADED", 1)[1])
    assert loaded(SAMPLE) == [[], 0]  # the rules decide: nothing else is imported
    prose = tmp_path / "issue.md"
    prose.write_text(PROSE, encoding="utf-8")
    modules, code = loaded(prose)  # they do not: the similarity layer scores it, a sum needing no library
    assert modules == [] and code in (0, 1)


def test_query_scores_are_bm25s_scores_to_the_bit(dev_cases):
    """The stored matrix summed in pure Python equals bm25s's own scoring of it (its numpy backend)."""
    import bm25s
    import numpy as np

    from clawkb.kb.similarity import load_index

    index = load_index()
    eng = bm25s.BM25(k1=index.params["k1"], b=index.params["b"], method=index.params["method"], backend="numpy")
    eng.scores = {"data": np.asarray(index.data, dtype=np.float32), "indices": np.asarray(index.indices, dtype=np.int32),
                  "indptr": np.asarray(index.indptr, dtype=np.int32), "num_docs": len(index.labels)}
    eng.vocab_dict = {t: i for i, t in enumerate(index.vocab)}
    eng.nonoccurrence_array = None
    queries = [tokens(normalise(c["text"])) for c in dev_cases] + [["billing", "billing", "cooldown"], ["zzz"], []]
    for words in queries:
        ids = eng.get_tokens_ids(list(words))
        expected = [float(s) for s in eng.get_scores_from_ids(ids)] if ids else [0.0] * len(index.labels)
        assert index.doc_scores(words) == expected


def test_resemblance_and_calibration_on_a_tiny_index():
    docs = [(tokens(normalise(t)), label, src) for t, label, src in [
        ("the bot token is polled by two gateways: conflict", "two-pollers", None),
        ("a second gateway polls the same bot token", "two-pollers", "https://github.com/openclaw/openclaw/issues/1"),
        ("billing credits ran out and the provider was disabled", "billing", None),
        ("the dashboard font is too small", "none", "https://github.com/openclaw/openclaw/issues/2")]]
    index = build(docs)
    got = resemble(tokens(normalise("two gateways poll one bot token")), index)
    assert got.id == "two-pollers" and got.resembles == ("https://github.com/openclaw/openclaw/issues/1",)
    assert got.score > 0.5  # nothing else comes close
    assert resemble(tokens(normalise("zzz qqq")), index) is None  # no shared word: no resemblance
    table = [(0.4, 0.0), (0.6, 0.5), (0.8, 1.0)]
    assert [calibrate(table, x) for x in (0.1, 0.4, 0.5, 0.7, 0.9)] == pytest.approx([0.0, 0.0, 0.25, 0.75, 1.0])
    assert calibrate([], 0.42) == 0.42


@pytest.mark.skipif(not (SHARED / "corpus" / "dev.jsonl").exists(), reason="../shared/corpus not present")
def test_the_shipped_index_and_calibration_are_current(kb):
    from clawkb.kb.build_similarity import load_reports, render
    from clawkb.kb.corpus import corpus_files, reserved_file, reserved_threads
    from clawkb.kb.similarity import CALIBRATION_FILE, INDEX_FILE

    index, calibration = render(kb, load_reports(corpus_files(SHARED), kb.ids, reserved_threads(reserved_file(SHARED))))
    assert Path(CALIBRATION_FILE).read_text(encoding="utf-8") == calibration, "run: python -m clawkb.kb.build_similarity"
    assert Path(INDEX_FILE).read_text(encoding="utf-8") == index, "run: python -m clawkb.kb.build_similarity"
    shipped = json.loads(index)
    assert "text" not in json.dumps(shipped["docs"][0]) and set(shipped["docs"][0]) == {"label", "source"}
