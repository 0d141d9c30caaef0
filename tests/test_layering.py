"""The engine's modules import one another without cycles (a cycle means two modules that cannot be
read, tested or replaced apart; `index` and `prefilter` once imported each other), and the engine
imports nothing of the knowledge base, the site or the command line."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATCHER = ROOT / "matcher"
ROOMS = ("matcher", "kb", "signatures", "site_templates")  # installed as clawkb.<room>


def _imports(path: Path) -> set[str]:
    """The modules of `matcher` (and top-level packages) that `path` imports at run time: anything under
    `if TYPE_CHECKING:` is for annotations only."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING"
               for n in ast.walk(node)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                out.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
            elif node.level == 0 and node.module:
                parts = node.module.split(".")
                if parts[:2] == ["clawkb", "matcher"]:
                    out.update(parts[2:3] or [a.name for a in node.names])
                else:
                    out.add("/" + (parts[1] if parts[0] == "clawkb" and len(parts) > 1 else parts[0]))
        elif isinstance(node, ast.Import):
            out.update("/" + a.name.split(".")[0] for a in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    return {p.stem: _imports(p) for p in MATCHER.glob("*.py")}


def test_the_engine_modules_import_one_another_without_a_cycle():
    graph = _graph()
    local = {name: deps & set(graph) for name, deps in graph.items()}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        assert name not in path, " -> ".join(path[path.index(name):] + [name])
        if name in done:
            return
        for dep in sorted(local[name]):
            visit(dep, path + [name])
        done.add(name)

    for name in sorted(local):
        visit(name, [])


def test_the_engine_imports_nothing_of_the_knowledge_base():
    assert {name for name, deps in _graph().items() if deps & {"/kb", "/yaml", "/jinja2", "/mkdocs"}} == set()


def _absolute_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_everything_imports_the_rooms_through_the_one_installed_package():
    # `import matcher` works from a checkout's root and nowhere else: the wheel installs `clawkb` only
    sources = [p for d in (*ROOMS, "clawkb", "tests", "benchmarks") for p in (ROOT / d).rglob("*.py")]
    stray = {f"{p.relative_to(ROOT)}: {name}" for p in sources for name in _absolute_imports(p)
             if name.split(".")[0] in ROOMS or name.startswith("clawkb_")}
    assert stray == set()
