"""How `clawkb match` results look: JSON Lines for tools, text for people, Markdown for issues."""
from __future__ import annotations

import os
import sys
import textwrap
from typing import Any, Optional, TextIO

from .report import COLLECT_NEXT, short_link


def shown(confidence: float) -> str:
    """A confidence to two places, rounded down: 0.9954 is not a certainty and is not shown as 1.00."""
    return f"{int(confidence * 100 + 1e-9) / 100:.2f}"


class Style:
    """ANSI styling, on only for a terminal and when colour is allowed (Settings.colour: no NO_COLOR,
    no TERM=dumb)."""

    def __init__(self, stream: TextIO, colour: bool = True, mode: str = "auto", width: int = 100):
        self.width = width  # prose lines are wrapped to it (evidence lines are log lines: kept)
        # --color always / never decide; auto: a terminal, and colour allowed
        self.on = mode == "always" or (mode == "auto" and colour and stream.isatty())

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on else text

    def bold(self, t: str) -> str:
        return self._wrap("1", t)

    def dim(self, t: str) -> str:
        return self._wrap("2", t)

    def red(self, t: str) -> str:
        return self._wrap("31", t)

    def yellow(self, t: str) -> str:
        return self._wrap("33", t)

    def green(self, t: str) -> str:
        return self._wrap("32", t)


def json_line(result: dict[str, Any]) -> str:
    import json  # only for --format json

    return json.dumps(result, ensure_ascii=False, separators=(",", ":"))


def evidence_place(e: dict[str, Any]) -> str:
    """Where an evidence line is: its line number in the input, or for what doctor read in OpenClaw's
    state (line 0) the file it read."""
    return str(e["line"]) if e.get("line") else (e.get("file") or "state")


def _clip(text: str, width: int = 220) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def text_report(result: dict[str, Any], style: Style) -> str:
    out: list[str] = []
    name = result["input"] if result["input"] != "-" else "stdin"
    diags = result["diagnoses"]
    version = result.get("openclaw_version")
    head = f"{name}: " + ((f"{len(diags)} diagnoses" if len(diags) != 1 else "1 diagnosis") if diags else "no known failure found")
    if version:
        head += f"  (OpenClaw {version})"
    out.append(style.bold(head))
    for n, d in enumerate(diags, 1):
        sev = {"critical": style.red, "high": style.red, "medium": style.yellow}.get(d["severity"], style.green)
        out.append("")
        out.append(f"{n}. {style.bold(d['title'])}  [{d['id']}]")
        out.append(f"   confidence {shown(d['confidence'])} · {sev(d['severity'])} · {d['category']} · upstream: {d['upstream_status']}")
        if d.get("version", {}).get("message"):
            out.append(f"   {style.yellow(d['version']['message'])}")
        if d.get("layer") == "similarity":  # known by resemblance: there are no evidence lines to show
            out.append(f"   resembles (similarity {d['similarity']:.2f}, no matching log line): "
                       + (", ".join(short_link(u) for u in d["resembles"]) or "the signature's own description"))
        else:
            out.append("   evidence:")
        for e in d["evidence"]:
            out.append(f"     {style.dim(evidence_place(e).rjust(5))}  {_clip(e['text'])}")
        more = d["evidence_total"] - len(d["evidence"])
        if more > 0:
            out.append(style.dim(f"     … and {more} more matching line(s)"))
        if d.get("occurrences", 0) > 1:
            span = f"lines {d['first_line']}–{d['last_line']}"
            if d.get("first_seen") and d.get("last_seen"):
                span += f", {d['first_seen']} → {d['last_seen']}"
            out.append(style.dim(f"     seen {d['occurrences']} times: {span}"))
        if d.get("explanation"):
            out.append("   why:")
            for para in d["explanation"].split("\n\n")[:1]:
                out += textwrap.wrap(" ".join(para.split()), style.width, initial_indent="     ", subsequent_indent="     ")
        if d.get("fix"):
            out.append("   fix:")
            i = 0
            for step in d["fix"]:
                if step.get("alternative"):  # another way to do the step before: under it, not numbered
                    out.append(f"        or: {step['title']}")
                else:
                    i += 1
                    out.append(f"     {i}. {step['title']}")
                for c in step.get("commands", []):
                    out.append(f"        $ {c}")
        out.append(f"   more: {d['url']}")
    if not diags:
        closest = result.get("closest") or []
        if closest:
            out.append("   closest known failures (too little evidence to say):")
            for c in closest:
                like = (" — resembles " + ", ".join(short_link(u) for u in c["resembles"])) if c.get("resembles") else ""
                out.append(f"     - {c['id']} ({shown(c['confidence'])}): {c['title']}{like}")
        out.append("   to narrow it down, collect and paste:")
        for c in COLLECT_NEXT:
            out.append(f"     $ {c['command']}" + (f"   # {c['why']}" if c["why"] else ""))  # a comment: safe to paste
    return "\n".join(out)


def doctor_report(result: dict[str, Any], style: Style, healthy: str) -> str:
    """`clawkb doctor` as text: the diagnoses as `match` prints them, each with its repair commands."""
    if not result["diagnoses"]:
        return healthy
    text = text_report(result, style)
    for d in result["diagnoses"]:
        for command in d["fix_commands"]:
            text += f"\n   repair ({d['id']}): {command}"
    return text


def markdown_report(result: dict[str, Any], templates: Optional[str] = None) -> str:
    """`--format markdown`: the issue comment's renderer, for what was read here."""
    from .markdown import render

    return render(result["diagnoses"], closest=result.get("closest") or (), templates=templates).strip()


def render(result: dict[str, Any], fmt: str, style: Style, *, templates: Optional[str] = None,
           healthy: Optional[str] = None) -> str:
    """A match (or, with `healthy`, a doctor) result in one of the `--format` choices."""
    if fmt == "json":
        return json_line(result)
    if fmt == "markdown":
        return markdown_report(result, templates)
    return text_report(result, style) if healthy is None else doctor_report(result, style, healthy)


def signature_table(signatures) -> str:
    """`clawkb list`: id, severity, status and title of each signature, one a line."""
    width = max(len(s.id) for s in signatures)
    return "\n".join(f"{s.id.ljust(width)}  {s.severity:<8} {s.versions['status']:<15} {s.title}" for s in signatures)


def write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text + "\n")
        stream.flush()
    except BrokenPipeError:  # `clawkb match big.log | head`
        try:
            sys.stdout = open(os.devnull, "w")
        finally:
            raise SystemExit(0)
