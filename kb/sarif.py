"""`clawkb match --format sarif`: the diagnoses as a SARIF 2.1.0 log, for code-scanning UIs and editors.

One run for every input of the command; one rule per known failure (its title, summary, page as
`helpUri`, severity as the default level); one result per diagnosis, located at its evidence lines
(the first as the location, the rest as related locations), with its confidence and the version
verdict. Field names: the OASIS SARIF 2.1.0 specification
(https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html).
"""
from __future__ import annotations

from typing import Any, Iterable

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def _uri(name: str) -> str:
    """An artifact location for an input: its path as a relative or file URI reference ("-": stdin)."""
    from pathlib import PurePath
    from urllib.parse import quote

    if name in ("-", "<stdin>", "<text>"):
        return "stdin"
    path = PurePath(name)
    if path.is_absolute():
        return "file://" + quote(path.as_posix())
    return quote(path.as_posix())


def rule(sig, url: str) -> dict[str, Any]:
    from .pages import plain_text

    return {"id": sig.id, "name": sig.id, "shortDescription": {"text": sig.title},
            "fullDescription": {"text": plain_text(sig.summary)}, "helpUri": url,
            "help": {"text": f"{sig.title}. See {url}", "markdown": f"[{sig.title}]({url})"},
            "defaultConfiguration": {"level": LEVELS[sig.severity]},
            "properties": {"category": sig.category, "tags": [sig.category, *sig.data.get("providers", [])]}}


def _location(uri: str, line: int, text: str) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": uri},
                                 "region": {"startLine": line, "snippet": {"text": text}}}}


def result(diagnosis: dict[str, Any], uri: str) -> dict[str, Any]:
    lines = [e for e in diagnosis.get("evidence", []) if e.get("line")]
    message = diagnosis["title"] + (f" {diagnosis['version']['message']}" if diagnosis.get("version", {}).get("message")
                                    else "")
    out: dict[str, Any] = {
        "ruleId": diagnosis["id"], "level": LEVELS.get(diagnosis["severity"], "warning"), "message": {"text": message},
        "locations": [_location(uri, lines[0]["line"], lines[0]["text"])] if lines
        else [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
        "properties": {"confidence": diagnosis["confidence"], "layer": diagnosis["layer"],
                       "occurrences": diagnosis.get("occurrences", 1)},
    }
    if len(lines) > 1:
        out["relatedLocations"] = [dict(_location(uri, e["line"], e["text"]), id=i) for i, e in enumerate(lines[1:], 1)]
    if diagnosis.get("version"):
        out["properties"]["openclaw_version"] = diagnosis["version"]
    return out


def sarif_log(results: Iterable[dict[str, Any]], kb, version: str) -> dict[str, Any]:
    """The SARIF log of the records `clawkb match --format json` prints, one per input."""
    results = list(results)
    ids = kb.ids  # one rule per known failure, found or not: a code-scanning UI lists what it checks
    return {
        "$schema": SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "clawkb", "version": version, "informationUri": kb.site_url,
                                "rules": [rule(kb.get(i), kb.url(i)) for i in ids]}},
            "artifacts": [{"location": {"uri": _uri(r["input"])}} for r in results],
            "results": [dict(result(d, _uri(r["input"])), ruleIndex=ids.index(d["id"]))
                        for r in results for d in r["diagnoses"]],
        }],
    }
