"""Secret redaction: applied to every line before anything else sees it.

OpenClaw logs, configs and auth stores carry API keys and OAuth tokens. A redacted secret keeps its
recognisable prefix (the *kind* of credential is often the evidence: an `sk-ant-oat01-` setup token
next to a Claude CLI profile) and loses everything that would let someone use it.
"""
from __future__ import annotations

import re

REDACTED = "[REDACTED]"

# (name, pattern, number of leading characters of the match to keep). Patterns are compiled by `re`
# (and kept in its cache) the first time a line holds their trigger: most runs need few of them.
_PATTERNS: tuple[tuple[str, str, int], ...] = (
    ("anthropic", r"sk-ant-(?:api|oat|ort|admin)\d{2}-[A-Za-z0-9_\-]{8,}", 13),
    ("openrouter", r"sk-or-v1-[A-Za-z0-9]{16,}", 9),
    ("openai-project", r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{16,}", 8),
    ("openai", r"\bsk-[A-Za-z0-9_\-]{20,}", 3),
    ("github", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})", 4),
    ("slack", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}", 5),
    ("google", r"\bAIza[0-9A-Za-z_\-]{30,}", 4),
    ("aws", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", 4),
    ("telegram-bot", r"\b\d{8,10}:AA[A-Za-z0-9_\-]{30,}", 0),
    ("jwt", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}", 3),
    ("bearer", r"(?i)\b(?:bearer|token)\s+[A-Za-z0-9_\-\.=/+]{24,}", 7),
    ("groq", r"\bgsk_[A-Za-z0-9]{20,}", 4),
    ("xai", r"\bxai-[A-Za-z0-9]{20,}", 4),
    ("hf", r"\bhf_[A-Za-z0-9]{20,}", 3),
)

# JSON / key=value fields whose value is a credential whatever it looks like.
_FIELD = re.compile(
    r"""(?ix)
    (?P<key>["']?(?:access|refresh|access_?token|refresh_?token|id_?token|api_?key|apikey|key|token|secret|
        client_?secret|password|passwd|authorization|x-api-key|setup_?token|bot_?token|gateway_?token)["']?
        \s*[:=]\s*)
    (?P<q>["']?)(?P<val>[^"'\s,}]{12,})(?P=q)
    """
)


def _keep(match: re.Match[str], keep: int) -> str:
    return match.group(0)[:keep] + REDACTED


# Substrings without which a pattern cannot match: checked first, because most lines hold no secret.
_TRIGGERS = {
    "anthropic": ("sk-ant-",), "openrouter": ("sk-or-",), "openai-project": ("sk-",), "openai": ("sk-",),
    "github": ("gh", "github_pat_"), "slack": ("xox",), "google": ("AIza",), "aws": ("AKIA", "ASIA"),
    "telegram-bot": (":AA",), "jwt": ("eyJ",), "bearer": ("earer", "oken", "EARER", "OKEN"), "groq": ("gsk_",),
    "xai": ("xai-",), "hf": ("hf_",),
}
_FIELD_TRIGGERS = ("access", "refresh", "token", "key", "secret", "password", "passwd", "authorization",
                   "Access", "Refresh", "Token", "Key", "Secret", "Password", "Authorization", "KEY", "TOKEN", "SECRET")


def redact(text: str) -> str:
    """`text` with every secret-shaped value replaced by its prefix and `[REDACTED]`."""
    if not text:
        return text
    for name, pattern, keep in _PATTERNS:
        if any(t in text for t in _TRIGGERS[name]):
            text = re.sub(pattern, lambda m, k=keep: _keep(m, k), text)
    if not any(t in text for t in _FIELD_TRIGGERS):
        return text

    def field(m: re.Match[str]) -> str:
        val = m.group("val")
        if REDACTED in val or val.startswith(("<", "$", "{")) or val.lower() in {"true", "false", "null"}:
            return m.group(0)
        return f"{m.group('key')}{m.group('q')}{REDACTED}{m.group('q')}"

    return _FIELD.sub(field, text)


def find_secrets(text: str) -> list[str]:
    """Names of the secret shapes present in `text` (used by tests and by guards on output)."""
    found = [name for name, pattern, _ in _PATTERNS if re.search(pattern, text.replace(REDACTED, ""))]
    return found
