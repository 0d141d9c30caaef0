"""The paste-a-log page: `clawkb match` in the browser, offline, the same answers as the command line."""
import json
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path
from urllib.parse import urlparse

import pytest

from browsing import ARTIFACTS, PHONE, new_page, open_page

ROOT = Path(__file__).resolve().parent.parent
READY = "!document.querySelector('#clawkb-paste button[data-role=diagnose]').disabled"


def test_the_portable_knowledge_base_diagnoses_as_the_loaded_one(kb, dev_cases):
    from clawkb.kb import portable
    from clawkb.kb.diagnosis import diagnose_text

    doc = json.loads(json.dumps(portable.dump(kb)))  # through JSON, as the page reads it
    again = portable.load(doc)
    assert again.ids == kb.ids and again.calibration == kb.calibration
    for case in dev_cases[:40]:
        assert diagnose_text(case["text"], again) == diagnose_text(case["text"], kb)


def test_a_portable_document_of_another_format_is_refused(kb):
    from clawkb.kb import portable

    doc = portable.dump(kb) | {"format": 99}
    with pytest.raises(portable.PortableError, match="format 99"):
        portable.load(doc)


def test_the_python_bundle_holds_the_matcher_and_knowledge_layer_and_is_reproducible():
    from clawkb.kb.site.browser import python_bundle

    data = python_bundle()
    names = zipfile.ZipFile(BytesIO(data)).namelist()
    for module in ("clawkb/__init__.py", "clawkb/matcher/score.py", "clawkb/matcher/partial_ratio.py",
                   "clawkb/kb/diagnosis.py", "clawkb/kb/portable.py", "clawkb/kb/data/similarity.json"):
        assert module in names
    assert not any(n.startswith("clawkb/kb/site/") or "__pycache__" in n for n in names)
    assert python_bundle() == data  # the same sources, the same bytes


def _cli_results(tmp_path, texts):
    """What `clawkb match --format json` prints for each text, in order."""
    paths = []
    for i, text in enumerate(texts):
        path = tmp_path / f"case-{i:03d}.log"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    p = subprocess.run([sys.executable, "-m", "clawkb", "match", "--format", "json", *paths], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode in (0, 1), p.stderr
    by_input = {r["input"]: r for r in map(json.loads, p.stdout.splitlines())}
    return [by_input[path] for path in paths]


def _ready_page(browser, server, errors, viewport=None):
    page = open_page(browser, f"{server}/paste/", errors, **({"viewport": viewport} if viewport else {}))
    page.wait_for_function(READY, timeout=120_000)
    return page


def _said(result):
    return ([(d["id"], d["confidence"], d["layer"]) for d in result["diagnoses"]],
            [(c["id"], c["confidence"]) for c in result.get("closest", [])], result["openclaw_version"])


def test_the_page_gives_the_command_lines_diagnoses_on_the_dev_corpus(browser, server, dev_cases, tmp_path):
    texts = [case["text"] for case in dev_cases]
    expected = [_said(r) for r in _cli_results(tmp_path, texts)]
    errors: list = []
    page = _ready_page(browser, server, errors)
    got = page.evaluate("async (texts) => { const out = []; for (const t of texts) out.push(await window.clawkbDiagnose(t)); "
                        "return out; }", texts)
    mismatches = [(case["id"], e, _said(g)) for case, e, g in zip(dev_cases, expected, got) if _said(g) != e]
    assert not mismatches, mismatches[:5]
    assert sum(1 for e in expected if e[0]) > 70  # the corpus is diagnosed, not only agreed on being empty
    assert not errors, errors


def test_pasting_a_log_shows_its_diagnoses_and_nothing_leaves_the_page(browser, server):
    errors: list = []
    page = _ready_page(browser, server, errors)
    requests: list = []
    page.on("request", lambda r: requests.append(r.url))
    log = (ROOT / "examples" / "gateway-billing-lockout.log").read_text(encoding="utf-8")
    page.fill("#clawkb-paste-input", log)
    page.click("button[data-role=diagnose]")
    page.wait_for_selector("article.clawkb-diagnosis")
    ids = page.eval_on_selector_all("article.clawkb-diagnosis", "els => els.map(e => e.dataset.id)")
    assert ids[0] == "isolated-cron-extra-usage" and "billing-cooldown-skip-generic-error" in ids
    first = page.locator("article.clawkb-diagnosis").first
    assert "Evidence" in first.inner_text() and "Fix" in first.inner_text()
    href = first.locator("h3 a").get_attribute("href")
    assert urlparse(href).path.endswith("/failures/isolated-cron-extra-usage/")  # this site's page, not the published one
    # the text went nowhere: the diagnosis made no request at all (the page and runtime were loaded before)
    assert requests == [], requests
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "paste-a-log.png"), full_page=True)
    assert not errors, errors


def test_the_page_loads_nothing_from_another_host(browser, server):
    errors: list = []
    page = new_page(browser, errors)
    hosts: set = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page.goto(f"{server}/paste/")
    page.wait_for_function(READY, timeout=120_000)
    assert hosts == {urlparse(server).netloc}
    assert not errors, errors


def test_an_empty_paste_asks_for_text_and_a_phone_can_use_the_page(browser, server):
    errors: list = []
    page = _ready_page(browser, server, errors, viewport=PHONE)
    page.click("button[data-role=diagnose]")
    assert "Paste a log" in page.inner_text("[data-role=status]")
    page.fill("#clawkb-paste-input", "just some words about nothing in particular")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("document.querySelector('[data-role=results]').innerText.includes('No known failure')")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width  # nothing runs off the side of a phone
    page.screenshot(path=str(ARTIFACTS / "paste-a-log-phone.png"), full_page=True)
    assert not errors, errors
