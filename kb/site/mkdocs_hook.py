"""MkDocs hook: add the generated pages and scripts to the build, and watch the signatures.

Configured in mkdocs.yml (`hooks:`). Page generation stays in our own code; MkDocs and Material only
render and search it.
"""
from __future__ import annotations

import os
from pathlib import Path

from mkdocs.structure.files import File, Files

from clawkb.kb.signatures import load_kb
from clawkb.kb.site.generate import pages


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_files(files: Files, config) -> Files:
    root = _root(config)
    # the checkout's own templates, handed down (not through os.environ for pages.py to read back)
    kb = load_kb(os.environ.get("CLAWKB_SIGNATURES") or root / "signatures")
    for path, content in pages(kb, templates=root / "site_templates"):
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    return files


def on_serve(server, config, builder):
    root = _root(config)
    for d in (os.environ.get("CLAWKB_SIGNATURES") or root / "signatures", root / "site_templates"):
        server.watch(str(d))
    return server
