"""OSV-style affected ranges of OpenClaw calendar versions (the grammar: `matcher.calver`), and the
version a pasted text reports running."""
from __future__ import annotations

import re
from typing import Iterable, Optional

from .calver import VERSION, VersionError, VersionKey, parse_version
from .model import Line, VersionRange, VersionVerdict

__all__ = ["VersionError", "VersionKey", "find_openclaw_version", "in_range", "is_version", "parse_version", "verdict",
           "version_at", "version_mentions"]


def is_version(text: str) -> bool:
    try:
        parse_version(text)
    except VersionError:
        return False
    return True


def _key_or_zero(v: str) -> VersionKey:
    return (0, 0, 0, 0, 0) if v == "0" else parse_version(v)


def in_range(version: str, rng: VersionRange) -> bool:
    """OSV semantics: affected from each `introduced` until the next `fixed` (exclusive) or
    `last_affected` (inclusive)."""
    v = parse_version(version)
    affected = False
    for kind, value in sorted(rng.events, key=lambda e: (_key_or_zero(e[1]), e[0] != "introduced")):
        k = _key_or_zero(value)
        if kind == "introduced" and v >= k:
            affected = True
        elif kind == "fixed" and v >= k:
            affected = False
        elif kind == "last_affected" and v > k:
            affected = False
    return affected


def verdict(version: str, ranges: Iterable[VersionRange]) -> VersionVerdict:
    ranges = tuple(ranges)
    if not ranges:
        return VersionVerdict(version, "unknown")
    v = parse_version(version)
    # every range the version is in must be fixed: the release to upgrade to is the latest of their
    # first fixes (two causes of one failure, fixed in two releases, both affecting the version)
    needed = []
    for rng in ranges:
        if in_range(version, rng):
            fixes = sorted(
                (parse_version(val), val) for kind, val in rng.events if kind == "fixed" and parse_version(val) > v
            )
            if not fixes:
                return VersionVerdict(version, "affected")
            needed.append(fixes[0])
    if needed:
        return VersionVerdict(version, "fixed-later", max(needed)[1])
    introduced = [_key_or_zero(val) for rng in ranges for kind, val in rng.events if kind == "introduced"]
    if introduced and v < min(introduced):
        return VersionVerdict(version, "not-introduced")
    fixed = [val for rng in ranges for kind, val in rng.events if kind == "fixed" and parse_version(val) <= v]
    last = max(fixed, key=parse_version) if fixed else None
    return VersionVerdict(version, "fixed-before", last)


# Where a pasted text names the OpenClaw version it ran. Labelled forms first; the bare form only when
# it is the one version in the text.
_LABELLED = [
    re.compile(rf"(?:openclaw|clawdbot|moltbot)[^\n\d]{{0,40}}?\bv?({VERSION})\b", re.I),
    re.compile(rf"version[^\n\d]{{0,30}}?\bv?({VERSION})\b", re.I),
    re.compile(rf"openclaw@({VERSION})\b", re.I),
]
_BARE = re.compile(rf"(?<![\d.])v?({VERSION})(?![\d.]*\d)")
_HEADING = re.compile(r"^#{1,6}\s*(?:openclaw\s+)?version\s*$", re.I)


def find_openclaw_version(lines: tuple[Line, ...]) -> tuple[Optional[str], Optional[int]]:
    """The OpenClaw version a text reports running, with the line that says so."""
    for i, line in enumerate(lines):
        # issue template: "### OpenClaw version" heading followed by the value on a later line
        if _HEADING.match(line.text.strip()):
            for nxt in lines[i + 1 : i + 4]:
                m = _BARE.search(nxt.text)
                if m and is_version(m.group(1)):
                    return m.group(1), nxt.no
    for pattern in _LABELLED:
        for line in lines:
            m = pattern.search(line.text)
            if m and is_version(m.group(1)):
                return m.group(1), line.no
    seen: dict[str, int] = {}
    for line in lines:
        for m in _BARE.finditer(line.text):
            if is_version(m.group(1)):
                seen.setdefault(m.group(1), line.no)
    if len(seen) == 1:
        (v, no), = seen.items()
        return v, no
    return None, None


def version_mentions(lines: tuple[Line, ...]) -> tuple[tuple[int, str], ...]:
    """(position, version) of every line that states the OpenClaw version it runs (the labelled forms:
    a start-up banner, `openclaw --version`, `openclaw@...`), in line order."""
    out = []
    for pos, line in enumerate(lines):
        if "20" not in line.text:  # every version starts with its year: most lines need no regex
            continue
        for pattern in _LABELLED:
            m = pattern.search(line.text)
            if m and is_version(m.group(1)):
                out.append((pos, m.group(1)))
                break
    return tuple(out)


def version_at(versions: tuple[tuple[int, str], ...], pos: int, default: Optional[str]) -> Optional[str]:
    """The version in force at line position `pos`: the last one stated at or before it, else `default`
    (the version the text reports: stated after the failure, or by an issue form)."""
    current = None
    for at, version in versions:
        if at > pos:
            break
        current = version
    return current or default
