"""OpenClaw's calendar versions: the one grammar, parsed and compared.

OpenClaw tags `YYYY.M.PATCH`, pre-releases `YYYY.M.PATCH-beta.N` (also seen: alpha, rc) and numeric
republish suffixes `YYYY.M.PATCH-N` (e.g. `2026.4.7-1`), which are stable builds that come *after* the
plain release. Order: 2026.4.7-beta.1 < 2026.4.7-beta.2 < 2026.4.7 < 2026.4.7-1 < 2026.4.7-2 < 2026.4.8.

Every other pattern that names a version embeds `VERSION` (the signature schema, the search for the
version a pasted log reports, the large-log scanner's `SCAN_PREFIX`). Standard library only and no other
clawkb module: the standalone repair scripts inline this file (kb/remedies/bundle.py).
"""
from __future__ import annotations

import re
from typing import Optional

_PARTS = (r"(?P<y>20\d\d)\.(?P<m>\d{1,2})\.(?P<p>\d{1,3})"
          r"(?:-(?:(?P<pre>alpha|beta|rc)\.?(?P<pren>\d+)|(?P<rep>\d+)))?")
VERSION = re.sub(r"\(\?P<\w+>", "(?:", _PARTS)  # the grammar without group names, to embed (no leading `v`)
SCAN_PREFIX = rb"20[0-9][0-9]\.[0-9]{1,2}\.[0-9]"  # how every VERSION starts: what a byte scanner looks for
_FULL = re.compile(rf"v?{_PARTS}")
_PRE_RANK = {"alpha": 0, "beta": 1, "rc": 2}

VersionKey = tuple  # (year, month, patch, 0-2 pre-release / 3 release, number)


class VersionError(ValueError):
    pass


def parse_version(text: str) -> VersionKey:
    """Sort key of a version string; raises VersionError when it is not an OpenClaw version."""
    m = _FULL.fullmatch(text.strip())
    if not m:
        raise VersionError(f"not an OpenClaw calendar version (YYYY.M.PATCH[-beta.N|-N]): {text!r}")
    y, mo, p = int(m["y"]), int(m["m"]), int(m["p"])
    if not 1 <= mo <= 12:
        raise VersionError(f"month out of range in version {text!r}")
    if m["pre"]:
        return (y, mo, p, _PRE_RANK[m["pre"]], int(m["pren"]))
    return (y, mo, p, 3, int(m["rep"] or 0))


def version_at_least(version: Optional[str], floor: str) -> Optional[bool]:
    """Whether `version` (as `openclaw --version` prints it: the version, maybe a build after it) is at
    least `floor`; None when either is no OpenClaw version."""
    m = _FULL.match((version or "").strip())
    try:
        return parse_version(m.group(0)) >= parse_version(floor) if m else None
    except VersionError:
        return None
