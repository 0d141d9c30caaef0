"""The labelled corpus of real OpenClaw reports (`../shared/corpus/*.jsonl`), read one way for every
tool that learns from it or measures on it (kb.build_similarity, benchmarks/cross_validate.py).

A case's labels are its signature ids, primary first; a `none` case whose `family` is a signature id
is a case of that signature (the corpus README's rule). Its thread is its source without a comment
fragment; threads reserved for evaluation are never read into what clawkb ships.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Optional

from .settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS_FILES = ("dev.jsonl", "train-billing-auth.jsonl", "train-other.jsonl")


def shared_dir(settings: Optional[Settings] = None) -> Path:
    """The shared folder beside the checkout (`Settings.shared`, $CLAWKB_SHARED, names another)."""
    return Path(settings.shared) if settings is not None and settings.shared else ROOT.parent / "shared"


def corpus_files(shared: Path) -> tuple[Path, ...]:
    return tuple(shared / "corpus" / f for f in CORPUS_FILES)


def reserved_file(shared: Path) -> Path:
    return shared / "eval" / "reserved-threads.txt"


class CorpusCase(NamedTuple):
    id: str
    thread: str
    labels: tuple[str, ...]  # primary first; ("none",) when no known signature is shown
    family: Optional[str]
    text: str


def thread_of(source: str) -> str:
    """The thread a source names: a comment of a thread (`...#comment-x`) is the thread."""
    return source.split("#", 1)[0].rstrip("/")


def reserved_threads(path: Path) -> set[str]:
    try:
        return {thread_of(line.strip()) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    except OSError:
        return set()


def read_cases(paths: Iterable[Path], family_ids: Iterable[str]) -> Iterator[CorpusCase]:
    """Every case of the files, in order, labelled as the corpus README says."""
    fam = set(family_ids)
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                d = json.loads(line)
                labels = tuple(d["labels"])
                if labels == ("none",) and d.get("family") in fam:
                    labels = (d["family"],)
                yield CorpusCase(d["id"], thread_of(d.get("source") or d["id"]), labels, d.get("family"), d["text"])
