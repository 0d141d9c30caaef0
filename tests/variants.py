"""The ways people really paste a log, as functions from text to text.

Used by the tests (the same diagnoses must come out of every variant) and handy when tuning: each
transformation is deterministic for a given seed.
"""
from __future__ import annotations

import json
import random
import re
from typing import Callable

Transform = Callable[[str], str]

_TS = re.compile(r"(\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d\d:\d\d)?)")
_TAG = re.compile(r"(\[[\w/-]+\])")


def ansi(text: str) -> str:
    text = _TS.sub("\x1b[90m\\1\x1b[39m", text)
    text = _TAG.sub("\x1b[36m\\1\x1b[0m", text)
    return "\n".join(f"\x1b[31m{line}\x1b[0m" if "error" in line.lower() else line for line in text.split("\n"))


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def quoted(text: str) -> str:
    return "\n".join("> " + line for line in text.split("\n"))


def fenced(text: str) -> str:
    return "Here is what I see:\n\n```text\n" + text + "\n```\n\nAny idea?"


def json_records(text: str) -> str:
    """Each line as an OpenClaw file-log record (tslog JSON)."""
    out = []
    for i, line in enumerate(text.split("\n")):
        m = re.match(r"\s*(?:(\d{4}-\d{2}-\d{2}T\S+)\s+)?(?:\[([\w/-]+)\]\s+)?(.*)", line)
        ts, sub, msg = m.group(1) or f"2026-05-01T10:00:{i % 60:02d}.000Z", m.group(2), m.group(3)
        rec: dict = {}
        if sub:
            rec["0"] = json.dumps({"subsystem": sub})
            rec["1"] = msg
        else:
            rec["0"] = msg
        rec["_meta"] = {"runtime": "node", "name": "openclaw", "date": ts, "logLevelId": 5, "logLevelName": "ERROR"}
        rec["time"] = ts
        out.append(json.dumps(rec, ensure_ascii=False))
    return "\n".join(out)


def json_escaped(text: str) -> str:
    """The whole text as one JSON string value, as tools and bug reports often quote it."""
    return '{"level":"error","error":' + json.dumps(text, ensure_ascii=True) + "}"


def mojibake(text: str) -> str:
    """UTF-8 bytes read back as cp1252 (latin-1 for the bytes cp1252 leaves undefined)."""
    out = []
    for b in text.encode("utf-8"):
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


def hard_wrap(text: str, width: int = 80) -> str:
    out = []
    for line in text.split("\n"):
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return "\n".join(out)


_MODEL = re.compile(r"claude-(opus|sonnet|haiku)-(\d)[-.](\d)")


def renamed_models(text: str) -> str:
    text = _MODEL.sub(lambda m: f"claude-{m.group(1)}-{int(m.group(2)) + 1}-{m.group(3)}", text)
    return text.replace("deepseek-v4-flash", "deepseek-v5-turbo").replace("gpt-5.4", "gpt-5.6")


_SECRETISH = re.compile(r"sk-ant-\w+-[\w-]+|[\w.+-]+@[\w-]+\.[\w.]+|sha256:[0-9a-f]+|runId=[\w-]+")


def redactions(text: str) -> str:
    return _SECRETISH.sub("[REDACTED]", text)


def buried(text: str, seed: int = 7, before: int = 400, after: int = 400) -> str:
    """The text in the middle of a long, healthy gateway log."""
    from benign import benign_log  # tests/benign.py

    rng = random.Random(seed)
    return benign_log(before, rng) + "\n" + text + "\n" + benign_log(after, rng)


TRANSFORMS: dict[str, Transform] = {
    "ansi": ansi,
    "crlf": crlf,
    "quoted": quoted,
    "fenced": fenced,
    "json-records": json_records,
    "json-escaped": json_escaped,
    "mojibake": mojibake,
    "hard-wrap-80": hard_wrap,
    "renamed-models": renamed_models,
    "redactions": redactions,
    "buried": buried,
}
