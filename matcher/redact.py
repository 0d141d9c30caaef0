"""Secret redaction: applied to every line before anything else sees it.

OpenClaw logs, configs and auth stores carry API keys and OAuth tokens. A redacted secret keeps its
recognisable prefix (the *kind* of credential is often the evidence: an `sk-ant-oat01-` setup token
next to a Claude CLI profile) and loses everything that would let someone use it.

Three stages, each skipped unless a cheap substring test says it can match (most lines hold no secret):

1. shapes: credentials with a recognisable form (provider prefixes, JWTs, Telegram and Slack tokens,
   webhook URLs, PEM private keys, `user:pass@` in URLs, `Bearer`/`Basic` values, an AWS secret beside
   its `AKIA` id). The shapes are the facts Yelp's detect-secrets and the providers' docs state.
2. fields: the value next to a credential word (`"password": "..."`, `apiKey=...`, `Authorization:
   Basic ...`, `--token ...`). Strong names (password, secret, api key, *token, authorization) lose
   any real value; weak ones (key, auth, pwd) lose long values that are not uuids, hashes, request
   ids, paths or versions, which the masks already handle.
3. bare high-entropy tokens of 32+ characters mixing upper case, lower case and digits (a bare
   provider key, a Discord bot token, a base64 blob), unless they are ids or paths.

Every pattern is linear in the length of its input: a pattern may only start where a token starts
(a negative look-behind on the token's own characters), its repetitions are single character classes
that cannot overlap what follows them, and a value in quotes is bounded. A 4 MB line of `eyJ-` or
`key=` takes one pass, not one pass per position. The module is standard-library only and runs on
Python 3.9: it is inlined into the standalone repair scripts (kb/remedies/bundle.py).
"""
from __future__ import annotations

import re
from math import log2

REDACTED = "[REDACTED]"


class _Lazy:
    """A pattern compiled the first time it is used: a paste's start-up pays only for what it needs."""

    __slots__ = ("source", "pattern")

    def __init__(self, source: str):
        self.source, self.pattern = source, None

    def __getattr__(self, attr: str):
        if self.pattern is None:
            self.pattern = re.compile(self.source)
        return getattr(self.pattern, attr)

_T = r"A-Za-z0-9_\-"                 # base64url: the characters of most tokens
_AT_TOKEN = r"(?<![A-Za-z0-9_\-])"   # a match starts where a token starts (one attempt per token)


def _hex_or_lower(value: str) -> bool:
    return bool(_HEX.fullmatch(value)) or value.islower() or value.isupper()


def _basic_pair(value: str) -> bool:
    """`Basic` credentials are base64 of `user:password`."""
    import binascii  # only for a `Basic` value: start-up does not pay for it

    try:
        return b":" in binascii.a2b_base64(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return False


def _bearer_value(value: str) -> bool:
    """A Bearer value, not the word after `bearer` in prose ("Bearer token expired")."""
    return len(value) >= 20 or len(value) >= 6 and any(c.isdigit() for c in value)


# (name, pattern, substrings one of which the text must hold, check of the secret group or None).
# Group `keep` (the kind: `sk-ant-oat01-`, `Bearer `, `https://hooks.slack.com/services/`) stays;
# group `s` (or, without it, the rest of the match) becomes [REDACTED].
_SHAPES: tuple[tuple[str, str, tuple[str, ...], object], ...] = (
    ("anthropic", rf"{_AT_TOKEN}(?P<keep>sk-ant-(?:api|oat|ort|admin)\d{{2}}-)[{_T}]{{8,}}", ("sk-ant-",), None),
    ("openrouter", rf"{_AT_TOKEN}(?P<keep>sk-or-v1-)[A-Za-z0-9]{{16,}}", ("sk-or-",), None),
    ("openai-project", rf"{_AT_TOKEN}(?P<keep>sk-(?:proj|svcacct|admin)-)[{_T}]{{16,}}", ("sk-",), None),
    ("openai", rf"{_AT_TOKEN}(?P<keep>sk-)[{_T}]{{20,}}", ("sk-",), None),
    ("github", rf"{_AT_TOKEN}(?P<keep>gh[pousr]_|github_pat_)[A-Za-z0-9_]{{30,}}", ("gh", "github_pat_"), None),
    ("slack", rf"{_AT_TOKEN}(?P<keep>xox[abposre][.\-])[A-Za-z0-9.\-]{{10,}}", ("xox",), None),
    ("slack-app", rf"{_AT_TOKEN}(?P<keep>xapp-)\d-[A-Za-z0-9\-]{{10,}}", ("xapp-",), None),
    ("slack-webhook", r"(?P<keep>hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9_/\-]+",
     ("hooks.slack.com",), None),
    ("discord-webhook", r"(?P<keep>discord(?:app)?\.com/api/(?:v\d+/)?webhooks/)\d+/[A-Za-z0-9_\-]+", ("webhooks/",), None),
    ("google", rf"{_AT_TOKEN}(?P<keep>AIza)[{_T}]{{30,}}", ("AIza",), None),
    ("google-aq", r"(?<![A-Za-z0-9_\-.])(?P<keep>AQ\.)[A-Za-z0-9_\-]{20,}", ("AQ.",), None),
    ("aws", r"\b(?P<keep>AKIA|ASIA)[0-9A-Z]{16}\b", ("AKIA", "ASIA"), None),
    # an AWS secret access key is 40 base64 characters with nothing to recognise it by: beside its id
    ("aws-secret", r"(?<![A-Za-z0-9+/=])(?P<keep>)(?P<s>[A-Za-z0-9+/]{40})(?![A-Za-z0-9+/=])", ("AKIA", "ASIA"),
     lambda s: not _hex_or_lower(s)),
    ("telegram-bot", rf"(?<![0-9])(?P<keep>)\d{{8,10}}:AA[{_T}]{{30,}}", (":AA",), None),
    ("jwt", rf"{_AT_TOKEN}(?P<keep>eyJ)[{_T}]{{8,}}\.[{_T}]{{8,}}\.[{_T}]*", ("eyJ",), None),
    ("groq", rf"{_AT_TOKEN}(?P<keep>gsk_)[A-Za-z0-9]{{20,}}", ("gsk_",), None),
    ("xai", rf"{_AT_TOKEN}(?P<keep>xai-)[A-Za-z0-9]{{20,}}", ("xai-",), None),
    ("hf", rf"{_AT_TOKEN}(?P<keep>hf_)[A-Za-z0-9]{{20,}}", ("hf_",), None),
    ("perplexity", rf"{_AT_TOKEN}(?P<keep>pplx-)[A-Za-z0-9]{{20,}}", ("pplx-",), None),
    ("private-key", r"(?P<keep>-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----)"
     r"[\s\\]*[A-Za-z0-9+/=][A-Za-z0-9+/=\s\\]*", ("PRIVATE KEY",), None),
    ("url-password", r"(?P<keep>://[^\s:/@?#]*:)(?P<s>[^\s/@?#]+)@", ("://",), lambda s: s != REDACTED),
    # (not the kept prefix of a token another shape already redacted: `Bearer sk-ant-api03-[REDACTED]`)
    ("bearer", r"(?i)(?<![a-z])(?P<keep>bearer\s{1,4})(?P<s>[A-Za-z0-9_\-.=/+~]{6,})(?![A-Za-z0-9_\-.=/+~\[])",
     ("earer", "EARER"), _bearer_value),
    ("basic-auth", r"(?<![A-Za-z])(?P<keep>[Bb]asic\s{1,4})(?P<s>[A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])",
     ("asic",), _basic_pair),
)
_BY_TRIGGER: list = []  # (triggers, shapes in order): shapes that share their triggers are tested once
for _name, _source, _triggers, _check in _SHAPES:
    if _BY_TRIGGER and _BY_TRIGGER[-1][0] == _triggers:
        _BY_TRIGGER[-1][1].append((_name, _source, _check))
    else:
        _BY_TRIGGER.append((_triggers, [(_name, _source, _check)]))
_COMPILED = {}  # name -> compiled pattern, compiled the first time a line holds its trigger


def _pattern(name: str, source: str) -> re.Pattern[str]:
    p = _COMPILED.get(name)
    if p is None:
        p = _COMPILED[name] = re.compile(source)
    return p


def _shape_sub(pattern: re.Pattern[str], text: str, check) -> str:
    def repl(m: re.Match[str]) -> str:
        s = m.group("s") if "s" in pattern.groupindex else None
        if s is None:
            return m.group("keep") + REDACTED
        if check is not None and not check(s):
            return m.group(0)
        return m.group(0)[: m.start("s") - m.start()] + REDACTED + m.group(0)[m.end("s") - m.start():]
    return pattern.sub(repl, text)


# --------------------------------------------------------------------------- values next to credential words

# A credential word anywhere in a name (`apiKey`, `OPENAI_API_KEY`, `gateway.auth.token`, `"password"`), the rest
# of the name, a separator, then a quoted value (bounded, so that an unclosed quote costs a constant) or a
# bare one. The search runs in C; Python looks only at the candidates it finds. `(?=(?P<tail>...))(?P=tail)` is
# an atomic group: the rest of the name is not given back character by character when no separator follows.
_CRED_TRIGGERS = ("key", "token", "secret", "passw", "pwd", "auth", "credential", "access", "refresh", "private")
_FIELD = _Lazy(
    r"""(?i:key|token|secret|passw|pwd|auth|credential|access|refresh|private)(?=(?P<tail>[A-Za-z0-9_.\-]{0,48}))(?P=tail)"""
    r"""(?P<sep>["']?[ \t]{0,4}(?P<op>:=|=>|[:=])[ \t]{0,4}|["']?[ \t]{1,4})"""
    r"""(?:"(?P<dq>(?:[^"\\\n]|\\.){1,256})"|'(?P<sq>[^'\n]{1,256})'|(?P<v>[^\s"',;}\])]+))""")
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
# names whose value is a credential whatever it looks like (compared without `_`, `-` and case)
_STRONG = ("password", "passwd", "passphrase", "secret", "apikey", "privatekey", "authorization", "credential",
           "accesskey")
_QUOTED_ONLY = frozenset(("access", "refresh"))  # strong in `"access": "..."`, weak in prose
# names that hold something about a credential, not the credential
_NOT_VALUE = ("id", "ids", "file", "path", "ref", "hint", "type", "name", "source", "env", "provider", "mode",
              "status", "count", "len", "length", "url", "uri", "expires", "expiresat", "expiry", "at", "kind",
              "set", "present", "configured", "missing", "source", "store", "format", "scope", "scopes", "field")
_SCHEMES = ("bearer ", "basic ", "bot ", "token ", "digest ", "apikey ", "key ", "sso-key ", "aws4-hmac-sha256 ")
_SCHEME_WORDS = frozenset(s.strip() for s in _SCHEMES)
_AFTER_SCHEME = _Lazy(r"[ \t]{1,4}([^\s\"',;}\])]+)")
_PLACEHOLDER_WORDS = frozenset(("token", "password", "oauth", "apikey", "api_key", "bearer", "basic", "true", "false", "null", "none", "undefined", "nil", "redacted", "hidden", "masked",
                                "missing", "unset", "empty", "required", "optional", "string", "invalid", "expired",
                                "present", "set", "configured"))
_KEY_VALUE = _Lazy(r"[A-Za-z_][A-Za-z0-9_.\-]{0,40}=[^=\s]")  # a field of its own (base64 ends in `=`, never has one inside)
_UUID = _Lazy(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = _Lazy(r"(?:sha256:|sha1:|0x)?[0-9a-fA-F]{7,}")
_NUMBER = _Lazy(r"[+-]?\d+(?:[.,]\d+)*[a-zA-Z%]{0,3}")
_VERSION = _Lazy(r"v?\d+(?:\.\d+)+(?:[-+][A-Za-z0-9.\-]*)?")
# ids of requests, messages, runs and tool calls: evidence, and not credentials
_ID_PREFIX = _Lazy(r"(?i)(?:req|request|msg|toolu|srvtoolu|chatcmpl|resp|run|call|gen|file|batch|evt|thread|"
                        r"asst|org|sess|session|conv|span|trace|job|task|cron|agent|device|chat|user|acct)[_\-]")


_KINDS: dict = {}  # name -> kind: names repeat line after line


def _name_kind(name: str) -> str:
    """"strong", "weak", "quoted" (strong when its value is quoted) or "" for the name before a value."""
    kind = _KINDS.get(name)
    if kind is None:
        kind = _name_kind_of(name)
        if len(_KINDS) < 4096:
            _KINDS[name] = kind
    return kind


def _name_kind_of(name: str) -> str:
    last = name.strip("-.").rsplit(".", 1)[-1]
    n = last.lower().replace("_", "").replace("-", "")
    if not n or n.endswith(_NOT_VALUE) and not n.endswith(("secret", "token", "key")):
        return ""
    if n in _QUOTED_ONLY:
        return "quoted"
    if n.endswith("token") or any(w in n for w in _STRONG):
        return "strong"
    if n.endswith(("key", "pwd", "auth")) or n in ("token", "pass"):
        return "weak"
    return ""


def _placeholder(value: str) -> bool:
    v = value.strip()
    return (not v or v[0] in "<${[%*(#" or "[REDACTED" in v or v.lower() in _PLACEHOLDER_WORDS
            or set(v) <= set("*x•.-_ X") or v.endswith(("...", "…")) and len(v) < 16)


def _benign(value: str) -> bool:
    """A value the masks handle (uuid, hash, number, version), an id, a path or URL, or a plain word."""
    return bool(_UUID.fullmatch(value) or _HEX.fullmatch(value) or _NUMBER.fullmatch(value)
                or _VERSION.fullmatch(value) or _ID_PREFIX.match(value)) \
        or value[0] in "/~." or "://" in value or value[1:3] in (":\\", ":/") \
        or not any(c.isdigit() for c in value) and (value.islower() or value.isupper()) \
        or value.islower() and ":" in value


def _entropy(value: str) -> float:
    counts: dict = {}
    for c in value:
        counts[c] = counts.get(c, 0) + 1
    n = len(value)
    return -sum(k / n * log2(k / n) for k in counts.values())


def _high_entropy(value: str, at_least: int = 16) -> bool:
    """Random-looking: long enough, digits with letters of both cases (or base64's `+/`), spread out."""
    if len(value) < at_least or _benign(value):
        return False
    classes = sum((any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value)))
    if classes < 3 and not (classes == 2 and len(value) >= 24):
        return False
    return _entropy(value) >= min(3.5, 0.8 * log2(len(value)))


def _field_secret(kind: str, op: str, quoted: bool, value: str) -> bool:
    if _placeholder(value):
        return False
    if not op:  # `token abc...`, `--api-key abc...`: only a value that looks random
        if _KEY_VALUE.match(value):  # `reason=auth from=openrouter/...`: the next field, not auth's value
            return False
        return _high_entropy(value) or len(value) >= 24 and not _benign(value) and " " not in value
    if kind == "strong":
        # `password=hunter2`, `"password": "two words"`; not the prose of `invalid token: expired`
        return quoted or op != ":" or not (value.isalpha() and value.islower())
    return len(value) >= 12 and " " not in value and not _benign(value) or _high_entropy(value)


def _fields(text: str) -> str:
    out: list[str] = []
    done = 0  # text[:done] is settled
    pos = 0
    while True:
        v = _FIELD.search(text, pos)
        if v is None:
            break
        start = v.start()
        floor = max(pos, start - 48)  # a name starts after the previous candidate and has at most 48 characters
        while start > floor and text[start - 1] in _NAME_CHARS:
            start -= 1
        kind = _name_kind(text[start:v.end("tail")])
        pos = v.end("tail")  # a rejected candidate's value is searched again: it may hold a name
        if not kind:
            continue
        op = v.group("op") or ""
        group = "dq" if v.group("dq") is not None else "sq" if v.group("sq") is not None else "v"
        value = v.group(group)
        vstart, vend = v.span(group)
        low = value.lower()
        scheme = ""
        if op and group != "v" and " " in value:  # `"Authorization": "Basic abc"`
            scheme = next((s for s in _SCHEMES if low.startswith(s)), "")
        if op and group == "v" and low in _SCHEME_WORDS:
            # unquoted `Authorization: Bearer abc`: the credential is the token after the scheme
            after = _AFTER_SCHEME.match(text, vend)
            if after is None:
                continue
            scheme, (vstart, vend), value = text[vstart:after.start(1)], after.span(1), after.group(1)
        elif scheme:
            scheme, value = value[: len(scheme)], value[len(scheme):]
            vstart += len(scheme)
        if kind == "quoted":
            kind = "strong" if group != "v" else "weak"
        if (not _placeholder(value)) if scheme else _field_secret(kind, op, group != "v", value):
            out.append(text[done:vstart] + REDACTED)
            done = pos = vend
        elif vend - vstart > 64:  # only a short value is searched again, so each character is read a few times
            pos = vend
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


# --------------------------------------------------------------------------- bare high-entropy tokens

# 32+ token characters holding an upper-case letter, a lower-case letter and a digit: the look-aheads
# read one token each (they start only where a token starts), so the scan stays linear.
_BARE = _Lazy(r"(?<![A-Za-z0-9_\-+/.])(?=[a-z0-9_\-+/.]*[A-Z])(?=[A-Z0-9_\-+/.]*[a-z])(?=[A-Za-z_\-+/.]*[0-9])"
                   r"[A-Za-z0-9_\-+/.]{32,}={0,2}")
_DISCORD = _Lazy(r"[MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40}")
_PIECES = _Lazy(r"[/.]")


# the characters that end a bare token, as spaces: `str.translate` + `split` find the long tokens in C,
# after a whitespace split says one may be there, so a line without one (most lines) costs no regex scan
_SPLIT = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum() and chr(c) not in "_-+/."})


def _bare(m: re.Match[str]) -> str:
    tok = m.group(0)
    if _DISCORD.fullmatch(tok):
        return REDACTED
    if tok[0] in "/." or "//" in tok or _ID_PREFIX.match(tok):
        return tok
    pieces = [tok.rstrip("=")] if "+" in tok else _PIECES.split(tok.rstrip("="))
    if any(len(p) >= 32 and _high_entropy(p, 32) and _entropy(p) >= 4.0 for p in pieces):
        return REDACTED
    return tok


# --------------------------------------------------------------------------- the redactor

def redact(text: str) -> str:
    """`text` with every secret-shaped value replaced by its prefix and `[REDACTED]`."""
    if not text:
        return text
    for triggers, shapes in _BY_TRIGGER:
        for t in triggers:
            if t in text:
                for name, source, check in shapes:
                    text = _shape_sub(_pattern(name, source), text, check)
                break
    low = text.lower()
    for t in _CRED_TRIGGERS:
        if t in low:
            text = _fields(text)
            break
    if len(text) >= 32 and max(map(len, text.split()), default=0) >= 32 \
            and any(len(p) >= 32 and not p.islower() for p in text.translate(_SPLIT).split()):
        text = _BARE.sub(_bare, text)
    return text


def find_secrets(text: str) -> list[str]:
    """Names of the recognisable secret shapes present in `text` (used by tests and by guards on
    output); a redacted value is not one."""
    found = []
    for name, source, triggers, check in _SHAPES:
        if any(t in text for t in triggers) and _shape_sub(_pattern(name, source), text, check) != text:
            found.append(name)
    return found
