"""Load, validate and index the knowledge base (`signatures/*.yaml`)."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Optional

import jsonschema

from clawkb.matcher.regex_safety import UnsafeRegex, check_regex
from clawkb.matcher.versions import VersionError, parse_version

from .knowledge import SITE_URL, KnowledgeBase, Signature, _indicator, default_dir, page_url  # noqa: F401 (re-exported)
from .schema import SIGNATURE_SCHEMA
from .yamlsource import SourceError, load_located

__all__ = ["SITE_URL", "KnowledgeBase", "Signature", "SourceError", "check_references", "default_dir",
           "load_kb", "page_url", "parse_signature"]

_VALIDATOR = jsonschema.Draft202012Validator(SIGNATURE_SCHEMA)


def _field(path: Iterable[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def parse_signature(text: str, path: str) -> Signature:
    """One signature file, checked against the schema and for its own consistency."""
    located = load_located(text, path)
    data = located.data
    if not isinstance(data, dict):
        raise SourceError(path, 1, "", "a signature file holds one mapping")
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: (located.line_of(tuple(e.absolute_path)), list(e.absolute_path)))
    if errors:
        e = _most_specific(errors[0])
        raise SourceError(path, located.line_of(tuple(e.absolute_path)), _field(e.absolute_path), _message(e))
    sig = Signature(data, path, located)
    _check_semantics(sig)
    return sig


def _most_specific(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    if error.context:
        return max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _message(e: jsonschema.ValidationError) -> str:
    if e.validator == "oneOf" and e.validator_value and "required" in str(e.validator_value):
        return "give exactly one of phrase, literal or regex"
    if e.validator == "additionalProperties":
        return e.message.replace("Additional properties are not allowed", "unknown field")
    return e.message.splitlines()[0][:300]


def _check_semantics(sig: Signature) -> None:
    d = sig.data
    stem = Path(sig.path).stem
    if stem != sig.id:
        raise SourceError(sig.path, sig.line_of("id"), "id", f"id {sig.id!r} must match the file name {stem!r}")
    ev = d["evidence"]
    seen: set[str] = set()
    for group in ("indicators", "negative"):
        for i, ind in enumerate(ev.get(group, [])):
            where = ("evidence", group, i)
            if ind["id"] in seen:
                raise SourceError(sig.path, sig.line_of(*where, "id"), _field(where + ("id",)), f"duplicate indicator id {ind['id']!r}")
            seen.add(ind["id"])
            if "regex" in ind:
                try:
                    check_regex(ind["regex"])
                except (UnsafeRegex, re.error) as exc:
                    raise SourceError(sig.path, sig.line_of(*where, "regex"), _field(where + ("regex",)), f"regex rejected: {exc}") from None
    ids = {i["id"] for i in ev["indicators"]}
    for i, ind in enumerate(ev["indicators"]):
        if ind.get("after") is not None and (ind["after"] not in ids or ind["after"] == ind["id"]):
            where = ("evidence", "indicators", i, "after")
            raise SourceError(sig.path, sig.line_of(*where), _field(where), f"after must name another indicator of this signature, not {ind['after']!r}")
    from clawkb.matcher.index import compile_indicator

    for group in ("indicators", "negative"):
        for i, ind in enumerate(ev.get(group, [])):
            if compile_indicator(_indicator(ind)).condition is None:  # a branch names no needle
                where = ("evidence", group, i)
                raise SourceError(sig.path, sig.line_of(*where), _field(where),
                                  "every branch must name a word of 3+ letters (or a 3-digit code) that large-log "
                                  "prefiltering can look for")
    if not any(i.get("role", "anchor") == "anchor" for i in ev["indicators"]):
        raise SourceError(sig.path, sig.line_of("evidence", "indicators"), "evidence.indicators", "needs at least one anchor indicator")
    from .remedies.repairs import REPAIRS

    for i, step in enumerate(d["fix"]):
        if step.get("remediation") and step["remediation"] not in REPAIRS:
            where = ("fix", i, "remediation")
            raise SourceError(sig.path, sig.line_of(*where), _field(where),
                              f"unknown repair {step['remediation']!r} (known: {', '.join(REPAIRS)})")
    for name, rx in ev.get("captures", {}).items():
        where = ("evidence", "captures", name)
        try:
            check_regex(rx)
            groups = re.compile(rx).groupindex
        except (UnsafeRegex, re.error) as exc:
            raise SourceError(sig.path, sig.line_of(*where), _field(where), f"regex rejected: {exc}") from None
        if name not in groups:
            raise SourceError(sig.path, sig.line_of(*where), _field(where), f"regex must have a group (?P<{name}>...)")
    for r, rng in enumerate(d["versions"]["ranges"]):
        for e, event in enumerate(rng["events"]):
            (kind, value), = event.items()
            if value != "0":
                try:
                    parse_version(value)
                except VersionError as exc:
                    where = ("versions", "ranges", r, "events", e, kind)
                    raise SourceError(sig.path, sig.line_of(*where), _field(where), str(exc)) from None
        if rng["events"][0].get("introduced") is None:
            where = ("versions", "ranges", r, "events", 0)
            raise SourceError(sig.path, sig.line_of(*where), _field(where), "a range starts with an introduced event")


def load_kb(directory: Optional[os.PathLike | str] = None) -> KnowledgeBase:
    """Every `*.yaml` in the directory, validated; raises SourceError on the first problem."""
    root = Path(directory if directory is not None else default_dir())
    if not root.is_dir():
        raise SourceError(str(root), 0, "", "signature directory not found")
    sigs = []
    for path in sorted(root.glob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(str(path), 0, "", f"cannot read: {exc}") from None
        sigs.append(parse_signature(text, str(path)))
    if not sigs:
        raise SourceError(str(root), 0, "", "no signature files (*.yaml)")
    kb = KnowledgeBase(sigs, str(root))
    from .similarity import load_calibration

    kb.calibration = load_calibration()  # the shipped tables: confidences mean the same wherever loaded
    check_references(kb)
    return kb


def check_references(kb: KnowledgeBase) -> None:
    ids: dict[str, Signature] = {}
    for s in kb.signatures:
        if s.id in ids:
            raise SourceError(s.path, s.line_of("id"), "id", f"duplicate id, also in {ids[s.id].path}")
        ids[s.id] = s
    for s in kb.signatures:
        for key in ("related", "explains"):
            for i, other in enumerate(s.data.get(key, [])):
                if other not in ids:
                    raise SourceError(s.path, s.line_of(key, i), f"{key}[{i}]", f"unknown signature {other!r}")
                if other == s.id:
                    raise SourceError(s.path, s.line_of(key, i), f"{key}[{i}]", "a signature cannot refer to itself")
