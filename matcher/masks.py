"""Ordered, named masks for volatile values (after Sentry's message normalisation).

Two texts that differ only by a timestamp, a run id or a token count should compare as equal. Masks
run in order (the most specific first, so a UUID is not eaten by the hex mask) and each replaces a
value with `<name>`. Three-digit numbers survive: in OpenClaw logs they are HTTP statuses (400, 402,
429, 529) and they carry meaning.

(No `from __future__ import annotations`: it would turn `Mask`'s annotations into ForwardRefs, compiled
at import, which every pasted log pays for.)
"""
import re
from typing import Callable, NamedTuple, Sequence


class Mask(NamedTuple):
    """One volatile value: its name (the `<name>` it becomes), its pattern, and a cheap test a text
    must pass for the pattern to be tried on it at all (most lines lack most shapes)."""

    name: str
    pattern: re.Pattern[str]
    trigger: Callable[[str], bool]


_DIGIT = re.compile(r"\d").search

MASKS: tuple[Mask, ...] = (
    Mask("ts", re.compile(r"\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?", re.I),
         lambda t: ":" in t and "-" in t),
    Mask("date", re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), lambda t: "-" in t),
    Mask("time", re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:[^\S\n]?[ap]m)?\b", re.I), lambda t: ":" in t),
    Mask("uuid", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), lambda t: "-" in t),
    Mask("hash", re.compile(r"\b(?:sha256:)?[0-9a-f]{12,64}\b(?:\.{3}|…)?", re.I), lambda t: True),
    Mask("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), lambda t: "@" in t),
    Mask("url", re.compile(r"\bhttps?://[^\s\"'<>)]+", re.I), lambda t: "http" in t),
    Mask("path", re.compile(r"(?:~|\b[a-z]:)?(?:[\\/][\w.@-]+){2,}[\\/]?", re.I), lambda t: "/" in t or "\\" in t),
    Mask("num", re.compile(r"(?<![\w.])\d{4,}(?:\.\d+)?(?![\w])|(?<![\w.])\d+\.\d+(?![\w.])"),
         lambda t: _DIGIT(t) is not None),
)


def mask(text: str) -> str:
    for m in MASKS:
        if m.trigger(text):
            text = m.pattern.sub(f"<{m.name}>", text)
    return text


def mask_lines(texts: Sequence[str]) -> list[str]:
    """`mask` of each text, each mask worked over the lines its trigger passes, joined: a few
    substitutions for a whole document rather than a few for every line, and no mask running over
    lines that cannot hold its shape. No mask matches a line break, so none runs from one line into
    the next."""
    if any("\n" in t for t in texts):
        return [mask(t) for t in texts]
    out = list(texts)
    for m in MASKS:
        picked = [i for i, t in enumerate(out) if m.trigger(t)]
        if not picked:
            continue
        done = m.pattern.sub(f"<{m.name}>", "\n".join([out[i] for i in picked])).split("\n")
        if len(done) != len(picked):
            return [mask(t) for t in texts]
        for i, t in zip(picked, done):
            out[i] = t
    return out
