from pathlib import Path

import pytest

from clawkb.matcher import normalise, redact
from clawkb.matcher.redact import find_secrets

SECRETS = [
    "sk-ant-oat01-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdefghijkl",
    "sk-ant-api03-ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ-QQQQQQQQ",
    "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef",
    "sk-proj-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "ghp_0123456789abcdefghijABCDEFGHIJ0123456789",
    "AIzaSyA-1234567890abcdefghijklmnopqrstuv",
    "xoxb-123456789012-123456789012-AbCdEfGhIjKlMnOp",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1234",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_secret_shapes_are_redacted_keeping_only_their_kind(secret):
    out = redact(f"token in log: {secret} end")
    assert secret not in out and "[REDACTED]" in out
    assert not find_secrets(out)


def test_anthropic_token_kind_survives_redaction_as_evidence():
    assert redact("anthropic:manual sk-ant-oat01-" + "x" * 40).endswith("sk-ant-oat01-[REDACTED]")
    # after a scheme too, with one marker (not the kept kind taken for a second secret)
    assert redact("Authorization: Bearer sk-ant-api03-" + "aB3" * 16) == "Authorization: Bearer sk-ant-api03-[REDACTED]"


@pytest.mark.parametrize("line", [
    '"access": "ya29.a0AfB_byC-secret-value-here"',
    "apiKey=abcdefghijklmnopqrstuvwxyz",
    '"refresh": "1//0g-refresh-token-value-123456"',
])
def test_credential_fields_are_redacted_whatever_their_value_looks_like(line):
    out = redact(line)
    assert "[REDACTED]" in out and line.split("=")[-1].split(":")[-1].strip(' "') not in out


def test_normalised_documents_never_hold_a_secret():
    doc = normalise("\n".join(SECRETS))
    for line in doc.lines:
        for s in SECRETS:
            assert s not in line.text and s.lower() not in line.canon


# --------------------------------------------------------------------------- case table (issue 15)
# (case, line, the fake secret that must not survive, what must stay). Every token here is made up.
_DISCORD = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
_TELEGRAM = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
LEAKS = [
    ("telegram-in-bot-api-url", f"curl https://api.telegram.org/bot{_TELEGRAM}/getMe", _TELEGRAM.split(":")[1],
     "https://api.telegram.org/bot"),
    ("discord-bare", f"DISCORD token is {_DISCORD}", _DISCORD, "DISCORD token is"),
    ("discord-authorization-bot", f'curl -H "Authorization: Bot {_DISCORD}" https://discord.com/api/users/@me',
     _DISCORD, "Authorization: Bot "),
    ("slack-app-token", "SLACK_APP_TOKEN=xapp-1-A0123FAKE45-1234567890123-0a1b2c3d4e5f60718293a4b5c6d7e8f9",
     "A0123FAKE45-1234567890123", "SLACK_APP_TOKEN="),
    ("slack-app-token-bare", "socket mode with xapp-1-A0123FAKE45-1234567890123-0a1b2c3d4e5f6071 failed",
     "1234567890123-0a1b2c3d", "xapp-"),
    ("slack-webhook", "POST https://hooks.slack.com/services/T0FAKE000/B0FAKE000/abcdEFGHijklMNOPqrstUVWX -> 404",
     "abcdEFGHijklMNOPqrstUVWX", "https://hooks.slack.com/services/"),
    ("discord-webhook", "webhook https://discord.com/api/webhooks/123456789012345678/FakeToken-abcdEFGH1234_ijklMNOP5678qrst",
     "FakeToken-abcdEFGH1234_ijklMNOP5678qrst", "https://discord.com/api/webhooks/"),
    ("authorization-basic", "curl -H 'Authorization: Basic ZmFrZXVzZXI6ZmFrZXBhc3M=' http://localhost:4000/v1/models",
     "ZmFrZXVzZXI6ZmFrZXBhc3M", "Authorization: Basic "),
    ("authorization-basic-json", '"headers": {"Authorization": "Basic ZmFrZXVzZXI6ZmFrZXBhc3M="}',
     "ZmFrZXVzZXI6ZmFrZXBhc3M", '"Authorization": "Basic '),
    ("bearer-short", "Authorization: Bearer sk-1234", "sk-1234", "Authorization: Bearer "),
    ("bearer-short-bare", "sent bearer fk9Qz2Lm to the proxy", "fk9Qz2Lm", "bearer "),
    ("bearer-short-json", '"Authorization": "Bearer fake-tok-42"', "fake-tok-42", "Bearer "),
    ("url-userinfo-proxy", "HTTPS_PROXY=http://proxyuser:FakePass-123@proxy.corp.example:3128",
     "FakePass-123", "http://proxyuser:"),
    ("url-userinfo-redis", "redis connect redis://default:fakeredispw9@redis.internal:6379/0 refused",
     "fakeredispw9", "@redis.internal:6379"),
    ("url-userinfo-baseurl", '"baseUrl": "https://lite:fakepw77@litellm.example.com/v1"', "fakepw77", "https://lite:"),
    ("perplexity", "PERPLEXITY_API_KEY=pplx-0FakeFakeFake1234567890abcdefABCDEF0123456789ab",
     "0FakeFakeFake1234567890abcdefABCDEF", "PERPLEXITY_API_KEY="),
    ("perplexity-bare", "using pplx-0FakeFakeFake1234567890abcdefABCDEF0123456789ab now",
     "0FakeFakeFake1234567890abcdefABCDEF", "pplx-"),
    ("password-with-spaces", '{"password": "correct horse battery staple"}', "correct horse battery staple",
     '"password": "'),
    ("password-short", "password=hunter2 user=bob", "hunter2", "user=bob"),
    ("password-yaml", "  password: Fake-Pa55", "Fake-Pa55", "password: "),
    ("pem-one-line", r'"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw\nggSjAgEAAoIBAQC7fake\n-----END PRIVATE KEY-----\n"',
     "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw", "-----BEGIN PRIVATE KEY-----"),
    ("pem-rsa-one-line", "-----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEAfake0123456789abcdefABCDEF -----END RSA PRIVATE KEY-----",
     "MIIEpAIBAAKCAQEAfake", "-----END RSA PRIVATE KEY-----"),
    ("aws-secret-beside-id", "AKIAFAKEFAKEFAKE1234 wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY012", "wJalrXUtnFEMI/K7MDENG",
     "AKIA"),
    ("aws-secret-csv", "AKIAFAKEFAKEFAKE1234,wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY012", "bPxRfiCYFAKEKEY012", "AKIA"),
    ("bare-32-provider-key", "mistral: aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY rejected", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY",
     "rejected"),
    ("bare-32-provider-key-alone", "fK8pQ2vX9mZ4rT7wL1nB6cY3hJ5dS0gA", "fK8pQ2vX9mZ4rT7wL1nB6cY3hJ5dS0gA", ""),
    ("google-aq-bare", "GEMINI AQ.Ab8RN6FakeKzQ1mDqJ9xXyZ0aBcDeFgHiJkLmNoPqRsTuVw", "Ab8RN6FakeKzQ1mDqJ9xXyZ0aBc", "AQ."),
    ("google-aq-header", "x-goog-api-key: AQ.Ab8RN6FakeKzQ1mDqJ9xXyZ0aBcDeFgHiJkLmNoPqRsTuVw",
     "Ab8RN6FakeKzQ1mDqJ9xXyZ0aBc", "x-goog-api-key: "),
    ("entropy-next-to-token", "--token Zq7Xv2Lp9Kd4Wm8R", "Zq7Xv2Lp9Kd4Wm8R", "--token "),
    ("entropy-next-to-secret", "client secret: Q9fake7Zt2Lm4Xc8Vb", "Q9fake7Zt2Lm4Xc8Vb", "client secret"),
    ("entropy-next-to-key", "using api key R4nd0mFakeK3yV4lue", "R4nd0mFakeK3yV4lue", "using api key"),
    ("short-apikey-json", '"apiKey": "sk-1234"', "sk-1234", '"apiKey": "'),
    ("gateway-token-env", "OPENCLAW_GATEWAY_TOKEN=f4k3g4t3w4yt0k3n", "f4k3g4t3w4yt0k3n", "OPENCLAW_GATEWAY_TOKEN="),
]


@pytest.mark.parametrize("case,line,secret,kept", LEAKS, ids=[c[0] for c in LEAKS])
def test_case_table_secrets_are_redacted(case, line, secret, kept):
    out = redact(line)
    assert secret not in out, out
    assert kept in out, out
    assert "[REDACTED]" in out
    assert redact(out) == out  # idempotent: the comment guard redacts text that may be redacted already
    assert not find_secrets(out)


LOOKALIKES = [
    ("field-after-auth", "embedded run failover decision: decision=surface_error reason=auth from=openrouter/deepseek/deepseek-v4 profile=sha256:9f2a"),
    ("uuid", "runId=cd0e873a-0000-46d0-aef7-b77e90d3593a sessionId=D699FC1F-7CD5-4B2E-A5CB-F0F19C557067"),
    ("sha256", "image sha256:3f2a9c0d1e4b5a6978877665544332211aabbccddeeff00112233445566778899 pulled"),
    ("hash-next-to-key", "cache key 3f2a9c0d1e4b5a6978877665544332211aabbccddeeff00112233445566778899"),
    ("request-id", "request_id=req_011CXyzAbCdEfGhIjKlMnOpQr status=529"),
    ("request-id-bare", '529 {"type":"error","error":{"type":"overloaded_error"},"request_id":"req_011CXyzAbCdEf9GhIjKlMnOpQrStUv"}'),
    ("message-id", "msg_01XFDUDYJgAACzvnptvVoYEL toolu_01A09q90qw90lq917835lq9Xy"),
    ("model-names", "model=anthropic/claude-sonnet-4-6 fallback=meta-llama/Llama-3.3-70B-Instruct-Turbo"),
    ("bedrock-model", "modelId=global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ("version", "OpenClaw 2026.5.14 (v2026.5.14-beta.1+build.7) node v22.22.0"),
    ("paths", "/home/User1/.openclaw/agents/main/agent/auth-profiles.json C:\\Users\\Bob\\AppData\\Roaming\\openclaw"),
    ("long-path", "/Users/Alice2/Library/Application/Support/OpenClawDesktopAppHelper2Beta/cache/x.json"),
    ("anthropic-prefix", "profile anthropic:manual uses sk-ant-oat01-[REDACTED]"),
    ("prose-token", "gateway token missing; invalid token: expired; reason=token_mismatch"),
    ("prose-bearer", "Bearer token expired, send a Bearer header"),
    ("prose-basic", "Basic authentication is disabled for basic users"),
    ("token-counts", '"inputTokens": 64004, "outputTokens": 3155, maxTokens=8192 max_tokens: 4096'),
    ("session-key", "sessionKey=agent:main:telegram:direct:123456"),
    ("password-hint", "passwordHint=set gateway.auth.password; tokenHint=run openclaw doctor"),
    ("auth-mode", '"auth": {"mode": "token", "token": "${OPENCLAW_GATEWAY_TOKEN}"}'),
    ("placeholder", 'apiKey: "<your-key>" password=*** token=[REDACTED]'),
    ("email", "logged in as someone@example.com via https://console.anthropic.com/settings/keys"),
    ("url-with-port", "baseUrl=http://localhost:4000/v1 and https://host:8443/path@v2"),
    ("nanoid-run-id", "lane=session:agent:main runId=V1StGXR8_Z5jdHi6B-myT"),
    ("camel-identifier", "at AnthropicMessagesStreamAdapter.handleOverloaded (dist/pi-embedded-runner-Ab12Cd.js:412:9)"),
    ("timestamp", "2026-05-14T06:00:04.540Z info [gateway] ready (pid 4242)"),
    ("profile-ids", "auth profile anthropic:default is in cooldown (billing) until 2026-05-14T08:00:00Z"),
]


@pytest.mark.parametrize("case,line", LOOKALIKES, ids=[c[0] for c in LOOKALIKES])
def test_case_table_lookalikes_stay(case, line):
    assert redact(line) == line


@pytest.mark.parametrize("case,line,secret,kept", LEAKS, ids=[c[0] for c in LEAKS])
def test_normalised_lines_never_hold_the_case_table_secrets(case, line, secret, kept):
    doc = normalise(f"2026-05-14T06:00:04.540Z error [gateway] {line}")
    assert all(secret not in ln.text and secret.lower() not in ln.canon for ln in doc.lines)


@pytest.mark.parametrize("offset", [0, 1, 20, 40, 57])
def test_a_secret_crossing_the_line_cut_is_redacted(offset):
    from clawkb.matcher.normalise import MAX_LINE

    secret = "sk-ant-api03-" + "FakeCutSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
    line = "x" * (MAX_LINE - len("sk-ant-api03-") - offset) + " " + secret + " tail"
    doc = normalise(line)
    text = "\n".join(ln.text for ln in doc.lines)
    for part in (secret[13:], secret[13 + offset:], secret[-20:]):
        assert part not in text


_HOSTILE = [
    "eyJ-" * (1 << 20),                        # the 4 MB of repeated `eyJ-`
    "eyJ" + "a" * 8 + "." + "eyJ" * (1 << 20),
    ("eyJaaaaaaaa.b." * (1 << 18)),
    "key=" * (1 << 20),
    '"key": "' * (1 << 19),
    "password: " * (1 << 19),
    "Authorization: Bearer " * (1 << 18),
    "bearer " + " " * (1 << 22),
    "://a:" + "b" * (1 << 22),
    "://a:b" * (1 << 20),
    "sk-" * (1 << 20),
    "sk-ant-api03-" + "-" * (1 << 22) + "!",
    "123456789:AA" * (1 << 18),
    "-----BEGIN PRIVATE KEY-----" + " " * (1 << 22) + "!",
    "AKIA" + "A" * (1 << 22),
    "Ab1" * (1 << 20),
    "Ab1." * (1 << 20),
    "Ab1/" * (1 << 20),
    "tokentokentoken" * (1 << 18),
    "M" + "a1B" * (1 << 20),
    "hooks.slack.com/services/" + "a/" * (1 << 20),
]


@pytest.mark.parametrize("n", range(len(_HOSTILE)))
def test_hostile_inputs_are_linear(n):
    """4 MB adversarial lines: one pass each (quadratic patterns took 14.5 s on `eyJ-`); the bound is
    generous so that a loaded machine does not fail it, a quadratic pattern would take minutes."""
    import time

    t = time.perf_counter()
    redact(_HOSTILE[n])
    assert time.perf_counter() - t < 10


def test_fix_and_its_standalone_script_print_no_proxy_credentials(tmp_path):
    """`clawkb fix provider-wide-402-proxy` and the generated script show the config diff: the
    baseUrl's user:pass@, `Authorization: Basic`, short Bearer and short apiKey stay masked."""
    import json
    import subprocess
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import state_trees

    root = state_trees.build(tmp_path / "state", "legacy")
    cfg = json.loads((root / "openclaw.json").read_text())
    lit = cfg["models"]["providers"]["litellm"]
    lit.update(baseUrl="http://proxyuser:FakePass-123@localhost:4000/v1", apiKey="sk-1234x",
               headers={"Authorization": "Basic ZmFrZXVzZXI6ZmFrZXBhc3M=", "X-Proxy-Authorization": "Bearer fk9Qz2Lm"})
    (root / "openclaw.json").write_text(json.dumps(cfg, indent=2))
    fix = subprocess.run([sys.executable, "-m", "clawkb", "fix", "provider-wide-402-proxy", "--state-dir", str(root)],
                         capture_output=True, text=True)
    subprocess.run([sys.executable, "-m", "clawkb", "scripts", str(tmp_path / "scripts")], check=True, capture_output=True)
    script = subprocess.run([sys.executable, str(tmp_path / "scripts" / "openclaw-split-proxy-provider.py"),
                             "--state-dir", str(root)], capture_output=True, text=True)
    for out in (fix.stdout + fix.stderr, script.stdout + script.stderr):
        assert "litellm-" in out  # the diff is shown
        for secret in ("FakePass-123", "ZmFrZXVzZXI6ZmFrZXBhc3M", "fk9Qz2Lm", "sk-1234x"):
            assert secret not in out


def test_a_private_key_pasted_over_several_lines_loses_every_body_line():
    """Line by line, a PEM key's short last line looks like nothing: the normaliser withholds every
    line between BEGIN ... PRIVATE KEY and END, and only those."""
    from clawkb.matcher import normalise

    body = ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7fakefakefake", "Zm9vYmFy", "c2hvcnQ="]
    text = "\n".join(["gateway: loading key", "-----BEGIN RSA PRIVATE KEY-----", *body,
                      "-----END RSA PRIVATE KEY-----", "gateway: listening on 18789"])
    shown = [line.text for line in normalise(text).lines]
    assert not any(b in t for b in body for t in shown)
    assert shown[0] == "gateway: loading key" and shown[-1] == "gateway: listening on 18789"
    assert "-----END RSA PRIVATE KEY-----" in shown and shown.count("[REDACTED]") == 3
