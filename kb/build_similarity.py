"""Build what the similarity layer ships, from the signatures and the corpus (issue 14, items 3-5).

    python -m clawkb.kb.build_similarity                      # writes kb/data/similarity.json and calibration.json
    python -m clawkb.kb.build_similarity --check              # exit 1 when the shipped files are not current
    python -m clawkb.kb.build_similarity --corpus A.jsonl ...  # other corpus files (default: ../shared/corpus/*)

Deterministic: the same signatures and corpus give the same bytes (sorted vocabulary, rounded
scores, the reports in file order). The shipped index holds tokens' BM25 scores, labels and source
links, never a report's text. Threads listed in ../shared/eval/reserved-threads.txt are never used.
Needs the build-time extras: bm25s and scikit-learn (`pip install 'clawkb[eval]'`).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Iterable, Optional, Sequence

from .similarity import CALIBRATION_FILE, INDEX_FILE, Report, fit, to_json

from .corpus import corpus_files, read_cases, reserved_file, reserved_threads, shared_dir
from .settings import Settings


def load_reports(paths: Iterable[Path], family_ids: Iterable[str], reserved: Iterable[str]) -> list[Report]:
    """The corpus cases as reports: a `none` case whose family is a signature id is a case of it;
    the `reserved` threads are left out."""
    reserved = set(reserved)
    out = [Report(c.text, c.labels, c.thread) for c in read_cases(paths, family_ids) if c.thread not in reserved]
    return out


def render(kb, reports: Sequence[Report]) -> tuple[str, str]:
    """The two shipped files' contents (index, calibration) for these signatures and reports."""
    index, tables = fit(kb.signatures, reports, kb.index())
    idx = json.dumps(to_json(index), sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    lines = [f'{{"format":1,"built_from":{{"signatures":{len(kb.signatures)},"reports":{len(reports)}}},"tables":{{']
    lines += [f" {json.dumps(k)}:{json.dumps([list(p) for p in v])}," for k, v in sorted(tables.items())]
    lines[-1] = lines[-1].rstrip(",")
    cal = "\n".join(lines) + "\n}}\n"  # one table a line: a rebuild's diff shows which layer moved
    return idx, cal


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, action="append")
    ap.add_argument("--check", action="store_true", help="compare with the shipped files instead of writing them")
    a = ap.parse_args(argv)
    from .signatures import load_kb

    kb = load_kb()
    shared = shared_dir(Settings.from_env(os.environ))
    reports = load_reports(a.corpus or corpus_files(shared), kb.ids, reserved_threads(reserved_file(shared)))
    files = dict(zip((INDEX_FILE, CALIBRATION_FILE), render(kb, reports)))
    stale = [p for p, text in files.items() if not os.path.exists(p) or Path(p).read_text(encoding="utf-8") != text]
    if a.check:
        for p in stale:
            print(f"{p}: not current (python -m clawkb.kb.build_similarity)", file=sys.stderr)
        return 1 if stale else 0
    for p, text in files.items():
        Path(p).write_text(text, encoding="utf-8")
        print(f"{p}: {len(text.encode())} bytes{'' if p in stale else ' (unchanged)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
