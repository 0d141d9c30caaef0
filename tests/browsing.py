"""The built site, served on localhost, and headless Chromium to read it (fixtures of conftest)."""
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("CLAWKB_ARTIFACTS", ROOT / "artifacts"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _missing(what: str, install: str):
    """Skip, naming what is missing and how to install it; in CI (`.ci/run` installs it) fail."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI: {install}")
    pytest.skip(f"needs {what} ({install})")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    if not (ROOT / "node_modules" / "pyodide" / "pyodide.asm.wasm").exists():
        _missing("the npm package pyodide, which the paste-a-log page serves", "npm ci")
    out = tmp_path_factory.mktemp("site")
    p = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=ROOT,
                       capture_output=True, text=True, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"), timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return out


class _Pages(http.server.SimpleHTTPRequestHandler):
    """The built site as GitHub Pages serves it: at the root and under site_url's path (where the 404
    page's links point), with 404.html for what is not there."""

    prefix = "/"

    def log_message(self, *args):
        pass

    def translate_path(self, path):
        if path.startswith(self.prefix):
            path = "/" + path[len(self.prefix):]
        return super().translate_path(path)

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.exists():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def server(site):
    from urllib.parse import urlparse

    from clawkb.kb.settings import DEFAULT_SITE_URL

    handler = type("Pages", (_Pages,), {"prefix": urlparse(DEFAULT_SITE_URL).path})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        _missing("Chromium", "apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright", "pip install -e '.[test]'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def new_page(browser, errors: list, viewport: dict = DESKTOP):
    """A page in a fresh context (clipboard allowed), its console errors collected in `errors`."""
    ctx = browser.new_context(viewport=viewport)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"])
    page = ctx.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


def open_page(browser, url: str, errors: list, viewport: dict = DESKTOP):
    """The page at `url`, loaded."""
    page = new_page(browser, errors, viewport)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page


def search(page, query: str) -> list[str]:
    """The result links the site's search box gives for `query`, best first ([] for none): the query
    pasted in, as a user pastes an error line."""
    box = page.locator("input.md-search__input")
    box.click()
    page.evaluate("document.querySelector('.md-search-result__meta').textContent = '…'")
    box.fill(query)
    box.press("End")  # Material reads the box on key events
    page.wait_for_function("document.querySelector('.md-search-result__meta').textContent !== '…'", timeout=15000)
    page.wait_for_timeout(60)  # the list is rendered right after its count
    return page.eval_on_selector_all(".md-search-result__item > a", "els => els.map(e => e.getAttribute('href'))")
