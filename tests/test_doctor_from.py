"""`clawkb doctor --from FILE`: the doctor's findings from what OpenClaw reports, for a state dir clawkb
cannot read (Docker, a remote box).

Each example below is one OpenClaw output, in the shape of the release named (research notes for
issue 13, §7: `models status --json`, `models auth list --json`, `doctor [--lint] --json`; §8: what
OpenClaw counts as a broken credential).
"""
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clawkb.kb.remedies.reported import AUTH_LIST, DOCTOR, MODELS_STATUS, ReportError, parse

ROOT = Path(__file__).resolve().parent.parent
NOW = int(dt.datetime(2026, 9, 25, 10, 0, tzinfo=dt.timezone.utc).timestamp() * 1000)
H = 3_600_000


def iso(ms):
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def pretty(doc):
    return json.dumps(doc, indent=2) + "\n"


def ids(report):
    return [f["id"] for f in report.findings]


def finding(report, sig):
    return next(f for f in report.findings if f["id"] == sig)


def line_of(text, evidence):
    assert evidence["line"] >= 1
    return text.splitlines()[evidence["line"] - 1]


# --------------------------------------------------------------------------- openclaw models status --json

def models_status(unusable, health, now=NOW):
    """`openclaw models status --json` (2026.9.6 top-level keys; facts §7)."""
    return {"configPath": "/home/u/.openclaw/openclaw.json", "agentDir": "/home/u/.openclaw/agents/main/agent",
            "defaultModel": "anthropic/claude-opus-4-7", "resolvedDefault": "anthropic/claude-opus-4-7",
            "fallbacks": ["openai/gpt-5.5"], "imageModel": None, "imageFallbacks": [],
            "utilityModel": {"ref": None, "source": "disabled"}, "aliases": {}, "allowed": [],
            "auth": {"storePath": "~/.openclaw/state/openclaw.sqlite",
                     "shellEnvFallback": {"enabled": False, "appliedKeys": []},
                     "providersWithOAuth": ["anthropic (1)"], "missingProvidersInUse": [], "modelRouteIssues": [],
                     "runtimeAuthRoutes": [], "providers": [], "unusableProfiles": unusable,
                     "oauth": {"warnAfterMs": 86400000, "profiles": health, "providers": []}, "probes": None}}


def unusable(pid, kind, reason, left_ms, now=NOW, hint="Wait for cooldown or switch provider.", **extra):
    """An `auth.unusableProfiles[]` entry, 2026.8.2+ (with recoveryHint; reason is the window's own)."""
    e = {"profileId": pid, "provider": pid.split(":")[0], "kind": kind, "reason": reason}
    if hint is not None:
        e["recoveryHint"] = hint
    e.update({"until": now + left_ms, "remainingMs": left_ms}, **extra)
    return e


def health(pid, kind, status, **extra):
    """An `auth.oauth.profiles[]` entry (`buildProfileHealth`)."""
    return {"profileId": pid, "provider": pid.split(":")[0], "type": kind, "status": status, **extra,
            "source": "store", "label": pid}


def test_models_status_2026_9_billing_lockout_and_an_expired_token_beside_a_usable_key():
    text = pretty(models_status(
        [unusable("anthropic:manual", "disabled", "billing", 4 * H - 2 * 60_000,
                  hint="Top up credits (provider billing) or switch provider.")],
        [health("anthropic:default", "api_key", "static"),
         health("anthropic:manual", "token", "expired", reasonCode="expired")]))
    report = parse(text, NOW, "status.json")
    assert report.kind == MODELS_STATUS
    assert ids(report) == ["stale-billing-disabled-until", "stale-oauth-profile-poisons-provider"]

    lock = finding(report, "stale-billing-disabled-until")
    ev = lock["evidence"][0]
    assert ev["file"] == "status.json"
    assert ev["text"] == "auth.unusableProfiles[0]: anthropic:manual disabled (billing) for 3h 58m (until 2026-09-25 13:58 UTC)"
    assert line_of(text, ev).strip() == '"profileId": "anthropic:manual",'
    assert lock["captures"] == {"provider": ["anthropic"], "profile": ["anthropic:manual"]}
    assert lock["commands"] == ["openclaw models auth login --provider anthropic"]

    stale = finding(report, "stale-oauth-profile-poisons-provider")
    ev = stale["evidence"][0]
    assert ev["text"].startswith("auth.oauth.profiles[1]: anthropic:manual: token expired [expired], next to usable anthropic:default")
    assert '"profileId": "anthropic:manual"' in line_of(text, ev)
    assert text.splitlines().index(line_of(text, ev)) > text.splitlines().index(line_of(text, lock["evidence"][0]))
    assert stale["captures"]["healthy_profile"] == ["anthropic:default"]
    assert stale["commands"] == ["openclaw models auth login --provider anthropic --profile-id anthropic:manual"]


def test_models_status_2026_9_reports_non_billing_cooldowns_but_not_rate_limits():
    text = pretty(models_status(
        [unusable("google:default", "cooldown", "timeout", 10 * 60_000),
         unusable("openai:default", "cooldown", "rate_limit", 10 * 60_000)],
        [health("google:default", "api_key", "static"), health("openai:default", "api_key", "static")]))
    report = parse(text, NOW)
    assert ids(report) == ["auth-profile-cooldown-non-billing"]
    f = report.findings[0]
    assert f["confidence"] == 0.6 and f["captures"]["profile"] == ["google:default"]
    assert f["evidence"][0]["text"].startswith("auth.unusableProfiles[0]: google:default cooling down (timeout) for 10m")
    assert f["evidence"][0]["file"] == "stdin"
    assert f["commands"] == ["openclaw models auth login --provider google"]


def test_models_status_2026_7_cooldown_reason_is_the_stored_disabled_reason():
    """≤ 2026.7.1 has no recoveryHint and puts `disabledReason` into `reason` for cooldown entries too:
    an old billing reason on a cooling-down profile is not a billing lockout, and the cooldown's own
    reason is unknown (reported at low confidence, pointing at `models auth list`)."""
    text = pretty(models_status(
        [unusable("anthropic:default", "cooldown", "billing", 5 * 60_000, hint=None),
         unusable("openai:default", "disabled", "billing", 2 * H, hint=None)],
        [health("anthropic:default", "api_key", "static"), health("openai:default", "api_key", "static")]))
    report = parse(text, NOW)
    assert ids(report) == ["stale-billing-disabled-until", "auth-profile-cooldown-non-billing"]
    assert finding(report, "stale-billing-disabled-until")["captures"]["profile"] == ["openai:default"]
    cool = finding(report, "auth-profile-cooldown-non-billing")
    assert cool["confidence"] == 0.4 and cool["captures"]["profile"] == ["anthropic:default"]
    assert "reason not reported" in cool["evidence"][0]["text"] and AUTH_LIST in cool["evidence"][0]["text"]


def test_models_status_the_only_profile_of_an_aggregator_locked_for_billing_disables_the_proxy():
    text = pretty(models_status(
        [unusable("litellm:default", "disabled", "billing", H), unusable("openrouter:a", "disabled", "billing", H)],
        [health("litellm:default", "api_key", "static"),
         health("openrouter:a", "api_key", "static"), health("openrouter:b", "api_key", "static")]))
    report = parse(text, NOW)
    proxy = finding(report, "provider-wide-402-proxy")
    assert proxy["captures"] == {"provider": ["litellm"], "profile": ["litellm:default"]}  # openrouter has a second profile
    assert "only profile of aggregator provider litellm" in proxy["evidence"][0]["text"]
    assert proxy["commands"] == ["openclaw models auth login --provider litellm"]


def test_models_status_a_window_that_ended_since_the_output_was_taken_is_not_reported():
    text = pretty(models_status([unusable("anthropic:default", "disabled", "billing", H)], []))
    assert parse(text, NOW + 2 * H).findings == []


def test_models_status_an_expired_oauth_access_token_is_refreshable_but_a_missing_one_is_dead():
    text = pretty(models_status([], [health("openai-codex:a", "oauth", "expired"),
                                     health("openai-codex:b", "oauth", "ok"),
                                     health("openai-codex:c", "oauth", "missing", reasonCode="missing_credential")]))
    report = parse(text, NOW)
    assert ids(report) == ["stale-oauth-profile-poisons-provider"]
    assert report.findings[0]["captures"]["stale_profile"] == ["openai-codex:c"]
    assert "oauth missing [missing_credential]" in report.findings[0]["evidence"][0]["text"]


def test_models_status_a_key_disabled_for_auth_permanent_is_dead_not_locked_out():
    """As `repairs.credential_problem` has it: OpenClaw's verdict on a 401/403 it will not retry."""
    text = pretty(models_status(
        [unusable("anthropic:old", "disabled", "auth_permanent", 5 * H,
                  hint="Re-authenticate with `openclaw models auth login --provider anthropic --profile-id 'anthropic:old'`.")],
        [health("anthropic:old", "api_key", "static"), health("anthropic:default", "api_key", "static")]))
    report = parse(text, NOW)
    assert ids(report) == ["stale-oauth-profile-poisons-provider"]
    assert "auth_permanent" in report.findings[0]["evidence"][0]["text"]
    assert report.findings[0]["commands"] == ["openclaw models auth login --provider anthropic --profile-id anthropic:old"]


def test_models_status_a_dead_profile_without_a_usable_sibling_is_not_this_failure():
    text = pretty(models_status([unusable("anthropic:default", "disabled", "billing", H)],
                                [health("anthropic:default", "api_key", "static"),
                                 health("anthropic:manual", "token", "expired")]))
    assert ids(parse(text, NOW)) == ["stale-billing-disabled-until"]


def test_one_line_json_gives_line_1_and_a_warning_line_before_the_json_is_skipped():
    doc = models_status([unusable("anthropic:default", "disabled", "billing", H)], [])
    assert parse(json.dumps(doc), NOW).findings[0]["evidence"][0]["line"] == 1
    text = "Config warnings: models.fallbacks has an unknown model\n" + pretty(doc)
    ev = parse(text, NOW).findings[0]["evidence"][0]
    assert '"profileId": "anthropic:default"' in line_of(text, ev)


# --------------------------------------------------------------------------- openclaw models auth list --json

def auth_list(profiles):
    """`openclaw models auth list --json` (2026.9.6 `src/commands/models/auth-list.ts`; facts §7)."""
    return {"agentId": "main", "agentDir": "~/.openclaw/agents/main/agent",
            "authStatePath": "~/.openclaw/state/openclaw.sqlite", "provider": None, "profiles": profiles}


def test_auth_list_2026_9_compares_every_window_with_now():
    """auth list prints ended windows too: only those still ahead are lockouts."""
    text = pretty(auth_list([
        {"id": "anthropic:default", "provider": "anthropic", "type": "api_key", "label": "anthropic:default"},
        {"id": "anthropic:manual", "provider": "anthropic", "type": "token", "label": "anthropic:manual",
         "expiresAt": iso(NOW - 24 * H), "disabledUntil": iso(NOW + 4 * H), "disabledReason": "billing",
         "recoveryHint": "Top up credits (provider billing) or switch provider."},
        {"id": "google:default", "provider": "google", "type": "api_key", "label": "google:default",
         "cooldownUntil": iso(NOW + 30 * 60_000), "cooldownReason": "format", "cooldownClassification": "format",
         "recoveryHint": "Wait for cooldown or switch provider."},
        {"id": "openai:default", "provider": "openai", "type": "api_key", "label": "openai:default",
         "disabledUntil": iso(NOW - H), "disabledReason": "billing", "cooldownUntil": iso(NOW - H),
         "cooldownReason": "timeout"},
    ]))
    report = parse(text, NOW, "list.json")
    assert report.kind == AUTH_LIST
    assert ids(report) == ["stale-billing-disabled-until", "stale-oauth-profile-poisons-provider",
                           "auth-profile-cooldown-non-billing"]
    lock = finding(report, "stale-billing-disabled-until")
    assert lock["captures"]["profile"] == ["anthropic:manual"]  # not openai:default: its window ended
    assert lock["evidence"][0]["text"] == "profiles[1]: anthropic:manual disabled (billing) for 4h 0m (until 2026-09-25 14:00 UTC)"
    assert '"id": "anthropic:manual"' in line_of(text, lock["evidence"][0])
    stale = finding(report, "stale-oauth-profile-poisons-provider")
    assert "setup token expired 2026-09-24 10:00 UTC, next to usable anthropic:default" in stale["evidence"][0]["text"]
    assert finding(report, "auth-profile-cooldown-non-billing")["captures"]["profile"] == ["google:default"]


def test_auth_list_without_the_optional_fields():
    """recoveryHint, cooldownClassification, email, expiresAt are optional: the windows alone suffice."""
    text = pretty(auth_list([{"id": "ollama:local", "provider": "ollama", "type": "api_key", "label": "ollama:local",
                              "cooldownUntil": iso(NOW + 60_000), "cooldownReason": "timeout"}]))
    report = parse(text, NOW)
    assert ids(report) == ["auth-profile-cooldown-non-billing"]
    assert report.findings[0]["commands"] == ["openclaw models auth login --provider ollama"]


# --------------------------------------------------------------------------- openclaw doctor [--lint] --json

def doctor(findings, **extra):
    """`openclaw doctor --lint --json`: one line and a newline (2026.9.6 doctor-lint-output; facts §7)."""
    return json.dumps({"schemaVersion": 1, "ok": not findings, "checksRun": 12, "checksSkipped": 0,
                       "findings": findings, **extra}) + "\n"


def auth_finding(message, target, **extra):
    return {"checkId": "core/doctor/auth-profiles", "severity": "warning", "message": message,
            "path": "~/.openclaw/state/openclaw.sqlite", "target": target, **extra}


def test_doctor_lint_json_lockouts_and_what_it_cannot_show():
    text = doctor([
        auth_finding("Auth profile anthropic:manual is disabled:billing (3h 58m).", "anthropic:manual",
                     fixHint="Top up credits (provider billing) or switch provider."),
        auth_finding("Agent work auth profile google:default is cooldown:timeout (9m).", "google:default"),
        auth_finding("Auth profile openai:default is cooldown:rate_limit (1m).", "openai:default"),
        auth_finding("Auth profile anthropic:old is expired [expired].", "anthropic:old", requirement="expired"),
        {"checkId": "core/doctor/gateway-port", "severity": "info", "message": "Gateway port 18789 is free."},
    ])
    report = parse(text, NOW, "doctor.json")
    assert report.kind == DOCTOR
    assert ids(report) == ["stale-billing-disabled-until", "auth-profile-cooldown-non-billing"]
    ev = finding(report, "stale-billing-disabled-until")["evidence"][0]
    assert ev == {"line": 1, "file": "doctor.json", "text": "findings[0]: anthropic:manual disabled (billing) for 3h 58m"}
    assert finding(report, "auth-profile-cooldown-non-billing")["captures"]["profile"] == ["google:default"]
    # an expired credential may sit next to a working one or not: doctor lists only the problems
    assert len(report.notes) == 1 and MODELS_STATUS in report.notes[0]


def test_doctor_json_without_the_opt_in_auth_check_says_how_to_run_it():
    report = parse(doctor([{"checkId": "core/doctor/gateway-port", "severity": "info", "message": "ok"}]), NOW)
    assert report.kind == DOCTOR and report.findings == []
    assert "openclaw doctor --lint --only core/doctor/auth-profiles --json" in report.notes[0]


def test_doctor_lint_runtime_failure_is_read_not_refused():
    text = doctor([{"checkId": "core/doctor/lint-inspection", "severity": "error", "message": "inspection failed"}],
                  error={"type": "cli_error", "message": "state db locked"})
    assert parse(text, NOW).findings == []


def test_evidence_is_redacted():
    secret = "sk-ant-api03-" + "A" * 40
    text = doctor([auth_finding(f"Auth profile anthropic:default is disabled:billing (1h 0m). key {secret}", None)])
    report = parse(text, NOW)
    assert report.findings[0]["captures"]["profile"] == ["anthropic:default"]  # no target: read from the message
    assert secret not in json.dumps(report.findings)


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("text, says", [
    ("", "is empty"),
    ("  \n", "is empty"),
    ("Error: gateway not running\n", "is not JSON"),
    ('{"auth": {"unusableProfiles": [', "is not JSON"),
    ('{"ok": true} trailing', "is not JSON"),
    ("[]", "is JSON but not the output of"),
    ('"models status"', "is JSON but not the output of"),
    ('{"models": {"providers": {}}, "agents": {}}', "is JSON but not the output of"),  # openclaw.json itself
])
def test_bad_input_is_refused_in_one_line(text, says):
    with pytest.raises(ReportError) as exc:
        parse(text, NOW, "in.json")
    assert says in str(exc.value) and "\n" not in str(exc.value)


# --------------------------------------------------------------------------- the command line

def clawkb(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "clawkb", *map(str, args)], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=120, env=dict(os.environ))


def live_status():
    """A `models status --json` taken just now: a billing lockout and an expired token next to a key."""
    import time

    now = int(time.time() * 1000)
    return pretty(models_status([unusable("anthropic:manual", "disabled", "billing", 4 * H, now=now)],
                                [health("anthropic:default", "api_key", "static"),
                                 health("anthropic:manual", "token", "expired")]))


def test_cli_text_prints_the_openclaw_commands_to_run_where_the_state_lives(tmp_path):
    f = tmp_path / "status.json"
    f.write_text(live_status())
    p = clawkb("doctor", "--from", f)
    out = p.stdout.decode()
    assert p.returncode == 0, p.stderr
    assert "repair (stale-billing-disabled-until): openclaw models auth login --provider anthropic\n" in out + "\n"
    assert ("repair (stale-oauth-profile-poisons-provider): "
            "openclaw models auth login --provider anthropic --profile-id anthropic:manual") in out
    assert "clawkb fix" not in out and "--state-dir" not in out


def test_cli_json_from_stdin():
    p = clawkb("doctor", "--from", "-", "--format", "json", stdin=live_status().encode())
    assert p.returncode == 0, p.stderr
    rec = json.loads(p.stdout)
    assert rec["input"] == "-" and rec["from"] == MODELS_STATUS and rec["openclaw_version"] is None
    assert [d["id"] for d in rec["diagnoses"]] == ["stale-billing-disabled-until", "stale-oauth-profile-poisons-provider"]
    lock = rec["diagnoses"][0]
    assert lock["evidence"][0]["file"] == "stdin" and lock["evidence"][0]["line"] > 1
    assert lock["fix_command"] == "openclaw models auth login --provider anthropic"
    assert lock["captures"]["profile"] == ["anthropic:manual"] and lock["title"] and lock["url"]


def test_cli_healthy_output_exits_1():
    p = clawkb("doctor", "--from", "-", stdin=pretty(models_status([], [health("a:b", "api_key", "static")])).encode())
    assert p.returncode == 1 and b"healthy" in p.stdout and MODELS_STATUS.encode() in p.stdout


def test_cli_doctor_output_notes_go_to_stderr():
    p = clawkb("doctor", "--from", "-", "--format", "json", stdin=doctor([]).encode())
    assert p.returncode == 1 and json.loads(p.stdout)["diagnoses"] == []
    assert p.stderr.decode().startswith("clawkb: note: no core/doctor/auth-profiles check")


@pytest.mark.parametrize("data", [b"", b"not json\n", b"[1, 2]", b'{"hello": "world"}', b"\xff\xfe{\x00", b'{"a":'])
def test_cli_bad_input_exits_2_with_one_line(data):
    p = clawkb("doctor", "--from", "-", stdin=data)
    err = p.stderr.decode()
    assert p.returncode == 2 and p.stdout == b""
    assert err.startswith("clawkb: ") and err.count("\n") == 1 and "Traceback" not in err


def test_cli_missing_file_exits_2(tmp_path):
    p = clawkb("doctor", "--from", tmp_path / "nope.json")
    assert p.returncode == 2 and p.stderr.decode().startswith("clawkb: cannot read")


def test_cli_from_and_state_dir_are_exclusive(tmp_path):
    p = clawkb("doctor", "--from", "-", "--state-dir", tmp_path)
    assert p.returncode == 2 and b"not allowed with" in p.stderr
