"""OpenClaw state directories in every layout, built from the documented shapes, secrets included.

    legacy  (<= 2026.4.5)   auth-profiles.json with usageStats inside; cron/jobs.json
    split   (2026.4.7-6.1)  auth-profiles.json + auth-state.json; cron/jobs.json
    sqlite  (2026.6.x)      per-agent openclaw-agent.sqlite; cron in state/openclaw.sqlite (typed columns)
    shared  (2026.8.x)      as sqlite, plus shared profiles in state/openclaw.sqlite, two agents
    statedb (2026.9.x)      state schema 15: the only auth store is the shared one in config_machine_state
                            (auth.sharedStore = state-db), cron_jobs JSON-canonical (no session_target)
Table shapes are OpenClaw's own (CREATE TABLE statements of the released builds; see docs/state-layouts.md).
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

SECRETS = {
    "api": "sk-ant-api03-" + "A1b2C3d4" * 10 + "-xyzXYZ12",
    "oat": "sk-ant-oat01-" + "Q9w8E7r6" * 10 + "-abcABC34",
    "oauth_access": "sk-ant-oat01-" + "Z" * 80,
    "oauth_refresh": "sk-ant-ort01-" + "R" * 80,
    "litellm": "sk-" + "L" * 48,
}
HOUR = 3600_000
LAYOUTS = ("legacy", "split", "sqlite", "shared", "statedb")
VERSIONS = {"legacy": "2026.4.5", "split": "2026.5.12", "sqlite": "2026.6.5", "shared": "2026.8.1", "statedb": "2026.9.4"}


def now() -> int:
    return int(time.time() * 1000)


def profiles(broken: bool) -> dict:
    t = now()
    return {
        "anthropic:default": {"type": "api_key", "provider": "anthropic", "key": SECRETS["api"]},
        "anthropic:claude-cli": {"type": "oauth", "provider": "anthropic", "access": SECRETS["oauth_access"],
                                 "refresh": SECRETS["oauth_refresh"], "expires": t + 8 * HOUR},
        "anthropic:manual": {"type": "token", "provider": "anthropic", "token": SECRETS["oat"],
                             "expires": (t - 48 * HOUR) if broken else (t + 240 * HOUR)},
        "litellm:default": {"type": "api_key", "provider": "litellm", "key": SECRETS["litellm"]},
    }


def usage(broken: bool) -> dict:
    t = now()
    if not broken:
        return {"anthropic:default": {"lastUsed": t - HOUR, "errorCount": 0},
                "anthropic:claude-cli": {"lastUsed": t - 60_000, "errorCount": 0}}
    return {
        "anthropic:default": {"lastUsed": t - 3 * HOUR, "errorCount": 3, "failureCounts": {"billing": 2, "rate_limit": 1},
                              "lastFailureAt": t - HOUR, "disabledUntil": t + 4 * HOUR, "disabledReason": "billing",
                              "cooldownUntil": t - 2 * HOUR, "cooldownReason": "rate_limit"},
        "anthropic:claude-cli": {"lastUsed": t - 60_000, "errorCount": 0},
        "litellm:default": {"errorCount": 1, "failureCounts": {"billing": 1}, "lastFailureAt": t - 600_000,
                            "disabledUntil": t + 5 * HOUR, "disabledReason": "billing"},
    }


def config(version: str, json5: bool = False) -> str:
    data = {
        "meta": {"lastTouchedVersion": version, "lastTouchedAt": "2026-09-01T10:00:00.000Z"},
        "agents": {"defaults": {"model": {"primary": "anthropic/claude-sonnet-4-6",
                                          "fallbacks": ["litellm/nanogpt/kimi-k2.5", "litellm/deepseek/deepseek-chat"]}}},
        "auth": {"profiles": {"anthropic:manual": {"provider": "anthropic", "mode": "token"},
                              "anthropic:claude-cli": {"provider": "anthropic", "mode": "oauth"}},
                 "order": {"anthropic": ["anthropic:manual", "anthropic:claude-cli", "anthropic:default"]}},
        "models": {"providers": {"litellm": {"baseUrl": "http://localhost:4000/v1", "api": "openai-completions",
                                             "apiKey": SECRETS["litellm"],
                                             "models": [{"id": "nanogpt/kimi-k2.5"}, {"id": "deepseek/deepseek-chat"},
                                                        {"id": "zai/glm-5"}]}}},
        "gateway": {"mode": "local", "auth": {"mode": "token", "token": "gw-" + "T" * 40}},
    }
    text = json.dumps(data, indent=2)
    if json5:
        body = text.replace('"meta":', "meta:", 1).rstrip()
        text = "// OpenClaw config (JSON5)\n" + body[:-1].rstrip() + ",  /* trailing comma */\n}\n"
    return text


def jobs(broken: bool) -> list:
    t = now()
    job = {"id": "7f3a91c2", "agentId": "main", "name": "nightly-summary", "enabled": True, "createdAtMs": t - 100 * HOUR,
           "updatedAtMs": t - 100 * HOUR, "schedule": {"kind": "cron", "expr": "0 6 * * *", "tz": "UTC"},
           "sessionTarget": "isolated" if broken else "main", "wakeMode": "now",
           "payload": ({"kind": "agentTurn", "message": "Summarise yesterday's inbox", "model": "anthropic/claude-sonnet-4-6",
                        "fallbacks": ["openai/gpt-5.4"], "thinking": "low", "timeoutSeconds": 600}
                       if broken else {"kind": "systemEvent", "text": "Summarise yesterday's inbox"}),
           "delivery": {"mode": "announce", "channel": "telegram", "to": "5512093"},
           "failureAlert": {"after": 3},
           "state": {"lastRunStatus": "error" if broken else "ok"}}
    other = {"id": "a1b2c3d4", "agentId": "main", "name": "backup-notes", "enabled": True, "createdAtMs": t, "updatedAtMs": t,
             "schedule": {"kind": "every", "everyMs": HOUR}, "sessionTarget": "isolated", "wakeMode": "next-heartbeat",
             "payload": {"kind": "agentTurn", "message": "back up notes", "model": "openai/gpt-5.4"}, "state": {}}
    return [job, other]


def _agent_sqlite(path: Path, store: dict, state: dict, version: str) -> None:
    con = sqlite3.connect(str(path))
    con.executescript("""
        CREATE TABLE schema_meta (meta_key TEXT NOT NULL PRIMARY KEY, role TEXT NOT NULL, schema_version INTEGER NOT NULL,
          agent_id TEXT, app_version TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL);
        CREATE TABLE auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL);
    """)
    con.execute("INSERT INTO schema_meta VALUES ('primary','agent',3,'main',?,?,?)", (version, now(), now()))
    con.execute("INSERT INTO auth_profile_store VALUES ('primary',?,?)", (json.dumps(store), now()))
    con.execute("INSERT INTO auth_profile_state VALUES ('primary',?,?)", (json.dumps(state), now()))
    con.commit()
    con.close()


def _state_sqlite(path: Path, cron: list, shared: tuple | None) -> None:
    con = sqlite3.connect(str(path))
    con.executescript("""
        CREATE TABLE cron_jobs (store_key TEXT NOT NULL, job_id TEXT NOT NULL, name TEXT NOT NULL, enabled INTEGER NOT NULL,
          created_at_ms INTEGER NOT NULL, agent_id TEXT, schedule_kind TEXT NOT NULL, session_target TEXT NOT NULL,
          wake_mode TEXT NOT NULL, payload_kind TEXT NOT NULL, payload_message TEXT, payload_model TEXT,
          payload_fallbacks_json TEXT, payload_thinking TEXT, payload_timeout_seconds INTEGER,
          delivery_mode TEXT, delivery_channel TEXT, delivery_to TEXT, failure_alert_after INTEGER,
          job_json TEXT NOT NULL, state_json TEXT NOT NULL DEFAULT '{}', sort_order INTEGER NOT NULL DEFAULT 0,
          updated_at INTEGER NOT NULL, PRIMARY KEY (store_key, job_id)) STRICT;
        CREATE TABLE auth_profile_stores (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
        CREATE TABLE auth_profile_state (store_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
    """)
    for i, j in enumerate(cron):
        d = j.get("delivery") or {}
        con.execute("INSERT INTO cron_jobs (store_key, job_id, name, enabled, created_at_ms, agent_id, schedule_kind, "
                    "session_target, wake_mode, payload_kind, payload_message, payload_model, payload_fallbacks_json, "
                    "payload_thinking, payload_timeout_seconds, delivery_mode, delivery_channel, delivery_to, "
                    "failure_alert_after, job_json, sort_order, updated_at) "
                    "VALUES ('default',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (j["id"], j["name"], int(j["enabled"]), j["createdAtMs"], j["agentId"], j["schedule"]["kind"],
                     j["sessionTarget"], j["wakeMode"], j["payload"]["kind"], j["payload"].get("message") or j["payload"].get("text"),
                     j["payload"].get("model"), json.dumps(j["payload"]["fallbacks"]) if "fallbacks" in j["payload"] else None,
                     j["payload"].get("thinking"), j["payload"].get("timeoutSeconds"), d.get("mode"), d.get("channel"),
                     d.get("to"), (j.get("failureAlert") or {}).get("after"), json.dumps(j), i, now()))
    if shared:
        con.execute("INSERT INTO auth_profile_stores VALUES ('shared',?,?)", (json.dumps(shared[0]), now()))
        con.execute("INSERT INTO auth_profile_state VALUES ('shared',?,?)", (json.dumps(shared[1]), now()))
    con.commit()
    con.close()


def _statedb(path: Path, cron: list, store: dict, state: dict) -> None:
    """state/openclaw.sqlite at state schema 15 (OpenClaw 2026.8.2-2026.9.x)."""
    con = sqlite3.connect(str(path))
    con.executescript("""
        CREATE TABLE config_machine_state (state_key TEXT NOT NULL PRIMARY KEY, value_json TEXT NOT NULL,
          updated_at_ms INTEGER NOT NULL) STRICT;
        CREATE TABLE cron_jobs (store_key TEXT NOT NULL, job_id TEXT NOT NULL, declaration_key TEXT, owner_agent_id TEXT,
          name TEXT NOT NULL, description TEXT, enabled INTEGER NOT NULL, agent_id TEXT, payload_kind TEXT NOT NULL,
          job_json TEXT NOT NULL, state_json TEXT NOT NULL DEFAULT '{}', runtime_updated_at_ms INTEGER,
          schedule_identity TEXT, sort_order INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL,
          PRIMARY KEY (store_key, job_id)) STRICT;
        PRAGMA user_version = 15;
    """)
    rows = {"auth.sharedStore": {"location": "state-db"}, "authProfiles.store": store, "authProfiles.state": state}
    for key, value in rows.items():
        con.execute("INSERT INTO config_machine_state VALUES (?,?,?)", (key, json.dumps(value), now()))
    for i, j in enumerate(cron):
        stored = {k: v for k, v in j.items() if k != "state"}
        con.execute("INSERT INTO cron_jobs (store_key, job_id, name, enabled, agent_id, payload_kind, job_json, state_json, "
                    "sort_order, updated_at) VALUES ('default',?,?,?,?,?,?,?,?,?)",
                    (j["id"], j["name"], int(j["enabled"]), j["agentId"], j["payload"]["kind"], json.dumps(stored),
                     json.dumps(j["state"]), i, now()))
    con.commit()
    con.close()


def _agent_schema_only(path: Path) -> None:
    """A 2026.9 agent database after the shared-store migration: its tables, no primary rows."""
    con = sqlite3.connect(str(path))
    con.executescript("""
        CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
        CREATE TABLE auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
        PRAGMA user_version = 19;
    """)
    con.close()


def build(root: Path, layout: str, broken: bool = True, json5: bool = False) -> Path:
    """A state directory of one layout; broken=True holds every seed condition."""
    version = VERSIONS[layout]
    agent = root / "agents" / "main" / "agent"
    agent.mkdir(parents=True)
    (root / "openclaw.json").write_text(config(version, json5), encoding="utf-8")
    store = {"version": 1, "profiles": profiles(broken)}
    state = {"version": 1, "order": {"anthropic": ["anthropic:manual", "anthropic:claude-cli", "anthropic:default"]},
             "lastGood": {"anthropic": "anthropic:claude-cli"}, "usageStats": usage(broken)}
    if layout == "statedb":
        _agent_schema_only(agent / "openclaw-agent.sqlite")
        (root / "state").mkdir()
        _statedb(root / "state" / "openclaw.sqlite", jobs(broken), store, state)
        return root
    if layout == "legacy":
        (agent / "auth-profiles.json").write_text(json.dumps({**store, **state}, indent=2), encoding="utf-8")
    elif layout == "split":
        (agent / "auth-profiles.json").write_text(json.dumps(store, indent=2), encoding="utf-8")
        (agent / "auth-state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
    else:
        _agent_sqlite(agent / "openclaw-agent.sqlite", store, state, version)
    for p in agent.glob("*.json"):
        p.chmod(0o600)
    if layout in ("legacy", "split"):
        (root / "cron").mkdir()
        (root / "cron" / "jobs.json").write_text(json.dumps({"version": 1, "jobs": jobs(broken)}, indent=2), encoding="utf-8")
    else:
        (root / "state").mkdir()
        shared = None
        if layout == "shared":
            shared = ({"version": 1, "profiles": {"openrouter:default": {"type": "api_key", "provider": "openrouter",
                                                                           "key": "sk-or-v1-" + "0" * 64}}},
                      {"version": 1, "usageStats": {"openrouter:default": {"errorCount": 0}}})
            ken = root / "agents" / "ken" / "agent"
            ken.mkdir(parents=True)
            _agent_sqlite(ken / "openclaw-agent.sqlite", {"version": 1, "profiles": profiles(broken)},
                          {"version": 1, "usageStats": usage(broken)}, version)
        _state_sqlite(root / "state" / "openclaw.sqlite", jobs(broken), shared)
    return root


def snapshot(root: Path) -> dict:
    """Every file's bytes (SQLite as a logical dump), to prove nothing changed."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and ".clawkb-backups" not in p.parts:
            if p.suffix == ".sqlite":
                con = sqlite3.connect(str(p))
                out[str(p.relative_to(root))] = "\n".join(con.iterdump())
                con.close()
            elif not p.name.endswith(("-wal", "-shm", "-journal")):
                out[str(p.relative_to(root))] = p.read_bytes()
    return out
