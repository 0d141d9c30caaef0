"""Signature texts (explanation, fix steps) as templates over a diagnosis's captured values.

Texts are Jinja2 templates, but `clawkb match` should not pay for importing Jinja2 on every run.
Signature texts only ever ask whether a captured value is present and print it (`{% if provider %}`,
`{{ provider }}`, `{{ provider | default("anthropic") }}`), and the captured values are sanitised to
non-empty runs of `[\\w.:/@+-]`. Such a template's output depends only on *which* names have a value,
so `prepare` renders it once per set of present names, with a marker standing in for each value,
and `Text.render` swaps the real values in. A template that does anything else (compares, calls a
filter that changes the value) is kept as source and rendered by Jinja2 at run time.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from typing import Mapping, NamedTuple, Optional

_MARK = "\x00{}\x00"  # cannot occur in a sanitised value or a signature text


class TemplateProblem(ValueError):
    """A text that is not a valid template."""


class Text(NamedTuple):
    source: str
    names: tuple[str, ...] = ()  # the names the text refers to
    forms: Optional[dict[frozenset, str]] = None  # present names -> output with markers; None: dynamic

    def render(self, values: Mapping[str, str]) -> str:
        if self.forms is None:
            return _render_dynamic(self.source, values)
        present = frozenset(n for n in self.names if values.get(n))
        out = self.forms[present]
        for n in present:
            out = out.replace(_MARK.format(n), values[n])
        return out.strip()


def prepare(source: str) -> Text:
    """The precompiled form of one text (imports Jinja2; done once, when the compiled knowledge base
    is built). Raises TemplateProblem on a syntax error."""
    from jinja2 import TemplateSyntaxError, meta, nodes

    env = _environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.message or str(exc)) from None
    names = tuple(sorted(meta.find_undeclared_variables(tree)))
    if "{" not in source:
        return Text(source, (), {frozenset(): source})
    if not _presence_only(tree, nodes) or len(names) > 8:
        return Text(source, names, None)
    template = env.from_string(source)
    forms = {}
    for k in range(len(names) + 1):
        for present in combinations(names, k):
            forms[frozenset(present)] = template.render(**{n: _MARK.format(n) for n in present})
    return Text(source, names, forms)


def _presence_only(tree, nodes) -> bool:
    """Does the template only test names for presence and print them (possibly with a default)?"""
    allowed = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.If, nodes.Not,
               nodes.And, nodes.Or, nodes.Const, nodes.CondExpr)
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Filter):
            if node.name not in ("default", "d") or not all(isinstance(a, nodes.Const) for a in node.args) \
                    or node.kwargs or node.dyn_args or node.dyn_kwargs:
                return False
        elif isinstance(node, nodes.Name):
            if node.ctx != "load":
                return False
        elif not isinstance(node, allowed):
            return False
    return True


@lru_cache(maxsize=1)
def _environment():
    """One sandboxed Jinja2 environment per process (its template cache is shared), made on first need."""
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(autoescape=False)


def _render_dynamic(source: str, values: Mapping[str, str]) -> str:
    from jinja2 import TemplateError

    try:  # names without a value are undefined: `{% if x %}` is false and `default(...)` applies
        return _environment().from_string(source).render(**values).strip()
    except TemplateError as exc:  # a broken template is a signature bug; `clawkb validate` catches it
        return f"{source.strip()}\n\n(template error: {exc})"
