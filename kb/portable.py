"""The knowledge base as one JSON document, for a reader with no YAML, JSON Schema or Jinja2.

The site's paste-a-log page runs `clawkb match` in the browser (Pyodide): it loads this document
with `load` and diagnoses with `diagnosis.diagnose_text`, the code the command line runs. The
document holds what `kb.compiled` keeps between runs: each signature's data as validated, its texts
prepared (`kb.texts`: the output for each set of captured names, so nothing renders through Jinja2),
and the calibration tables. It is written from a validated knowledge base (`dump`) at site build.
"""
from __future__ import annotations

from typing import Any

from .knowledge import KnowledgeBase, Signature
from .texts import Text

FORMAT = 1


class PortableError(ValueError):
    """A document this version cannot load (another format), or a text that needs Jinja2 at run time."""


def dump(kb: KnowledgeBase) -> dict[str, Any]:
    """The document of a validated knowledge base (raises PortableError for a text only Jinja2 can render)."""
    signatures = []
    for sig in kb.signatures:
        texts = []
        for source in sig.template_sources():
            text = sig.text(source)
            if text.forms is None:
                raise PortableError(f"{sig.id}: a text needs Jinja2 to render: {source[:60]!r}")
            texts.append({"source": source, "names": list(text.names),
                          "forms": [[sorted(present), out] for present, out in sorted(
                              text.forms.items(), key=lambda f: (len(f[0]), sorted(f[0])))]})
        signatures.append({"file": sig.path.replace("\\", "/").rsplit("/", 1)[-1], "data": sig.data, "texts": texts})
    return {"format": FORMAT, "site_url": kb.site_url, "directory": "signatures", "signatures": signatures,
            "calibration": {layer: [list(p) for p in table] for layer, table in kb.calibration.items()}}


def load(doc: dict[str, Any]) -> KnowledgeBase:
    """The knowledge base of a document `dump` wrote."""
    if doc.get("format") != FORMAT:
        raise PortableError(f"a knowledge base document of format {doc.get('format')!r}; this clawkb reads {FORMAT}")
    sigs = []
    for entry in doc["signatures"]:
        texts = {t["source"]: Text(t["source"], tuple(t["names"]), {frozenset(p): out for p, out in t["forms"]})
                 for t in entry["texts"]}
        sigs.append(Signature(entry["data"], f"{doc['directory']}/{entry['file']}", texts=texts))
    kb = KnowledgeBase(sigs, doc["directory"], site_url=doc["site_url"])
    kb.calibration = {layer: [tuple(p) for p in table] for layer, table in doc["calibration"].items()}
    return kb
