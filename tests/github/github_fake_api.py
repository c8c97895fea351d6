"""A local server speaking the GitHub REST endpoints the sticky comment uses.

``GET``/``POST /repos/{o}/{r}/issues/{n}/comments`` (paginated with ``Link`` headers, as
GitHub does), ``PATCH /repos/{o}/{r}/issues/comments/{id}`` and ``GET /user``; for drift
issues, ``GET``/``POST /repos/{o}/{r}/issues`` (``state`` and ``labels`` filters) and
``GET``/``PATCH /repos/{o}/{r}/issues/{n}``; ``GET /repos/{o}/{r}/commits/{sha}/pulls``. The token
is a workflow's ``GITHUB_TOKEN`` (``/user`` answers 403, comments are written by
``github-actions[bot]``) unless ``token_user`` names the person a personal token belongs
to. Every request is recorded; ``fail`` makes chosen requests answer with an error status.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_LIST = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$")
_EDIT = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/comments/(\d+)$")
#: Issues (drift): list/create, and one issue (get/update).
_ISSUES = re.compile(r"^/repos/([^/]+)/([^/]+)/issues$")
_ISSUE = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)$")
#: The pull requests a commit belongs to (the merge of a reviewed plan).
_COMMIT_PULLS = re.compile(r"^/repos/([^/]+)/([^/]+)/commits/([0-9a-f]+)/pulls$")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str | None

    @property
    def line(self) -> str:
        q = "&".join(f"{k}={v}" for k, v in sorted(self.query.items()))
        return f"{self.method} {self.path}" + (f"?{q}" if q else "")


@dataclass
class GitHub:
    """State of the fake: comments per (owner, repo, issue), recorded requests, failures."""

    url: str = ""
    comments: dict[tuple[str, str, int], list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    #: (method, path regex) -> (status, body, headers); applied to every matching request.
    fail: dict[tuple[str, str], tuple[int, Any, dict[str, str]]] = field(default_factory=dict)
    next_id: int = 1000
    #: the login of a personal access token; None: a workflow's GITHUB_TOKEN
    token_user: str | None = None
    #: issues per (owner, repo), numbered from ``next_number``
    issues: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    next_number: int = 100
    #: commit sha -> the pull requests GitHub associates with it
    commit_pulls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add_issue(
        self, owner: str, repo: str, title: str, body: str, labels: list[str],
        user: str | None = None,
    ) -> dict[str, Any]:
        self.next_number += 1
        login = user or self.author
        issue = {
            "number": self.next_number, "title": title, "body": body, "state": "open",
            "state_reason": None,
            "labels": [{"name": n} for n in labels],
            "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
            "html_url": f"https://github.example/{owner}/{repo}/issues/{self.next_number}",
        }
        self.issues.setdefault((owner, repo), []).append(issue)
        return issue

    @property
    def author(self) -> str:
        return self.token_user or "github-actions[bot]"

    def seed(
        self, owner: str, repo: str, number: int, bodies: list[str], user: str = "human"
    ) -> None:
        for body in bodies:
            self._add(owner, repo, number, body, user)

    def _add(self, owner: str, repo: str, number: int, body: str, user: str) -> dict[str, Any]:
        self.next_id += 1
        comment = {
            "id": self.next_id,
            "body": body,
            "user": {"login": user, "type": "Bot" if user.endswith("[bot]") else "User"},
            "html_url": f"https://github.example/{owner}/{repo}/pull/{number}#issuecomment-{self.next_id}",
        }
        self.comments.setdefault((owner, repo, number), []).append(comment)
        return comment

    def lines(self) -> list[str]:
        return [r.line for r in self.requests]

    def all_comments(self) -> list[dict[str, Any]]:
        return [c for cs in self.comments.values() for c in cs]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        gh = self.server.gh
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        gh.requests.append(
            Request(self.command, split.path, query, body, self.headers.get("Authorization"))
        )
        path = split.path.removeprefix("/api/v3")  # GitHub Enterprise Server's API root
        for (method, pattern), (status, payload, headers) in gh.fail.items():
            if method == self.command and re.search(pattern, path):
                self._send(status, payload, headers)
                return
        if m := _LIST.match(path):
            key = (m[1], m[2], int(m[3]))
            if self.command == "GET":
                self._list(gh, key, split.path, query)
                return
            if self.command == "POST":
                self._send(201, gh._add(*key, body["body"], gh.author))
                return
        if self._issues(gh, path, split.path, query, body):
            return
        if path == "/user" and self.command == "GET":
            if gh.token_user is None:
                self._send(403, {"message": "Resource not accessible by integration"})
            else:
                self._send(200, {"login": gh.token_user, "type": "User"})
            return
        if (m := _EDIT.match(path)) and self.command == "PATCH":
            for comment in gh.comments.get((m[1], m[2], _issue_of(gh, int(m[3]))), []):
                if comment["id"] == int(m[3]):
                    comment["body"] = body["body"]
                    self._send(200, comment)
                    return
        self._send(404, {"message": "Not Found"})

    def _issues(
        self, gh: GitHub, path: str, full: str, query: dict[str, str], body: Any
    ) -> bool:
        if (m := _COMMIT_PULLS.match(path)) and self.command == "GET":
            self._send(200, gh.commit_pulls.get(m[3], []))
            return True
        if (m := _ISSUES.match(path)) and self.command == "GET":
            wanted = {n for n in query.get("labels", "").split(",") if n}
            state = query.get("state", "open")
            items = [
                i for i in gh.issues.get((m[1], m[2]), [])
                if (state == "all" or i["state"] == state)
                and wanted <= {lb["name"] for lb in i["labels"]}
            ]
            self._page(gh, items, full, query)
            return True
        if (m := _ISSUES.match(path)) and self.command == "POST":
            self._send(201, gh.add_issue(m[1], m[2], body["title"], body.get("body", ""),
                                         list(body.get("labels", []))))
            return True
        if m := _ISSUE.match(path):
            found = [i for i in gh.issues.get((m[1], m[2]), []) if i["number"] == int(m[3])]
            if not found or self.command not in ("GET", "PATCH"):
                return False
            if self.command == "PATCH":
                for key in ("title", "body", "state", "state_reason"):
                    if key in body:
                        found[0][key] = body[key]
            self._send(200, found[0])
            return True
        return False

    def _list(
        self, gh: GitHub, key: tuple[str, str, int], path: str, query: dict[str, str]
    ) -> None:
        self._page(gh, gh.comments.get(key, []), path, query)

    def _page(self, gh: GitHub, items: list[Any], path: str, query: dict[str, str]) -> None:
        per_page = int(query.get("per_page", 30))
        page = int(query.get("page", 1))
        last = max(1, -(-len(items) // per_page))
        links = []
        if page < last:
            links.append(f'<{gh.url}{path}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{gh.url}{path}?per_page={per_page}&page={last}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        self._send(200, items[(page - 1) * per_page : page * per_page], headers)

    do_GET = do_POST = do_PATCH = _handle


def _issue_of(gh: GitHub, comment_id: int) -> int:
    for (_o, _r, number), comments in gh.comments.items():
        if any(c["id"] == comment_id for c in comments):
            return number
    return -1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    gh: GitHub


def start() -> tuple[_Server, threading.Thread]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.gh = GitHub(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
