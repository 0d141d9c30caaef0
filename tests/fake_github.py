"""A loopback fake of the GitHub REST endpoints clawkb uses, recording every request.

Issues, comments (paginated with Link headers) and labels live in memory. `fail_next` queues
failures: ("POST", 403) answers the next POST with a secondary-rate-limit 403 and Retry-After: 1;
("GET", 502) a bad gateway; ("POST", "lost") carries the POST out and then hangs up without an
answer, ("POST", "502-after") carries it out and answers 502, as a proxy that lost GitHub's answer
would (failures never hit a GraphQL query). Bodies over 65,536 characters get GitHub's 422.

Tokens are told apart as GitHub does: INSTALLATION_TOKEN (what a workflow's GITHUB_TOKEN is) writes
as github-actions[bot] and gets 403 from GET /user; PAT_TOKEN belongs to the person `maintainer`.
Both answer GraphQL's `viewer { login }`. The values are shaped like GitHub's and plainly fake.
"""
from __future__ import annotations

import http.server
import json
import re
import threading
from urllib.parse import parse_qs, unquote, urlparse

MAX_BODY = 65536
BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
MAINTAINER = {"login": "maintainer", "id": 5, "type": "User"}
INSTALLATION_TOKEN = "ghs_" + "FakeInstallationToken0000000000000"[:36].ljust(36, "0")
PAT_TOKEN = "ghp_" + "FakePersonalAccessToken00000000000"[:36].ljust(36, "0")


class FakeGitHub:
    def __init__(self, owner="acme", repo="gateway"):
        self.owner, self.repo = owner, repo
        self.issues: dict[int, dict] = {}
        self.comments: dict[int, list[dict]] = {}
        self.requests: list[tuple[str, str, dict | None]] = []
        self.fail_next: list[tuple[str, int | str]] = []
        self.graphql = True  # False: the GraphQL endpoint answers 404 (as an old Enterprise Server might)
        self.tokens = {INSTALLATION_TOKEN: ("installation", BOT), PAT_TOKEN: ("pat", MAINTAINER)}
        self._next_id = 1000
        self._lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, status, data, headers=None):
                raw = b"" if status == 204 else json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                auth = (self.headers.get("Authorization") or "").split(" ", 1)[-1]
                if auth not in fake.tokens:
                    return self._send(401, {"message": "Bad credentials"})
                kind, who = fake.tokens[auth]
                with fake._lock:
                    fake.requests.append((method, self.path, body))
                    failure = None
                    for i, (m, status) in enumerate(fake.fail_next):
                        if m == method and not self.path.startswith("/graphql"):
                            failure = fake.fail_next.pop(i)[1]
                            break
                    if failure == 403:
                        return self._send(403, {"message": "You have exceeded a secondary rate limit. Please wait."},
                                          {"Retry-After": "1"})
                    if isinstance(failure, int):
                        return self._send(failure, {"message": "upstream failure"})
                    try:
                        status, data, headers = fake.route(method, urlparse(self.path), body, kind, who)
                    except KeyError:
                        status, data, headers = 404, {"message": "Not Found"}, {}
                if failure == "lost":
                    self.close_connection = True
                    return None
                if failure == "502-after":
                    return self._send(502, {"message": "Bad Gateway"})
                return self._send(status, data, headers)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PATCH(self):
                self._handle("PATCH")

            def do_DELETE(self):
                self._handle("DELETE")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()

    # ------------------------------------------------------------------ data
    def _id(self):
        self._next_id += 1
        return self._next_id

    def issue_url(self, n):
        return f"{self.url}/repos/{self.owner}/{self.repo}/issues/{n}"

    def add_issue(self, number, title, body, user=None, labels=(), pull_request=False):
        user = user or {"login": "alice", "id": 1, "type": "User"}
        self.issues[number] = {
            "id": number * 10, "number": number, "title": title, "body": body, "state": "open", "user": user,
            "labels": [{"name": l, "id": i} for i, l in enumerate(labels)], "url": self.issue_url(number),
            "html_url": f"https://github.com/{self.owner}/{self.repo}/issues/{number}",
            "comments": 0, "updated_at": "2026-11-20T10:00:00Z", "created_at": "2026-11-20T10:00:00Z",
        }
        if pull_request:
            self.issues[number]["pull_request"] = {"url": "x"}
        self.comments.setdefault(number, [])
        return self.issues[number]

    def add_comment(self, number, body, user=None):
        c = {"id": self._id(), "body": body, "user": user or {"login": "bob", "id": 2, "type": "User"},
             "url": f"{self.url}/repos/{self.owner}/{self.repo}/issues/comments/{self._next_id}",
             "html_url": "https://github.com/x", "created_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-20T10:00:00Z"}
        self.comments[number].append(c)
        self.issues[number]["comments"] = len(self.comments[number])
        return c

    def event(self, action, number, comment=None):
        ev = {"action": action, "issue": dict(self.issues[number]),
              "repository": {"full_name": f"{self.owner}/{self.repo}"}}
        if comment:
            ev["comment"] = comment
        return ev

    def writes(self):
        """The requests that change something (a GraphQL query is a POST that only reads)."""
        return [r for r in self.requests if r[0] != "GET" and not r[1].startswith("/graphql")]

    # ------------------------------------------------------------------ routes
    def _page(self, items, q, path):
        per = int(q.get("per_page", ["30"])[0])
        page = int(q.get("page", ["1"])[0])
        chunk = items[(page - 1) * per: page * per]
        headers = {}
        if page * per < len(items):
            nxt = dict((k, v[0]) for k, v in q.items())
            nxt.update(page=str(page + 1), per_page=str(per))
            headers["Link"] = f'<{self.url}{path}?{"&".join(f"{k}={v}" for k, v in nxt.items())}>; rel="next"'
        return 200, chunk, headers

    def route(self, method, u, body, kind="installation", who=BOT):
        q = parse_qs(u.query)
        base = f"/repos/{self.owner}/{self.repo}"
        p = u.path
        if p == "/user" and method == "GET":
            if kind == "installation":
                return 403, {"message": "Resource not accessible by integration"}, {}
            return 200, who, {}
        if p == "/graphql" and method == "POST" and self.graphql:
            if "viewer" in body["query"]:
                return 200, {"data": {"viewer": {"login": who["login"]}}}, {}
            return 200, {"errors": [{"message": "unsupported by the fake"}]}, {}
        if method == "GET" and p == f"{base}/issues":
            items = [i for i in self.issues.values() if q.get("state", ["open"])[0] in ("all", i["state"])]
            return self._page(sorted(items, key=lambda i: -i["number"]), q, p)
        m = re.fullmatch(rf"{base}/issues/(\d+)", p)
        if m and method == "GET":
            return 200, self.issues[int(m.group(1))], {}
        m = re.fullmatch(rf"{base}/issues/(\d+)/comments", p)
        if m and method == "GET":
            return self._page(self.comments[int(m.group(1))], q, p)
        if m and method == "POST":
            if len(body["body"]) > MAX_BODY:
                return 422, {"message": "Validation Failed", "errors": [{"message": "body is too long (maximum is 65536 characters)"}]}, {}
            return 201, self.add_comment(int(m.group(1)), body["body"], who), {}
        m = re.fullmatch(rf"{base}/issues/comments/(\d+)", p)
        if m:
            cid = int(m.group(1))
            for n, cs in self.comments.items():
                for c in cs:
                    if c["id"] == cid:
                        if method == "PATCH":
                            if len(body["body"]) > MAX_BODY:
                                return 422, {"message": "Validation Failed"}, {}
                            c["body"] = body["body"]
                            return 200, c, {}
                        if method == "DELETE":
                            cs.remove(c)
                            return 204, {}, {}
            raise KeyError(cid)
        m = re.fullmatch(rf"{base}/issues/(\d+)/labels", p)
        if m and method == "POST":
            issue = self.issues[int(m.group(1))]
            names = body["labels"] if isinstance(body, dict) else body
            for name in names:
                if name not in [l["name"] for l in issue["labels"]]:
                    issue["labels"].append({"name": name, "id": len(issue["labels"]) + 100})
            return 200, issue["labels"], {}
        m = re.fullmatch(rf"{base}/issues/(\d+)/labels/(.+)", p)
        if m and method == "DELETE":
            issue = self.issues[int(m.group(1))]
            name = unquote(m.group(2))
            issue["labels"] = [l for l in issue["labels"] if l["name"] != name]
            return 200, issue["labels"], {}
        raise KeyError(p)
