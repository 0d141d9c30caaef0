"""Load, validate and index the knowledge base (`signatures/*.yaml`)."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

import jsonschema
import yaml

from clawkb.matcher.regex_safety import UnsafeRegex, check_regex
from clawkb.matcher.versions import VersionError, parse_version

from .knowledge import KnowledgeBase, Signature, _indicator, default_dir, page_url  # noqa: F401 (re-exported)
from .schema import SIGNATURE_SCHEMA
from .yamlsource import SourceError, load_located

__all__ = ["KnowledgeBase", "Signature", "SourceError", "check_references", "default_dir",
           "load_kb", "page_url", "parse_signature", "read_signature", "reference_problems", "validate"]

_VALIDATOR = jsonschema.Draft202012Validator(SIGNATURE_SCHEMA)


def _field(path: Iterable[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def parse_signature(text: str, path: str) -> Signature:
    """One signature file, checked against the schema and for its own consistency; raises the first
    problem (`read_signature` gives them all)."""
    sig, problems = read_signature(text, path)
    if problems:
        raise problems[0]
    assert sig is not None
    return sig


def read_signature(text: str, path: str) -> tuple[Optional[Signature], list[SourceError]]:
    """One signature file and every problem in it, in file order: all schema errors, or (when the
    schema holds) every consistency error. The signature is None when any problem was found."""
    located = load_located(text, path)
    data = located.data
    if not isinstance(data, dict):
        return None, [SourceError(path, 1, "", "a signature file holds one mapping")]
    cut = list(_cut_by_comments(text, path))
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: (located.line_of(tuple(e.absolute_path)), list(e.absolute_path)))
    if errors:
        return None, sorted([_schema_problem(path, located, e) for e in errors] + cut, key=lambda e: e.line)
    sig = Signature(data, path, located)
    problems = cut + [SourceError(sig.path, sig.line_of(*where), _field(where), message)
                      for check in _CHECKS for where, message in check(sig)]
    return (None if problems else sig), sorted(problems, key=lambda e: e.line)


def _cut_by_comments(text: str, path: str) -> Iterator[SourceError]:
    """A plain (unquoted) value ends where ` #` starts a comment: `note: fixed by #123 later` reads
    as `fixed by`. Every such cut is a problem: quote the value or write it as a block (`>-`)."""
    lines = text.split("\n")
    try:
        tokens = list(yaml.scan(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return  # the loader has said what is wrong
    for tok in tokens:
        if isinstance(tok, yaml.ScalarToken) and tok.plain:
            end = tok.end_mark
            rest = lines[end.line][end.column:] if end.line < len(lines) else ""
            if rest.lstrip().startswith("#"):
                yield SourceError(path, end.line + 1, "", f"the value {tok.value[-40:]!r} is cut by a comment "
                                  f"({rest.strip()[:40]!r}); quote it or write it as a block (>-)")


def _schema_problem(path: str, located, error: jsonschema.ValidationError) -> SourceError:
    e = _most_specific(error)
    return SourceError(path, located.line_of(tuple(e.absolute_path)), _field(e.absolute_path), _message(e))


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


Problem = tuple[tuple, str]  # (where in the file, what is wrong)


def _check_id(sig: Signature) -> Iterator[Problem]:
    stem = Path(sig.path).stem
    if stem != sig.id:
        yield ("id",), f"id {sig.id!r} must match the file name {stem!r}"


def _each_indicator(sig: Signature) -> Iterator[tuple[tuple, dict]]:
    for group in ("indicators", "negative"):
        for i, ind in enumerate(sig.data["evidence"].get(group, [])):
            yield ("evidence", group, i), ind


def _check_indicators(sig: Signature) -> Iterator[Problem]:
    from clawkb.matcher.index import compile_indicator

    seen: set[str] = set()
    for where, ind in _each_indicator(sig):
        if ind["id"] in seen:
            yield where + ("id",), f"duplicate indicator id {ind['id']!r}"
        seen.add(ind["id"])
        if "regex" in ind:
            try:
                check_regex(ind["regex"])
            except (UnsafeRegex, re.error) as exc:
                yield where + ("regex",), f"regex rejected: {exc}"
                continue
        if compile_indicator(_indicator(ind)).condition is None:  # a branch names no needle
            yield where, ("every branch must name a word of 3+ letters (or a 3-digit code) that large-log "
                          "prefiltering can look for")
    indicators = sig.data["evidence"]["indicators"]
    ids = {i["id"] for i in indicators}
    for i, ind in enumerate(indicators):
        if ind.get("after") is not None and (ind["after"] not in ids or ind["after"] == ind["id"]):
            yield ("evidence", "indicators", i, "after"), f"after must name another indicator of this signature, not {ind['after']!r}"
    if not any(i.get("role", "anchor") == "anchor" for i in indicators):
        yield ("evidence", "indicators"), "needs at least one anchor indicator"


def _check_captures(sig: Signature) -> Iterator[Problem]:
    for name, rx in sig.data["evidence"].get("captures", {}).items():
        where = ("evidence", "captures", name)
        try:
            check_regex(rx)
            groups = re.compile(rx).groupindex
        except (UnsafeRegex, re.error) as exc:
            yield where, f"regex rejected: {exc}"
            continue
        if name not in groups:
            yield where, f"regex must have a group (?P<{name}>...)"


def _check_fix(sig: Signature) -> Iterator[Problem]:
    from .remedies.repairs import REPAIRS

    for i, step in enumerate(sig.data["fix"]):
        if step.get("remediation") and step["remediation"] not in REPAIRS:
            yield ("fix", i, "remediation"), f"unknown repair {step['remediation']!r} (known: {', '.join(REPAIRS)})"


def _check_alternatives(sig: Signature) -> Iterator[Problem]:
    for i, step in enumerate(sig.data["fix"]):
        if step.get("alternative") and i == 0:
            yield ("fix", 0, "alternative"), "the first step cannot be an alternative to the one before it"
        if step["title"].startswith("Or ") and not step.get("alternative"):
            yield ("fix", i, "title"), "a step titled 'Or ...' is an alternative: mark it alternative: true"


def _check_versions(sig: Signature) -> Iterator[Problem]:
    for r, rng in enumerate(sig.data["versions"]["ranges"]):
        for e, event in enumerate(rng["events"]):
            (kind, value), = event.items()
            if value != "0":
                try:
                    parse_version(value)
                except VersionError as exc:
                    yield ("versions", "ranges", r, "events", e, kind), str(exc)
        if rng["events"][0].get("introduced") is None:
            yield ("versions", "ranges", r, "events", 0), "a range starts with an introduced event"
    fixed = [v for rng in sig.data["versions"]["ranges"] for e in rng["events"] for k, v in e.items() if k == "fixed"]
    if sig.data["versions"]["status"] == "fixed" and not fixed:
        yield ("versions", "status"), "status fixed needs a range with a fixed event (the release the fix shipped in)"
    for i, step in enumerate(sig.data.get("fix", [])):
        m = re.match(r"Upgrade to (\d{4}\.\d{1,2}\.\d{1,3}(?:-[\w.]+)?)\b", step["title"])
        if m:
            yield ("fix", i, "title"), (f"'Upgrade to {m.group(1)}' names a release by hand: mark the step "
                                        "`upgrade: true` and say `{{ fixed_in }}`, derived from versions: (for a "
                                        "diagnosis, from the user's version), so the page and the verdict agree")
        if step.get("upgrade"):
            if not fixed:
                yield ("fix", i, "upgrade"), "an upgrade step needs a range with a fixed event (the release to name)"
            if "fixed_in" not in step["title"]:
                yield ("fix", i, "title"), "an upgrade step's title names `{{ fixed_in }}`, the release derived for the reader"


def _check_templates(sig: Signature) -> Iterator[Problem]:
    from .texts import TemplateProblem

    for where, text in sig.template_paths():
        if isinstance(text, str):
            try:
                sig.text(text)
            except TemplateProblem as exc:
                yield tuple(where), f"template error: {exc}"


_CHECKS = (_check_id, _check_indicators, _check_captures, _check_fix, _check_versions, _check_templates, _check_alternatives)


def validate(directory: Optional[os.PathLike | str] = None) -> tuple[Optional[KnowledgeBase], list[SourceError]]:
    """Every `*.yaml` in the directory read and checked: the knowledge base (None when anything is
    wrong) and every problem found, file by file, then the references between files."""
    root = Path(directory if directory is not None else default_dir())
    if not root.is_dir():
        return None, [SourceError(str(root), 0, "", "signature directory not found")]
    files = sorted(root.glob("*.yaml"))
    if not files:
        return None, [SourceError(str(root), 0, "", "no signature files (*.yaml)")]
    sigs, problems, broken = [], [], set()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(SourceError(str(path), 0, "", f"cannot read: {exc}"))
            continue
        try:
            sig, found = read_signature(text, str(path))
        except SourceError as exc:  # YAML that does not parse
            sig, found = None, [exc]
        problems.extend(found)
        if sig is not None:
            sigs.append(sig)
        else:
            broken.add(path.stem)  # its own problems are said; references to it are not more of them
    kb = KnowledgeBase(sigs, str(root))
    problems.extend(reference_problems(kb, also_known=broken))
    return (None if problems else kb), problems


def load_kb(directory: Optional[os.PathLike | str] = None) -> KnowledgeBase:
    """Every `*.yaml` in the directory, validated (`validate`); raises the first problem as SourceError."""
    kb, problems = validate(directory)
    if problems:
        raise problems[0]
    assert kb is not None
    from .similarity import load_calibration

    kb.calibration = load_calibration()  # the shipped tables: confidences mean the same wherever loaded
    return kb


def reference_problems(kb: KnowledgeBase, also_known: Iterable[str] = ()) -> list[SourceError]:
    """Ids used twice, and `related` / `explains` entries that name no signature (or the same one);
    `also_known`: ids of files that exist but did not load."""
    also_known = set(also_known)
    problems = []
    ids: dict[str, Signature] = {}
    for s in kb.signatures:
        if s.id in ids:
            problems.append(SourceError(s.path, s.line_of("id"), "id", f"duplicate id, also in {ids[s.id].path}"))
        ids.setdefault(s.id, s)
    for s in kb.signatures:
        for key in ("related", "explains"):
            for i, other in enumerate(s.data.get(key, [])):
                if other not in ids and other not in also_known:
                    problems.append(SourceError(s.path, s.line_of(key, i), f"{key}[{i}]", f"unknown signature {other!r}"))
                elif other == s.id:
                    problems.append(SourceError(s.path, s.line_of(key, i), f"{key}[{i}]", "a signature cannot refer to itself"))
    return problems


def check_references(kb: KnowledgeBase) -> None:
    problems = reference_problems(kb)
    if problems:
        raise problems[0]
