import pytest

from matcher import normalise, redact
from matcher.redact import find_secrets

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
