"""The JSON Schema of what `clawkb match --format json` (one object per input, JSON Lines) and
`clawkb doctor --format json` print. `clawkb schema --output` prints it; the repository keeps it as
docs/match-output.schema.json (a test holds the two equal and every corpus record valid), and
docs/output-format.md says what each field means."""
from __future__ import annotations

import json
from typing import Any

from .report import SCHEMA_VERSION

_text = {"type": "string"}
_maybe_text = {"type": ["string", "null"]}
_line = {"type": "integer", "minimum": 0, "description": "1-based line of the input (0: not from a line)"}

_evidence = {
    "type": "object", "additionalProperties": False, "required": ["line", "text"],
    "properties": {
        "line": _line,
        "text": {**_text, "description": "the line, secrets masked"},
        "indicator": {**_text, "description": "the signature's indicator that matched it (`state` for doctor)"},
        "file": {**_text, "description": "doctor: the state file it was read from"},
    },
}

_step = {
    "type": "object", "additionalProperties": False, "required": ["title"],
    "properties": {
        "title": _text, "body": {**_text, "description": "Markdown"},
        "commands": {"type": "array", "items": _text, "description": "shell commands, to run in order"},
        "alternative": {"const": True, "description": "another way to do the step before it"},
    },
}

_verdict = {
    "type": "object", "additionalProperties": False, "required": ["openclaw", "status", "fixed_in", "message"],
    "properties": {
        "openclaw": {**_text, "description": "the OpenClaw version the input reports"},
        "status": {"enum": ["affected", "fixed-later", "fixed-before", "not-introduced", "unknown"]},
        "fixed_in": {**_maybe_text, "description": "fixed-later: the release to upgrade to; fixed-before: the fix it has"},
        "message": {**_maybe_text, "description": "what the version means for this failure, in one sentence"},
    },
}

_diagnosis = {
    "type": "object", "additionalProperties": False,
    "required": ["id", "title", "summary", "confidence", "severity", "category", "url", "evidence", "evidence_total",
                 "captures", "upstream_status", "layer"],
    "properties": {
        "id": {**_text, "description": "the signature id (stable; its page is `url`)"},
        "title": _text, "summary": {**_text, "description": "Markdown, one line"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1,
                       "description": "calibrated: 0.7 is right about 7 times in 10"},
        "severity": {"enum": ["critical", "high", "medium", "low"]},
        "category": _text, "url": {**_text, "format": "uri"},
        "evidence": {"type": "array", "items": _evidence, "description": "the lines that show it (at most --max-evidence)"},
        "evidence_total": {"type": "integer", "minimum": 0, "description": "matching lines in all"},
        "first_line": {"type": ["integer", "null"]}, "last_line": {"type": ["integer", "null"]},
        "occurrences": {"type": "integer", "minimum": 0, "description": "separate occurrences in the input"},
        "first_seen": {**_maybe_text, "description": "the timestamp of the first occurrence, when the log has one"},
        "last_seen": _maybe_text,
        "captures": {"type": "object", "additionalProperties": {"type": "array", "items": _text},
                     "description": "values read from the evidence (provider, profile, model, job, version)"},
        "upstream_status": {"enum": ["open", "fixed", "partially-fixed", "mitigated", "not-a-bug"]},
        "version": _verdict,
        "layer": {"enum": ["rules", "similarity", "state"],
                  "description": "rules: log lines matched; similarity: resembles known reports; state: doctor"},
        "similarity": {"type": "number", "description": "similarity layer: the raw resemblance score"},
        "resembles": {"type": "array", "items": _text, "description": "similarity layer: the closest real reports"},
        "explanation": {**_text, "description": "--detail: why it happens (Markdown)"},
        "fix": {"type": "array", "items": _step, "description": "--detail: the fix steps, for the input's version"},
        "fix_commands": {"type": "array", "items": _text, "description": "doctor: the commands that repair it"},
        "fix_command": {**_text, "description": "doctor: the first of fix_commands"},
    },
}

_closest = {
    "type": "object", "additionalProperties": False, "required": ["id", "title", "confidence", "url", "layer"],
    "properties": {"id": _text, "title": _text, "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                   "url": _text, "layer": {"enum": ["rules", "similarity"]},
                   "resembles": {"type": "array", "items": _text}},
}

OUTPUT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://clawkb.dev/schema/match-output.schema.json",
    "title": "clawkb match / doctor JSON output",
    "description": "One object per input (`clawkb match --format json` prints one per line).",
    "type": "object", "additionalProperties": False,
    "required": ["schema_version", "input", "openclaw_version", "diagnoses"],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION, "description": "bumped when a field changes meaning or goes"},
        "input": {**_text, "description": "the path read (`-` for stdin), or doctor's state dir or --from file"},
        "openclaw_version": {**_maybe_text, "description": "the OpenClaw version the input reports running"},
        "diagnoses": {"type": "array", "items": _diagnosis, "description": "most likely first"},
        "closest": {"type": "array", "items": _closest,
                    "description": "when nothing is diagnosed: the known failures closest to it, too weak to report"},
        "unreadable": {"type": "array", "items": _text, "description": "doctor: state it could not read"},
        "notes": {"type": "array", "items": _text, "description": "doctor: what it noticed on the way"},
        "from": {**_text, "description": "doctor --from: which OpenClaw output it read"},
    },
}


def output_schema_json() -> str:
    return json.dumps(OUTPUT_SCHEMA, indent=2, ensure_ascii=False) + "\n"
