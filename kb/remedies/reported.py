"""`clawkb doctor --from FILE`: the doctor's findings from what OpenClaw itself reports, for installs
whose state dir clawkb cannot read (Docker, a remote box).

Pure: text in, findings out (`parse(text, now_ms, name)`), in the record shape `repairs.findings()`
returns, plus `commands`: the OpenClaw command lines to run where the state lives (there is no
`clawkb fix` for a state dir clawkb cannot see). The shape of each input, per OpenClaw release, as
read in its released builds (npm openclaw 2026.6.1 to 2026.9.6):

- `openclaw models status --json` (src/commands/models/list.status-command.ts, auth-health.ts): `auth.unusableProfiles[]` and `auth.oauth.profiles[]`.
  Up to 2026.7.1 an unusable entry has no `recoveryHint` and its `reason` is always the stored
  `disabledReason`, even when `kind` is "cooldown": a cooldown's reason cannot be read from it.
- `openclaw models auth list --json` (src/commands/models/auth-list.ts): `profiles[]` with ISO `disabledUntil` /
  `cooldownUntil` / `expiresAt`; windows that have already ended are listed too, so each is compared
  with now.
- `openclaw doctor --json` / `openclaw doctor --lint --json` (src/commands/doctor-auth.ts, doctor-lint-output): `findings[]`; the auth
  check (`core/doctor/auth-profiles`) reports only profiles with a problem, so it cannot show a
  usable sibling or how many profiles a provider has.

What counts as a dead credential (src/agents/auth-profiles/credential-state.ts): a token whose health status is `expired` or `missing`,
an OAuth profile whose status is `missing` (an expired OAuth access token is refreshable, so it is
not dead), and, as `repairs.credential_problem` has it, a profile disabled for `auth_permanent`.
A lockout (billing, a cooldown) is never a dead credential.
"""
from __future__ import annotations

import datetime as _dt
import re
import json
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from clawkb.matcher.redact import redact

from .openclaw_state import fmt_duration, fmt_ms
from .openclaw_cli import login_command
from .repairs import AGGREGATOR, NON_BILLING_REASONS, _merge, provider_of

MODELS_STATUS = "openclaw models status --json"
AUTH_LIST = "openclaw models auth list --json"
DOCTOR = "openclaw doctor --json"
AUTH_CHECK = "core/doctor/auth-profiles"


class ReportError(ValueError):
    """The input is not one of the outputs `--from` reads; the message is one line for the user."""


class Report:
    """What one OpenClaw output says: which command wrote it, the findings, and notes on what that
    output cannot show."""

    def __init__(self, kind: str, findings: List[Dict[str, Any]], notes: List[str]):
        self.kind, self.findings, self.notes = kind, findings, notes


def parse(text: str, now_ms: int, name: str = "-") -> Report:
    """The findings in one OpenClaw JSON output. `name` is the file as the user gave it (evidence
    names it); `now_ms` is the time lockouts and expiries are judged against."""
    doc, base = _load(text, name)
    kind = detect(doc)
    if kind is None:
        raise ReportError(f"{_label(name)} is JSON but not the output of `{MODELS_STATUS}`, `{DOCTOR}` or `{AUTH_LIST}`")
    reader = {MODELS_STATUS: _models_status, AUTH_LIST: _auth_list, DOCTOR: _doctor}[kind]
    ctx = _Ctx(text, base, _label(name), now_ms)
    items, notes = reader(doc, ctx)
    return Report(kind, _merge(items), notes)


def detect(doc: Any) -> Optional[str]:
    """Which command wrote `doc`, by its shape; None when it is none of them."""
    if not isinstance(doc, dict):
        return None
    auth = doc.get("auth")
    if isinstance(auth, dict) and ("unusableProfiles" in auth or isinstance(auth.get("oauth"), dict)):
        return MODELS_STATUS
    if isinstance(doc.get("findings"), list) and ("schemaVersion" in doc or "checksRun" in doc or "ok" in doc):
        return DOCTOR
    if isinstance(doc.get("profiles"), list) and ("authStatePath" in doc or "agentDir" in doc or "agentId" in doc):
        return AUTH_LIST
    return None


# --------------------------------------------------------------------------- input

def _label(name: str) -> str:
    return "stdin" if name in ("-", "") else name


def _load(text: str, name: str) -> Tuple[Any, int]:
    """The JSON document in `text` and the offset it starts at. OpenClaw may print a warning line
    before the JSON; the document is then read from the first line that opens an object."""
    if not text.strip():
        raise ReportError(f"{_label(name)} is empty: expected the JSON output of `{MODELS_STATUS}`, `{DOCTOR}` "
                          f"or `{AUTH_LIST}`")
    dec = json.JSONDecoder()
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n" and text[i + 1:i + 2] == "{"]
    for start in starts:
        at = _skip(text, start)
        try:
            doc, end = dec.raw_decode(text, at)
        except ValueError:
            continue
        if not text[end:].strip():
            return doc, at
    raise ReportError(f"{_label(name)} is not JSON: expected the output of `{MODELS_STATUS}`, `{DOCTOR}` or "
                      f"`{AUTH_LIST}`")


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


class _Ctx:
    def __init__(self, text: str, base: int, label: str, now_ms: int):
        self.text, self.base, self.label, self.now = text, base, label, now_ms

    def line(self, path: Sequence[Union[str, int]]) -> int:
        """The line of FILE the value at `path` starts on (1 for one-line JSON, never 0)."""
        pos = _locate(self.text, self.base, path)
        return 1 if pos is None else self.text.count("\n", 0, pos) + 1

    def evidence(self, path: Sequence[Union[str, int]], text: str) -> Dict[str, Any]:
        field = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path[:-1]))
        return {"line": self.line(path), "file": self.label, "text": redact(f"{field}: {text}")}


def _locate(text: str, pos: int, path: Sequence[Union[str, int]]) -> Optional[int]:
    """The offset of the value at `path` in the JSON text starting at `pos`, or None."""
    dec = json.JSONDecoder()
    try:
        for step in path:
            pos = _skip(text, pos)
            opener = text[pos]
            if opener not in "{[" or (opener == "{") != isinstance(step, str):
                return None
            pos, index = _skip(text, pos + 1), 0
            while text[pos] not in "}]":
                if opener == "{":
                    key, pos = json.decoder.scanstring(text, pos + 1)
                    pos = _skip(text, pos) + 1  # past the colon
                    hit = key == step
                else:
                    hit = index == step
                pos = _skip(text, pos)
                if hit:
                    break
                _, pos = dec.raw_decode(text, pos)
                pos = _skip(text, pos)
                if text[pos] == ",":
                    pos = _skip(text, pos + 1)
                index += 1
            else:
                return None
        return pos
    except (ValueError, IndexError):
        return None


def _iso_ms(value: Any) -> Optional[int]:
    if not isinstance(value, str):
        return None
    try:
        t = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.timezone.utc)
    return int(t.timestamp() * 1000)


def _num(value: Any) -> Optional[float]:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


# --------------------------------------------------------------------------- findings

def _item(sig: str, conf: float, ev: Dict[str, Any], caps: Dict[str, str], commands: List[str],
          fix_args: Optional[List[List[str]]] = None) -> Dict[str, Any]:
    return {"id": sig, "confidence": conf, "evidence": [ev], "captures": {k: [v] for k, v in caps.items()},
            "fix_args": fix_args or [[]], "commands": commands}


class _Profile:
    """One profile as an output describes it: enough to tell lockouts, dead credentials and siblings."""

    def __init__(self, pid: str, provider: str):
        self.pid, self.provider = pid, provider
        self.locked = False  # a lockout (disabled or cooling down) in force now
        self.dead: Optional[Tuple[str, List[Union[str, int]]]] = None  # (why, path of the evidence)


def _lockout_items(ctx: _Ctx, path: List[Union[str, int]], pid: str, provider: str, kind: str,
                   reason: Optional[str], left: Optional[float], until: Optional[float],
                   reason_known: bool = True) -> List[Dict[str, Any]]:
    """The findings for one lockout in force: a billing lockout, or a non-billing cooldown."""
    span = (f" for {fmt_duration(int(left))}" if left is not None else "") + (f" (until {fmt_ms(until)})" if until else "")
    caps = {"provider": provider, "profile": pid}
    if kind == "disabled" and reason == "billing":
        return [_item("stale-billing-disabled-until", 0.8,
                      ctx.evidence(path, f"{pid} disabled (billing){span}"), caps, [login_command(provider)])]
    if kind == "cooldown" and not reason_known:
        return [_item("auth-profile-cooldown-non-billing", 0.4,
                      ctx.evidence(path, f"{pid} cooling down{span}, reason not reported (OpenClaw ≤ 2026.7.1 "
                                   f"shows disabledReason here; `{AUTH_LIST}` shows cooldownReason)"),
                      caps, [login_command(provider)])]
    if kind == "cooldown" and reason in NON_BILLING_REASONS:
        return [_item("auth-profile-cooldown-non-billing", 0.6,
                      ctx.evidence(path, f"{pid} cooling down ({reason}){span}"), caps, [login_command(provider)])]
    return []


def _profile_items(ctx: _Ctx, profiles: Dict[str, _Profile], billing: List[Tuple[str, str, list]]
                   ) -> List[Dict[str, Any]]:
    """The findings that need every profile of a provider: a dead credential next to a usable sibling,
    and a billing lockout of the only profile of an aggregator provider."""
    out: List[Dict[str, Any]] = []
    by_provider: Dict[str, List[_Profile]] = {}
    for p in profiles.values():
        by_provider.setdefault(p.provider, []).append(p)
    for provider, group in sorted(by_provider.items()):
        healthy = sorted(p.pid for p in group if not p.dead and not p.locked)
        for p in sorted(group, key=lambda p: p.pid):
            if p.dead and healthy:
                why, path = p.dead
                out.append(_item("stale-oauth-profile-poisons-provider", 0.75,
                                 ctx.evidence(path, f"{p.pid}: {why}, next to usable {', '.join(healthy)} of {provider}"),
                                 {"provider": provider, "stale_profile": p.pid, "healthy_profile": healthy[0]},
                                 [login_command(provider, p.pid)], [["--profile", p.pid]]))
    for pid, provider, path in billing:
        if AGGREGATOR.search(provider) and len(by_provider.get(provider, [])) <= 1:
            out.append(_item("provider-wide-402-proxy", 0.7,
                             ctx.evidence(path, f"{pid} is the only profile of aggregator provider {provider} and is "
                                          "disabled for billing: every model behind it is skipped"),
                             {"provider": provider, "profile": pid}, [login_command(provider)]))
    return out


def _models_status(doc: dict, ctx: _Ctx) -> Tuple[List[Dict[str, Any]], List[str]]:
    auth = doc["auth"]
    items: List[Dict[str, Any]] = []
    billing: List[Tuple[str, str, list]] = []  # (profile, provider, evidence path) of billing lockouts
    profiles: Dict[str, _Profile] = {}

    def profile(pid: str, entry: dict) -> _Profile:
        return profiles.setdefault(pid, _Profile(pid, _str(entry.get("provider")) or provider_of(pid)))

    unusable = auth.get("unusableProfiles")
    for i, e in enumerate(unusable if isinstance(unusable, list) else []):
        pid = _str(e.get("profileId")) if isinstance(e, dict) else None
        if pid is None:
            continue
        until, left = _num(e.get("until")), _num(e.get("remainingMs"))
        if until is not None:
            if until <= ctx.now:
                continue  # the window ended after OpenClaw wrote this output
            left = until - ctx.now
        p = profile(pid, e)
        p.locked = True
        kind, reason = e.get("kind"), _str(e.get("reason"))
        new_shape = "recoveryHint" in e  # 2026.8.2+: reason is the cooldown's own reason
        if kind == "disabled" and reason == "auth_permanent":
            p.dead = ("credential rejected by the provider (disabled: auth_permanent)", ["auth", "unusableProfiles", i, "profileId"])
        found = _lockout_items(ctx, ["auth", "unusableProfiles", i, "profileId"], pid, p.provider, kind, reason, left, until,
                               reason_known=new_shape or kind != "cooldown")
        items += found
        billing += [(pid, p.provider, ["auth", "unusableProfiles", i, "profileId"])
                    for f in found if f["id"] == "stale-billing-disabled-until"]
    oauth = auth.get("oauth")
    health = oauth.get("profiles") if isinstance(oauth, dict) else None
    for i, e in enumerate(health if isinstance(health, list) else []):
        pid = _str(e.get("profileId")) if isinstance(e, dict) else None
        if pid is None:
            continue
        p = profile(pid, e)
        kind, status, code = e.get("type"), e.get("status"), _str(e.get("reasonCode"))
        if (kind == "token" and status in ("expired", "missing")) or (kind == "oauth" and status == "missing"):
            p.dead = p.dead or (f"{kind} {status}" + (f" [{code}]" if code else ""), ["auth", "oauth", "profiles", i, "profileId"])
    return items + _profile_items(ctx, profiles, billing), []


def _auth_list(doc: dict, ctx: _Ctx) -> Tuple[List[Dict[str, Any]], List[str]]:
    items: List[Dict[str, Any]] = []
    billing: List[Tuple[str, str, list]] = []  # (profile, provider, evidence path) of billing lockouts
    profiles: Dict[str, _Profile] = {}
    for i, e in enumerate(doc["profiles"]):
        pid = _str(e.get("id")) if isinstance(e, dict) else None
        if pid is None:
            continue
        p = profiles.setdefault(pid, _Profile(pid, _str(e.get("provider")) or provider_of(pid)))
        path: List[Union[str, int]] = ["profiles", i, "id"]
        # auth list prints every stored window, ended ones too: only those still ahead count
        disabled, cooldown = _iso_ms(e.get("disabledUntil")), _iso_ms(e.get("cooldownUntil"))
        if disabled is not None and disabled > ctx.now:
            p.locked = True
            reason = _str(e.get("disabledReason"))
            if reason == "auth_permanent":
                p.dead = ("credential rejected by the provider (disabledReason auth_permanent)", path)
            found = _lockout_items(ctx, path, pid, p.provider, "disabled", reason, disabled - ctx.now, disabled)
            items += found
            billing += [(pid, p.provider, path) for f in found if f["id"] == "stale-billing-disabled-until"]
        elif cooldown is not None and cooldown > ctx.now:
            p.locked = True
            reason = _str(e.get("cooldownReason")) or _str(e.get("cooldownClassification"))
            items += _lockout_items(ctx, path, pid, p.provider, "cooldown", reason, cooldown - ctx.now, cooldown)
        expires = _iso_ms(e.get("expiresAt"))
        if e.get("type") == "token" and expires is not None and expires <= ctx.now:
            p.dead = p.dead or (f"setup token expired {fmt_ms(expires)}", path)
    return items + _profile_items(ctx, profiles, billing), []


def _doctor(doc: dict, ctx: _Ctx) -> Tuple[List[Dict[str, Any]], List[str]]:
    items: List[Dict[str, Any]] = []
    auth_seen = False
    window = re.compile(r"auth profile (?P<pid>\S+) is (?P<kind>disabled|cooldown):(?P<reason>[\w.-]+)(?: \((?P<left>[^)]*)\))?",
                        re.I)
    for i, f in enumerate(doc["findings"]):
        if not isinstance(f, dict) or f.get("checkId") != AUTH_CHECK:
            continue
        auth_seen = True
        m = window.search(f.get("message") if isinstance(f.get("message"), str) else "")
        if not m:
            continue  # a credential health issue: without the healthy profiles it cannot be weighed
        pid = _str(f.get("target")) or m["pid"]
        path: List[Union[str, int]] = ["findings", i, "target" if _str(f.get("target")) else "message"]
        span = f" for {m['left']}" if m["left"] else ""
        provider = provider_of(pid)
        kind, reason = m["kind"].lower(), m["reason"]
        if kind == "disabled" and reason == "billing":
            items.append(_item("stale-billing-disabled-until", 0.8, ctx.evidence(path, f"{pid} disabled (billing){span}"),
                               {"provider": provider, "profile": pid}, [login_command(provider)]))
        elif kind == "cooldown" and reason in NON_BILLING_REASONS:
            items.append(_item("auth-profile-cooldown-non-billing", 0.6,
                               ctx.evidence(path, f"{pid} cooling down ({reason}){span}"),
                               {"provider": provider, "profile": pid}, [login_command(provider)]))
    notes = [f"`{DOCTOR}` lists only profiles with a problem: a dead credential next to a usable one, or a "
             f"provider's only profile, shows in `{MODELS_STATUS}`"]
    if not auth_seen:
        notes.insert(0, f"no {AUTH_CHECK} check in this report (it is opt-in): run "
                        f"`openclaw doctor --lint --only {AUTH_CHECK} --json`")
    return items, notes
