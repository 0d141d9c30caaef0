"""Human-readable pages for signatures, from the Jinja2 templates in `site_templates/`.

`clawkb show ID` and the site's page for ID render the same template, so they say the same things.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any, Optional, Union

from jinja2 import Environment, FileSystemLoader

from .report import fill, step_title
from .signatures import KnowledgeBase, Signature

PLATFORM_NAMES = {"macos": "macOS", "linux": "Linux", "docker": "Docker", "windows": "Windows"}


def templates_dir() -> Path:
    """The bundled templates (Settings.templates, or a caller's `templates=`, overrides them)."""
    return Path(str(resources.files("clawkb.site_templates")))


def environment(directory: Optional[Union[str, Path]] = None) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(directory or templates_dir())),
        keep_trailing_newline=True,
        trim_blocks=False,
        autoescape=False,
    )


# what an open-ended range means, by the signature's status (a range with a fixed event says so itself)
UNFIXED_WORDS = {
    "open": "no fix yet",
    "partially-fixed": "partly fixed, not in every case (see the note)",
    "mitigated": "mitigated, not fixed (see the note)",
    "not-a-bug": "a setup or provider condition, not an OpenClaw bug",
    "fixed": "no fix in this range",
}


def range_text(rng: dict[str, Any], status: str = "open") -> str:
    """One range in words: where it starts, and its fix, or what its status says when it has none."""
    parts = []
    for event in rng["events"]:
        (kind, value), = event.items()
        if kind == "introduced":
            parts.append("all versions" if value == "0" else f"from {value}")
        elif kind == "fixed":
            parts.append(f"fixed in {value}")
        else:
            parts.append(f"up to {value}")
    if len(parts) == 1:
        parts.append(UNFIXED_WORDS.get(status, "no fix yet"))
    return ", ".join(parts)


def ordered_ranges(sig: Signature) -> list[dict[str, Any]]:
    """The ranges in release order (by where they start, then where they end)."""
    from clawkb.matcher.calver import parse_version

    def key(rng: dict[str, Any]) -> tuple:
        ends = [v for e in rng["events"] for k, v in e.items() if k != "introduced"]
        start = next(iter(rng["events"][0].values()))
        return (parse_version(start) if start != "0" else (), parse_version(ends[-1]) if ends else (float("inf"),))

    return sorted(sig.versions["ranges"], key=key)  # validate has parsed every version


def affected_text(sig: Signature) -> str:
    status = sig.versions["status"]
    return "; ".join(range_text(r, status) for r in ordered_ranges(sig)) or "unknown"


def page_tags(sig: Signature) -> list[str]:
    tags = [f"category:{sig.category}"]
    tags += [f"provider:{p}" for p in sig.data.get("providers", [])]
    tags += [f"component:{c}" for c in sig.data.get("components", [])]
    return tags


def plain_text(markdown: str) -> str:
    """Markdown as the words it shows, on one line (for meta descriptions and search snippets):
    `code` and **emphasis** lose their marks, [a link](url) keeps its text."""
    text = re.sub(r"\[([^\]]+)\]\([^)\s]+\)", r"\1", markdown)
    text = re.sub(r"(\*\*|__|`)", "", text)
    return " ".join(text.split())


def page_meta(sig: Signature) -> dict[str, Any]:
    """What a failure page's front matter says: its signature's title, summary (as plain text) and tags."""
    return {"title": sig.title, "description": plain_text(sig.summary), "tags": page_tags(sig)}


def front_matter(meta: dict[str, Any]) -> str:
    """A page's YAML front matter, written by a YAML emitter (a quote or backslash in a summary
    cannot end a hand-quoted string early and turn the block into page text)."""
    import yaml

    body = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{body}---\n"


def read_front_matter(page: str) -> Optional[dict]:
    """The front matter a page starts with, as MkDocs reads it; None when it has none or it does not parse."""
    import yaml

    if not page.startswith("---\n"):
        return None
    end = page.find("\n---\n", 4)
    if end < 0:
        return None
    try:
        meta = yaml.safe_load(page[4:end])
    except yaml.YAMLError:
        return None
    return meta if isinstance(meta, dict) else None


def signature_markdown(sig: Signature, kb: KnowledgeBase, *, for_terminal: bool = False,
                       scripts: Optional[dict[str, Any]] = None, link_prefix: str = "../",
                       templates: Optional[Union[str, Path]] = None) -> str:
    env = environment(templates)
    fix = []
    for step in sig.fix:
        s = dict(step)
        values = {"fixed_in": sig.upgrade_target()} if step.get("upgrade") else {}  # the latest fix: for every version
        s["title"] = step_title(step, fill(sig, step["title"], values))
        if step.get("body"):
            s["body"] = fill(sig, step["body"], values)
        if step.get("commands"):
            s["commands"] = [fill(sig, c, values) for c in step["commands"]]
        fix.append(s)
    related = []
    for rid in sig.data.get("related", []):
        other = kb.get(rid)
        href = kb.url(rid) if for_terminal else f"{link_prefix}{rid}.md"
        related.append({"title": other.title, "href": href, "id": rid})
    return env.get_template("signature.md.j2").render(
        front_matter="" if for_terminal else front_matter(page_meta(sig)),
        sig=sig.data | {"url": kb.url(sig.id)},
        site=not for_terminal,
        explanation=fill(sig, sig.explanation, {}),
        fix=fix,
        related=related,
        affected=affected_text(sig),
        ranges=[(range_text(r, sig.versions["status"]), r) for r in ordered_ranges(sig)],
        page_tags=page_tags(sig),
        platform_names=PLATFORM_NAMES,
        scripts=scripts or {},
    )
