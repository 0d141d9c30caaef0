"""What the site's paste-a-log page runs in the browser: `clawkb match`, offline, with no server.

Three parts, all served with the site, none fetched from anywhere else:
- the Pyodide runtime (CPython in WebAssembly) from the npm package `pyodide`, pinned in the
  repository's package.json and installed with `npm ci`;
- clawkb's own Python, the matcher and the knowledge layer as installed, in one zip (`python_bundle`);
- the knowledge base as JSON (`kb.portable`), with the texts prepared, so that neither YAML nor Jinja2
  is needed there.
The page calls `kb.diagnosis.diagnose_text`, the function behind `clawkb match --format json`. The only
piece the browser lacks, rapidfuzz, is replaced there by `matcher.partial_ratio`.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Iterator, Optional

# the files of the npm package a page loads (pyodide.js starts the rest: the runtime, the standard library)
PYODIDE_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
ASSETS = "assets/clawkb"  # where the page's files are served, under the site's root
_STAMP = (2026, 1, 1, 0, 0, 0)  # one date for every zip member: the same sources give the same bytes


class MissingRuntime(RuntimeError):
    """The Pyodide runtime is not installed (`npm ci` in the repository)."""


def pyodide_dir(root: Path) -> Path:
    """The installed npm package `pyodide` of the checkout at `root` (raises MissingRuntime)."""
    where = root / "node_modules" / "pyodide"
    missing = [f for f in PYODIDE_FILES if not (where / f).is_file()]
    if missing:
        raise MissingRuntime(f"the paste-a-log page needs the npm package pyodide ({', '.join(missing)} not in "
                             f"{where}): run `npm ci` in {root}")
    return where


def _package_files() -> Iterator[tuple[str, Path]]:
    """(name in the zip, file) for clawkb's modules the page imports: the package, the matcher, the
    knowledge layer with its remedies (what `kb.report` names) and data, not the site's build code."""
    import clawkb
    import clawkb.kb
    import clawkb.matcher

    rooms = [("clawkb", Path(clawkb.__file__).parent, False), ("clawkb/matcher", Path(clawkb.matcher.__file__).parent, True),
             ("clawkb/kb", Path(clawkb.kb.__file__).parent, True)]
    for name, folder, deep in rooms:
        for path in sorted(folder.rglob("*") if deep else folder.glob("*.py")):
            rel = path.relative_to(folder).as_posix()
            if rel.startswith("site/") or "__pycache__" in rel or not path.is_file():
                continue
            if path.suffix == ".py" or (rel.startswith("data/") and path.suffix == ".json"):
                yield f"{name}/{rel}", path


def python_bundle() -> bytes:
    """clawkb's Python for the browser, as one zip (unpacked into Pyodide's site-packages)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, path in _package_files():
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes())
    return out.getvalue()


def knowledge_json(kb) -> str:
    from ..portable import dump

    return json.dumps(dump(kb), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def files(kb, root: Path) -> Iterator[tuple[str, Optional[bytes], Optional[str]]]:
    """(path under the site, content, or None with the file to copy) of everything the page loads."""
    runtime = pyodide_dir(root)
    for name in PYODIDE_FILES:
        yield f"{ASSETS}/pyodide/{name}", None, os.fspath(runtime / name)
    yield f"{ASSETS}/clawkb-python.zip", python_bundle(), None
    yield f"{ASSETS}/knowledge.json", knowledge_json(kb).encode("utf-8"), None
    yield f"{ASSETS}/paste.js", None, os.fspath(Path(__file__).with_name("paste.js"))
