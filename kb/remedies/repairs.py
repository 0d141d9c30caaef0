"""The repairs behind `clawkb fix` and the standalone scripts, and the checks behind `clawkb doctor`.

Standard library only (Python 3.9+): bundled with openclaw_state.py into one script per repair.
"""
from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from clawkb.kb.remedies.openclaw_state import AuthStore, Config, Plan, Ref, StateError, agent_dirs, deep  # bundle: inline
from clawkb.kb.remedies.openclaw_state import detect_version, fmt_duration, fmt_ms, json_diff  # bundle: inline
from clawkb.kb.remedies.openclaw_state import load_auth_stores, load_config, load_cron, now_ms  # bundle: inline
from clawkb.kb.remedies.openclaw_state import _row_job, default_agent_id, render_plan, state_dir  # bundle: inline
from clawkb.matcher.calver import version_at_least  # bundle: inline
from clawkb.kb.remedies.backups import RestoreConflict, apply, restore, sweep  # bundle: inline
from clawkb.kb.remedies.arguments import add_arguments  # bundle: inline
from clawkb.kb.remedies.openclaw_cli import CLEAR_COOLDOWN_SINCE, LOGIN_CLEARS_LOCKOUTS_SINCE, clear_cooldown_command  # bundle: inline
from clawkb.kb.remedies.openclaw_cli import login_command  # bundle: inline

AGGREGATOR = re.compile(r"litellm|proxy|one-?api|new-?api|aggregat|gateway|router|-cloud\b", re.I)


def provider_of(pid: str, profile: Optional[dict] = None) -> str:
    if isinstance(profile, dict) and isinstance(profile.get("provider"), str):
        return profile["provider"]
    return pid.split(":", 1)[0]


def _future(value: Any, at: int) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > at


def _billing_locked(stats: dict, at: int) -> bool:
    """An active billing lockout: what doctor reports and the billing repair clears, nothing else."""
    return stats.get("disabledReason") == "billing" and _future(stats.get("disabledUntil"), at)


def _cooldown_active(stats: dict, at: int, reason: str) -> bool:
    return stats.get("cooldownReason") == reason and _future(stats.get("cooldownUntil"), at)


BLOCK_FIELDS = ("blockedUntil", "blockedReason", "blockedSource", "blockedModel", "blockedScope")


def _rate_limit_blocked(stats: dict, at: int) -> bool:
    """A provider-reported rate-limit or subscription block in force (`blockedUntil`: a WHAM or
    retry-after reset time that OpenClaw honours without probing), or a rate-limit cooldown in force."""
    return _future(stats.get("blockedUntil"), at) or _cooldown_active(stats, at, "rate_limit")


def locked_out(stats: dict, at: int) -> Optional[str]:
    """A lockout in force now (disabled or cooling down), said in words; None when the profile may be used."""
    if _future(stats.get("disabledUntil"), at):
        return f"disabled ({stats.get('disabledReason', '?')}) until {fmt_ms(stats['disabledUntil'])}"
    if _future(stats.get("cooldownUntil"), at):
        return f"cooling down ({stats.get('cooldownReason', '?')}) until {fmt_ms(stats['cooldownUntil'])}"
    return None


def credential_problem(pid: str, profile: dict, stats: dict, at: int) -> Optional[str]:
    """Why a profile's credential is dead (expired or rejected), or None when it is not known to be.

    A lockout (billing, rate limit, a cooldown) is not a dead credential: the key still works once the
    window ends or the account is topped up, so it is the lockout repairs' business, never a reason to
    delete the profile. Dead means: a setup token (`type: token`) past its `expires`; an OAuth access
    token past `expires` with no refresh token to renew it; a credential the provider rejected for good
    (`disabledReason: auth_permanent`, OpenClaw's verdict on a 401/403 it will not retry); an Anthropic
    setup token (`sk-ant-oat…`) stored as an API key, which Anthropic's API refuses (invalid x-api-key)."""
    kind = profile.get("type")
    exp = profile.get("expires")
    expired = isinstance(exp, (int, float)) and not isinstance(exp, bool) and 0 < exp <= at
    # OpenClaw's own verdicts first (evaluateStoredCredentialEligibility, credential-state.ts): a
    # credential that is missing, or a token past its expiry; an OAuth login is usable while it has
    # a refresh token, however old its access token.
    if kind == "api_key" and not (profile.get("key") or profile.get("keyRef")):
        return "no API key stored (missing_credential)"
    if kind == "token" and not (profile.get("token") or profile.get("tokenRef")):
        return "no token stored (missing_credential)"
    if kind == "oauth" and not (profile.get("access") or profile.get("refresh") or profile.get("oauthRef")):
        return "no OAuth tokens stored (missing_credential)"
    if kind == "token" and expired:
        return f"setup token expired {fmt_ms(exp)}"
    if kind == "oauth" and expired and not profile.get("refresh"):
        return f"OAuth access token expired {fmt_ms(exp)} and there is no refresh token"
    if stats.get("disabledReason") == "auth_permanent":
        return "credential rejected by the provider (disabledReason auth_permanent)"
    key = profile.get("key")
    if kind == "api_key" and isinstance(key, str) and key.startswith("sk-ant-oat") \
            and provider_of(pid, profile) == "anthropic":
        return "an Anthropic setup token stored as an API key (Anthropic refuses it as x-api-key)"
    return None


# --------------------------------------------------------------------------- repairs

def plan_clear_lockout(root: Path, agent: Optional[str] = None, profile: Optional[str] = None,
                       reasons: tuple = ("billing",), fix: str = "clear-billing-lockout") -> Plan:
    """Remove the lockout fields of the lockouts in force now, for the given reasons, in every store.

    Only what doctor reports is touched: a window that already ended is history OpenClaw reads for its
    backoff, not a lockout, and stays as it is; so do the failure counts of reasons not cleared."""
    plan = Plan(fix, root)
    at = now_ms()
    cleared_providers: set = set()
    cleared_profiles: List[Tuple[str, str]] = []
    for store in load_auth_stores(root, agent):
        for pid, stats in sorted(store.usage.items()):
            if not isinstance(stats, dict) or (profile and pid != profile):
                continue
            cleared_reasons = []
            if "billing" in reasons and (_billing_locked(stats, at) or (
                    profile and stats.get("disabledReason") is None and _future(stats.get("disabledUntil"), at))):
                cleared_reasons.append(("billing", ("disabledUntil", "disabledReason")))
            for reason in reasons:
                if reason != "billing" and _cooldown_active(stats, at, reason):
                    cleared_reasons.append((reason, ("cooldownUntil", "cooldownReason", "cooldownModel")))
            if "rate_limit" in reasons and _future(stats.get("blockedUntil"), at):
                cleared_reasons.append(("rate_limit", BLOCK_FIELDS))
            if not cleared_reasons:
                continue
            s = plan.doc(store.state_ref, store.state)["usageStats"][pid]
            cleared = []
            for reason, fields in cleared_reasons:
                for f in fields:
                    if f in s:
                        del s[f]
                        cleared.append(f)
                counts = s.get("failureCounts")
                if isinstance(counts, dict) and reason in counts:
                    n = counts.pop(reason)
                    cleared.append(f"failureCounts.{reason}")
                    if isinstance(s.get("errorCount"), int) and isinstance(n, int):
                        s["errorCount"] = max(0, s["errorCount"] - n)
            plan.describe(store.state_ref, f"{store.agent}: {pid}: clear {', '.join(cleared)}")
            cleared_providers.add(provider_of(pid, store.profiles.get(pid)))
            cleared_profiles.append((store.agent, pid))
    version = detect_version(root) if cleared_providers else None
    if cleared_profiles and version_at_least(version, CLEAR_COOLDOWN_SINCE):
        for agent_name, pid in cleared_profiles:
            plan.notes.append(f"OpenClaw {version}'s own command, to prefer: {clear_cooldown_command(pid, agent_name)}")
    elif cleared_providers and version_at_least(version, LOGIN_CLEARS_LOCKOUTS_SINCE) is not False:
        for p in sorted(cleared_providers):
            plan.notes.append(f"the supported way, on OpenClaw {LOGIN_CLEARS_LOCKOUTS_SINCE} and later: "
                              f"{login_command(p)} (clears every lockout of {p})")
    return plan


def _model_runs_embedded(model: str, cfg: Config) -> bool:
    """Whether an Anthropic model runs in the embedded (direct HTTP) runner rather than the Claude CLI."""
    if not model.startswith("anthropic/"):
        return False
    per_model = cfg.get("agents", "defaults", "models", default={}) or {}
    entry = per_model.get(model) if isinstance(per_model, dict) else None
    runtime = (entry or {}).get("agentRuntime", {}) if isinstance(entry, dict) else {}
    return not (isinstance(runtime, dict) and runtime.get("id") == "claude-cli")


def _job_model(job: dict, cfg: Config) -> str:
    """The job's own model, else the agent default (`agents.defaults.model` is a string or {primary})."""
    payload = job.get("payload") if isinstance(job.get("payload"), dict) else {}
    default = cfg.get("agents", "defaults", "model")
    if isinstance(default, dict):
        default = default.get("primary")
    model = payload.get("model") or default
    return model if isinstance(model, str) else ""


def isolated_anthropic_jobs(root: Path, cfg: Config, problems: Optional[List[str]] = None) -> List[Tuple[Any, dict]]:
    """(row key, job) of the enabled isolated jobs whose model runs on Anthropic's embedded runner."""
    cron = load_cron(root, cfg, problems)
    if cron is None:
        return []
    return [(k, j) for k, j in zip(cron.keys, cron.jobs) if isinstance(j, dict) and detached(j.get("sessionTarget"))
            and j.get("enabled", True) and _model_runs_embedded(_job_model(j, cfg), cfg)]


def detached(target: Any) -> bool:
    """An isolated-type session target: `isolated` (a fresh cron:<jobId> session each run), `current` (a
    detached run over the creating conversation's tail) and `session:<id>` (a persistent named session)
    all run the job as an agent turn of its own in the embedded runner, so each is billed as direct API
    use; only `main` hands a system event to the main session (docs/cli/cron.md, Sessions)."""
    return target in ("isolated", "current") or (isinstance(target, str) and target.startswith("session:"))


# The agent-turn fields a systemEvent payload has no place for (mergeCronPayload rebuilds the payload when
# its kind changes), and their typed columns in the 2026.6-2026.7 cron_jobs table.
AGENT_TURN_FIELDS = ("model", "fallbacks", "thinking", "timeoutSeconds", "lightContext", "toolsAllow",
                     "allowUnsafeExternalContent", "externalContentSource")
AGENT_TURN_COLUMNS = ("payload_model", "payload_fallbacks_json", "payload_thinking", "payload_timeout_seconds",
                      "payload_allow_unsafe_external_content", "payload_external_content_source_json",
                      "payload_light_context", "payload_tools_allow_json", "payload_tools_allow_is_default")
DELIVERY_COLUMN_PREFIXES = ("delivery_", "failure_delivery_")


def job_to_main(job: dict) -> Tuple[dict, List[str]]:
    """The job as OpenClaw's own edit to sessionTarget "main" leaves it (applyJobPatch,
    src/cron/service/jobs.ts), and what the move drops, in words. An agentTurn payload becomes a
    systemEvent with its message; channel delivery is only for isolated-type jobs, so it goes (a webhook
    stays; a failureDestination with nothing concrete is kept under mode "none"). failureAlert stays."""
    new = deep(job)
    dropped: List[str] = []
    payload = new.get("payload") if isinstance(new.get("payload"), dict) else {}
    if payload.get("kind") == "agentTurn":
        for field in AGENT_TURN_FIELDS:
            if payload.get(field) not in (None, [], {}):
                dropped.append(f"its {'model override' if field == 'model' else field} ({_short(payload[field])})")
        new["payload"] = {"kind": "systemEvent", "text": payload.get("message", "")}
    new["sessionTarget"] = "main"
    delivery = new.get("delivery")
    if isinstance(delivery, dict) and delivery.get("mode") != "webhook":
        dest = delivery.get("failureDestination")
        concrete = isinstance(dest, dict) and any(dest.get(k) for k in ("channel", "to", "accountId", "mode"))
        where = "/".join(str(delivery[k]) for k in ("channel", "to") if delivery.get(k))
        if delivery.get("mode") not in (None, "none") or where:
            dropped.append(f"its delivery ({delivery.get('mode', 'announce')}{' to ' + where if where else ''})")
        if concrete:
            dropped.append("its failure destination")
        if isinstance(dest, dict) and not concrete:
            new["delivery"] = {"mode": "none", "failureDestination": dest}
        else:
            del new["delivery"]
    return new, dropped


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _where(key: Tuple[Optional[str], str]) -> Tuple[str, tuple]:
    store_key, job_id = key
    return (("store_key = ? AND " if store_key is not None else "") + "job_id = ?",
            ((store_key,) if store_key is not None else ()) + (job_id,))


def plan_move_cron(root: Path, job_ids: Optional[List[str]] = None) -> Plan:
    """Isolated cron jobs whose model runs on Anthropic through the embedded runner -> main session,
    as OpenClaw's own edit path moves them; only the default agent's jobs may run in main."""
    plan = Plan("move-isolated-cron-to-main", root)
    cfg = load_config(root)
    cron = load_cron(root, cfg)
    if cron is None:
        return plan
    default = default_agent_id(cfg)
    targets = []
    for key, job in isolated_anthropic_jobs(root, cfg):
        if job_ids and str(job.get("id")) not in job_ids:
            continue
        if job.get("agentId") and job["agentId"] != default:
            plan.notes.append(f"cron job {job.get('name') or job.get('id')} belongs to agent {job['agentId']}, and OpenClaw "
                              f"runs only the default agent's ({default}) jobs in main: left as it is; give that "
                              'agent\'s model agentRuntime.id = "claude-cli" instead')
            continue
        targets.append((key, job))
    if not targets:
        return plan
    moved = [(key, job) + job_to_main(job) for key, job in targets]
    for _, job, _, dropped in moved:
        if dropped:
            plan.notes.append(f"moving cron job {job.get('name') or job.get('id')} drops {', '.join(dropped)}: "
                              "a main job runs with the main session's model and replies there")

    if cron.layout == "json":
        doc = plan.doc(cron.ref, cron.doc, decisive=True)
        for _, job, new, dropped in moved:
            i = next(i for i, j in enumerate(doc["jobs"]) if j.get("id") == job.get("id"))
            doc["jobs"][i] = new
            plan.describe(cron.ref, f"cron job {job.get('name') or job.get('id')}: {job.get('sessionTarget')} -> main (systemEvent)"
                          + (f"; drops {', '.join(dropped)}" if dropped else ""))
        return plan

    columns = set(cron.columns)
    cleared = [c for c in cron.columns if c in AGENT_TURN_COLUMNS or c.startswith(DELIVERY_COLUMN_PREFIXES)]

    def run(con: sqlite3.Connection) -> None:
        for key, job, new, _ in moved:
            where, args = _where(key)
            cur = con.execute(f"SELECT * FROM cron_jobs WHERE {where}", args)
            names = [c[0] for c in cur.description]
            row = cur.fetchone()
            if row is None or _row_job(dict(zip(names, row))) != job:
                raise StateError(f"{cron.ref.path}: cron job {key[1]} changed while clawkb was reading it; "
                                 "nothing was changed; run again")
            sets = {"job_json": json.dumps(new, ensure_ascii=False), "payload_kind": new["payload"]["kind"]}
            if cron.typed:  # OpenClaw rebuilds the job from these columns: every agent-turn one goes
                sets.update({"session_target": "main", "payload_message": new["payload"].get("text")})
                sets.update({c: None for c in cleared})
                if isinstance(new.get("delivery"), dict):
                    sets["delivery_mode"] = new["delivery"].get("mode")
            if "updated_at" in columns:
                sets["updated_at"] = now_ms()
            sets = {c: v for c, v in sets.items() if c in columns}
            con.execute("UPDATE cron_jobs SET " + ", ".join(f'"{c}" = ?' for c in sets) + f" WHERE {where}",
                        tuple(sets.values()) + args)

    before = {f"{k[0]}/{k[1]}" if k[0] is not None else k[1]: j for k, j, _, _ in moved}
    after = {f"{k[0]}/{k[1]}" if k[0] is not None else k[1]: n for k, _, n, _ in moved}
    dropped_any = sorted({d.split(" (")[0] for _, _, _, ds in moved for d in ds})
    plan.sql(cron.ref, before, after, f"{len(moved)} cron job(s): "
             + ", ".join(sorted({str(j.get("sessionTarget")) for _, j, _, _ in moved})) + " -> main (systemEvent)"
             + (f"; drops {', '.join(dropped_any)}" if dropped_any else ""), run,
             [("cron_jobs", {**({"store_key": k[0]} if k[0] is not None else {}), "job_id": k[1]}) for k, _, _, _ in moved])
    plan.notes.append("main jobs run in the agent's main session (its Claude CLI runtime); the alternative is "
                      'agents.defaults.models["anthropic/<model>"].agentRuntime.id = "claude-cli"')
    return plan


def stale_profiles(root: Path, agent: Optional[str] = None, stores: Optional[List[AuthStore]] = None) -> List[dict]:
    """Profiles whose credential is dead, next to a usable profile of the same provider."""
    at = now_ms()
    found = []
    for store in (stores if stores is not None else load_auth_stores(root, agent)):
        by_provider: Dict[str, List[str]] = {}
        for pid, prof in store.profiles.items():
            if isinstance(prof, dict):
                by_provider.setdefault(provider_of(pid, prof), []).append(pid)
        for provider, pids in sorted(by_provider.items()):
            dead = {pid: credential_problem(pid, store.profiles[pid], _stats(store, pid), at) for pid in pids}
            healthy = [p for p in pids if dead[p] is None and locked_out(_stats(store, p), at) is None]
            for pid in sorted(pids):
                if dead[pid] and healthy:
                    found.append({"agent": store.agent, "provider": provider, "profile": pid, "problem": dead[pid],
                                  "healthy": healthy, "store": store})
    return found


def _stats(store: AuthStore, pid: str) -> dict:
    stats = store.usage.get(pid)
    return stats if isinstance(stats, dict) else {}


def plan_remove_profile(root: Path, profile: Optional[str], agent: Optional[str] = None) -> Plan:
    """Remove dead profiles (see `credential_problem`) from the stores where they are dead, and from
    `openclaw.json` once no store holds them. A named profile whose credential is not dead is refused:
    a billing-locked or cooling-down key is a working credential."""
    plan = Plan("remove-stale-profile", root)
    at = now_ms()
    stores = load_auth_stores(root, agent)
    if profile:
        holders = [s for s in stores if profile in s.profiles]
        dead = [s for s in holders if credential_problem(profile, s.profiles[profile], _stats(s, profile), at)]
        if not holders:
            raise StateError(f"no auth profile {profile!r} in " + (f"agent {agent}" if agent else "any agent")
                             + "; nothing was changed")
        if not dead:
            lock = next((locked_out(_stats(s, profile), at) for s in holders if locked_out(_stats(s, profile), at)), None)
            hint = (f"; it is {lock}: clawkb fix stale-billing-disabled-until --profile {profile} clears that"
                    if lock else "")
            raise StateError(f"{profile} is not stale: its credential is neither expired nor rejected{hint}. "
                             "Removing it would delete a working credential; nothing was changed")
        targets = [(s, profile) for s in dead]
    else:
        targets = [(f["store"], f["profile"]) for f in stale_profiles(root, agent)]
    if not targets:
        return plan
    removed: set = set()
    for store, pid in targets:
        provider = provider_of(pid, store.profiles.get(pid))
        sdoc = plan.doc(store.store_ref, store.store, decisive=True)  # gone from the store = no longer found
        if pid in sdoc.get("profiles", {}):
            del sdoc["profiles"][pid]
            plan.describe(store.store_ref, f"{store.agent}: remove profile {pid} "
                          f"({credential_problem(pid, store.profiles[pid], _stats(store, pid), at)})")
        st = plan.doc(store.state_ref, store.state)
        if pid in st.get("usageStats", {}):
            del st["usageStats"][pid]
            plan.describe(store.state_ref, f"{store.agent}: remove usageStats of {pid}")
        order = st.get("order", {}).get(provider)
        if isinstance(order, list) and pid in order:
            order.remove(pid)
            plan.describe(store.state_ref, f"{store.agent}: remove {pid} from order.{provider}")
        if isinstance(st.get("lastGood"), dict) and st["lastGood"].get(provider) == pid:
            del st["lastGood"][provider]
        removed.add(pid)
    # openclaw.json names profiles for every agent: drop a name only when no store keeps that profile
    removed_from = {(Plan.key(s.store_ref), pid) for s, pid in targets}
    still_held = {pid for s in load_auth_stores(root) for pid in s.profiles if (Plan.key(s.store_ref), pid) not in removed_from}
    from_config = sorted(removed - still_held)
    cfg = load_config(root)
    if cfg.exists and from_config:
        new = deep(cfg.data)
        auth = new.get("auth") if isinstance(new.get("auth"), dict) else {}
        for pid in from_config:
            provider = pid.split(":", 1)[0]
            if isinstance(auth.get("profiles"), dict) and pid in auth["profiles"]:
                del auth["profiles"][pid]
            if isinstance(auth.get("order"), dict) and isinstance(auth["order"].get(provider), list) and pid in auth["order"][provider]:
                auth["order"][provider].remove(pid)
        if new != cfg.data:
            if cfg.strict_json:
                plan.doc(Ref(cfg.path), cfg.data).update(new)
                plan.describe(Ref(cfg.path), f"remove {', '.join(from_config)} from auth.profiles / auth.order")
            else:
                plan.manual.append(("openclaw.json is JSON5 (comments kept by editing it yourself)",
                                    json_diff(cfg.data, new, "openclaw.json")))
    return plan


def plan_split_proxy(root: Path) -> Plan:
    """The configuration change that gives each upstream group behind an aggregator its own provider."""
    plan = Plan("split-proxy-provider", root)
    cfg = load_config(root)
    providers = cfg.get("models", "providers", default={}) or {}
    new = deep(cfg.data)
    changed = False
    for pid, prov in (providers.items() if isinstance(providers, dict) else []):
        if not isinstance(prov, dict) or not (AGGREGATOR.search(pid) or AGGREGATOR.search(str(prov.get("baseUrl", "")))):
            continue
        models = prov.get("models") if isinstance(prov.get("models"), list) else []
        groups: Dict[str, list] = {}
        for m in models:
            mid = m.get("id") if isinstance(m, dict) else m
            if isinstance(mid, str):
                groups.setdefault(re.split(r"[/:]", mid, 1)[0] if re.search(r"[/:]", mid) else mid.split("-")[0], []).append(m)
        if len(groups) < 2:
            continue
        del new["models"]["providers"][pid]
        rename: Dict[str, str] = {}
        for g, ms in sorted(groups.items()):
            gid = f"{pid}-{re.sub(r'[^a-z0-9]+', '-', g.lower()).strip('-')}"
            new["models"]["providers"][gid] = dict(deep(prov), models=deep(ms))
            for m in ms:
                mid = m.get("id") if isinstance(m, dict) else m
                rename[f"{pid}/{mid}"] = f"{gid}/{mid}"
        text = json.dumps(new)
        for old, repl in rename.items():
            text = text.replace(json.dumps(old), json.dumps(repl))
        new = json.loads(text)
        changed = True
    if changed:
        plan.manual.append(("one OpenClaw provider per upstream group, so a 402 disables only its own profile",
                            json_diff(cfg.data, new, "openclaw.json")))
    else:
        plan.notes.append("no aggregator provider with several upstream groups found in openclaw.json; "
                          "split it by hand: one provider entry per upstream (same baseUrl and key, different id)")
    return plan


# --------------------------------------------------------------------------- checks (doctor)

def findings(root: Path, problems: Optional[List[str]] = None, notes: Optional[List[str]] = None) -> List[Dict[str, Any]]:
    """Conditions behind the seed signatures, found in the local state (read-only). A part that cannot
    be read (one agent's malformed store, one cron row) is said in `problems` and the rest still checked."""
    at = now_ms()
    out: List[Dict[str, Any]] = []
    problems = [] if problems is None else problems
    stores = load_auth_stores(root, problems=problems, notes=notes)
    version = detect_version(root)
    try:
        cfg = load_config(root)
    except StateError as exc:
        problems.append(str(exc))
        cfg = Config(root / "openclaw.json.unreadable")
    for store in stores:
        for pid, stats in sorted(store.usage.items()):
            if isinstance(stats, dict) and _billing_locked(stats, at):
                since = stats.get("lastFailureAt")
                left = stats["disabledUntil"] - at
                lockout = _finding("stale-billing-disabled-until", 0.8, store,
                                   f"usageStats[{pid}]: disabledReason billing, disabledUntil {fmt_ms(stats['disabledUntil'])} "
                                   f"({fmt_duration(left)} from now)" + (f", since {fmt_ms(since)}" if since else ""),
                                   {"provider": provider_of(pid, store.profiles.get(pid)), "profile": pid}, root)
                if version_at_least(version, CLEAR_COOLDOWN_SINCE):  # OpenClaw's own command first
                    lockout["openclaw_commands"] = [clear_cooldown_command(pid, store.agent)]
                out.append(lockout)
                providers = [provider_of(p, pr) for p, pr in store.profiles.items()]
                prov = provider_of(pid, store.profiles.get(pid))
                if (AGGREGATOR.search(prov) or AGGREGATOR.search(str(cfg.get("models", "providers", prov, "baseUrl", default="")))) \
                        and providers.count(prov) <= 1:
                    out.append(_finding("provider-wide-402-proxy", 0.7, store,
                                        f"{pid} is the only profile of aggregator provider {prov} and is disabled for billing: "
                                        "every model behind it is skipped", {"provider": prov, "profile": pid}, root))
    for store in stores:
        for pid, stats in sorted(store.usage.items()):
            if isinstance(stats, dict) and _rate_limit_blocked(stats, at) and not _billing_locked(stats, at):
                out.append(_rate_limit_finding(store, pid, stats, at, version, root))
    for s in stale_profiles(root, stores=stores):
        item = _finding("stale-oauth-profile-poisons-provider", 0.75, s["store"],
                        f"{s['profile']}: {s['problem']}, next to usable {', '.join(s['healthy'])} of {s['provider']}",
                        {"provider": s["provider"], "stale_profile": s["profile"], "healthy_profile": s["healthy"][0]}, root)
        item["fix_args"] = [["--profile", s["profile"]]]  # the repair removes exactly the profile reported
        out.append(item)
    try:
        jobs = isolated_anthropic_jobs(root, cfg, problems)
    except StateError as exc:
        problems.append(str(exc))
        jobs = []
    for _, job in jobs:
        out.append({"id": "isolated-cron-extra-usage", "confidence": 0.6,
                    "evidence": [{"line": 0, "file": "cron", "text": f"cron job {job.get('name') or job.get('id')}: "
                                  f"sessionTarget {job.get('sessionTarget')}, model {_job_model(job, cfg)} runs in the "
                                  "embedded runner (direct HTTP: billed to Extra Usage on Claude subscriptions)"}],
                    "captures": {"job": [str(job.get("id"))]}, "fix_args": [["--job", str(job.get("id"))]]})
    return _merge(out)


def _rate_limit_finding(store: AuthStore, pid: str, stats: dict, at: int, version: Optional[str],
                        root: Path) -> Dict[str, Any]:
    """A rate-limit block or cooldown in force: stale when the provider has recovered before it ends
    (a subscription block is never re-probed), which only the user can tell."""
    if _future(stats.get("blockedUntil"), at):
        what = (f"blockedUntil {fmt_ms(stats['blockedUntil'])} ({fmt_duration(stats['blockedUntil'] - at)} from now), "
                f"blockedReason {stats.get('blockedReason', '?')}, blockedSource {stats.get('blockedSource', '?')}")
    else:
        what = (f"cooldownReason rate_limit, cooldownUntil {fmt_ms(stats['cooldownUntil'])} "
                f"({fmt_duration(stats['cooldownUntil'] - at)} from now)")
    item = _finding("stale-rate-limit-cooldown", 0.6, store, f"usageStats[{pid}]: {what}; stale if the provider "
                    "has recovered", {"provider": provider_of(pid, store.profiles.get(pid)), "profile": pid}, root)
    item["fix_args"] = [["--profile", pid]]
    if version_at_least(version, CLEAR_COOLDOWN_SINCE):
        item["openclaw_commands"] = [clear_cooldown_command(pid, store.agent)]
    return item


def _finding(sig: str, conf: float, store: AuthStore, text: str, caps: Dict[str, str], root: Path) -> Dict[str, Any]:
    return {"id": sig, "confidence": conf,
            "evidence": [{"line": 0, "file": store.state_ref.label(root), "text": f"agent {store.agent}: {text}"}],
            "captures": {k: [v] for k, v in caps.items()}}


def _merge(items: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    merged: Dict[str, Dict[str, Any]] = {}
    for it in items:
        m = merged.get(it["id"])
        if m is None:
            merged[it["id"]] = it
            continue
        m["evidence"].extend(it["evidence"])
        for field in ("fix_args", "openclaw_commands", "commands"):  # what to run, each once
            if field in it:
                m[field] = m.get(field, []) + [a for a in it[field] if a not in m.get(field, [])]
        m["confidence"] = max(m["confidence"], it["confidence"])
        for k, v in it["captures"].items():
            m["captures"].setdefault(k, [])
            m["captures"][k] += [x for x in v if x not in m["captures"][k]]
    return sorted(merged.values(), key=lambda d: -d["confidence"])


# --------------------------------------------------------------------------- command line (clawkb fix and the scripts)

NON_BILLING_REASONS = ("timeout", "unknown", "format", "overloaded", "model_not_found", "empty_response",
                       "no_error_details", "unclassified", "server_error")


# every local repair by name, as the signatures' `fix[].remediation` names it: what each plans.
# Which failure runs which repairs, in which order, is the signature's page (kb Signature.repairs).
PLANNERS: Dict[str, Callable[[Path, argparse.Namespace], Plan]] = {
    "clear-billing-lockout": lambda root, a: plan_clear_lockout(root, a.agent, a.profile),
    "clear-format-cooldown": lambda root, a: plan_clear_lockout(root, a.agent, a.profile, reasons=("format",),
                                                                fix="clear-format-cooldown"),
    "clear-cooldowns": lambda root, a: plan_clear_lockout(root, a.agent, a.profile, reasons=NON_BILLING_REASONS,
                                                          fix="clear-cooldowns"),
    "clear-rate-limit-block": lambda root, a: plan_clear_lockout(root, a.agent, a.profile, reasons=("rate_limit",),
                                                                 fix="clear-rate-limit-block"),
    "move-isolated-cron-to-main": lambda root, a: plan_move_cron(root, a.job),
    "remove-stale-profile": lambda root, a: plan_remove_profile(root, a.profile, a.agent),
    "split-proxy-provider": lambda root, a: plan_split_proxy(root),
}
REPAIRS = list(PLANNERS)


def build_plan(repair: str, root: Path, args: argparse.Namespace) -> Plan:
    planner = PLANNERS.get(repair)
    if planner is None:
        raise StateError(f"unknown repair {repair!r}")
    return planner(root, args)


def run(repairs: List[str], args: argparse.Namespace, out=sys.stdout, note: Optional[tuple] = None,
        prog: str = "clawkb") -> int:
    """Dry run or apply the repairs; 0 done or nothing to do, 1 applied but a change is left to make by
    hand (openclaw.json), 2 refused (nothing changed)."""
    try:
        if args.restore:
            restored = restore(Path(args.restore).expanduser(), force=args.force)
            print(f"restored {len(restored)} file(s) from {args.restore}: {', '.join(restored)}", file=out)
            return 0
        root = state_dir(args.state_dir)
        if args.apply:
            sweep(root, [d for _, d in agent_dirs(root)] + [root / "cron", root / "state"])
        version = detect_version(root)
        if note:
            fixed_in, what = note
            if version and version_at_least(version, fixed_in):
                print(f"OpenClaw {version} already has the upstream fix ({fixed_in}: {what[:1].lower() + what[1:]}); "
                      "clearing what is left.", file=out)
            else:
                print(f"Upstream fix: OpenClaw {fixed_in} ({what[:1].lower() + what[1:]}); upgrade"
                      + (f" from {version}" if version else "") + ". Clearing the lockout it left:", file=out)
        any_change = False
        applied: List[str] = []  # "<repair> (backup <dir>)" of the steps already written
        by_hand: List[str] = []  # repairs with a change the user makes (shown, never written)
        for repair in repairs:
            plan = build_plan(repair, root, args)
            if plan.empty and not plan.manual:
                print(f"{repair}: nothing to do", file=out)
                for n in plan.notes:
                    print(f"  note: {n}", file=out)
                continue
            any_change = True
            if plan.empty:  # only changes clawkb does not write (openclaw.json): --apply cannot make them
                by_hand.append(repair)
                print(f"{repair}: to make by hand (clawkb does not write it; --apply changes nothing here)", file=out)
            else:
                if plan.manual:
                    by_hand.append(repair)
                print(f"{repair}: {'applying' if args.apply else 'would change (dry run; --apply to write)'}", file=out)
            text = render_plan(plan)
            if text:
                print(text, file=out)
            for n in plan.notes:
                print(f"  note: {n}", file=out)
            if args.apply and not plan.empty:
                try:
                    dest = apply(plan, force=args.force)
                except StateError as exc:
                    if applied:  # an earlier step stays done: say so, and where its backup is
                        raise StateError(f"{repair} failed: {exc}. Already applied and kept: {'; '.join(applied)}") from None
                    raise
                applied.append(f"{repair} (backup {dest})")
                print(f"  done; backup: {dest} (undo: --restore {dest})", file=out)
        if not any_change:
            print("nothing to do: the state is already as the fix leaves it", file=out)
        if args.apply and by_hand:  # not done until the user has made them
            print(f"{prog}: left to do by hand: the change(s) marked 'review and apply by hand' above ({', '.join(by_hand)})",
                  file=sys.stderr)
            return 1
        return 0
    except StateError as exc:
        if isinstance(exc, RestoreConflict):
            print(exc.details, file=out)
        print(f"{prog}: {exc}", file=sys.stderr)  # one line, named like every other error of the command
        return 2


def script_main(repair: str, argv: Optional[List[str]] = None) -> int:
    """Entry point of the standalone script for one repair."""
    p = argparse.ArgumentParser(prog=f"{repair}.py", description=f"OpenClaw state repair: {repair} "
                                "(dry run unless --apply; backup first; atomic writes).")
    add_arguments(p)
    return run([repair], p.parse_args(argv), prog=f"openclaw-{repair}.py")
