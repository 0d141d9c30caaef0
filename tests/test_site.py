"""The troubleshooting site: built strict from the signatures, checked as files and in a real browser."""
import html.parser
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from clawkb.kb.pages import signature_markdown
from clawkb.kb.settings import DEFAULT_SITE_URL as SITE_URL
from clawkb.matcher.redact import find_secrets
from browsing import ARTIFACTS, PHONE, new_page, open_page, search

ROOT = Path(__file__).resolve().parent.parent
SITE_PATH = urlparse(SITE_URL).path


def test_every_signature_has_a_page_at_its_stable_url(site, kb):
    for sig in kb.signatures:
        page = site / "failures" / sig.id / "index.html"
        assert page.exists(), sig.id
        text = page.read_text(encoding="utf-8")
        assert sig.title.replace('"', "&quot;") in text or sig.title in text
    index = (site / "index.html").read_text(encoding="utf-8")
    assert all(f"failures/{s.id}/" in index for s in kb.signatures)


def test_every_page_says_its_signatures_title_description_and_tags_in_front_matter(kb):
    """MkDocs shows a front matter block that does not parse as text, and loses the title, description
    and tags (a `\\'` in a hand-quoted summary did that to no-api-key-for-provider)."""
    from clawkb.kb.pages import page_meta, read_front_matter
    from clawkb.kb.site.generate import pages

    seen = 0
    for path, content in pages(kb):
        if path.startswith("failures/") and path != "failures/index.md":
            sig = kb.get(path[len("failures/"):-3])
            assert read_front_matter(content) == page_meta(sig) and page_meta(sig)["title"] == sig.title, path
            seen += 1
    assert seen == len(kb.signatures)


def test_a_summary_with_quotes_and_backslashes_keeps_its_front_matter(kb):
    from clawkb.kb.pages import front_matter, page_meta, read_front_matter
    from clawkb.kb.signatures import Signature

    sig = kb.get("no-api-key-for-provider")
    summary = r"""it says \'a\' and \"b\": c #d""" + "\nnext"
    tricky = Signature(sig.data | {"title": 'No "API key" found', "summary": summary}, sig.path)
    meta = read_front_matter(front_matter(page_meta(tricky)) + "# body\n")
    assert meta["title"] == 'No "API key" found' and meta["description"] == r"""it says \'a\' and \"b\": c #d next"""


def test_a_page_whose_front_matter_breaks_fails_the_build(kb):
    from mkdocs.exceptions import PluginError

    from clawkb.kb.site.mkdocs_hook import _check_front_matter

    sig = kb.get("no-api-key-for-provider")
    broken = '---\ntitle: "No API key \\\' found"\n---\n# page\n'  # a hand-quoted string cut short
    with pytest.raises(PluginError, match="no-api-key-for-provider"):
        _check_front_matter(kb, f"failures/{sig.id}.md", broken)


def test_tag_pages_and_the_how_to_add_page(site):
    for facet in ("providers", "components", "categories"):
        assert (site / "tags" / facet / "index.html").exists()
    assert "Adding a signature" in (site / "signature-format" / "index.html").read_text(encoding="utf-8")


def test_remediation_scripts_are_served_and_runnable(site):
    scripts = sorted((site / "scripts").glob("openclaw-*.py"))
    assert len(scripts) >= 4
    p = subprocess.run([sys.executable, "-I", str(scripts[0]), "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "--apply" in p.stdout


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v:
                self.links.append(v)


def test_every_internal_link_resolves(site):
    broken = []
    for page in site.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        base = "/" + page.relative_to(site).as_posix()
        for link in parser.links:
            u = urlparse(link)
            if u.scheme or link.startswith(("#", "mailto:", "//")):
                continue
            target = urlparse(urljoin(base, link)).path
            if target.startswith(SITE_PATH):  # absolute links (404.html) carry the deployment path
                target = "/" + target[len(SITE_PATH):]
            path = site / target.lstrip("/")
            if not (path.is_file() or (path / "index.html").is_file()):
                broken.append((str(page.relative_to(site)), link))
    assert not broken, broken[:20]


def test_no_page_shows_a_secret_shaped_string(site):
    for page in list(site.rglob("*.html")) + [site / "search" / "search_index.json"]:
        assert not find_secrets(page.read_text(encoding="utf-8")), page


def test_show_and_the_page_say_the_same_things(kb):
    for sig in kb.signatures:
        page = signature_markdown(sig, kb)
        shown = signature_markdown(sig, kb, for_terminal=True)
        steps = [s["title"].removeprefix("Or ") if s.get("alternative") else s["title"] for s in sig.fix]
        for text in [sig.title, *sig.symptom_texts, *steps, *(r["url"] for r in sig.references)]:
            text = text.split("{{")[0].strip()
            assert text in page and text in shown, (sig.id, text)


# --------------------------------------------------------------------------- in a real browser

def test_a_signature_page_renders_with_steps_and_a_working_copy_button(browser, server, kb):
    errors: list = []
    sig = kb.get("stale-billing-disabled-until")
    page = open_page(browser, f"{server}/failures/{sig.id}/", errors)
    assert page.inner_text("h1").strip().rstrip("¶").strip() == sig.title
    fix = page.locator("h2#fix + ol > li")
    assert fix.count() == len([s for s in sig.fix if not s.get("alternative")])  # alternatives sit in their step
    block = page.locator("h2#fix + ol div.highlight").first  # a command block, with its copy button
    block.hover()
    block.locator("button[data-md-type=copy], button.md-clipboard").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    shown = block.locator("code").first.inner_text()
    assert copied.strip() and copied.strip() == shown.strip()  # the button copies exactly the command shown
    download = page.locator("a.md-button[download]")
    href = download.first.get_attribute("href")
    assert href.endswith("openclaw-clear-billing-lockout.py")
    script = page.evaluate("async (u) => (await fetch(u)).text()", href)  # the script itself, not a copy in the page
    assert script.startswith("#!/usr/bin/env python3") and "def script_main" in script
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("h2#fix").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"{sig.id}.png"))
    assert not errors, errors


def _failure_of(href: str) -> str:
    path = urlparse(href).path
    return path.split("/failures/")[1].split("/")[0] if "/failures/" in path else path


def _symptom_lines(kb) -> dict[str, set]:
    """Each symptom string of the pages, with the pages that list it (a few list the same line)."""
    lines: dict[str, set] = {}
    for sig in kb.signatures:
        for line in sig.symptom_lines:
            lines.setdefault(line, set()).add(sig.id)
    return lines


@pytest.mark.parametrize("pasted", [
    "{line}",
    "2026-04-12T18:02:11.150Z [gateway] {line} runId=8d0c55e1-3f2a-4b7e-9a11-0c2d4e6f8a90",  # as a log shows it
])
def test_a_pasted_symptom_line_finds_its_page_first(browser, server, kb, pasted):
    errors: list = []
    page = open_page(browser, server + "/", errors)
    lines = _symptom_lines(kb)
    first, empty, missed = 0, [], []
    for line, pages in lines.items():
        found = [_failure_of(h) for h in search(page, pasted.format(line=line))]
        if not found:
            empty.append(line)
        elif found[0] in pages:
            first += 1
        else:
            missed.append((line[:60], sorted(pages), found[:3]))
    assert len(lines) > 100 and not empty, empty
    assert first / len(lines) >= 0.90, (first, len(lines), missed)
    assert not errors, errors


@pytest.mark.parametrize("query, expected", [
    ('FailoverError: No API key found for provider "anthropic".', "no-api-key-for-provider"),  # `word:` is lunr's field syntax
    ("openclaw doctor --fix", "upgrade-state-migration-blocked"),                                # `--fix` its exclusion
    ("~/.openclaw/agents/main/agent/auth-profiles.json", "no-api-key-for-provider"),            # `~` its fuzziness
    ("disabledUntil", "stale-billing-disabled-until"),
    ("2026-04-12T18:00:04.931Z [cron] job nightly-summary finished status=error error=\"FallbackSummaryError: All models "
     "failed (1): anthropic/claude-sonnet-4-6: LLM request rejected: You're out of extra usage. (billing)\"",
     "isolated-cron-extra-usage"),
])
def test_error_text_with_search_operators_in_it_finds_its_page(browser, server, query, expected):
    errors: list = []
    page = open_page(browser, server + "/", errors)
    found = search(page, query)
    assert found and _failure_of(found[0]) == expected, found[:3]
    page.click(".md-search-result__item > a")
    page.wait_for_load_state("networkidle")
    assert f"/failures/{expected}/" in page.url
    assert not errors, errors


def test_search_snippets_start_with_the_summary_not_the_metadata_table(site, kb):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    entries = {d["location"]: d for d in index["docs"]}
    for sig in kb.signatures:
        entry = entries[f"failures/{sig.id}/"]
        assert "<table" not in entry["text"] and "Severity" not in entry["text"], sig.id
        assert "symptoms" in entry and f"failures/{sig.id}/#what-you-see" not in entries
        assert f"failures/{sig.id}/#references" not in entries  # other pages' titles: not this page's words
    assert not any(loc.startswith("tags/") or loc == "failures/" for loc in entries)


@pytest.mark.parametrize("status, words", [
    ("open", "all versions, no fix yet"),
    ("partially-fixed", "all versions, partly fixed, not in every case (see the note)"),
    ("mitigated", "all versions, mitigated, not fixed (see the note)"),
    ("not-a-bug", "all versions, a setup or provider condition, not an OpenClaw bug"),
])
def test_a_range_without_a_fix_is_said_in_the_words_of_its_status(status, words):
    from clawkb.kb.pages import range_text

    assert range_text({"events": [{"introduced": "0"}]}, status) == words
    assert range_text({"events": [{"introduced": "2026.3.8"}, {"fixed": "2026.3.11"}]}, status) == "from 2026.3.8, fixed in 2026.3.11"


def test_ranges_are_listed_in_release_order(kb):
    from clawkb.kb.pages import affected_text
    from clawkb.kb.signatures import Signature

    sig = kb.get("billing-cooldown-skip-generic-error")
    later_first = {"status": "fixed", "ranges": [{"events": [{"introduced": "2026.4.1"}, {"fixed": "2026.4.15"}]},
                                                 {"events": [{"introduced": "2026.3.28"}, {"fixed": "2026.5.12"}]}]}
    text = affected_text(Signature(sig.data | {"versions": later_first}, sig.path))
    assert text == "from 2026.3.28, fixed in 2026.5.12; from 2026.4.1, fixed in 2026.4.15"


def test_dark_mode_toggles_and_a_failure_page_links_its_signature_file(browser, server, kb):
    errors: list = []
    sig = kb.get("gateway-port-in-use")
    page = open_page(browser, f"{server}/failures/{sig.id}/", errors)
    scheme = lambda: page.evaluate("document.body.getAttribute('data-md-color-scheme')")  # noqa: E731
    assert scheme() == "default"
    page.locator("label.md-header__button[for^='__palette_']").first.click()
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    header = page.evaluate("getComputedStyle(document.querySelector('.md-header')).backgroundColor")
    assert header == "rgb(191, 54, 12)"  # #bf360c: white header text at 5.6:1, not Material's #ff6e42 at 2.78:1
    edit = page.locator("a.md-content__button[href*='/edit/']").first.get_attribute("href")
    assert edit == f"https://github.com/clawkb/clawkb/edit/main/signatures/{sig.id}.yaml"
    assert page.locator("nav.md-footer__inner a.md-footer__link").count() >= 1  # previous / next
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{sig.id}-dark.png"))
    assert not errors, errors


# --------------------------------------------------------------------------- as people read it

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _site_pages(site) -> list[str]:
    """Every page of the built site, as a path to request."""
    out = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if rel.parts[0] == "assets":
            continue
        out.append("/" if rel.as_posix() == "index.html" else
                   f"/{rel.parent.as_posix()}/" if rel.name == "index.html" else f"/{rel.as_posix()}")
    return out


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_has_a_serious_accessibility_finding(browser, server, site, scheme):
    """axe-core (npm, run in the page) on every page of the site, in both colour schemes."""
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: npm ci") if os.environ.get("CI") else pytest.skip("needs axe-core (npm ci)")
    ctx = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    pages = _site_pages(site)
    assert len(pages) > 50 and "/404.html" in pages
    findings = []
    for path in pages:
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        article = page.inner_text("article").lstrip()
        assert not article.startswith(("---", "title:")), path  # front matter read, not shown as text
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                                   ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
                                   ".map(v => [v.id, v.nodes[0].target.join(' '), v.nodes[0].failureSummary])")
        findings += [(path, *v) for v in violations]
    ctx.close()
    assert not findings, findings[:5]


def test_every_page_has_a_plain_description_and_link_preview_tags(site):
    for path in _site_pages(site):
        file = site / (path.strip("/") + "/index.html" if path.endswith("/") and path != "/" else
                       "index.html" if path == "/" else path.lstrip("/"))
        head = file.read_text(encoding="utf-8").split("</head>")[0]
        description = head.split('name="description" content="')[1].split('"')[0]
        assert description and not any(mark in description for mark in ("`", "**", "](")), (path, description)
        for tag in ('property="og:title"', 'property="og:description"', 'name="twitter:card"'):
            assert tag in head or path == "/404.html", (path, tag)  # a link preview of a page, not of "no page"


def test_a_missing_page_offers_search_the_failures_and_home(browser, server):
    errors: list = []
    page = new_page(browser, errors)
    failed: list = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and r.request.resource_type != "document" else None)
    response = page.goto(server + SITE_PATH + "failures/no-such-failure/")
    page.wait_for_load_state("networkidle")
    assert response.status == 404
    assert "No page here" in page.inner_text("h1")
    links = page.eval_on_selector_all("article a", "els => els.map(e => e.getAttribute('href'))")
    assert any(h.rstrip("/").endswith("failures") for h in links) and any(h.rstrip("/").endswith("paste") for h in links)
    assert page.locator("input.md-search__input").count() == 1  # the search box is there
    assert not failed, failed  # its styles and scripts load from the site's path
    assert [e for e in errors if "status of 404" not in e] == [], errors  # the page itself is a 404


@pytest.mark.parametrize("path", ["/", "/failures/", "/failures/stale-billing-disabled-until/", "/paste/"])
def test_a_phone_reads_a_page_without_scrolling_sideways(browser, server, path):
    errors: list = []
    page = open_page(browser, server + path, errors, viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    cut = page.evaluate("""[...document.querySelectorAll('.clawkb-symptoms pre > code')]
        .filter(c => c.scrollWidth > c.clientWidth + 1).length""")
    assert cut == 0  # a symptom line wraps, whole, instead of scrolling inside its box
    overlaps = page.evaluate("""[...document.querySelectorAll('.clawkb-symptoms pre')].filter(pre => {
        const button = pre.querySelector('button.md-clipboard'), code = pre.querySelector('code');
        if (!button || !code) return false;
        const text = document.createRange(); text.selectNodeContents(code);
        const b = button.getBoundingClientRect();
        return [...text.getClientRects()].some(r => r.right > b.left && r.left < b.right && r.bottom > b.top && r.top < b.bottom);
    }).length""")
    assert overlaps == 0  # the copy button sits beside the text, not over it
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = path.strip("/").replace("/", "-") or "home"
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
    assert not errors, errors
