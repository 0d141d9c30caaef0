"""The GitHub surface: one diagnosis comment per issue, kept up to date; and backfill.

Talks to the REST API through PyGithub (retries 5xx and secondary rate limits with backoff). Reads
the issue from the event payload file, never from `${{ }}` interpolation. Every piece of issue text
that reaches the comment is redacted, sits inside a code fence longer than any backtick run in it,
and the whole comment goes through a second, independent secret detector (kb.guard: detect-secrets)
that withholds whatever it doubts, and is kept under GitHub's size limit.
"""
from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Iterable, Optional

from matcher import normalise
from matcher.redact import REDACTED, redact

from . import guard
from .pages import environment
from .signatures import SITE_URL, KnowledgeBase

MARKER = "<!-- clawkb:diagnosis"
MARKER_RE = re.compile(r"<!-- clawkb:diagnosis (\{.*?\}) -->")
LABEL_PREFIX = "clawkb:"
MAX_BODY = 65536
SAFE_BODY = 60000  # headroom below GitHub's limit


class GitHubError(Exception):
    """A GitHub call failed for good (after retries); one line for the user."""


# --------------------------------------------------------------------------- the comment

def _fence(lines: Iterable[str]) -> str:
    longest = max((len(m) for line in lines for m in re.findall(r"`+|~+", line)), default=0)
    return "`" * max(3, longest + 1)


def _clean_line(text: str, width: int) -> str:
    text = redact(text).replace("\r", "")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    return text if len(text) <= width else text[: width - 1] + "…"


def marker_for(ids: list[str]) -> str:
    return f"{MARKER} {json.dumps({'v': 1, 'ids': ids}, separators=(',', ':'))} -->"


def ids_in(body: str) -> Optional[list[str]]:
    m = MARKER_RE.search(body or "")
    if not m:
        return None
    try:
        return list(json.loads(m.group(1)).get("ids", []))
    except ValueError:
        return []


def _allowed(site_url: str, ids: Iterable[str]) -> list[re.Pattern]:
    """What the guard must never withhold: clawkb's own words that a reader needs."""
    return [MARKER_RE,
            re.compile(re.escape(site_url) + r"[^\s()<>\[\]]*"),
            re.compile(r"\bopenclaw#\d+\b"),
            re.compile(re.escape(REDACTED)),
            *(re.compile(r"(?<![\w-])" + re.escape(i) + r"(?![\w-])") for i in sorted(set(ids)))]


def render(records: list[dict], *, removed: list[str] = (), site_url: str = SITE_URL) -> tuple[str, int]:
    """The comment for `records`, and how many spans the secret guard withheld from it."""
    env = environment()
    tpl = env.get_template("issue_comment.md.j2")
    for max_lines, width, with_fix in ((8, 300, True), (5, 200, True), (3, 160, True), (2, 120, False), (0, 80, False)):
        diags = []
        for r in records:
            ev = [{"line": e["line"], "text": _clean_line(e["text"], width)} for e in r["evidence"][:max_lines]]
            diags.append({**r, "url": f"{site_url}failures/{r['id']}/", "evidence": ev, "fence": _fence(e["text"] for e in ev),
                          "fix": r.get("fix", []) if with_fix else []})
        body = tpl.render(marker=marker_for([r["id"] for r in records]), diagnoses=diags, removed=list(removed),
                          site_url=site_url)
        body = redact(body)
        if len(body) <= SAFE_BODY:
            break
    try:
        body, withheld = guard.withhold(body, _allowed(site_url, [*(r["id"] for r in records), *removed]))
    except guard.GuardUnavailable as exc:
        raise GitHubError(str(exc)) from None
    if len(body) > SAFE_BODY:  # pathological: many diagnoses; keep the marker and the links
        body = body[: SAFE_BODY - 200] + "\n\n… (shortened to fit GitHub's comment limit)\n"
    return body, withheld


def render_comment(records: list[dict], *, removed: list[str] = (), site_url: str = SITE_URL) -> str:
    return render(records, removed=removed, site_url=site_url)[0]


# --------------------------------------------------------------------------- deciding what to do

@dataclass
class Issue:
    number: int
    title: str
    body: str
    author: str
    author_type: str
    labels: list[str]
    is_pull_request: bool = False


@dataclass
class Plan:
    """What the action will do on one issue; `writes` is empty when nothing needs to change."""
    issue: int
    ids: list[str]
    comment_id: Optional[int] = None
    new_body: Optional[str] = None  # to post (comment_id None) or to replace (comment_id set)
    add_labels: list[str] = field(default_factory=list)
    remove_labels: list[str] = field(default_factory=list)
    delete_ids: list[int] = field(default_factory=list)  # our own duplicates (a retried POST), never others'
    skipped: Optional[str] = None
    withheld: int = 0  # spans of the comment that the secret guard held back

    @property
    def writes(self) -> bool:
        return bool(self.new_body is not None or self.add_labels or self.remove_labels or self.delete_ids)


def is_bot(login: str, user_type: str) -> bool:
    return user_type == "Bot" or login.endswith("[bot]")


def diagnose_text(text: str, kb: KnowledgeBase, min_confidence: float) -> list[dict]:
    """What `clawkb match` reports for the text: calibrated rules first, else a trusted resemblance."""
    from .report import said_record
    from .similarity import decide, load_index

    doc = normalise(text)
    calibration = getattr(kb, "calibration", None) or {}
    return [said_record(s, kb) for s in decide(doc, kb.index(), calibration, load_index, min_confidence=min_confidence)]


def plan_issue(issue: Issue, comments: list[dict], kb: KnowledgeBase, *, min_confidence: float = 0.5,
               labels: bool = False, comment_on_no_match: bool = False, extra_text: str = "",
               site_url: str = SITE_URL) -> Plan:
    """comments: [{id, body, author, author_type}] of the issue, in order."""
    if issue.is_pull_request:
        return Plan(issue.number, [], skipped="pull request")
    if is_bot(issue.author, issue.author_type):
        return Plan(issue.number, [], skipped=f"opened by a bot ({issue.author})")
    # ours: the marked comments that a bot (this action's token) wrote; a person quoting the marker is not us
    ours = [c for c in comments if ids_in(c["body"]) is not None and is_bot(c["author"], c["author_type"])]
    people = [c["body"] for c in comments if ids_in(c["body"]) is None and not is_bot(c["author"], c["author_type"])]
    text = "\n\n".join([issue.title, issue.body or "", *people, extra_text])
    records = diagnose_text(text, kb, min_confidence)
    ids = [r["id"] for r in records]
    plan = Plan(issue.number, ids)
    existing = ours[0] if ours else None
    plan_deletes = [c["id"] for c in ours[1:]]
    previous = ids_in(existing["body"]) if existing else None
    if records:
        body, plan.withheld = render(records, site_url=site_url)
    elif existing and previous:
        body, plan.withheld = render([], removed=previous, site_url=site_url)
    elif comment_on_no_match and not existing:
        body, plan.withheld = render([], site_url=site_url)
    else:
        body = None
    if existing is not None:
        plan.comment_id = existing["id"]
        if body is not None and body != existing["body"]:
            plan.new_body = body
    elif body is not None:
        plan.new_body = body
    plan.delete_ids = plan_deletes
    if labels:
        want = {LABEL_PREFIX + i for i in ids}
        have = {l for l in issue.labels if l.startswith(LABEL_PREFIX)}
        plan.add_labels = sorted(want - have)
        plan.remove_labels = sorted(have - want)
    return plan


# --------------------------------------------------------------------------- talking to GitHub

def client(token: str, base_url: Optional[str] = None, *, pace: bool = True):
    from github import Auth, Github, GithubRetry

    from urllib3.util.retry import Retry

    retry = GithubRetry(total=6, backoff_factor=1.0 if pace else 0.05, secondary_rate_wait=60 if pace else 1,
                        status_forcelist=[500, 502, 503, 504],
                        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS.union({"GET", "POST", "PATCH"}))
    return Github(auth=Auth.Token(token), base_url=base_url or os.environ.get("GITHUB_API_URL") or "https://api.github.com",
                  retry=retry, seconds_between_requests=0.25 if pace else None,
                  seconds_between_writes=1.0 if pace else None, per_page=100, lazy=True)


def _issue_of(gh_issue) -> Issue:
    return Issue(number=gh_issue.number, title=gh_issue.title or "", body=gh_issue.body or "",
                 author=gh_issue.user.login if gh_issue.user else "", author_type=gh_issue.user.type if gh_issue.user else "",
                 labels=[l.name for l in gh_issue.labels], is_pull_request=gh_issue.pull_request is not None)


def _comments_of(gh_issue) -> list[dict]:
    return [{"id": c.id, "body": c.body or "", "author": c.user.login if c.user else "",
             "author_type": c.user.type if c.user else "", "_obj": c} for c in gh_issue.get_comments()]


def carry_out(gh_issue, plan: Plan, comments: list[dict]) -> Optional[int]:
    """Perform the plan's writes; returns the comment id (new or existing)."""
    from github import GithubException

    try:
        comment_id = plan.comment_id
        if plan.new_body is not None:
            if len(plan.new_body) > MAX_BODY:
                raise GitHubError("comment body over GitHub's limit")
            if plan.comment_id is None:
                comment_id = gh_issue.create_comment(plan.new_body).id
            else:
                obj = next(c["_obj"] for c in comments if c["id"] == plan.comment_id)
                obj.edit(plan.new_body)
        for cid in plan.delete_ids:
            next(c["_obj"] for c in comments if c["id"] == cid).delete()
        if plan.add_labels:
            gh_issue.add_to_labels(*plan.add_labels)
        for name in plan.remove_labels:
            gh_issue.remove_from_labels(name)
        return comment_id
    except GithubException as exc:
        message = (exc.data or {}).get("message") if isinstance(exc.data, dict) else str(exc.data)
        raise GitHubError(f"GitHub answered {exc.status}: {message}") from None


def run_event(event_path: str, repo_name: str, token: str, kb: KnowledgeBase, *, min_confidence: float,
              labels: bool, comment_on_no_match: bool, site_url: str, base_url: Optional[str] = None,
              pace: bool = True) -> tuple[Plan, Optional[int]]:
    with open(event_path, encoding="utf-8") as fh:
        event = json.load(fh)
    payload_issue = event.get("issue")
    if not isinstance(payload_issue, dict):
        raise GitHubError("the event payload has no issue (use on: issues / issue_comment)")
    comment = event.get("comment") if isinstance(event.get("comment"), dict) else None
    if comment and is_bot((comment.get("user") or {}).get("login", ""), (comment.get("user") or {}).get("type", "")):
        return Plan(payload_issue["number"], [], skipped="comment by a bot"), None
    author = payload_issue.get("user") or {}
    if is_bot(author.get("login", ""), author.get("type", "")):
        return Plan(payload_issue["number"], [], skipped=f"opened by a bot ({author.get('login')})"), None
    if payload_issue.get("pull_request"):
        return Plan(payload_issue["number"], [], skipped="pull request"), None
    gh = client(token, base_url, pace=pace)
    from github import GithubException

    try:
        repo = gh.get_repo(repo_name)
        gh_issue = repo.get_issue(payload_issue["number"])
        issue = _issue_of(gh_issue)
        # the event payload is what triggered us: prefer its text (an edit may not be visible yet)
        issue.title = payload_issue.get("title") or issue.title
        issue.body = payload_issue.get("body") or ""
        comments = _comments_of(gh_issue)
    except GithubException as exc:
        raise GitHubError(f"GitHub answered {exc.status} while reading issue #{payload_issue.get('number')}") from None
    extra = ""
    if comment and not any(c["id"] == comment.get("id") for c in comments):
        extra = comment.get("body") or ""
    plan = plan_issue(issue, comments, kb, min_confidence=min_confidence, labels=labels,
                      comment_on_no_match=comment_on_no_match, extra_text=extra, site_url=site_url)
    if plan.skipped or not plan.writes:
        return plan, plan.comment_id
    return plan, carry_out(gh_issue, plan, comments)


def backfill(repo_name: str, token: str, kb: KnowledgeBase, *, state: str = "open", since=None, dry_run: bool = False,
             min_confidence: float = 0.5, labels: bool = False, site_url: str = SITE_URL,
             base_url: Optional[str] = None, pace: bool = True, out=sys.stdout) -> dict:
    from github import GithubException

    gh = client(token, base_url, pace=pace)
    counts = {"issues": 0, "diagnosed": 0, "written": 0, "unchanged": 0, "skipped": 0}
    try:
        repo = gh.get_repo(repo_name)
        kwargs = {"state": state}
        if since is not None:
            kwargs["since"] = since
        for gh_issue in repo.get_issues(**kwargs):
            if gh_issue.pull_request is not None:
                continue
            counts["issues"] += 1
            issue = _issue_of(gh_issue)
            comments = _comments_of(gh_issue) if gh_issue.comments else []
            plan = plan_issue(issue, comments, kb, min_confidence=min_confidence, labels=labels, site_url=site_url)
            if plan.skipped:
                counts["skipped"] += 1
                continue
            counts["diagnosed"] += bool(plan.ids)
            if not plan.writes:
                counts["unchanged"] += 1
                continue
            print(f"#{issue.number}: {', '.join(plan.ids) or 'no longer diagnosed'}"
                  + (" (dry run)" if dry_run else ""), file=out)
            if not dry_run:
                carry_out(gh_issue, plan, comments)
                counts["written"] += 1
    except GithubException as exc:
        raise GitHubError(f"GitHub answered {exc.status} during backfill of {repo_name}") from None
    return counts
