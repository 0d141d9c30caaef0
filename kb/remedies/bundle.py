"""Build the standalone repair scripts from the same modules `clawkb fix` runs.

A script is a header (what the repair changes, how to run it, where its code is), then matcher/calver.py, matcher/redact.py, arguments.py, openclaw_cli.py, openclaw_state.py, gateway.py, writes.py, backups.py and
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


def planner_of(repair: str) -> tuple[str, str]:
    """(function, what it changes) of a repair: the `plan_*` function PLANNERS calls for it, and the
    first paragraph of its docstring."""
    import ast

    tree = ast.parse((HERE / "repairs.py").read_text(encoding="utf-8"))
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "PLANNERS":
            for key, value in zip(node.value.keys, node.value.values):
                if key.value == repair and isinstance(value, ast.Lambda) and isinstance(value.body, ast.Call):
                    name = value.body.func.id
                    doc = " ".join((ast.get_docstring(functions[name]) or "").split("\n\n")[0].split())
                    reasons = _reasons(tree, functions[name], value.body)
                    return name, doc + (f" This script clears the reasons: {', '.join(reasons)}." if reasons else "")
    raise KeyError(repair)


def _reasons(tree, function, call) -> list[str]:
    """The failure reasons a lockout repair's call passes (`reasons=`), else its function's default."""
    import ast

    value = next((kw.value for kw in call.keywords if kw.arg == "reasons"), None)
    if value is None:
        args = function.args
        named = dict(zip([a.arg for a in args.args][-len(args.defaults):], args.defaults)) if args.defaults else {}
        value = named.get("reasons")
    if isinstance(value, ast.Name):  # a module constant (NON_BILLING_REASONS)
        value = next((n.value for n in tree.body if isinstance(n, ast.Assign)
                      and any(getattr(t, "id", None) == value.id for t in n.targets)), None)
    if isinstance(value, ast.Tuple):
        return [e.value for e in value.elts if isinstance(e, ast.Constant)]
    return []


def _wrap(text: str, width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def build_script(repair: str) -> str:
    """One repair as one file: what it changes and how to run it first, then the code. The repair is
    its `plan_*` function in the repairs.py part (the header gives its line); the parts before it are
    the shared machinery it uses."""
    if repair not in REPAIRS:
        raise KeyError(repair)
    planner, changes = planner_of(repair)
    name = script_filename(repair)
    header = [
        "#!/usr/bin/env python3",
        f'"""{repair}: a standalone OpenClaw state repair from clawkb (Python 3.9+, standard library only).',
        "",
        *_wrap(f"What it changes: {changes}"),
        "",
        *_wrap(f"How to run it: `python3 {name}` prints what it would change (a dry run, secrets masked); "
               f"`python3 {name} --apply` makes the change: it refuses while the gateway runs (unless --force), "
               "takes a timestamped backup first, writes JSON by temp file + fsync + rename and changes SQLite in "
               "one transaction; `--restore BACKUP` puts a backup back. `--help` lists the options."),
        "",
        "Reading it: the repair itself is `{planner}` (line {line}, in the repairs.py part). The parts",
        "before it are what every repair shares: OpenClaw's versions, the secret masker, finding and",
        "reading OpenClaw's state, the gateway check, safe writes and backups. Generated from kb/remedies/",
        'of clawkb; `clawkb fix` runs the same code."""',
        "from __future__ import annotations",
        "",
    ]
    parts = []
    for src in SOURCES:
        parts.append(f"# ---- {src.parent.name}/{src.name}")
        parts.append(_strip(src.read_text(encoding="utf-8")))
        parts.append("")
    parts.append("")
    parts.append('if __name__ == "__main__":')
    parts.append(f'    sys.exit(script_main("{repair}"))')
    body = "\n".join(parts) + "\n"
    line = len(header) + 1 + body.splitlines().index(next(l for l in body.splitlines() if l.startswith(f"def {planner}(")))
    return "\n".join(header).replace("{planner}", planner).replace("{line}", str(line)) + "\n" + body


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
