"""Build the standalone repair scripts from the same modules `clawkb fix` runs.

A script is matcher/calver.py, matcher/redact.py, arguments.py, openclaw_cli.py, openclaw_state.py, gateway.py, writes.py, backups.py and
repairs.py concatenated (lines marked
`# bundle: inline` are the imports the concatenation makes unnecessary) with an entry point for one
repair. Nothing is copied by hand: the site and `clawkb scripts` call `build_script`.
"""
from __future__ import annotations

from pathlib import Path

from .repairs import REPAIRS

HERE = Path(__file__).resolve().parent
SOURCES = [HERE.parent.parent / "matcher" / "calver.py", HERE.parent.parent / "matcher" / "redact.py", HERE / "arguments.py", HERE / "openclaw_cli.py",
           HERE / "openclaw_state.py", HERE / "gateway.py", HERE / "writes.py", HERE / "backups.py", HERE / "repairs.py"]


def _strip(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.rstrip().endswith("# bundle: inline") or line.startswith("from __future__ import"):
            continue
        lines.append(line)
    return "\n".join(lines).strip("\n")


def build_script(repair: str) -> str:
    if repair not in REPAIRS:
        raise KeyError(repair)
    parts = [
        "#!/usr/bin/env python3",
        f'"""{repair}: a standalone OpenClaw state repair from clawkb (Python 3.9+, standard library only).',
        "",
        "Dry run by default: prints what would change, secrets masked. --apply refuses while the gateway",
        "runs (unless --force), takes a timestamped backup, writes JSON by temp file + fsync + rename and",
        "changes SQLite in one transaction. --restore BACKUP puts a backup back. Generated from",
        'kb/remedies/ of clawkb; `clawkb fix` runs the same code."""',
        "from __future__ import annotations",
        "",
    ]
    for src in SOURCES:
        parts.append(f"# ---- {src.parent.name}/{src.name}")
        parts.append(_strip(src.read_text(encoding="utf-8")))
        parts.append("")
    parts.append("")
    parts.append('if __name__ == "__main__":')
    parts.append(f'    sys.exit(script_main("{repair}"))')
    return "\n".join(parts) + "\n"


def script_filename(repair: str) -> str:
    return f"openclaw-{repair}.py"


def write_scripts(dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for repair in REPAIRS:
        p = dest / script_filename(repair)
        p.write_text(build_script(repair), encoding="utf-8")
        p.chmod(0o755)
        out.append(p)
    return out
