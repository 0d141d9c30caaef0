"""Diagnoses as data: what `clawkb match --format json` prints, and what the other surfaces render.

A report joins the engine's `Diagnosis` (confidence, evidence, captures, version verdict) with the
signature's words (title, explanation, fix), with captured values sanitised before they are put into
any text.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from clawkb.matcher import Diagnosis, VersionVerdict
from clawkb.matcher.versions import VersionError, parse_version

from .knowledge import KnowledgeBase, Signature
from .similarity import Said
from .remedies.openclaw_cli import CLEAR_COOLDOWN_SINCE, clear_cooldown_command

LOCKOUT_REPAIRS = ("clear-billing-lockout", "clear-cooldowns", "clear-format-cooldown")

_SAFE_VALUE = re.compile(r"[^\w.:/@+-]")
# what to collect when nothing is known: every surface prints this one list
COLLECT_NEXT = [
    {"command": "openclaw --version", "why": ""},
    {"command": "openclaw models status", "why": ""},
    {"command": "openclaw logs --limit 500", "why": "the gateway log around the failure"},
]


SCHEMA_VERSION = 1  # of the records `match --format json` and `doctor --format json` print (kb/output_schema.py)


def safe_captures(captures: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """First value of each capture, limited to characters that cannot format or inject anything."""
    out = {}
    for name, values in captures.items():
        if values:
            value = _SAFE_VALUE.sub("", values[0])[:80]
            if value:
                out[name] = value
    return out


def fill(sig: Signature, text: str, values: dict[str, str]) -> str:
    """One of the signature's texts with the captured values in (see `kb.texts`)."""
    return sig.text(text).render(values)


def verdict_message(v: Optional[VersionVerdict], sig: Signature) -> Optional[str]:
    """What the user's OpenClaw version means for this failure, in one sentence."""
    if v is None:
        return None
    if v.status == "fixed-later":
        return f"OpenClaw {v.version} is affected; fixed in {v.fixed_in}: upgrade to {v.fixed_in} or later."
    if v.status == "affected":
        status = sig.versions["status"]
        tail = "no upstream fix yet" if status == "open" else f"upstream status: {status}"
        return f"OpenClaw {v.version} is affected ({tail})."
    if v.status == "fixed-before":
        return (f"OpenClaw {v.version} already contains the fix ({v.fixed_in}): this is probably something else "
                "with the same symptoms.")
    if v.status == "not-introduced":
        return f"OpenClaw {v.version} predates this failure: this is probably something else."
    return None


def diagnosis_record(diag: Diagnosis, kb: KnowledgeBase, *, detail: bool = True) -> dict[str, Any]:
    sig = kb.get(diag.id)
    values = safe_captures(diag.captures)
    rec: dict[str, Any] = {
        "id": sig.id,
        "title": sig.title,
        "summary": sig.summary,
        "confidence": diag.confidence,
        "severity": sig.severity,
        "category": sig.category,
        "url": kb.url(sig.id),
        "evidence": [{"line": e.line, "text": e.text, "indicator": e.indicator} for e in diag.evidence],
        "evidence_total": diag.evidence_total,
        "first_line": diag.first_line,
        "last_line": diag.last_line,
        "occurrences": diag.occurrences,
        "first_seen": diag.first_time,
        "last_seen": diag.last_time,
        "captures": {k: list(v) for k, v in diag.captures.items()},
        "upstream_status": sig.versions["status"],
    }
    if diag.verdict is not None:
        rec["version"] = {
            "openclaw": diag.verdict.version,
            "status": diag.verdict.status,
            "fixed_in": diag.verdict.fixed_in,
            "message": verdict_message(diag.verdict, sig),
        }
    if detail:
        rec["explanation"] = fill(sig, sig.explanation, values)
        rec["fix"] = own_command_first(sig, diag.verdict, values) + fix_steps(
            sig, values, diag.verdict.version if diag.verdict is not None else None)
    return rec


def step_title(step: dict[str, Any], title: str) -> str:
    """A step's title as every renderer shows it: an alternative's without its "Or " (the page, the
    report and the comment put their own "or" before it, under the step it is an alternative to)."""
    return title[3:] if step.get("alternative") and title.startswith("Or ") else title


def fix_steps(sig: Signature, values: dict[str, str], version: Optional[str] = None) -> list[dict[str, Any]]:
    """The fix steps as a diagnosis says them: captured values filled in, and an `upgrade: true` step
    naming the release `Signature.upgrade_target` derives for the user's version (left out when there
    is none to upgrade to: the version already has the fix, or predates the failure)."""
    steps = []
    dropped = False
    for step in sig.fix:
        here = values
        if step.get("alternative") and dropped:
            continue  # another way to do a step left out
        dropped = False
        if step.get("upgrade"):
            target = sig.upgrade_target(version)
            if target is None:
                dropped = True
                continue
            here = {**values, "fixed_in": target}
        steps.append({
            "title": step_title(step, fill(sig, step["title"], here)),
            **({"body": fill(sig, step["body"], here)} if step.get("body") else {}),
            **({"commands": [fill(sig, c, here) for c in step["commands"]]} if step.get("commands") else {}),
            **({"alternative": True} if step.get("alternative") else {}),  # to the step before it
        })
    return steps


def finding_record(finding: dict[str, Any], kb: KnowledgeBase, version: Optional[str],
                   commands: list[str]) -> dict[str, Any]:
    """The record of what `clawkb doctor` found in OpenClaw's state (or in what OpenClaw reports about
    it): the same record as a diagnosis from a log, its evidence the state it read (`file` says
    where), `layer` `state`, and the repair commands."""
    from clawkb.matcher import EvidenceHit, verdict

    sig = kb.get(finding["id"])
    v = None
    if version:
        try:
            v = verdict(version, sig.to_rule().affected)
        except ValueError:  # a version string we cannot order: say nothing rather than guess
            v = None
    evidence = finding["evidence"]
    diag = Diagnosis(id=sig.id, confidence=finding["confidence"],
                     evidence=tuple(EvidenceHit(e["line"], e["text"], "state", 1.0) for e in evidence),
                     evidence_total=len(evidence), captures={k: tuple(vs) for k, vs in finding["captures"].items()},
                     verdict=v)
    # no page steps: the repair is the commands, which know where the state lives (`--from` reads a
    # report of another machine's, where `clawkb fix` cannot reach)
    rec = diagnosis_record(diag, kb, detail=False)
    rec["evidence"] = [dict(e) for e in evidence]
    rec["layer"] = "state"
    rec["fix_commands"] = list(commands)
    rec["fix_command"] = rec["fix_commands"][0] if commands else ""
    return rec


def own_command_first(sig: Signature, v: Optional[VersionVerdict], values: dict[str, str]) -> list[dict[str, Any]]:
    """Where the user's OpenClaw has its own command to clear a profile's lockout, the step that uses it,
    with the profile id the log names (else a placeholder to fill in)."""
    if v is None or not any(step.get("remediation") in LOCKOUT_REPAIRS for step in sig.fix):
        return []
    try:
        if parse_version(v.version) < parse_version(CLEAR_COOLDOWN_SINCE):
            return []
    except VersionError:
        return []
    profile = values.get("profile") or values.get("stale_profile") or "<profile-id>"
    return [{"title": "Clear the lockout with OpenClaw's own command",
             "body": f"OpenClaw {v.version} has `models auth clear-cooldown`; use it rather than editing its state.",
             "commands": [clear_cooldown_command(profile)]}]


def said_record(said: Said, kb: KnowledgeBase, *, detail: bool = True) -> dict[str, Any]:
    """The record of one reported diagnosis, saying how it is known: `layer` `rules` (with its evidence)
    or `similarity` (no evidence: its `similarity` score and the real reports it `resembles`)."""
    if said.diagnosis is not None:
        rec = diagnosis_record(said.diagnosis._replace(confidence=said.confidence), kb, detail=detail)
        rec["layer"] = said.layer
        return rec
    assert said.resemblance is not None
    rec = diagnosis_record(Diagnosis(id=said.id, confidence=said.confidence, evidence=(), evidence_total=0), kb,
                           detail=detail)
    rec["layer"] = "similarity"
    rec["similarity"] = said.resemblance.score
    rec["resembles"] = list(said.resemblance.resembles)
    return rec


_THREAD = re.compile(r"^https://github\.com/[\w.-]+/([\w.-]+)/(?:issues|pull|discussions)/(\d+)")


def short_link(url: str) -> str:
    """`https://github.com/openclaw/openclaw/issues/123` as `openclaw#123`; other links as they are."""
    m = _THREAD.match(url)
    return f"{m.group(1)}#{m.group(2)}" if m else url
