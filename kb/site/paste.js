// The paste-a-log page: `clawkb match` run in this browser by Pyodide (CPython in WebAssembly), on
// clawkb's own Python and the knowledge base, all served by this site. What is pasted is handed to
// Python in this page and nowhere else: no request carries it.
(function () {
  "use strict";
  const root = document.getElementById("clawkb-paste");
  if (!root) return;
  const assets = new URL(root.dataset.assets, document.baseURI).href;
  const site = new URL(root.dataset.site, document.baseURI).href;
  const input = root.querySelector("textarea");
  const button = root.querySelector("button[data-role=diagnose]");
  const status = root.querySelector("[data-role=status]");
  const results = root.querySelector("[data-role=results]");

  const PYTHON = `
import json, sys
sys.path.insert(0, "/home/pyodide/clawkb-lib")
from clawkb.kb.diagnosis import diagnose_text
from clawkb.kb.output import json_line
from clawkb.kb.portable import load
from clawkb.matcher.normalise import InputError

_KB = load(json.loads(KNOWLEDGE))
del KNOWLEDGE

def diagnose(text, detail):
    try:
        return json_line(diagnose_text(text, _KB, detail=detail))
    except InputError as exc:
        return json.dumps({"error": str(exc)})
`;

  let engine = null;
  function start() {
    if (engine === null) {
      engine = (async () => {
        say("Loading the matcher (Python in WebAssembly: about 13 MB, kept by the browser after the first time)…");
        const pyodide = await loadPyodide({ indexURL: assets + "pyodide/", stdout: () => {}, stderr: () => {} });
        const [bundle, knowledge] = await Promise.all([
          fetch(assets + "clawkb-python.zip").then(ok).then((r) => r.arrayBuffer()),
          fetch(assets + "knowledge.json").then(ok).then((r) => r.text()),
        ]);
        pyodide.unpackArchive(bundle, "zip", { extractDir: "/home/pyodide/clawkb-lib" });
        pyodide.globals.set("KNOWLEDGE", knowledge);
        pyodide.runPython(PYTHON);
        return pyodide.globals.get("diagnose");
      })();
    }
    return engine;
  }

  function ok(response) {
    if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status}`);
    return response;
  }

  // The record `clawkb match --format json` prints (with `--detail` when detail is true).
  window.clawkbDiagnose = async function (text, detail = false) {
    const diagnose = await start();
    return JSON.parse(diagnose(text, detail));
  };

  function say(text) {
    status.textContent = text;
  }

  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  // The few Markdown forms signature texts use: `code`, **bold**, [text](https://...), paragraphs.
  function markdown(text) {
    return escape(text).split(/\n\s*\n/).map((para) => "<p>" + para
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/\[([^\]]+)\]\((https:\/\/[^)\s]+)\)/g, '<a href="$2">$1</a>') + "</p>").join("");
  }

  function page(id) {
    return site + "failures/" + encodeURIComponent(id) + "/";
  }

  function percent(confidence) {
    return Math.round(confidence * 100) + "%";
  }

  function diagnosisHtml(d) {
    const parts = [`<h3><a href="${page(d.id)}">${escape(d.title)}</a></h3>`,
      `<p class="clawkb-meta">${percent(d.confidence)} confidence · ${escape(d.severity)} · ${escape(d.category)}` +
      (d.layer === "similarity" ? " · resembles known reports (no log line decided it)" : "") + "</p>"];
    if (d.version && d.version.message) parts.push(`<p><strong>${escape(d.version.message)}</strong></p>`);
    parts.push(markdown(d.summary));
    if (d.evidence && d.evidence.length) {
      const lines = d.evidence.map((e) => `line ${e.line}: ${e.text}`).join("\n");
      const more = d.evidence_total > d.evidence.length ? ` of ${d.evidence_total}` : "";
      parts.push(`<details open><summary>Evidence (${d.evidence.length}${more} lines)</summary>` +
        `<pre class="clawkb-evidence"><code>${escape(lines)}</code></pre></details>`);
    }
    if (d.explanation) parts.push("<h4>Why it happens</h4>" + markdown(d.explanation));
    if (d.fix && d.fix.length) {
      const steps = [];
      for (const step of d.fix) {
        const body = (step.body ? markdown(step.body) : "") +
          (step.commands || []).map((c) => `<pre><code>${escape(c)}</code></pre>`).join("");
        if (step.alternative && steps.length) {
          steps[steps.length - 1] += `<p><em>or</em> <strong>${escape(step.title)}</strong></p>${body}`;
        } else {
          steps.push(`<strong>${escape(step.title)}</strong>${body}`);
        }
      }
      parts.push("<h4>Fix</h4><ol>" + steps.map((s) => `<li>${s}</li>`).join("") + "</ol>");
    }
    parts.push(`<p><a href="${page(d.id)}">The full page: ${escape(d.title)}</a></p>`);
    return `<article class="clawkb-diagnosis" data-id="${escape(d.id)}">${parts.join("")}</article>`;
  }

  function resultHtml(result) {
    if (result.error) return `<p class="clawkb-error">${escape(result.error)}</p>`;
    const version = result.openclaw_version ? `OpenClaw ${escape(result.openclaw_version)} · ` : "";
    if (result.diagnoses.length) {
      return `<p>${version}${result.diagnoses.length} ${result.diagnoses.length > 1 ? "diagnoses, most likely first" : "diagnosis"}.</p>` +
        result.diagnoses.map(diagnosisHtml).join("");
    }
    const closest = (result.closest || []).map((c) =>
      `<li><a href="${page(c.id)}">${escape(c.title)}</a> (${percent(c.confidence)})</li>`).join("");
    return `<p>${version}No known failure is recognised in this text.</p>` +
      (closest ? `<p>The closest known failures, too weak to report:</p><ul>${closest}</ul>` : "") +
      "<p>Paste more of the log around the failure (OpenClaw's <code>openclaw logs</code> or the gateway's log file), " +
      "or search the site for the error message.</p>";
  }

  async function run() {
    const text = input.value;
    if (!text.trim()) {
      say("Paste a log or an issue body first.");
      return;
    }
    button.disabled = true;
    try {
      say("Diagnosing…");
      const started = performance.now();
      const result = await window.clawkbDiagnose(text, true);
      results.innerHTML = resultHtml(result);
      say(`Done in ${Math.round(performance.now() - started)} ms, in this browser.`);
    } catch (err) {
      say("The matcher could not run here: " + err.message);
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", run);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run();
  });
  start().then(() => {
    button.disabled = false;
    say("Ready. Nothing you paste leaves this page.");
  }, (err) => say("The matcher could not be loaded: " + err.message));
})();
