"""The GitHub Action against a loopback fake of the REST API: one comment per issue, kept current."""
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("github")

from fake_github import BOT, INSTALLATION_TOKEN, MAINTAINER, PAT_TOKEN, FakeGitHub  # noqa: E402
from clawkb.kb import gh as gh_module  # noqa: E402
from clawkb.kb import guard  # noqa: E402
from clawkb.kb.gh import (MAX_BODY, GitHubError, _allowed, backfill, client, diagnose_text, ids_in, read_marker,  # noqa: E402
                   render, run_event, token_identity)
from clawkb.matcher.redact import find_secrets  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BILLING = (ROOT / "examples" / "gateway-billing-lockout.log").read_text(encoding="utf-8")
LITELLM = ("We run LiteLLM in front of NanoGPT, Z.ai and DeepSeek. One upstream returned 402 Insufficient Balance and "
           "the entire provider was disabled:\n```\nFailoverError: No available auth profile for litellm "
           "(all in cooldown or unavailable).\n```")
KEY = "sk-ant-api03-" + "K" * 80


@pytest.fixture
def gh():
    fake = FakeGitHub()
    yield fake
    fake.close()


def run(gh, tmp_path, event, token=INSTALLATION_TOKEN, **kw):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    opts = dict(min_confidence=0.5, labels=False, comment_on_no_match=False, site_url="https://clawkb.example/")
    opts.update(kw)
    return run_event(str(path), "acme/gateway", token, kb_(), base_url=gh.url, pace=False, **opts)


_KB = []


def kb_():
    if not _KB:
        from clawkb.kb.signatures import load_kb
        _KB.append(load_kb(ROOT / "signatures"))
    return _KB[0]


def ours(gh, n, by=BOT):
    return [c for c in gh.comments[n] if ids_in(c["body"]) is not None and c["user"]["login"] == by["login"]]


def test_first_run_posts_one_comment_with_the_ids_in_its_marker(gh, tmp_path):
    gh.add_issue(7, "Telegram says something went wrong", f"Log:\n```\n{BILLING}\n```")
    plan, cid = run(gh, tmp_path, gh.event("opened", 7))
    (c,) = ours(gh, 7)
    assert cid == c["id"] and plan.ids[0] == "isolated-cron-extra-usage"
    assert ids_in(c["body"]) == plan.ids
    assert "https://clawkb.example/failures/isolated-cron-extra-usage/" in c["body"]
    assert "upgrade to 2026.5.12" in c["body"]  # the version verdict (2026.4.12 is in both ranges: 2026.5.12 fixes both)
    assert [r[0] for r in gh.writes()] == ["POST"]


def test_rerun_with_no_change_writes_nothing(gh, tmp_path):
    gh.add_issue(7, "t", BILLING)
    run(gh, tmp_path, gh.event("opened", 7))
    before = len(gh.writes())
    plan, _ = run(gh, tmp_path, gh.event("opened", 7))
    assert not plan.writes and len(gh.writes()) == before


def test_an_edit_that_changes_the_diagnosis_updates_the_same_comment(gh, tmp_path):
    gh.add_issue(7, "t", BILLING)
    _, cid = run(gh, tmp_path, gh.event("opened", 7))
    gh.issues[7]["body"] = LITELLM
    plan, cid2 = run(gh, tmp_path, gh.event("edited", 7))
    assert cid2 == cid and plan.ids == ["provider-wide-402-proxy"]
    (c,) = ours(gh, 7)
    assert ids_in(c["body"]) == ["provider-wide-402-proxy"] and gh.writes()[-1][0] == "PATCH"


def test_an_edit_that_removes_it_says_so_once(gh, tmp_path):
    gh.add_issue(7, "t", LITELLM)
    run(gh, tmp_path, gh.event("opened", 7))
    gh.issues[7]["body"] = "Never mind, it was my firewall."
    run(gh, tmp_path, gh.event("edited", 7))
    (c,) = ours(gh, 7)
    assert "no longer applies" in c["body"] and "provider-wide-402-proxy" in c["body"]
    n = len(gh.writes())
    run(gh, tmp_path, gh.event("edited", 7))
    assert len(gh.writes()) == n


def test_a_new_comment_with_the_log_adds_the_diagnosis(gh, tmp_path):
    gh.add_issue(8, "Bot stopped answering", "It just stopped. Any idea?")
    plan, _ = run(gh, tmp_path, gh.event("opened", 8))
    assert plan.ids == [] and not gh.writes()
    comment = gh.add_comment(8, LITELLM)
    plan, _ = run(gh, tmp_path, gh.event("created", 8, comment=comment))
    assert plan.ids == ["provider-wide-402-proxy"] and len(ours(gh, 8)) == 1


def test_no_match_note_only_when_asked(gh, tmp_path):
    gh.add_issue(9, "Question", "How do I set up Slack?")
    run(gh, tmp_path, gh.event("opened", 9))
    assert not gh.writes()
    run(gh, tmp_path, gh.event("opened", 9), comment_on_no_match=True)
    (c,) = ours(gh, 9)
    assert "openclaw models status" in c["body"]


def test_issues_and_comments_from_bots_are_skipped(gh, tmp_path):
    gh.add_issue(10, "Dependency update", BILLING, user={"login": "renovate[bot]", "id": 3, "type": "Bot"})
    plan, _ = run(gh, tmp_path, gh.event("opened", 10))
    assert plan.skipped and gh.requests == []
    gh.add_issue(11, "t", "hello")
    bot_comment = gh.add_comment(11, BILLING, user={"login": "clawsweeper[bot]", "id": 4, "type": "Bot"})
    plan, _ = run(gh, tmp_path, gh.event("created", 11, comment=bot_comment))
    assert plan.skipped and gh.requests == []


def test_other_bots_comments_and_labels_are_never_touched(gh, tmp_path):
    gh.add_issue(12, "t", LITELLM, labels=["clawsweeper:needs-info", "bug"])
    theirs = gh.add_comment(12, "Triage: needs info", user={"login": "clawsweeper[bot]", "id": 4, "type": "Bot"})
    quoted = gh.add_comment(12, "I copied this: <!-- clawkb:diagnosis {\"v\":1,\"ids\":[]} -->")
    run(gh, tmp_path, gh.event("opened", 12), labels=True)
    gh.issues[12]["body"] = "solved"
    run(gh, tmp_path, gh.event("edited", 12), labels=True)
    bodies = {c["id"]: c["body"] for c in gh.comments[12]}
    assert bodies[theirs["id"]] == "Triage: needs info" and quoted["id"] in bodies
    assert {l["name"] for l in gh.issues[12]["labels"]} == {"clawsweeper:needs-info", "bug"}
    touched = [r[1] for r in gh.writes()]
    assert not any(str(theirs["id"]) in t or str(quoted["id"]) in t or "clawsweeper" in t for t in touched)


def test_labels_follow_the_diagnosis(gh, tmp_path):
    gh.add_issue(13, "t", LITELLM)
    run(gh, tmp_path, gh.event("opened", 13), labels=True)
    assert "clawkb:provider-wide-402-proxy" in [l["name"] for l in gh.issues[13]["labels"]]
    gh.issues[13]["body"] = "fixed"
    run(gh, tmp_path, gh.event("edited", 13), labels=True)
    assert [l["name"] for l in gh.issues[13]["labels"]] == []


@pytest.mark.parametrize("hostile", [
    "${{ github.token }} $(curl evil) `rm -rf /`",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "@everyone @openclaw/maintainers please look",
    "```\n````\n~~~~\n</details>",
])
def test_hostile_text_cannot_inject_ping_or_break_out(gh, tmp_path, hostile):
    body = f"{hostile}\n{LITELLM}\n{hostile}\nFailoverError: No available auth profile for litellm {hostile}"
    gh.add_issue(14, hostile[:60], body)
    run(gh, tmp_path, gh.event("opened", 14))
    (c,) = ours(gh, 14)
    text = c["body"]
    # everything from the issue is inside fenced code: outside the fences none of it appears
    outside = re.sub(r"(?ms)^(`{3,})text\n.*?^\1$", "", text)
    for piece in ("<script>", "onerror", "@everyone", "@openclaw", "${{", "$(curl"):
        assert piece not in outside, piece


def test_a_1_mb_paste_and_a_leaked_key(gh, tmp_path):
    noise = "\n".join(f"2026-05-01T10:{i % 60:02d}:00Z [gateway] heartbeat ok {i} key={KEY}" for i in range(9000))
    body = noise + "\n" + LITELLM + f"\nAuthorization: Bearer {KEY}\n" + noise
    assert len(body) > 1_000_000
    gh.add_issue(15, "huge", body)
    run(gh, tmp_path, gh.event("opened", 15))
    (c,) = ours(gh, 15)
    assert len(c["body"]) < MAX_BODY and KEY not in c["body"] and not find_secrets(c["body"])
    assert not [r for r in gh.requests if r[2] and len(json.dumps(r[2])) > MAX_BODY]


def test_secondary_rate_limit_and_5xx_are_retried(gh, tmp_path):
    gh.add_issue(16, "t", LITELLM)
    gh.fail_next = [("GET", 502), ("POST", 403)]
    plan, cid = run(gh, tmp_path, gh.event("opened", 16))
    assert cid and len(ours(gh, 16)) == 1
    assert [r[0] for r in gh.writes()] == ["POST", "POST"]


def test_pagination_finds_our_comment_on_a_later_page(gh, tmp_path):
    gh.add_issue(17, "t", LITELLM)
    run(gh, tmp_path, gh.event("opened", 17))
    for i in range(150):
        gh.add_comment(17, f"+1 same here {i}")
    gh.comments[17].append(gh.comments[17].pop(0))  # our comment now sits on page 2
    plan, _ = run(gh, tmp_path, gh.event("opened", 17))
    assert not plan.writes and len(ours(gh, 17)) == 1


def test_duplicates_from_a_retried_post_are_folded_into_one(gh, tmp_path):
    gh.add_issue(18, "t", LITELLM)
    run(gh, tmp_path, gh.event("opened", 18))
    first = ours(gh, 18)[0]
    gh.add_comment(18, first["body"], user={"login": "github-actions[bot]", "id": 41898282, "type": "Bot"})
    run(gh, tmp_path, gh.event("edited", 18))
    assert [c["id"] for c in ours(gh, 18)] == [first["id"]]


def test_backfill_of_1000_issues_respects_the_single_comment_rule(gh, tmp_path):
    for n in range(1, 1001):
        gh.add_issue(n, f"issue {n}", LITELLM if n % 10 == 0 else f"question {n} about slack setup")
    out = tmp_path / "out.txt"
    with open(out, "w") as fh:
        dry = backfill("acme/gateway", INSTALLATION_TOKEN, kb_(), dry_run=True, base_url=gh.url, pace=False, out=fh)
    assert dry["issues"] == 1000 and dry["diagnosed"] == 100 and not gh.writes()
    with open(out, "w") as fh:
        real = backfill("acme/gateway", INSTALLATION_TOKEN, kb_(), base_url=gh.url, pace=False, out=fh)
    assert real["written"] == 100 and sum(len(ours(gh, n)) for n in gh.issues) == 100
    n_writes = len(gh.writes())
    with open(out, "w") as fh:
        again = backfill("acme/gateway", INSTALLATION_TOKEN, kb_(), base_url=gh.url, pace=False, out=fh)
    assert again["written"] == 0 and len(gh.writes()) == n_writes


def test_the_cli_step_writes_the_action_outputs(gh, tmp_path):
    gh.add_issue(19, "t", LITELLM)
    event = tmp_path / "event.json"
    event.write_text(json.dumps(gh.event("opened", 19)))
    out = tmp_path / "gh_output"
    env = dict(os.environ, GITHUB_TOKEN=INSTALLATION_TOKEN, GITHUB_OUTPUT=str(out), CLAWKB_LABELS="true",
               CLAWKB_NO_PACING="1", CLAWKB_MIN_CONFIDENCE="0.5")
    p = subprocess.run([sys.executable, "-m", "clawkb", "gh", "comment", "--event", str(event), "--repo", "acme/gateway",
                        "--api-url", gh.url], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = dict(l.split("=", 1) for l in out.read_text().splitlines())
    assert json.loads(lines["ids"]) == ["provider-wide-402-proxy"] and lines["comment-id"] == str(ours(gh, 19)[0]["id"])
    assert "clawkb:provider-wide-402-proxy" in [l["name"] for l in gh.issues[19]["labels"]]


def test_a_failing_api_is_a_clear_error(gh, tmp_path):
    gh.add_issue(20, "t", LITELLM)
    event = tmp_path / "event.json"
    ev = gh.event("opened", 20)
    ev["issue"]["number"] = 404
    event.write_text(json.dumps(ev))
    env = dict(os.environ, GITHUB_TOKEN=INSTALLATION_TOKEN, CLAWKB_NO_PACING="1")
    p = subprocess.run([sys.executable, "-m", "clawkb", "gh", "comment", "--event", str(event), "--repo", "acme/gateway",
                        "--api-url", gh.url], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert p.returncode == 2 and "404" in p.stderr and "Traceback" not in p.stderr


# --------------------------------------------------------------------------- the secret guard
# detect-secrets, a second detector that owes nothing to matcher/redact.py. Every value below is
# shaped like the real thing and obviously fake (FAKE in it, or derived from a fixed phrase).

def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


HIGH_ENTROPY = base64.b64encode(hashlib.sha256(b"clawkb test fixture, not a key").digest()).decode()
SECRET_SHAPES = {
    "aws access key": "AKIAFAKEFAKEFAKEFAKE",
    "slack bot token": "xoxb-000000000000-0000000000000-FAKEfakeFAKEfakeFAKEfake",
    "discord bot token": "MFAKEfakeFAKEfakeFAKEfake.FAKEfk.FAKEfakeFAKEfakeFAKEfakeFAK",
    "telegram bot token": "123456789:FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAK",
    "jwt": f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64({'sub': 'fake-user'})}.FAKEsignatureFAKEsignatureFAKEsig",
    "basic auth in a url": "https://admin:FAKEpassw0rd@proxy.example.invalid/",
    "private key": "-----BEGIN OPENSSH PRIVATE KEY-----",
    "high-entropy base64": HIGH_ENTROPY,
    "keyword": '"apiKey": "FAKE-not-a-real-key"',
}


@pytest.mark.parametrize("shape", SECRET_SHAPES, ids=str)
def test_the_guard_withholds_what_detect_secrets_doubts(shape):
    secret = SECRET_SHAPES[shape]
    body, n = guard.withhold(f"  12: gateway: connecting with {secret} (attempt 2)")
    assert n >= 1 and guard.WITHHELD in body
    assert body.startswith("  12: gateway: connecting with ") and body.endswith("(attempt 2)")
    for piece in re.findall(r"FAKE\w+|AKIA\w+|" + re.escape(HIGH_ENTROPY[:20]), secret):
        assert piece not in body


def test_a_typical_comment_passes_the_guard_untouched():
    kb = kb_()
    site = "https://clawkb.example/"
    for text in (BILLING, LITELLM):
        records = diagnose_text(text, kb, 0.5)
        body, withheld = render(records, site_url=site)
        assert records and withheld == 0 and guard.WITHHELD not in body
        assert guard.withhold(body, _allowed(site, [r["id"] for r in records])) == (body, 0)
        assert ids_in(body) == [r["id"] for r in records] and f"{site}failures/{records[0]['id']}/" in body
    body, withheld = render([], removed=["provider-wide-402-proxy", "isolated-cron-extra-usage"], site_url=site)
    assert withheld == 0 and "no longer shows provider-wide-402-proxy, isolated-cron-extra-usage" in body
    # openclaw#N and long signature ids are clawkb's words too, even next to a long hex run
    line = "See openclaw#48213 and https://clawkb.example/failures/provider-wide-402-proxy/#fix for the fix."
    assert guard.withhold(line, _allowed(site, kb.ids)) == (line, 0)


def test_a_secret_the_redactor_misses_is_withheld_and_the_comment_still_posted(gh, tmp_path, monkeypatch):
    from clawkb.kb import markdown

    for module in (markdown, sys.modules["clawkb.matcher.normalise"]):  # a redactor that lets everything through
        monkeypatch.setattr(module, "redact", lambda text: text)
    token = SECRET_SHAPES["slack bot token"]
    gh.add_issue(21, "t", LITELLM + f"\nFailoverError: No available auth profile for litellm (slack {token})")
    plan, cid = run(gh, tmp_path, gh.event("opened", 21))
    (c,) = ours(gh, 21)
    assert cid == c["id"] and plan.withheld >= 1 and plan.ids == ["provider-wide-402-proxy"]
    assert token not in c["body"] and f"(slack {guard.WITHHELD})" in c["body"]


# --------------------------------------------------------------------------- only our own comment is ours

OTHER_BOT = {"login": "clawsweeper[bot]", "id": 4, "type": "Bot"}


def test_another_bots_comment_with_our_marker_is_neither_edited_nor_deleted_nor_echoed(gh, tmp_path):
    gh.add_issue(30, "t", LITELLM)
    forged = '<!-- clawkb:diagnosis {"v":1,"ids":["@octocat see https://evil.example","provider-wide-402-proxy"]} -->'
    theirs = gh.add_comment(30, forged + "\nTriage bot: looks like billing", user=OTHER_BOT)
    plan, cid = run(gh, tmp_path, gh.event("opened", 30))
    (c,) = ours(gh, 30)
    assert cid == c["id"] != theirs["id"] and plan.delete_ids == []
    gh.issues[30]["body"] = "solved"
    run(gh, tmp_path, gh.event("edited", 30))
    assert "no longer shows provider-wide-402-proxy." in ours(gh, 30)[0]["body"]
    assert [x for x in gh.comments[30] if x["id"] == theirs["id"]] == [theirs]
    for method, path, body in gh.writes():
        assert str(theirs["id"]) not in path and "octocat" not in json.dumps(body) and "evil" not in json.dumps(body)


def test_ids_read_back_from_a_marker_are_only_known_signature_ids(gh, tmp_path):
    gh.add_issue(31, "t", "solved, thanks")
    old = '<!-- clawkb:diagnosis {"v":1,"ids":["@octocat","provider-wide-402-proxy","../../x"],"labels":["bug","clawkb:@octocat"]} -->'
    mine = gh.add_comment(31, old + "\n### clawkb: 1 known failure found", user=BOT)
    run(gh, tmp_path, gh.event("edited", 31), labels=True)
    (c,) = ours(gh, 31)
    assert c["id"] == mine["id"] and "no longer shows provider-wide-402-proxy." in c["body"]
    assert "octocat" not in c["body"] and "../" not in c["body"]
    assert not [w for w in gh.writes() if "/labels" in w[1]]  # neither label was ours to remove


def test_with_a_personal_access_token_our_comment_is_the_token_owners(gh, tmp_path):
    gh.add_issue(32, "t", BILLING)
    plan, cid = run(gh, tmp_path, gh.event("opened", 32), token=PAT_TOKEN)
    (c,) = ours(gh, 32, by=MAINTAINER)
    assert cid == c["id"]
    gh.issues[32]["body"] = LITELLM
    plan, cid2 = run(gh, tmp_path, gh.event("edited", 32), token=PAT_TOKEN)
    assert cid2 == cid and [c["id"] for c in ours(gh, 32, by=MAINTAINER)] == [cid]
    assert [w[0] for w in gh.writes()] == ["POST", "PATCH"]
    # the workflow runs again for the comment the token itself wrote: nothing to do
    plan, _ = run(gh, tmp_path, gh.event("edited", 32, comment=ours(gh, 32, by=MAINTAINER)[0]), token=PAT_TOKEN)
    assert plan.skipped == "our own comment" and len(gh.writes()) == 2
    # what the token's owner writes as a person still counts as the issue's text
    gh.issues[32]["body"] = "It just stopped."
    said = gh.add_comment(32, BILLING, user=MAINTAINER)
    plan, _ = run(gh, tmp_path, gh.event("created", 32, comment=said), token=PAT_TOKEN)
    assert plan.ids[0] == "isolated-cron-extra-usage" and len(ours(gh, 32, by=MAINTAINER)) == 1


def test_labels_a_person_set_are_not_ours_to_remove(gh, tmp_path):
    gh.add_issue(33, "t", LITELLM, labels=["clawkb:provider-wide-402-proxy", "clawkb:isolated-cron-extra-usage"])
    run(gh, tmp_path, gh.event("opened", 33), labels=True)
    assert not [w for w in gh.writes() if "/labels" in w[1]]  # the one it wants is already there
    assert json.loads(re.search(r"clawkb:diagnosis (\{.*?\})", ours(gh, 33)[0]["body"]).group(1)) == {
        "v": 1, "ids": ["provider-wide-402-proxy"]}  # and it did not add it, so it is not recorded
    gh.issues[33]["body"] = "solved"
    run(gh, tmp_path, gh.event("edited", 33), labels=True)
    assert {l["name"] for l in gh.issues[33]["labels"]} == {"clawkb:provider-wide-402-proxy",
                                                           "clawkb:isolated-cron-extra-usage"}


def test_the_labels_clawkb_added_are_recorded_in_its_marker(gh, tmp_path):
    gh.add_issue(34, "t", LITELLM)
    run(gh, tmp_path, gh.event("opened", 34), labels=True)
    (c,) = ours(gh, 34)
    assert read_marker(c["body"], kb_().ids).labels == ["clawkb:provider-wide-402-proxy"]
    gh.issues[34]["body"] = BILLING
    run(gh, tmp_path, gh.event("edited", 34), labels=True)
    names = {l["name"] for l in gh.issues[34]["labels"]}
    assert "clawkb:provider-wide-402-proxy" not in names and "clawkb:isolated-cron-extra-usage" in names
    assert "clawkb:isolated-cron-extra-usage" in read_marker(ours(gh, 34)[0]["body"], kb_().ids).labels


@pytest.mark.parametrize("token, graphql, kw, login", [
    (INSTALLATION_TOKEN, True, {}, "github-actions[bot]"),  # GITHUB_TOKEN or an App: GraphQL's viewer
    (PAT_TOKEN, True, {}, "maintainer"),
    (PAT_TOKEN, False, {}, "maintainer"),  # no GraphQL: GET /user
    (INSTALLATION_TOKEN, False, {"github_token": True}, "github-actions[bot]"),  # the workflow's own token
    (INSTALLATION_TOKEN, False, {"bot_login": "clawkb-app[bot]"}, "clawkb-app[bot]"),  # said outright
])
def test_the_token_owner_is_looked_up_once_in_a_way_that_works_for_its_kind(gh, token, graphql, kw, login):
    gh.graphql = graphql
    assert token_identity(client(token, gh.url, pace=False), **kw) == login
    assert len(gh.requests) <= 2


def test_a_token_whose_owner_cannot_be_told_is_a_one_line_error(gh):
    gh.graphql = False  # an installation token gets 403 from GET /user, and GraphQL is not there
    with pytest.raises(GitHubError) as err:
        token_identity(client(INSTALLATION_TOKEN, gh.url, pace=False))
    assert "bot-login" in str(err.value) and "\n" not in str(err.value) and INSTALLATION_TOKEN not in str(err.value)


# --------------------------------------------------------------------------- retries that cannot duplicate

@pytest.mark.parametrize("failure", ["lost", "502-after"])
def test_a_post_whose_answer_is_lost_is_looked_for_before_posting_again(gh, tmp_path, failure):
    gh.add_issue(40, "t", LITELLM)
    gh.fail_next = [("POST", failure)]
    plan, cid = run(gh, tmp_path, gh.event("opened", 40))
    (c,) = ours(gh, 40)
    assert cid == c["id"] and [w[0] for w in gh.writes()] == ["POST"]  # found it, did not post it twice


def test_a_post_that_failed_before_landing_is_posted_again(gh, tmp_path):
    gh.add_issue(41, "t", LITELLM)
    gh.fail_next = [("POST", 502)]  # answered 502 and nothing was written
    plan, cid = run(gh, tmp_path, gh.event("opened", 41))
    (c,) = ours(gh, 41)
    assert cid == c["id"] and [w[0] for w in gh.writes()] == ["POST", "POST"]


def test_retry_after_is_capped_at_a_minute():
    from urllib3 import HTTPResponse

    retry = gh_module._retry(pace=True)
    asked = HTTPResponse(status=403, headers={"Retry-After": "86400"})
    assert retry.get_retry_after(asked) == gh_module.RETRY_AFTER_CAP == 60
    assert retry.get_retry_after(HTTPResponse(status=403, headers={"Retry-After": "3"})) == 3
    assert not retry.is_retry("POST", 502) and retry.is_retry("PATCH", 502) and retry.is_retry("POST", 403, True)


# --------------------------------------------------------------------------- comments edited or deleted

def test_an_edited_comment_updates_the_diagnosis_from_the_events_text(gh, tmp_path):
    gh.add_issue(50, "Bot stopped answering", "It just stopped.")
    said = gh.add_comment(50, "I will paste the log later")
    run(gh, tmp_path, gh.event("created", 50, comment=said))
    assert not gh.writes()
    edited = {**said, "body": LITELLM}  # the listing may still show the old text: the event's counts
    plan, cid = run(gh, tmp_path, gh.event("edited", 50, comment=edited))
    assert plan.ids == ["provider-wide-402-proxy"] and cid == ours(gh, 50)[0]["id"]


@pytest.mark.parametrize("listing_still_shows_it", [False, True])
def test_a_deleted_comment_takes_its_diagnosis_with_it(gh, tmp_path, listing_still_shows_it):
    gh.add_issue(51, "Bot stopped answering", "It just stopped.")
    said = gh.add_comment(51, LITELLM)
    run(gh, tmp_path, gh.event("created", 51, comment=said))
    assert ids_in(ours(gh, 51)[0]["body"]) == ["provider-wide-402-proxy"]
    if not listing_still_shows_it:
        gh.comments[51].remove(said)
    plan, _ = run(gh, tmp_path, gh.event("deleted", 51, comment=said))
    (c,) = ours(gh, 51)
    assert plan.ids == [] and "no longer shows provider-wide-402-proxy." in c["body"]


def test_the_issue_author_cannot_switch_the_guard_off_with_detect_secrets_pragma():
    body, n = guard.withhold(f"key {SECRET_SHAPES['aws access key']}  # pragma: allowlist secret")
    assert n == 1 and SECRET_SHAPES["aws access key"] not in body


@pytest.mark.parametrize("command", [["backfill", "--repo", "o/r"], ["comment", "--repo", "o/r"]])
def test_an_unreachable_github_is_said_in_one_line_within_seconds(tmp_path, command):
    import socket
    import time

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "opened", "issue": {"number": 1, "title": "t", "body": "b", "user": {"login": "u"}}}))
    extra = ["--event", str(event)] if command[0] == "comment" else []
    started = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "clawkb", "gh", *command, *extra, "--api-url", f"http://127.0.0.1:{port}",
                        "--bot-login", "clawkb-bot"], capture_output=True, text=True, timeout=120, cwd=ROOT,
                       env=dict(os.environ, GITHUB_TOKEN="x", CLAWKB_NO_PACING="1"))
    took = time.monotonic() - started
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [p.stderr.strip()] and re.search(r"GitHub (could not be reached|at http)|cannot reach GitHub", p.stderr)
    assert "internal error" not in p.stderr
    assert took < 30, took
