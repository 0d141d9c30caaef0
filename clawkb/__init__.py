"""clawkb: diagnose OpenClaw gateway failures from pasted logs, issue bodies and whole gateway logs.

The library face. Everything here is imported on first use, so `import clawkb` costs nothing until
a name is asked for (the command line seeds the regex cache before the engine's modules load).

    import clawkb
    from pathlib import Path
    doc = clawkb.read_document(Path("gateway.log.gz"))  # a path, raw bytes or text; gzip read through,
    result = clawkb.diagnose_document(doc)               # small inputs whole, large ones streamed
    for d in result["diagnoses"]:                        # what `clawkb match --format json` prints
        print(d["id"], d["confidence"], d["fix"][0]["title"])
    clawkb.diagnose_text("FailoverError: ... out of extra usage")["diagnoses"]

The rooms: `clawkb.matcher` (the engine: normalise, index, score; no YAML, no I/O while scoring),
`clawkb.kb` (the knowledge: schema, loading, validation, the CLI, pages, remediation),
`clawkb.signatures` (the data) and `clawkb.site_templates` (the words). docs/architecture.md maps them.
"""
from __future__ import annotations

import importlib
from typing import Any

_FACE = {
    "diagnose_text": "clawkb.kb.diagnosis",
    "diagnose_document": "clawkb.kb.diagnosis",
    "read_document": "clawkb.kb.diagnosis",
    "load_kb": "clawkb.kb.signatures",
    "Diagnosis": "clawkb.matcher.model",
    "Document": "clawkb.matcher.model",
    "InputError": "clawkb.matcher.normalise",
}

__all__ = sorted(_FACE)


def __getattr__(name: str) -> Any:
    where = _FACE.get(name)
    if where is None:
        raise AttributeError(f"module 'clawkb' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FACE))
