"""The diagnosis comment's last check: a second secret detector, independent of the redactor.

Everything from an issue that reaches the comment has been through matcher.redact first. Checking
the result with the redactor's own patterns would catch nothing it misses, so this guard asks a
different detector: Yelp's detect-secrets (its keyword, high-entropy base64/hex, AWS, Slack,
Discord, Telegram, JWT, basic-auth, private-key, GitHub, OpenAI, Stripe ... plugins). Its start-up
cost (a quarter of a second) is nothing in the Action; the redactor stays stdlib-only because it is
inlined into the standalone repair scripts, which cannot carry a dependency.

A detector of this kind raises false alarms, and a false alarm must not stop the comment: each
doubtful span is replaced by WITHHELD and the rest is posted. What clawkb itself writes and a
reader needs (the hidden marker, the signature ids, links to the troubleshooting site, openclaw#N
references, the redactor's placeholders) is never scanned.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

WITHHELD = "[withheld: looks like a secret]"

# a secret's span is the run of token characters around what a plugin matched: it stops at
# whitespace, quotes, brackets and the separators of `key=value` / `key: value`
_TOKEN_CHARS = r"[^\s\"'`<>()\[\]{},;:=|*]"
# a high-entropy candidate shorter than this is a hash prefix, a request id or a UUID's group far
# more often than a credential (those that are short have a pattern plugin of their own)
MIN_ENTROPY_LENGTH = 20
_HIGH_ENTROPY = ("Base64 High Entropy String", "Hex High Entropy String")
# detect-secrets' allowlist comment (`pragma: allowlist secret`) is the issue author's to write, so
# it must not switch the guard off; the file-type filters have no file to look at
_FILTERS_OFF = ("detect_secrets.filters.allowlist.is_line_allowlisted", "detect_secrets.filters.common.is_invalid_file",
                "detect_secrets.filters.heuristic.is_lock_file", "detect_secrets.filters.heuristic.is_swagger_file",
                "detect_secrets.filters.heuristic.is_non_text_file")


class GuardUnavailable(RuntimeError):
    """detect-secrets is not installed: the comment cannot be checked, so it is not posted."""


@lru_cache(maxsize=1)
def _detector():
    """detect-secrets configured once for this process: every plugin at its default limits."""
    try:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.core.scan import scan_line
        from detect_secrets.settings import configure_settings_from_baseline, get_plugins, get_settings
    except ImportError:
        raise GuardUnavailable("detect-secrets is not installed (pip install 'clawkb[github]')") from None
    settings = configure_settings_from_baseline({"plugins_used": [
        {"name": cls.__name__} for cls in get_mapping_from_secret_type_to_class().values()]})
    settings.disable_filters(*_FILTERS_OFF)
    get_plugins.cache_clear()
    limits = {p.secret_type: p for p in get_plugins() if p.secret_type in _HIGH_ENTROPY}
    return scan_line, limits


def _allowed_spans(line: str, allow: Iterable[re.Pattern]) -> list[tuple[int, int]]:
    return [m.span() for pattern in allow for m in pattern.finditer(line)]


@lru_cache(maxsize=8192)
def _line_spans(masked: str) -> tuple[tuple[int, int], ...]:
    """The spans of `masked` (one line, allowed parts blanked) that detect-secrets doubts."""
    scan_line, limits = _detector()
    spans = set()
    # the pattern plugins (keyword, AWS, Slack, JWT, private key ...) read the whole line
    for secret in scan_line(masked):
        if secret.type in limits:
            continue
        value = secret.secret_value or ""
        found = [m.start() for m in re.finditer(re.escape(value), masked)] if value else []
        if not found:  # cannot tell where it is: withhold the line
            return ((0, len(masked)),)
        for start in found:
            spans.add(_token_around(masked, start, start + len(value)))
    # the entropy plugins read one token at a time, quoted as they expect; an ad-hoc scan reports
    # every candidate, so keep those over the plugin's limit and long enough to be a credential
    for token in re.finditer(f"{_TOKEN_CHARS}{{{MIN_ENTROPY_LENGTH},}}", masked):
        for secret in scan_line(f'"{token.group(0)}"'):
            plugin, value = limits.get(secret.type), secret.secret_value or ""
            if plugin and len(value) >= MIN_ENTROPY_LENGTH and plugin.calculate_shannon_entropy(value) > plugin.entropy_limit:
                spans.add((token.start(), _padding(masked, token.end())))
    return tuple(sorted(s for s in spans if masked[s[0]:s[1]].strip()))


def _token_around(line: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and re.match(_TOKEN_CHARS, line[start - 1]):
        start -= 1
    while end < len(line) and re.match(_TOKEN_CHARS, line[end]):
        end += 1
    return start, _padding(line, end)


def _padding(line: str, end: int) -> int:
    """Past a base64 value's `=` padding, which the token stops at."""
    stop = end
    while stop < len(line) and line[stop] == "=":
        stop += 1
    return stop if stop > end and (stop == len(line) or not re.match(_TOKEN_CHARS, line[stop])) else end


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def doubtful_spans(line: str, allow: Iterable[re.Pattern] = ()) -> list[tuple[int, int]]:
    """Where in `line` detect-secrets sees a secret, outside the `allow`ed patterns."""
    masked = list(line)
    for start, end in _allowed_spans(line, allow):
        masked[start:end] = " " * (end - start)
    return _merge(_line_spans("".join(masked)))


def withhold(text: str, allow: Iterable[re.Pattern] = ()) -> tuple[str, int]:
    """`text` with every doubtful span replaced by WITHHELD, and how many were."""
    allow = list(allow) + [re.compile(re.escape(WITHHELD))]
    count = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        spans = doubtful_spans(line, allow)
        for start, end in reversed(spans):
            line = line[:start] + WITHHELD + line[end:]
        count += len(spans)
        lines[i] = line
    return "\n".join(lines), count
