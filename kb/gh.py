"""The GitHub surface: one diagnosis comment per issue, kept up to date; and backfill.

Talks to the REST API through PyGithub (retries 5xx and secondary rate limits with backoff). Reads
the issue from the event payload file, never from `${{ }}` interpolation. Every piece of issue text
that reaches the comment is redacted, sits inside a code fence longer than any backtick run in it,
and the whole comment goes through a second, independent secret detector (kb.guard: detect-secrets)
that withholds whatever it doubts, and is kept under GitHub's size limit.
"""
from __future__ import annotations

import inspect
import json
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Iterable, Optional

from clawkb.matcher.model import MIN_CONFIDENCE
from clawkb.matcher.redact import REDACTED

from . import guard
from .settings import DEFAULT_SITE_URL as SITE_URL
from .signatures import KnowledgeBase

MARKER = "<!-- clawkb:diagnosis"
MARKER_RE = re.compile(r"<!-- clawkb:diagnosis (\{.*?\}) -->")
LABEL_PREFIX = "clawkb:"
MAX_BODY = 65536
SAFE_BODY = 60000  # headroom below GitHub's limit


class GitHubError(Exception):
    """A GitHub call failed for good (after retries); one line for the user."""


# --------------------------------------------------------------------------- the comment

def marker_for(ids: list[str], labels: Iterable[str] = ()) -> str:
    """The hidden marker: the ids the comment shows and the labels clawkb itself added."""
    data: dict = {"v": 1, "ids": list(ids)}
    if labels:
        data["labels"] = sorted(labels)
    return f"{MARKER} {json.dumps(data, separators=(',', ':'))} -->"


@dataclass
class Marker:
    ids: list[str]
    labels: list[str]


def read_marker(body: str, known: Optional[Iterable[str]] = None) -> Optional[Marker]:
    """The marker in `body`, None when there is none. With `known` (the signature ids) every id or
    label that is not one of them is dropped: a marker is text anyone could have written, and what
    it holds ends up in a comment and in label removals."""
    m = MARKER_RE.search(body or "")
    if not m:
        return None
    try:
        data = json.loads(m.group(1))
    except ValueError:
        return Marker([], [])
    if not isinstance(data, dict):
        return Marker([], [])
    ids = [i for i in data.get("ids") or [] if isinstance(i, str)] if isinstance(data.get("ids"), list) else []
    labels = [l for l in data.get("labels") or [] if isinstance(l, str)] if isinstance(data.get("labels"), list) else []
    if known is not None:
        known = set(known)
        ids = [i for i in ids if i in known]
        labels = [l for l in labels if l.startswith(LABEL_PREFIX) and l[len(LABEL_PREFIX):] in known]
    return Marker(list(dict.fromkeys(ids)), sorted(set(labels)))


def ids_in(body: str, known: Optional[Iterable[str]] = None) -> Optional[list[str]]:
    marker = read_marker(body, known)
    return None if marker is None else marker.ids


def _allowed(site_url: str, ids: Iterable[str]) -> list[re.Pattern]:
    """What the guard must never withhold: clawkb's own words that a reader needs."""
    return [MARKER_RE,
            re.compile(re.escape(site_url) + r"[^\s()<>\[\]]*"),
            re.compile(r"\bopenclaw#\d+\b"),
            re.compile(re.escape(REDACTED)),
            *(re.compile(r"(?<![\w-])" + re.escape(i) + r"(?![\w-])") for i in sorted(set(ids)))]


def render(records: list[dict], *, removed: list[str] = (), site_url: str = SITE_URL,
           labels: Iterable[str] = ()) -> tuple[str, int]:
    """The comment for `records`, and how many spans the secret guard withheld from it."""
    from .markdown import render as markdown

    for max_lines, width, with_fix in ((8, 300, True), (5, 200, True), (3, 160, True), (2, 120, False), (0, 80, False)):
        body = markdown(records, where="this issue", site_url=site_url, removed=removed,
                        marker=marker_for([r["id"] for r in records], labels),
                        max_lines=max_lines, width=width, with_fix=with_fix)
        if len(body) <= SAFE_BODY:
            break
    try:
        body, withheld = guard.withhold(body, _allowed(site_url, [*(r["id"] for r in records), *removed]))
    except guard.GuardUnavailable as exc:
        raise GitHubError(str(exc)) from None
    if len(body) > SAFE_BODY:  # pathological: many diagnoses; keep the marker and the links
        body = body[: SAFE_BODY - 200] + "\n\n… (shortened to fit GitHub's comment limit)\n"
    return body, withheld


def render_comment(records: list[dict], *, removed: list[str] = (), site_url: str = SITE_URL,
                   labels: Iterable[str] = ()) -> str:
    return render(records, removed=removed, site_url=site_url, labels=labels)[0]


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


def is_ours(comment: dict, me: str, known: Iterable[str]) -> bool:
    """A comment is ours when the account that holds the token wrote it and it carries the marker.
    A marker alone proves nothing: another bot, or a person quoting us, can write one."""
    return bool(me) and comment["author"].lower() == me.lower() and read_marker(comment["body"], known) is not None


def diagnose_text(text: str, kb: KnowledgeBase, min_confidence: float) -> list[dict]:
    """What `clawkb match` reports for the text (the same library call): calibrated rules first, else a
    trusted resemblance."""
    from . import diagnosis

    return diagnosis.diagnose_text(text, kb, min_confidence=min_confidence)["diagnoses"]


def plan_issue(issue: Issue, comments: list[dict], kb: KnowledgeBase, *, me: str, min_confidence: float = MIN_CONFIDENCE,
               labels: bool = False, comment_on_no_match: bool = False, extra_text: str = "",
               site_url: str = SITE_URL) -> Plan:
    """comments: [{id, body, author, author_type}] of the issue, in order; `me`: the login of the
    account that holds the token (see token_identity), whose marked comments are ours."""
    if issue.is_pull_request:
        return Plan(issue.number, [], skipped="pull request")
    if is_bot(issue.author, issue.author_type):
        return Plan(issue.number, [], skipped=f"opened by a bot ({issue.author})")
    known = kb.ids
    ours = [c for c in comments if is_ours(c, me, known)]
    # what people wrote: not bots, and not anything that carries the marker (ours, or a quote of it)
    people = [c["body"] for c in comments if MARKER_RE.search(c["body"]) is None and not is_bot(c["author"], c["author_type"])]
    text = "\n\n".join([issue.title, issue.body or "", *people, extra_text])
    records = diagnose_text(text, kb, min_confidence)
    ids = [r["id"] for r in records]
    plan = Plan(issue.number, ids)
    existing = ours[0] if ours else None
    plan_deletes = [c["id"] for c in ours[1:]]
    marker = read_marker(existing["body"], known) if existing else None
    previous = marker.ids if marker else None
    # labels: only those clawkb added (the marker records them) are clawkb's to remove; a
    # clawkb:* label a person set stays, whatever the diagnosis says
    have = set(issue.labels)
    added_before = set(marker.labels) & have if marker else set()
    if labels:
        want = {LABEL_PREFIX + i for i in ids}
        plan.add_labels = sorted(want - have)
        plan.remove_labels = sorted(added_before - want)
        recorded = (added_before & want) | set(plan.add_labels)
    else:
        recorded = added_before
    if records:
        body, plan.withheld = render(records, site_url=site_url, labels=recorded)
    elif existing and previous:
        body, plan.withheld = render([], removed=previous, site_url=site_url, labels=recorded)
    elif comment_on_no_match and not existing:
        body, plan.withheld = render([], site_url=site_url, labels=recorded)
    else:
        body = None
    if existing is not None:
        plan.comment_id = existing["id"]
        if body is not None and body != existing["body"]:
            plan.new_body = body
    elif body is not None:
        plan.new_body = body
    plan.delete_ids = plan_deletes
    return plan


# --------------------------------------------------------------------------- talking to GitHub

RETRY_AFTER_CAP = 60.0  # seconds: the longest a Retry-After or a rate limit may hold a run
GITHUB_ACTIONS_BOT = "github-actions[bot]"  # who writes with a workflow's GITHUB_TOKEN


def _retry(pace: bool):
    from github import GithubRetry
    from urllib3.util.retry import Retry

    class CappedRetry(GithubRetry):
        """GitHub's retry rules, with two limits: no wait longer than RETRY_AFTER_CAP, whatever a
        Retry-After says; and a POST is retried only when GitHub said "not now" (403/429 rate limits)
        or the connection was never made. A POST whose answer was lost (5xx, reset, timeout) may have
        landed: carry_out looks at the issue before posting again, so that no duplicate is posted."""

        def get_retry_after(self, response):
            seconds = super().get_retry_after(response)
            return None if seconds is None else min(seconds, RETRY_AFTER_CAP)

        def is_retry(self, method, status_code, has_retry_after=False):
            if method == "POST" and status_code not in (403, 429):
                return False
            return super().is_retry(method, status_code, has_retry_after)

        def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
            if method == "POST" and error is not None and self._is_read_error(error):
                raise error
            return super().increment(method, url, response, error, _pool, _stacktrace)

    # connect=2: a host that refuses or does not answer is said as such within seconds, not after a
    # minute of silent retries (each connection attempt is also bounded: client's TIMEOUT)
    kwargs = dict(total=6, connect=2, backoff_factor=1.0 if pace else 0.05, secondary_rate_wait=min(60, RETRY_AFTER_CAP) if pace else 1,
                  status_forcelist=[429, 500, 502, 503, 504],
                  allowed_methods=Retry.DEFAULT_ALLOWED_METHODS.union({"GET", "POST", "PATCH"}))
    if "max_rate_limit_wait" in inspect.signature(GithubRetry.__init__).parameters:  # PyGithub >= 2.9
        kwargs["max_rate_limit_wait"] = RETRY_AFTER_CAP
    return CappedRetry(**kwargs)


GITHUB_API = "https://api.github.com"  # Settings.github_api_url ($GITHUB_API_URL) names another
TIMEOUT = 15  # seconds a request may take to connect or to answer


def network_error(exc: BaseException, base_url: Optional[str]) -> Optional[str]:
    """One line for a failure to reach GitHub (refused, unreachable, timed out, TLS), else None."""
    from requests import ConnectionError as Refused, Timeout

    if isinstance(exc, Timeout):
        return f"GitHub did not answer within {TIMEOUT} s ({base_url or GITHUB_API})"
    if isinstance(exc, Refused):
        return f"cannot reach GitHub at {base_url or GITHUB_API} (connection failed: check the network or --api-url)"
    return None


def action_outputs(path: str, plan: "Plan", comment_id: Optional[int]) -> None:
    """Append the Action's outputs (`ids`, `comment-id`) to its $GITHUB_OUTPUT file."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"ids={json.dumps(plan.ids)}\n")
        fh.write(f"comment-id={comment_id or ''}\n")


def client(token: str, base_url: Optional[str] = None, *, pace: bool = True):
    from github import Auth, Github

    return Github(auth=Auth.Token(token), base_url=base_url or GITHUB_API, timeout=TIMEOUT,
                  retry=_retry(pace), seconds_between_requests=0.25 if pace else None,
                  seconds_between_writes=1.0 if pace else None, per_page=100, lazy=True)


def token_identity(gh, *, bot_login: Optional[str] = None, github_token: bool = False) -> str:
    """The login that comments written with this token carry: the only author whose marked
    comments are ours. Looked up once per run, in this order:

    1. `bot_login`, when given (the Action's `bot-login` input; CLAWKB_BOT_LOGIN).
    2. `github-actions[bot]` when the token is the workflow's own GITHUB_TOKEN (the Action compares
       `inputs.github-token == github.token`, so no call is needed).
    3. GraphQL `viewer { login }`: answers for every kind of token, a GitHub App's installation token
       (`<app-slug>[bot]`) as well as a personal access token. REST has no such call for
       installation tokens: `GET /user` answers 403 "Resource not accessible by integration" and
       `GET /app` wants the App's JWT.
    4. REST `GET /user`, for a personal access token where GraphQL is unavailable.
    """
    from github import GithubException

    if bot_login and bot_login.strip():
        return bot_login.strip()
    if github_token:
        return GITHUB_ACTIONS_BOT
    status = None
    for attempt in range(3):
        try:
            _, data = gh.requester.graphql_query("query { viewer { login } }", {})
            login = ((data.get("data") or {}).get("viewer") or {}).get("login")
            if isinstance(login, str) and login:
                return login
            break
        except GithubException as exc:
            status = exc.status
            if not (isinstance(exc.status, int) and exc.status >= 500) or attempt == 2:
                break
            time.sleep(0.5 * (attempt + 1))
    try:
        return gh.get_user().login
    except GithubException as exc:
        status = exc.status or status
    raise GitHubError(f"cannot tell which account the token belongs to (GitHub answered {status}); "
                      "set the Action's bot-login input (CLAWKB_BOT_LOGIN)")


def _issue_of(gh_issue) -> Issue:
    return Issue(number=gh_issue.number, title=gh_issue.title or "", body=gh_issue.body or "",
                 author=gh_issue.user.login if gh_issue.user else "", author_type=gh_issue.user.type if gh_issue.user else "",
                 labels=[l.name for l in gh_issue.labels], is_pull_request=gh_issue.pull_request is not None)


def _comments_of(gh_issue) -> list[dict]:
    return [{"id": c.id, "body": c.body or "", "author": c.user.login if c.user else "",
             "author_type": c.user.type if c.user else "", "_obj": c} for c in gh_issue.get_comments()]


def _message(exc) -> str:
    data = exc.data
    return (data or {}).get("message") if isinstance(data, dict) else str(data)


def _post_once(gh_issue, body: str, me: str, known: list[str], attempts: int = 3, pause: float = 2.0) -> int:
    """Post the comment, and never twice: when the answer to a POST is lost (a 5xx, a reset, a
    timeout) the comment may exist all the same, so look for it before posting again."""
    from github import GithubException
    from requests import RequestException

    for attempt in range(attempts):
        try:
            return gh_issue.create_comment(body).id
        except GithubException as exc:
            if not (isinstance(exc.status, int) and exc.status >= 500) or attempt == attempts - 1:
                raise
        except RequestException:
            if attempt == attempts - 1:
                raise
        time.sleep(pause * (attempt + 1))
        landed = [c for c in _comments_of(gh_issue) if is_ours(c, me, known)]
        if landed:
            if landed[0]["body"] != body:
                landed[0]["_obj"].edit(body)
            return landed[0]["id"]
    raise AssertionError("unreachable")


def carry_out(gh_issue, plan: Plan, comments: list[dict], *, me: str, known: list[str], pace: bool = True) -> Optional[int]:
    """Perform the plan's writes; returns the comment id (new or existing)."""
    from github import GithubException
    from requests import RequestException

    try:
        comment_id = plan.comment_id
        if plan.new_body is not None:
            if len(plan.new_body) > MAX_BODY:
                raise GitHubError("comment body over GitHub's limit")
            if plan.comment_id is None:
                comment_id = _post_once(gh_issue, plan.new_body, me, known, pause=2.0 if pace else 0.05)
            else:
                obj = next(c["_obj"] for c in comments if c["id"] == plan.comment_id)
                obj.edit(plan.new_body)
        for cid in plan.delete_ids:
            try:
                next(c["_obj"] for c in comments if c["id"] == cid).delete()
            except GithubException as exc:
                if exc.status != 404:  # already gone (a retried DELETE, or someone else) is fine
                    raise
        if plan.add_labels:
            gh_issue.add_to_labels(*plan.add_labels)
        for name in plan.remove_labels:
            try:
                gh_issue.remove_from_labels(name)
            except GithubException as exc:
                if exc.status != 404:
                    raise
        return comment_id
    except GithubException as exc:
        raise GitHubError(f"GitHub answered {exc.status}: {_message(exc)}") from None
    except RequestException as exc:
        raise GitHubError(f"GitHub could not be reached ({type(exc).__name__})") from None


def _login(user) -> tuple[str, str]:
    user = user if isinstance(user, dict) else {}
    return str(user.get("login") or ""), str(user.get("type") or "")


def run_event(event_path: str, repo_name: str, token: str, kb: KnowledgeBase, *, min_confidence: float,
              labels: bool, comment_on_no_match: bool, site_url: str, base_url: Optional[str] = None,
              pace: bool = True, bot_login: Optional[str] = None, github_token: bool = False) -> tuple[Plan, Optional[int]]:
    with open(event_path, encoding="utf-8") as fh:
        event = json.load(fh)
    payload_issue = event.get("issue")
    if not isinstance(payload_issue, dict):
        raise GitHubError("the event payload has no issue (use on: issues / issue_comment)")
    action = event.get("action")
    comment = event.get("comment") if isinstance(event.get("comment"), dict) else None
    if comment and is_bot(*_login(comment.get("user"))):
        return Plan(payload_issue["number"], [], skipped="comment by a bot"), None
    author = payload_issue.get("user") or {}
    if is_bot(author.get("login", ""), author.get("type", "")):
        return Plan(payload_issue["number"], [], skipped=f"opened by a bot ({author.get('login')})"), None
    if payload_issue.get("pull_request"):
        return Plan(payload_issue["number"], [], skipped="pull request"), None
    gh = client(token, base_url, pace=pace)
    from github import GithubException
    from requests import RequestException

    known = kb.ids
    try:
        me = token_identity(gh, bot_login=bot_login, github_token=github_token)
        if comment and is_ours({"author": _login(comment.get("user"))[0], "body": comment.get("body") or ""}, me, known):
            # with a personal access token our own writes trigger the workflow again
            return Plan(payload_issue["number"], [], skipped="our own comment"), None
        repo = gh.get_repo(repo_name)
        gh_issue = repo.get_issue(payload_issue["number"])
        issue = _issue_of(gh_issue)
        # the event payload is what triggered us: prefer its text (an edit may not be visible yet)
        issue.title = payload_issue.get("title") or issue.title
        issue.body = payload_issue.get("body") or ""
        comments = _comments_of(gh_issue)
    except GithubException as exc:
        raise GitHubError(f"GitHub answered {exc.status} while reading issue #{payload_issue.get('number')}") from None
    except RequestException as exc:
        raise GitHubError(f"GitHub could not be reached ({type(exc).__name__})") from None
    if comment and comment.get("id") is not None:
        comments = _with_event_comment(comments, comment, deleted=action == "deleted")
    plan = plan_issue(issue, comments, kb, me=me, min_confidence=min_confidence, labels=labels,
                      comment_on_no_match=comment_on_no_match, site_url=site_url)
    if plan.skipped or not plan.writes:
        return plan, plan.comment_id
    return plan, carry_out(gh_issue, plan, comments, me=me, known=known, pace=pace)


def _with_event_comment(comments: list[dict], comment: dict, *, deleted: bool) -> list[dict]:
    """The issue's comments as the event left them: a deleted comment gone (the listing may still
    show it), a new or edited one with the payload's text (the listing may not show it yet)."""
    rest = [c for c in comments if c["id"] != comment["id"]]
    if deleted:
        return rest
    login, kind = _login(comment.get("user"))
    mine = {"id": comment["id"], "body": comment.get("body") or "", "author": login, "author_type": kind, "_obj": None}
    for i, c in enumerate(comments):
        if c["id"] == comment["id"]:
            return [*comments[:i], {**c, "body": mine["body"]}, *comments[i + 1:]]
    return [*rest, mine]


def backfill(repo_name: str, token: str, kb: KnowledgeBase, *, state: str = "open", since=None, dry_run: bool = False,
             min_confidence: float = MIN_CONFIDENCE, labels: bool = False, site_url: str = SITE_URL,
             base_url: Optional[str] = None, pace: bool = True, out=sys.stdout, bot_login: Optional[str] = None,
             github_token: bool = False) -> dict:
    from github import GithubException
    from requests import RequestException

    gh = client(token, base_url, pace=pace)
    counts = {"issues": 0, "diagnosed": 0, "written": 0, "unchanged": 0, "skipped": 0}
    known = kb.ids
    try:
        me = token_identity(gh, bot_login=bot_login, github_token=github_token)
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
            plan = plan_issue(issue, comments, kb, me=me, min_confidence=min_confidence, labels=labels, site_url=site_url)
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
                carry_out(gh_issue, plan, comments, me=me, known=known, pace=pace)
                counts["written"] += 1
    except GithubException as exc:
        raise GitHubError(f"GitHub answered {exc.status} during backfill of {repo_name}") from None
    except RequestException as exc:
        raise GitHubError(f"GitHub could not be reached during backfill ({type(exc).__name__})") from None
    return counts
