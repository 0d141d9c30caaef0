"""MkDocs hook: add the generated pages and scripts to the build, and watch the signatures.

Configured in mkdocs.yml (`hooks:`). Page generation stays in our own code; MkDocs and Material only
render and search it.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from clawkb.kb.pages import page_meta, read_front_matter
from clawkb.kb.settings import Settings
from clawkb.kb.signatures import load_kb
from clawkb.kb.site import browser
from clawkb.kb.site.generate import pages


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def _signatures(root: Path) -> Path:
    return Path(Settings.from_env(os.environ).signatures or root / "signatures")


def on_files(files: Files, config) -> Files:
    root = _root(config)
    # the checkout's own templates and the configured site_url, handed down
    kb = load_kb(_signatures(root))
    kb.site_url = (config["site_url"] or kb.site_url).rstrip("/") + "/"
    for path, content in pages(kb, templates=root / "site_templates"):
        _check_front_matter(kb, path, content)
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    try:  # the paste-a-log page's runtime, clawkb's Python and the knowledge base
        assets = list(browser.files(kb, root))
    except browser.MissingRuntime as exc:
        raise PluginError(str(exc)) from None
    for path, content, source in assets:
        if content is not None:
            files.append(File.generated(config, path, content=content))
        else:
            files.append(File.generated(config, path, abs_src_path=source))
    return files


def _check_front_matter(kb, path: str, content: str) -> None:
    """A failure page whose front matter does not read back as its signature's fails the build (MkDocs
    would show a broken block as text and lose the title, description and tags)."""
    if not (path.startswith("failures/") and path != "failures/index.md"):
        return
    sig = kb.get(path[len("failures/"):-len(".md")])
    if read_front_matter(content) != page_meta(sig):
        raise PluginError(f"{path}: its front matter does not read back as {sig.id}'s title, description and tags")


def on_nav(nav, config, files):
    """The sidebar in a reader's order: home, paste a log, the failures (the index, then by title),
    the tag pages, then the pages about clawkb itself (MkDocs would sort files by name: by id)."""
    from mkdocs.structure.nav import Section

    def title(item) -> str:
        return (item.title or "").lower()

    def rank(item) -> tuple:
        if isinstance(item, Section):
            return (2 if title(item) == "failures" else 3, title(item))
        src = item.file.src_uri if getattr(item, "file", None) else ""
        return ({"index.md": 0, "paste.md": 1}.get(src, 4), title(item))

    for item in nav.items:
        if isinstance(item, Section) and title(item) == "failures":
            item.children.sort(key=lambda c: (0 if getattr(c, "file", None) and c.file.src_uri == "failures/index.md"
                                              else 1, title(c)))
    nav.items.sort(key=rank)
    pages = [p for p in _walk(nav.items)]
    for i, page in enumerate(pages):  # previous / next follow the sidebar
        page.previous_page = pages[i - 1] if i else None
        page.next_page = pages[i + 1] if i + 1 < len(pages) else None
    nav.pages = pages
    return nav


def _walk(items):
    for item in items:
        if getattr(item, "children", None):
            yield from _walk(item.children)
        elif getattr(item, "file", None) is not None:
            yield item


def on_page_context(context, page, config, nav):
    """Edit links: a page of docs/ is edited in its file, a failure page in its signature file; the
    other generated pages (home, indexes, tags, paste a log) have none."""
    repo = (config.get("extra", {}).get("repository") or "").rstrip("/")
    src = page.file.src_uri
    if not repo:
        page.edit_url = None
    elif src.startswith("failures/") and src != "failures/index.md":
        page.edit_url = f"{repo}/edit/main/signatures/{src[len('failures/'):-len('.md')]}.yaml"
    elif (Path(config["docs_dir"]) / src).is_file():
        page.edit_url = f"{repo}/edit/main/docs/{src}"
    else:
        page.edit_url = None
    return context


def on_post_page(output, page, config):
    """Open Graph and Twitter card tags, so that a link to a page pasted into an issue, a chat or a
    forum shows its title and what it is about (Material adds the description meta, not these)."""
    import html

    description = page.meta.get("description") or config.get("site_description") or ""
    title = page.meta.get("title") or page.title or config["site_name"]
    tags = {"og:type": "article" if page.file.src_uri.startswith("failures/") else "website",
            "og:site_name": config["site_name"], "og:title": title, "og:description": description,
            "og:url": page.canonical_url or "", "twitter:card": "summary", "twitter:title": title,
            "twitter:description": description}
    meta = "".join(f'<meta {"name" if k.startswith("twitter:") else "property"}="{k}" content="{html.escape(str(v))}">'
                   for k, v in tags.items() if v)
    return output.replace("</head>", meta + "</head>", 1)


def on_post_build(config):
    site = Path(config["site_dir"])
    _symptoms_on_their_page(site / "search" / "search_index.json")
    _wrap_search_worker(site / "assets" / "javascripts" / "workers")


SYMPTOMS = "what-you-see"  # the failure pages' section of symptoms (signature.md.j2)


def _symptoms_on_their_page(index_file: Path) -> None:
    """Each failure page's symptoms as the `symptoms` field of the page's own search entry, not a
    section of their own. Material multiplies a page entry's score (not a section's) and groups
    results by page, so a pasted error line finds the page that lists it rather than one whose long
    explanation happens to repeat its words; mkdocs.yml boosts the field."""
    index = json.loads(index_file.read_text(encoding="utf-8"))
    pages = {d["location"]: d for d in index["docs"] if "#" not in d["location"]}
    docs = []
    for doc in index["docs"]:
        page, _, section = doc["location"].partition("#")
        if page.startswith("failures/") and section == SYMPTOMS and page in pages:
            pages[page]["symptoms"] = doc["text"]
        else:
            docs.append(doc)
    index["docs"] = docs
    index_file.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _wrap_search_worker(workers: Path) -> None:
    """Material's search worker, wrapped: kb/site/search-worker.js cleans each query (a pasted log
    line's timestamps, ids and lunr operator characters) and imports Material's worker, moved aside."""
    found = sorted(workers.glob("search.*.min.js"))
    if len(found) != 1:
        raise PluginError(f"expected one Material search worker in {workers}, found {len(found)}")
    worker = found[0]
    material = worker.with_name("material-" + worker.name)
    worker.replace(material)
    wrapper = Path(__file__).with_name("search-worker.js").read_text(encoding="utf-8")
    worker.write_text(f"const MATERIAL_WORKER = {material.name!r};\n{wrapper}", encoding="utf-8")


def on_serve(server, config, builder):
    root = _root(config)
    for d in (_signatures(root), root / "site_templates"):
        server.watch(str(d))
    return server
