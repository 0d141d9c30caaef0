"""clawkb's matching engine: normalise pasted OpenClaw logs and score failure rules against them.

A library first: typed functions, no global state, no I/O in the scoring path, and no knowledge of
YAML files or web pages (the `kb` package turns signature files into `Rule`s).

    from clawkb.matcher import Rule, Indicator, compile_rules, normalise, diagnose
    index = compile_rules([Rule(id="x", indicators=(Indicator("a", "phrase", "out of extra usage", 0.8),))])
    diagnose(normalise(text), index)
"""
# bound here too when kb.regex_store loaded it on its own before the package (the launcher does)
from . import regex_code  # noqa: F401
from .index import Index, compile_rules
from .model import (Capture, Diagnosis, Document, Elided, EvidenceHit, Indicator, Line, Rule, VersionRange,
                    VersionVerdict)
from .normalise import InputError, decode_bytes, normalise
from .redact import redact
from .regex_safety import UnsafeRegex, check_regex
from .score import diagnose
from .versions import VersionError, parse_version, verdict

__all__ = [
    "Capture", "Diagnosis", "Document", "Elided", "EvidenceHit", "Index", "Indicator", "InputError", "Line", "Rule",
    "UnsafeRegex", "VersionError", "VersionRange", "VersionVerdict", "check_regex", "compile_rules",
    "decode_bytes", "diagnose", "normalise", "parse_version", "redact", "verdict",
]
