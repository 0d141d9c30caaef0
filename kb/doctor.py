"""What `clawkb doctor` reports, as a library: the conditions behind known failures found in the local
OpenClaw state, or in what OpenClaw reports about its state elsewhere (`openclaw models status --json`).

Both give a `Checkup`: the record the match command prints for a log (`result`, through
report.finding_record), what could not be read, notes, and the sentence to print when all is well.
Nothing here writes anything; `clawkb fix` repairs.
"""
from __future__ import annotations

import shlex
from typing import Any, Callable, Optional

from .knowledge import KnowledgeBase


class DoctorError(Exception):
    """The state or the report cannot be read at all; one line for the user."""


class Checkup:
    def __init__(self, result: dict[str, Any], healthy: str, unreadable: list[str], notes: list[str]):
        self.result, self.healthy, self.unreadable, self.notes = result, healthy, unreadable, notes


def fix_commands(sig_id: str, root: Any, extra: list) -> list[str]:
    """The `clawkb fix` command lines that repair what doctor found, one per finding that needs its own
    arguments (e.g. the profile to remove), quoted for a POSIX shell."""
    base = ["clawkb", "fix", sig_id, "--state-dir", str(root)]
    return [" ".join(shlex.quote(w) for w in base + list(args)) for args in extra]


def _result(kb: KnowledgeBase, found: list, name: str, version: Optional[str],
            commands: Callable[[dict], list[str]], extra: dict) -> dict[str, Any]:
    from .report import SCHEMA_VERSION, finding_record

    diags = [finding_record(f, kb, version, commands(f)) for f in found]
    return {"schema_version": SCHEMA_VERSION, "input": name, "openclaw_version": version, "diagnoses": diags, **extra}


def check_state(kb: KnowledgeBase, state_dir: Optional[str]) -> Checkup:
    """The local state (default: where OpenClaw keeps it); one unreadable part does not hide the others."""
    from .remedies.openclaw_state import StateError, detect_version
    from .remedies.openclaw_state import state_dir as find_state_dir
    from .remedies.repairs import findings

    problems: list[str] = []
    notes: list[str] = []
    try:
        root = find_state_dir(state_dir)
        found = findings(root, problems, notes)
        version = detect_version(root)
    except StateError as exc:
        raise DoctorError(str(exc)) from None
    healthy = (f"{root}: no known failure condition in the parts that could be read" if problems
               else f"{root}: healthy: no known failure condition in the local state")
    result = _result(kb, found, str(root), version,
                     lambda f: f.get("openclaw_commands", []) + fix_commands(f["id"], root, f.get("fix_args") or [[]]),
                     {"unreadable": problems, "notes": notes})
    return Checkup(result, healthy + (f" (OpenClaw {version})" if version else ""), problems, notes)


def check_report(kb: KnowledgeBase, data: bytes, name: str) -> Checkup:
    """What OpenClaw reports where its state lives (`name` "-" is stdin); the repairs are the OpenClaw
    commands to run there."""
    from .remedies.openclaw_state import now_ms
    from .remedies.reported import ReportError, parse

    label = "stdin" if name == "-" else name
    try:
        report = parse(data.decode("utf-8-sig"), now_ms(), name)
    except UnicodeDecodeError:
        raise DoctorError(f"{label} is not UTF-8 text: expected JSON from openclaw") from None
    except ReportError as exc:
        raise DoctorError(str(exc)) from None
    result = _result(kb, report.findings, name, None, lambda f: f["commands"], {"from": report.kind})
    return Checkup(result, f"{label}: healthy: no known failure condition in this `{report.kind}` output",
                   [], list(report.notes))
