"""`clawkb export sigma DIR`: one Sigma rule per signature, for the log platform a fleet already has.

Sigma (https://sigmahq.io/docs/basics/rules.html) is the vendor-neutral rule format that pySigma's
backends convert to Grafana Loki's LogQL, Elasticsearch, Splunk and others. A rule here says, line by
line, what a signature's anchors say:

- keywords: each anchor's text; a literal as it is, a fuzzy phrase as its exact words, a regex as the
  words of which every match holds one (its anchor words: a line the regex matches holds one of them);
- filter: the negatives that are plain strings (a line holding one is not this failure).

What Sigma cannot say -- the window within which evidence counts, the order of a sequence, fuzzy
matching, negatives that are patterns or sit on other lines, the weights -- is named in the rule's
description, with how many of the signature's own examples the rule gets right line by line
(`line_match` is that semantics, and the tests hold the converted LogQL to it).
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Optional

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://clawkb.dev/signature/")  # ids: stable per signature id
LEVELS = {"critical": "critical", "high": "high", "medium": "medium", "low": "low"}
LOGSOURCE = {"product": "openclaw", "service": "gateway"}


MIN_RUN = 8  # a regex branch is kept by its longest fixed run of text of at least this many characters


def _regex_runs(pattern: str) -> tuple[list[str], int]:
    """For each top-level branch of `pattern`, its longest run of fixed text (a line the branch matches
    holds it): (the runs, how many branches have none long enough to say)."""
    from clawkb.matcher.regex_safety import top_level_branches

    try:
        import re._parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover
        import sre_parse  # type: ignore[no-redef]

    runs, missing = [], 0
    for branch in top_level_branches(pattern):
        try:
            items = sre_parse.parse(branch)
        except Exception:
            missing += 1
            continue
        best, run = "", ""
        for op, value in list(items) + [(None, None)]:
            if op is sre_parse.LITERAL:
                run += chr(value)
                continue
            best = max(best, run.strip(), key=len)
            run = ""
        if len(best) >= MIN_RUN:
            runs.append(best)
        else:
            missing += 1
    return runs, missing


def _plain(pattern: str) -> Optional[str]:
    """The text a regex matches when it is a plain string (no metacharacter but escaped punctuation)."""
    import re

    if re.fullmatch(r"(?:[^.^$*+?{}\[\]|()\\]|\\[^A-Za-z0-9])*", pattern):
        return re.sub(r"\\(.)", r"\1", pattern)
    return None


def detection(sig) -> tuple[list[str], list[str], list[str]]:
    """(keywords, filters, what Sigma cannot say) of a signature."""
    keywords: list[str] = []
    filters: list[str] = []
    limits: list[str] = []
    ev = sig.data["evidence"]
    for ind in ev["indicators"]:
        if ind.get("role", "anchor") != "anchor":
            continue
        if "literal" in ind:
            keywords.append(ind["literal"])
        elif "phrase" in ind:
            keywords.append(ind["phrase"])
            limits.append(f"the phrase {ind['id']!r} is matched fuzzily by clawkb, exactly here")
        else:
            runs, missing = _regex_runs(ind["regex"])
            keywords.extend(runs)
            if missing:
                limits.append(f"{missing} branch(es) of the regex {ind['id']!r} have no fixed text to look for")
            if runs:
                limits.append(f"the regex {ind['id']!r} is looked for by the fixed text of each branch")
    for ind in ev.get("negative", []):
        text = ind.get("literal") or (_plain(ind["regex"]) if "regex" in ind else None)
        if text:
            filters.append(text)
        else:
            limits.append(f"the negative {ind['id']!r} is a pattern or a phrase and is left out")
    if any(ind.get("role") == "support" for ind in ev["indicators"]):
        limits.append("supporting evidence and its weights are not scored")
    if ev.get("window") or any(ind.get("after") for ind in ev["indicators"]):
        limits.append("the window and sequence of the evidence are not checked (each line stands alone)")
    lower = lambda xs: list(dict.fromkeys(x.lower() for x in xs))  # noqa: E731 (Sigma keywords ignore case)
    return lower(keywords), lower(filters), limits


def line_match(keywords: list[str], filters: list[str], text: str) -> bool:
    """Whether a rule with these keywords and filters matches a line of `text` (case-insensitive)."""
    for line in text.splitlines():
        low = line.lower()
        if any(k in low for k in keywords) and not any(f in low for f in filters):
            return True
    return False


def _examples(sig, kind: str) -> list[str]:
    return [e["text"] for e in sig.data.get("examples", {}).get(kind, [])]


def rule(sig, url: str) -> dict[str, Any]:
    from .pages import plain_text

    keywords, filters, limits = detection(sig)
    pos, neg = _examples(sig, "positive"), _examples(sig, "negative")
    caught = sum(line_match(keywords, filters, t) for t in pos)
    told = sum(not line_match(keywords, filters, t) for t in neg)
    description = (f"{plain_text(sig.summary)} Exported from clawkb's signature {sig.id} ({url}). Line by line, "
                   f"this rule matches {caught} of its {len(pos)} positive examples and tells apart {told} of its "
                   f"{len(neg)} negative ones; clawkb match reads the whole log.")
    if limits:
        description += " What Sigma cannot say: " + "; ".join(limits) + "."
    detect: dict[str, Any] = {"keywords": keywords, "condition": "keywords"}
    if filters:
        detect["filter"] = filters
        detect["condition"] = "keywords and not filter"
    return {
        "title": sig.title,
        "id": str(uuid.uuid5(NAMESPACE, sig.id)),
        "status": "test",
        "description": description,
        "references": [url] + [r["url"] for r in sig.references],
        "author": "clawkb",
        "logsource": dict(LOGSOURCE),
        "detection": detect,
        "falsepositives": ["a line that names the failure without having it (a quote, a fixed release's log)"],
        "level": LEVELS[sig.severity],
    }


def export(kb, dest: Path) -> list[Path]:
    """Write one `<id>.yml` Sigma rule per signature into `dest`."""
    import yaml

    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for sig in kb.signatures:
        path = dest / f"{sig.id}.yml"
        path.write_text(yaml.safe_dump(rule(sig, kb.url(sig.id)), sort_keys=False, allow_unicode=True, width=120),
                        encoding="utf-8")
        out.append(path)
    return out
