"""Diagnoses as Markdown: one renderer for `clawkb match --format markdown` and the issue comment.

Both render `site_templates/diagnoses.md.j2` with the same fence rule (a fence longer than any run of
backticks or tildes in what it holds) and the same "what to collect next" list (report.COLLECT_NEXT).
Every evidence line is redacted and stripped of control characters before it is put in a fence.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from clawkb.matcher import redact

from .knowledge import page_url
from .pages import environment
from .report import COLLECT_NEXT


def fence_for(texts: Iterable[str]) -> str:
    """A code fence no line of `texts` can close: one backtick longer than their longest run."""
    longest = max((len(m) for text in texts for m in re.findall(r"`+|~+", text)), default=0)
    return "`" * max(3, longest + 1)


def clean_line(text: str, width: int) -> str:
    text = redact(text).replace("\r", "")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    return text if len(text) <= width else text[: width - 1] + "…"


def render(records: list[dict[str, Any]], *, where: str = "this input", site_url: Optional[str] = None,
           marker: str = "", removed: Iterable[str] = (), closest: Iterable[dict[str, Any]] = (),
           max_lines: int = 8, width: int = 300, with_fix: bool = True, templates: Optional[Union[str, Path]] = None) -> str:
    """The Markdown of `records` (the diagnosis records of report.py). `where` names what was read
    ("this input", "this issue"); `marker` and `site_url` are the issue comment's (its hidden marker and
    its footer); with a `site_url` each diagnosis links that site's page."""
    diags = []
    for r in records:
        ev = [{"line": e["line"], "text": clean_line(e["text"], width)} for e in r["evidence"][:max_lines]]
        url = page_url(r["id"], site_url) if site_url else r["url"]
        diags.append({**r, "url": url, "evidence": ev, "fence": fence_for(e["text"] for e in ev),
                      "fix": r.get("fix", []) if with_fix else []})
    body = environment(templates).get_template("diagnoses.md.j2").render(
        marker=marker, diagnoses=diags, removed=list(removed), closest=list(closest), where=where,
        site_url=site_url, collect=COLLECT_NEXT)
    return redact(body)
