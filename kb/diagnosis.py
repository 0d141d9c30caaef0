"""From an input to what `clawkb match` reports about it, as a library: the CLI, the Action and
`import clawkb` all go through here.

    doc = read_document("gateway.log.gz", kb)      # a path, bytes or text
    result = diagnose_document(doc, kb)            # the record `clawkb match --format json` prints

The one rule about size lives here: inputs up to `SMALL` bytes are normalised whole (a paste, a
damaged one included: terminal-wrapped or re-encoded text is repaired only there), larger ones are
streamed through the scanner, which is built on first need and shared by every input of a `Reader`.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Optional, Sequence, Union

from clawkb.matcher import Document, diagnose, normalise
from clawkb.matcher.calibration import calibrate
from clawkb.matcher.model import CLOSEST_MIN, MIN_CONFIDENCE
from clawkb.matcher.normalise import InputError, decode_bytes

from .inputs import Input, text_chunks
from .knowledge import KnowledgeBase
from .settings import SCANNERS, Settings

# GitHub caps an issue body at 65,536 characters, at most 256 KiB of UTF-8; a 2 MiB busy log
# normalised whole took 4.6 s, streamed 0.3 s
SMALL = 256 * 1024

Source = Union[str, bytes, "os.PathLike[str]", Input]  # text, raw bytes, a path, an opened input


class ReadError(InputError):
    """The scanner asked for cannot run here (an unknown engine, or hyperscan not installed)."""


def default_settings() -> Settings:
    """What a library caller who passes no settings gets: the environment's (`Settings.from_env`)."""
    return Settings.from_env(os.environ)


def default_kb(settings: Optional[Settings] = None) -> KnowledgeBase:
    """The signatures of `settings` (default: the environment's), compiled (from the cache when they
    have not changed)."""
    from .compiled import load

    return load(None, settings or default_settings())


class Reader:
    """Reads inputs into documents for one knowledge base's index."""

    def __init__(self, kb: KnowledgeBase, engine: str = "auto", cache_dir: Optional[str] = None):
        if engine not in SCANNERS:
            raise ReadError(f"the scanner must be one of {', '.join(SCANNERS)}, not {engine!r}")
        self.kb, self.index, self.engine, self._scanner = kb, kb.index(), engine, None
        self.cache_dir = cache_dir  # where a compiled Hyperscan database is kept (None: nowhere)

    def scanner(self):
        if self._scanner is None:
            from clawkb.matcher.prefilter import build

            from .compiled import FileStore

            try:
                self._scanner = build(self.index, engine=self.engine, store=FileStore(self.cache_dir))
            except ImportError:
                raise ReadError("the hyperscan scanner needs the hyperscan package (pip install 'clawkb[fast]')") from None
        return self._scanner

    def read(self, chunks: Iterable[bytes], seen: Callable[[int], None] = lambda n: None) -> Document:
        """The document of an input's text chunks; `seen` is told each chunk's size (progress)."""
        chunks = iter(chunks)
        head: list[bytes] = []
        size = 0
        for chunk in chunks:
            head.append(chunk)
            size += len(chunk)
            seen(len(chunk))
            if size > SMALL:
                break
        if size <= SMALL:
            return normalise(decode_bytes(b"".join(head)))
        from clawkb.matcher.stream import stream_document

        def rest():
            yield from head
            for chunk in chunks:
                seen(len(chunk))
                yield chunk

        doc, _stream = stream_document(rest(), self.index, self.scanner())
        return doc


class Read(NamedTuple):
    """One input of `read_inputs`: its document, or the one-line reason it could not be read."""
    name: str
    document: Optional[Document]
    error: Optional[str]
    skipped: bool = False  # found in a directory and not a text log: not one of the inputs


def read_inputs(paths: Sequence[str], reader: Reader,
                watch: Callable[[Input], tuple[Callable[[int], None], Callable[[], None]]] = lambda inp: (lambda n: None, lambda: None),
                ) -> Iterator[Read]:
    """Each input `paths` name (files, directories walked, "-" or none for stdin), read in turn: what
    `clawkb match` reads. `watch(input)` gives the (seen, done) callbacks of its progress line."""
    from .inputs import NotText, iter_inputs

    for name, inp, error in iter_inputs(paths):
        if error is not None or inp is None:
            yield Read(name, None, error or "cannot be read")
            continue
        seen, done = watch(inp)
        try:
            yield Read(name, reader.read(inp.chunks, seen), None)
        except NotText as exc:
            yield Read(name, None, str(exc), skipped=inp.walked)
        except ReadError:
            raise  # the scanner itself cannot run: no input can be read
        except InputError as exc:
            yield Read(name, None, str(exc))
        except OSError as exc:
            yield Read(name, None, exc.strerror or str(exc))
        finally:
            done()


def open_source(source: Source) -> Input:
    """An input for a path (`pathlib.Path` or any path-like: a `str` is text, never a file name), raw
    bytes (gzip and UTF-16 read through, binary data refused) or text."""
    if isinstance(source, Input):
        return source
    if isinstance(source, str):
        data = source.encode("utf-8", errors="replace")
        return Input("<text>", iter([data] if data else []), len(data))
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return Input("<bytes>", text_chunks(iter([data])), len(data))
    from .inputs import open_path

    name, inp, error = open_path(os.fspath(source))
    if inp is None:
        raise InputError(f"{name}: {error}")
    return inp


def read_document(source: Source, kb: Optional[KnowledgeBase] = None, *, engine: Optional[str] = None,
                  settings: Optional[Settings] = None) -> Document:
    """The normalised document of a path, bytes or text: whole when small, streamed when large (with
    `engine`, else `settings.scanner`). Raises `InputError` with a one-line message for what is not a
    readable text log."""
    if isinstance(source, str) and len(source) * 4 <= SMALL:  # text held in memory: nothing to decode
        return normalise(source)
    settings = settings or default_settings()
    reader = Reader(kb or default_kb(settings), engine or settings.scanner, settings.cache_dir)
    return reader.read(open_source(source).chunks)


def diagnose_document(doc: Document, kb: Optional[KnowledgeBase] = None, *, name: str = "<text>",
                      min_confidence: float = MIN_CONFIDENCE, max_evidence: Optional[int] = None,
                      detail: bool = True) -> dict[str, Any]:
    """What `clawkb match --format json` prints for one input: the reported diagnoses (calibrated rules,
    else a trusted resemblance), and when there are none the closest known failures."""
    from .report import said_record
    from .similarity import decide, load_index

    kb = kb or default_kb()
    index = kb.index()
    # one scoring pass at the lower of the two thresholds: reported diagnoses, or the closest ones
    kwargs = {} if max_evidence is None else {"max_evidence": max_evidence}
    scored = diagnose(doc, index, min_confidence=min(CLOSEST_MIN, min_confidence), **kwargs)
    resembling: list = []
    said = decide(doc, index, kb.calibration, load_index, min_confidence=min_confidence, rules=scored,
                  near=resembling)
    from .report import SCHEMA_VERSION

    result: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "input": name, "openclaw_version": doc.openclaw_version,
                              "diagnoses": [said_record(s, kb, detail=detail) for s in said]}
    if not said:
        result["closest"] = _closest(kb, scored, resembling)
    return result


def _closest(kb: KnowledgeBase, scored: list, resembling: list) -> list[dict[str, Any]]:
    rules_table = kb.calibration.get("rules", ())  # the same calibrated scale as what is reported
    closest = [{"id": d.id, "title": kb.get(d.id).title, "confidence": round(calibrate(rules_table, d.confidence), 4),
                "url": kb.url(d.id), "layer": "rules"} for d in scored if d.confidence >= CLOSEST_MIN][:3]
    for r in resembling:  # a resemblance too weak to report: named, with the reports it resembles
        same = next((c for c in closest if c["id"] == r.id), None)
        if same is not None:
            same["resembles"] = list(r.resemblance.resembles)
            continue
        closest.append({"id": r.id, "title": kb.get(r.id).title, "confidence": r.confidence,
                        "url": kb.url(r.id), "layer": "similarity", "resembles": list(r.resemblance.resembles)})
    return closest


def diagnose_text(text: Union[str, bytes], kb: Optional[KnowledgeBase] = None, *,
                  min_confidence: float = MIN_CONFIDENCE, detail: bool = True) -> dict[str, Any]:
    """`diagnose_document(read_document(text))`: a paste, an issue body or a whole log held in memory."""
    kb = kb or default_kb()
    return diagnose_document(read_document(text, kb), kb, min_confidence=min_confidence, detail=detail)
