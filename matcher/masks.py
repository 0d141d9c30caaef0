"""Ordered, named masks for volatile values (after Sentry's message normalisation).

Two texts that differ only by a timestamp, a run id or a token count should compare as equal. Masks
run in order (the most specific first, so a UUID is not eaten by the hex mask) and each replaces a
value with `<name>`. Three-digit numbers survive: in OpenClaw logs they are HTTP statuses (400, 402,
429, 529) and they carry meaning.
"""
from __future__ import annotations

import re
from typing import Sequence

MASKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ts", re.compile(
        r"\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?", re.I)),
    ("date", re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
    ("time", re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:[^\S\n]?[ap]m)?\b", re.I)),
    ("uuid", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)),
    ("hash", re.compile(r"\b(?:sha256:)?[0-9a-f]{12,64}\b(?:\.{3}|…)?", re.I)),
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("url", re.compile(r"\bhttps?://[^\s\"'<>)]+", re.I)),
    ("path", re.compile(r"(?:~|\b[a-z]:)?(?:[\\/][\w.@-]+){2,}[\\/]?", re.I)),
    ("num", re.compile(r"(?<![\w.])\d{4,}(?:\.\d+)?(?![\w])|(?<![\w.])\d+\.\d+(?![\w.])")),
)


# A mask runs only when its trigger test passes (most lines lack most shapes).
_DIGIT = re.compile(r"\d").search
_TRIGGERS = {
    "ts": lambda t: ":" in t and "-" in t, "date": lambda t: "-" in t, "time": lambda t: ":" in t,
    "uuid": lambda t: "-" in t, "hash": lambda t: True, "email": lambda t: "@" in t, "url": lambda t: "http" in t,
    "path": lambda t: "/" in t or "\\" in t, "num": lambda t: _DIGIT(t) is not None,
}


def mask(text: str) -> str:
    for name, pattern in MASKS:
        if _TRIGGERS[name](text):
            text = pattern.sub(f"<{name}>", text)
    return text


def mask_lines(texts: Sequence[str]) -> list[str]:
    """`mask` of each text, each mask worked over the lines its trigger passes, joined: a few
    substitutions for a whole document rather than a few for every line, and no mask running over
    lines that cannot hold its shape. No mask matches a line break, so none runs from one line into
    the next."""
    if any("\n" in t for t in texts):
        return [mask(t) for t in texts]
    out = list(texts)
    for name, pattern in MASKS:
        trigger = _TRIGGERS[name]
        picked = [i for i, t in enumerate(out) if trigger(t)]
        if not picked:
            continue
        done = pattern.sub(f"<{name}>", "\n".join([out[i] for i in picked])).split("\n")
        if len(done) != len(picked):
            return [mask(t) for t in texts]
        for i, t in zip(picked, done):
            out[i] = t
    return out
