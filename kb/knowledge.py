"""The knowledge base as the commands use it: signatures (their data, where they came from) and
the compiled rules. Light on purpose: `clawkb match` loads it from the compiled cache
(`kb.compiled`) without importing YAML, JSON Schema or Jinja2; `kb.signatures` builds it from files.
"""
from __future__ import annotations

import os
from typing import Any, Optional

from clawkb.matcher import Capture, Indicator, Rule, VersionRange, compile_rules
from clawkb.matcher.model import MIN_SIMILARITY, WINDOW
from clawkb.matcher.index import Index, StoredRules

from .settings import DEFAULT_SITE_URL
from .texts import Text, prepare



class SourceError(ValueError):
    """A problem in a signature file, located. str() is one line: `file:line: field: message`."""

    def __init__(self, path: str, line: int, field: str, message: str):
        self.path, self.line, self.field, self.message = path, line, field, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {field + ': ' if field else ''}{message}")


def default_dir() -> str:
    """The signatures shipped with clawkb (inside the wheel, or the checkout's `signatures/`)."""
    from clawkb import signatures

    return os.path.dirname(os.path.abspath(signatures.__file__))


class Signature:
    """One signature file's data, where it came from, and its texts prepared for rendering.
    (A plain class, as everything `clawkb match` loads: `dataclasses` costs a paste a tenth of its time.)"""

    def __init__(self, data: dict[str, Any], path: str, located: Optional[Any] = None,
                 texts: Optional[dict[str, Text]] = None):
        self.data, self.path = data, path
        self.located = located  # yamlsource.Located, for error lines
        self.texts: dict[str, Text] = {} if texts is None else texts  # template source -> prepared

    def __repr__(self) -> str:
        return f"Signature({self.data.get('id')!r}, {self.path!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Signature) and (self.data, self.path) == (other.data, other.path)

    __hash__ = None  # type: ignore[assignment]  # mutable

    @property
    def id(self) -> str:
        return self.data["id"]

    def __getattr__(self, name: str) -> Any:  # signature.title, signature.fix, ...
        try:
            return self.__dict__["data"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def symptom_lines(self) -> list[str]:
        """The symptoms that are lines of output, verbatim (those `described:` in words left out)."""
        return [s for s in self.data["symptoms"] if isinstance(s, str)]

    @property
    def symptom_texts(self) -> list[str]:
        """Every symptom's words: the lines, and what is `described:`."""
        return [s if isinstance(s, str) else s["described"] for s in self.data["symptoms"]]

    @property
    def repairs(self) -> list[str]:
        """The local repairs `clawkb fix` runs for this failure: its fix steps' `remediation`, in the
        page's order (the page and the command cannot disagree)."""
        return list(dict.fromkeys(step["remediation"] for step in self.data["fix"] if step.get("remediation")))

    @property
    def upstream_fix(self) -> Optional[tuple[str, str]]:
        """(release, what it changes) when an OpenClaw release fixes the cause and a fix step says to
        upgrade (`upgrade: true`): `clawkb fix` says whether the user's version has it before clearing
        what is left."""
        target = self.upgrade_target()
        for step in self.data["fix"]:
            if step.get("upgrade") and step.get("body") and target:
                return target, step["body"].strip().rstrip(".")
        return None

    def upgrade_target(self, version: Optional[str] = None) -> Optional[str]:
        """The release an `upgrade: true` step names (its `{{ fixed_in }}`). For a user's version: the
        release that fixes every range the version is in, as the version verdict says (None when no fix
        is later than it: it already has them, predates the failure, or no release fixes it). Without
        one: the latest release that fixes a range."""
        from clawkb.matcher.calver import parse_version
        from clawkb.matcher.versions import verdict

        if version is not None:
            v = verdict(version, self.version_ranges())
            return v.fixed_in if v.status == "fixed-later" else None
        fixed = [e["fixed"] for r in self.data["versions"]["ranges"] for e in r["events"] if "fixed" in e]
        return max(fixed, key=parse_version) if fixed else None

    def version_ranges(self) -> tuple[VersionRange, ...]:
        return tuple(VersionRange(tuple(next(iter(e.items())) for e in r["events"]))
                     for r in self.data["versions"]["ranges"])

    def text(self, source: str) -> Text:
        """One of this signature's texts, prepared for rendering (prepared once, then kept)."""
        t = self.texts.get(source)
        if t is None:
            t = self.texts[source] = prepare(source)
        return t

    def template_paths(self) -> list[tuple[tuple, str]]:
        """Every text of this signature that is rendered with captured values, with where it is in
        the data (`("fix", 0, "commands", 1)`), for pointing at its line."""
        out: list[tuple[tuple, str]] = [(("explanation",), self.data["explanation"])]
        for i, step in enumerate(self.data["fix"]):
            out.append((("fix", i, "title"), step["title"]))
            if step.get("body"):
                out.append((("fix", i, "body"), step["body"]))
            out += [(("fix", i, "commands", j), c) for j, c in enumerate(step.get("commands", []))]
        return out

    def template_sources(self) -> list[str]:
        """Every text of this signature that is rendered with captured values."""
        return [text for _path, text in self.template_paths()]

    def line_of(self, *path: Any) -> int:
        return self.located.line_of(tuple(path)) if self.located else 0

    def to_rule(self) -> Rule:
        ev = self.data["evidence"]
        return Rule(
            id=self.id,
            indicators=tuple(_indicator(i) for i in ev["indicators"]),
            negatives=tuple(_indicator(i) for i in ev.get("negative", [])),
            captures=tuple(Capture(name, rx) for name, rx in ev.get("captures", {}).items()),
            window=ev.get("window", WINDOW),
            affected=self.version_ranges(),
            explains=tuple(self.data.get("explains", [])),
        )


def page_url(sig_id: str, site_url: str = DEFAULT_SITE_URL) -> str:
    return f"{site_url}failures/{sig_id}/"


def _indicator(d: dict) -> Indicator:
    kind = next(k for k in ("phrase", "literal", "regex") if k in d)
    return Indicator(
        id=d["id"], kind=kind, pattern=d[kind], weight=float(d["weight"]), role=d.get("role", "anchor"),
        case_sensitive=bool(d.get("case_sensitive", False)), min_similarity=float(d.get("min_similarity", MIN_SIMILARITY)),
        after=d.get("after"),
    )



class KnowledgeBase:
    def __init__(self, signatures: list[Signature], directory: str, site_url: str = DEFAULT_SITE_URL):
        self.signatures, self.directory = signatures, directory
        self.site_url = site_url  # where its pages are published (Settings.site_url)
        self.calibration: dict = {}  # layer -> fitted table (kb.similarity), set by kb.compiled.load

    def __repr__(self) -> str:
        return f"KnowledgeBase({len(self.signatures)} signatures from {self.directory!r})"

    def get(self, sig_id: str) -> Signature:
        if "signatures" not in self.__dict__:  # loaded from the store: only the one asked for
            return self._stored_one(sig_id)
        for s in self.signatures:
            if s.id == sig_id:
                return s
        raise KeyError(sig_id)

    # Stored (kb.compiled), each signature is kept as its own pickle: a pasted log that is diagnosed
    # with three failures loads those three signatures' texts, not thirty.
    def __getstate__(self) -> dict:
        import pickle

        state = dict(self.__dict__)
        state["_stored"] = [(s.id, pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL)) for s in state.pop("signatures")]
        if state.get("_index") is not None:  # and each compiled rule too: a paste loads those its anchors meet
            state["_index"] = state["_index"]._replace(rules=StoredRules(state["_index"].rules))
        return state

    def __getattr__(self, name: str):
        if name == "signatures" and "_stored" in self.__dict__:
            self.__dict__["signatures"] = sigs = [self._stored_one(sig_id) for sig_id, _blob in self._stored]
            return sigs
        raise AttributeError(name)

    def _stored_one(self, sig_id: str) -> Signature:
        import pickle

        loaded = self.__dict__.setdefault("_loaded", {})
        if sig_id not in loaded:
            blob = next((b for i, b in self.__dict__["_stored"] if i == sig_id), None)
            if blob is None:
                raise KeyError(sig_id)
            loaded[sig_id] = pickle.loads(blob)
        return loaded[sig_id]

    def url(self, sig_id: str) -> str:
        """The page of a signature on the site."""
        return page_url(sig_id, self.site_url)

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.signatures]

    def index(self) -> Index:
        """The compiled rules (compiled once per knowledge base)."""
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = self.__dict__["_index"] = compile_rules([s.to_rule() for s in self.signatures])
        return cached
