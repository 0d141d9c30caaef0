"""Every page of the site as (path, content), rendered from the signatures through site_templates/."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterator, Optional

from ..pages import affected_text, environment, front_matter, signature_markdown
from ..remedies.bundle import build_script, script_filename
from ..remedies.repairs import REPAIRS
from ..signatures import KnowledgeBase

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def scripts() -> dict[str, dict]:
    return {r: {"filename": script_filename(r), "source": build_script(r), "href": f"../scripts/{script_filename(r)}"}
            for r in REPAIRS}


def pages(kb: KnowledgeBase, templates: Optional[Path] = None) -> Iterator[tuple[str, str]]:
    """Every page of the site, rendered from `templates` (default: the installed site_templates)."""
    env = environment(templates)
    sigs = sorted(kb.signatures, key=lambda s: (SEVERITY_ORDER[s.severity], s.category, s.id))
    rows = [{"id": s.id, "title": s.title, "category": s.category, "severity": s.severity,
             "affected": affected_text(s), "status": s.versions["status"], "summary": s.summary} for s in sigs]
    yield "index.md", env.get_template("home.md.j2").render(rows=rows, count=len(rows))
    yield "failures/index.md", env.get_template("failures_index.md.j2").render(rows=rows)
    scr = scripts()
    for s in kb.signatures:
        yield f"failures/{s.id}.md", signature_markdown(s, kb, scripts=scr, link_prefix="", templates=templates)
    for facet, key, title in (("providers", "providers", "Provider"), ("components", "components", "Component"),
                              ("categories", "category", "Category")):
        groups: dict[str, list] = defaultdict(list)
        for s in sigs:
            values = s.data.get(key, []) if key != "category" else [s.category]
            for v in values:
                groups[v].append({"id": s.id, "title": s.title, "severity": s.severity})
        yield f"tags/{facet}.md", env.get_template("tag_index.md.j2").render(
            facet=facet, title=title, groups=sorted(groups.items()))
    for r, info in scr.items():
        yield f"scripts/{info['filename']}", info["source"]
    yield "paste.md", paste_page(kb, env)


def paste_page(kb: KnowledgeBase, env) -> str:
    """The paste-a-log page (its files: `browser.files`)."""
    from .browser import ASSETS

    meta = {"title": "Paste a log", "description": "Paste an OpenClaw log or issue body and get clawkb's diagnoses, "
            "computed in your browser: nothing you paste leaves the page."}
    return env.get_template("paste.md.j2").render(front_matter=front_matter(meta), count=len(kb.signatures),
                                                  assets=ASSETS)

