"""The signature schema, as JSON Schema (draft 2020-12).

This one definition validates every `signatures/*.yaml` on load and is exported to
`signatures/signature.schema.json` for editors (`clawkb schema`). The prose reference is
`docs/signature-format.md`.
"""
from __future__ import annotations

import json
from typing import Any

from clawkb.matcher.calver import VERSION
from clawkb.matcher.model import MIN_SIMILARITY, WINDOW

VERSION_PATTERN = rf"^(0|v?{VERSION})$"  # an OSV event: 0 (since the beginning) or a version
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

_text = {"type": "string", "minLength": 1}

_indicator = {
    "type": "object",
    "description": "One piece of evidence. Exactly one of phrase / literal / regex.",
    "additionalProperties": False,
    "required": ["id", "weight"],
    "properties": {
        "id": {"type": "string", "pattern": ID_PATTERN, "description": "Unique within the signature."},
        "phrase": {**_text, "description": "Matched fuzzily against masked, lower-cased lines."},
        "literal": {**_text, "description": "Exact substring (case-insensitive unless case_sensitive)."},
        "regex": {**_text, "description": "Linear-time regular expression (no backreferences, lookarounds or nested unbounded repeats)."},
        "weight": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                   "description": "How sure this indicator alone makes the diagnosis (0..1]."},
        "role": {"enum": ["anchor", "support"], "default": "anchor",
                 "description": "support: only strengthens a signature that already has an anchor."},
        "case_sensitive": {"type": "boolean", "default": False},
        "min_similarity": {"type": "number", "minimum": 50, "maximum": 100, "default": MIN_SIMILARITY,
                           "description": "Phrase only: rapidfuzz partial-ratio cut-off."},
        "after": {"type": "string", "pattern": ID_PATTERN,
                  "description": "Counts only on lines after a hit of this other indicator (sequence evidence)."},
        "note": {"type": "string"},
    },
    "oneOf": [{"required": ["phrase"]}, {"required": ["literal"]}, {"required": ["regex"]}],
}

_event = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        "introduced": {"type": "string", "pattern": VERSION_PATTERN},
        "fixed": {"type": "string", "pattern": VERSION_PATTERN},
        "last_affected": {"type": "string", "pattern": VERSION_PATTERN},
    },
}

_example = {
    "type": "object",
    "additionalProperties": False,
    "required": ["text"],
    "properties": {
        "text": _text,
        "note": {"type": "string"},
        "source": {"type": "string", "description": "Where the text comes from (URL)."},
        "expect_line": {"type": "string",
                        "description": "Positive only: the evidence must include a line containing this."},
    },
}

_step = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title"],
    "properties": {
        "title": _text,
        "body": {"type": "string", "description": "Markdown."},
        "commands": {"type": "array", "items": _text},
        "platforms": {
            "type": "object",
            "additionalProperties": False,
            "description": "Commands that differ by platform (shown as tabs on the site).",
            "properties": {p: {"type": "array", "items": _text} for p in ("macos", "linux", "docker", "windows")},
        },
        "remediation": {"type": "string", "pattern": ID_PATTERN,
                        "description": "Name of the clawkb fix that performs this step."},
        "alternative": {"type": "boolean",
                        "description": "Another way to do the step before it (shown under that step, not numbered)."},
        "upgrade": {"type": "boolean",
                    "description": "Upgrading OpenClaw: the title says `{{ fixed_in }}`, the release derived from "
                                   "`versions:` (for a diagnosis, from the user's version; left out when the user "
                                   "already runs it)."},
    },
}

SIGNATURE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://clawkb.dev/schema/signature.schema.json",
    "title": "clawkb signature",
    "description": "One known OpenClaw failure: how to recognise it, what it means, how to fix it.",
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "summary", "category", "severity", "versions", "references", "symptoms",
                 "evidence", "explanation", "fix", "examples"],
    "properties": {
        "id": {"type": "string", "pattern": ID_PATTERN, "description": "Stable id; also the page URL."},
        "title": _text,
        "summary": {**_text, "description": "One line."},
        "category": {"enum": ["billing", "auth", "failover", "cron", "config", "channel", "network",
                              "session", "provider", "gateway", "context", "tools"]},
        "severity": {"enum": ["critical", "high", "medium", "low"]},
        "tags": {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN}, "uniqueItems": True},
        "providers": {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN}, "uniqueItems": True},
        "components": {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN}, "uniqueItems": True},
        "aliases": {"type": "array", "items": {"type": "string", "pattern": r"^openclaw#\d+$"},
                    "description": "Upstream issue/PR numbers, as openclaw#NNNN."},
        "versions": {
            "type": "object",
            "additionalProperties": False,
            "required": ["status", "ranges"],
            "properties": {
                "status": {"enum": ["open", "fixed", "partially-fixed", "mitigated", "not-a-bug"],
                           "description": "Upstream fix status."},
                "ranges": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False, "required": ["events"],
                    "properties": {"events": {"type": "array", "minItems": 1, "items": _event},
                                   "note": {"type": "string"}}}},
                "note": {"type": "string"},
            },
        },
        "references": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["type", "url"],
            "properties": {
                "type": {"enum": ["issue", "pr", "fix", "docs", "commit", "discussion", "article"]},
                "url": {"type": "string", "pattern": r"^https://"},
                "title": {"type": "string"},
                "note": {"type": "string"},
            }}},
        "symptoms": {"type": "array", "minItems": 1, "items": {"oneOf": [
                         {**_text, "description": "A line the user sees, verbatim (shown as text to copy and search)."},
                         {"type": "object", "additionalProperties": False, "required": ["described"],
                          "properties": {"described": {**_text, "description": "What the user notices, in words "
                                                       "(Markdown prose, not a line of output)."}}}]},
                     "description": "What the user sees: lines verbatim, or `described:` in words."},
        "evidence": {
            "type": "object",
            "additionalProperties": False,
            "required": ["indicators"],
            "properties": {
                "window": {"type": "integer", "minimum": 1, "maximum": 2000, "default": WINDOW,
                           "description": "Lines within which indicators count in full."},
                "indicators": {"type": "array", "minItems": 1, "items": _indicator},
                "negative": {"type": "array", "items": _indicator},
                "captures": {"type": "object", "additionalProperties": {"type": "string"},
                             "propertyNames": {"pattern": r"^[a-z_][a-z0-9_]*$"},
                             "description": "name -> regex with a group (?P<name>...)."},
            },
        },
        "confirm": {"type": "array", "items": _step,
                    "description": "How to confirm: log lines, models status output, state files."},
        "explanation": {**_text, "description": "Root cause, Markdown; may use {{ capture }} values."},
        "fix": {"type": "array", "minItems": 1, "items": _step},
        "related": {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN}, "uniqueItems": True},
        "explains": {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN}, "uniqueItems": True,
                     "description": "Signatures this one is the root cause of, when both show."},
        "examples": {
            "type": "object",
            "additionalProperties": False,
            "required": ["positive", "negative"],
            "properties": {"positive": {"type": "array", "minItems": 1, "items": _example},
                           "negative": {"type": "array", "minItems": 1, "items": _example}},
        },
    },
}


def schema_json() -> str:
    return json.dumps(SIGNATURE_SCHEMA, indent=2, ensure_ascii=False) + "\n"
