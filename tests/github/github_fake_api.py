"""A local server speaking the GitHub REST endpoints the project's workflows call.

- the sticky comment: ``GET``/``POST /repos/{o}/{r}/issues/{n}/comments`` (paginated with
  ``Link`` headers, as GitHub does), ``PATCH /repos/{o}/{r}/issues/comments/{id}`` and
  ``GET /user``. The token is a workflow's ``GITHUB_TOKEN`` (``/user`` answers 403,
  comments are written by ``github-actions[bot]``) unless ``token_user`` names the person
  a personal token belongs to; for drift issues, ``GET``/``POST /repos/{o}/{r}/issues``
  (``state`` and ``labels`` filters) and ``GET``/``PATCH /repos/{o}/{r}/issues/{n}``;
- the reviewed plan after a merge: ``GET /repos/{o}/{r}/commits/{sha}/pulls``
  (``commit_pulls``);
- environments: ``GET /repos/{o}/{r}/environments/{name}`` from ``environments``
  (404 for one not there, as GitHub answers);
- artifacts of a run, from the directory act's artifact server stores them in
  (``artifact_dir``): ``GET .../actions/runs/{id}/artifacts?name=`` and
  ``GET .../actions/artifacts/{id}/zip`` (a 302 to the zip, as GitHub redirects to its
  blob store; ``tamper`` may change the bytes on the way, like a compromised store);
- what ``github/codeql-action/upload-sarif`` calls: ``GET .../actions/runs/{id}``,
  ``GET .../actions/workflows/{id}``, ``PUT .../code-scanning/analysis/status``,
  ``PUT .../code-scanning/analysis`` (the SARIF, kept in ``sarifs``) and
  ``GET .../code-scanning/sarifs/{id}``;
- an Actions OIDC token endpoint (``GET /_oidc/token?audience=``) for
  ``ACTIONS_ID_TOKEN_REQUEST_URL``.

Every request is recorded; ``fail`` makes chosen requests answer with an error status
(``CODE_SCANNING_FORBIDDEN`` is the 403 of a repository without Advanced Security).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import io
import json
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

_LIST = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$")
_EDIT = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/comments/(\d+)$")
_REPO = r"^/repos/([^/]+)/([^/]+)"
_ENVIRONMENT = re.compile(_REPO + r"/environments/([^/]+)$")
_RUN_ARTIFACTS = re.compile(_REPO + r"/actions/runs/(\d+)/artifacts$")
_ARTIFACT_ZIP = re.compile(_REPO + r"/actions/artifacts/(\d+)/zip$")
_RUN = re.compile(_REPO + r"/actions/runs/(\d+)$")
_WORKFLOW = re.compile(_REPO + r"/actions/workflows/([^/]+)$")
_SARIF_STATUS = re.compile(_REPO + r"/code-scanning/analysis/status$")
_SARIF_UPLOAD = re.compile(_REPO + r"/code-scanning/analysis$")
_SARIF_GET = re.compile(_REPO + r"/code-scanning/sarifs/([^/]+)$")

#: ``fail`` entry: code scanning refused, as on a private repository without Advanced
#: Security (and on pull requests from forks).
CODE_SCANNING_FORBIDDEN = {
    ("PUT", r"/code-scanning/"): (
        403,
        {"message": "Advanced Security must be enabled for this repository to use code scanning."},
        {},
    )
}

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
    #: (owner, repo, name) -> the environment document GitHub returns
    environments: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    #: act's --artifact-server-path: RUN_ID/NAME/NAME.zip
    artifact_dir: Path | None = None
    #: applied to an artifact's zip bytes when it is downloaded
    tamper: Callable[[str, bytes], bytes] | None = None
    artifact_ids: dict[tuple[int, str], int] = field(default_factory=dict)
    #: SARIF documents uploaded to code scanning, decoded
    sarifs: list[dict[str, Any]] = field(default_factory=list)

    def protect(self, owner: str, repo: str, name: str, *, reviewers: bool = True) -> None:
        """An environment, with required reviewers or none."""
        rules = (
            [
                {
                    "id": 1,
                    "type": "required_reviewers",
                    "reviewers": [{"type": "User", "reviewer": {"login": "approver", "id": 7}}],
                }
            ]
            if reviewers
            else []
        )
        self.environments[(owner, repo, name)] = {
            "id": len(self.environments) + 1,
            "name": name,
            "protection_rules": rules,
        }

    def artifacts(self, run_id: int) -> list[tuple[int, str, Path]]:
        """(id, name, zip) of the artifacts act's artifact server holds for a run."""
        if self.artifact_dir is None:
            return []
        out = []
        for z in sorted((self.artifact_dir / str(run_id)).glob("*/*.zip")):
            # ids in the order the artifacts were first listed, stable from then on
            key = (run_id, z.parent.name)
            if key not in self.artifact_ids:
                self.artifact_ids[key] = run_id * 1000 + len(self.artifact_ids) + 1
            out.append((self.artifact_ids[key], z.parent.name, z))
        return out

    def _artifact(self, artifact_id: int) -> tuple[str, Path] | None:
        run_id = artifact_id // 1000
        for aid, name, path in self.artifacts(run_id):
            if aid == artifact_id:
                return name, path
        return None

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
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
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
        if self._actions(gh, path, query):
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

    def _actions(self, gh: GitHub, path: str, query: dict[str, str]) -> bool:
        """The Actions, environments, artifacts and code-scanning routes; False: not one."""
        get, put = self.command == "GET", self.command == "PUT"
        body = gh.requests[-1].body
        if get and (m := _ENVIRONMENT.match(path)):
            doc = gh.environments.get((m[1], m[2], m[3]))
            self._send(200 if doc else 404, doc or {"message": "Not Found"})
        elif get and (m := _RUN_ARTIFACTS.match(path)):
            found = [
                {
                    "id": aid,
                    "name": name,
                    "size_in_bytes": z.stat().st_size,
                    "expired": False,
                    "created_at": "2026-01-01T00:00:00Z",
                    "archive_download_url": f"{gh.url}{_artifact_path(m, aid)}",
                }
                for aid, name, z in gh.artifacts(int(m[3]))
                if name == query.get("name", name)
            ]
            self._send(200, {"total_count": len(found), "artifacts": found})
        elif get and (m := _ARTIFACT_ZIP.match(path)):
            if gh._artifact(int(m[3])) is None:
                self._send(404, {"message": "Not Found"})
            else:
                self._send(302, {}, {"Location": f"{gh.url}/_blobs/{m[3]}.zip"})
        elif get and path.startswith("/_blobs/"):
            found = gh._artifact(int(path.removeprefix("/_blobs/").removesuffix(".zip")))
            if found is None:
                self._send(404, {"message": "Not Found"})
                return True
            data = found[1].read_bytes()
            if gh.tamper is not None:
                data = gh.tamper(found[0], data)
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif get and (m := _RUN.match(path)):
            self._send(
                200,
                {
                    "id": int(m[3]),
                    "workflow_id": 1,
                    "run_attempt": 1,
                    "head_branch": "main",
                    "status": "in_progress",
                },
            )
        elif get and (m := _WORKFLOW.match(path)):
            self._send(200, {"id": 1, "name": "pipeline", "path": ".github/workflows/pipeline.yml"})
        elif put and _SARIF_STATUS.match(path):
            self._send(200, {})
        elif put and _SARIF_UPLOAD.match(path):
            gh.sarifs.append(_decode_sarif(body))
            self._send(202, {"id": f"sarif-{len(gh.sarifs)}"})
        elif get and _SARIF_GET.match(path):
            self._send(200, {"processing_status": "complete", "errors": []})
        elif get and path == "/_oidc/token":
            claims = {
                "iss": "https://token.actions.githubusercontent.com",
                "aud": query.get("audience", ""),
                "sub": "repo:octo-org/infra:ref:main",
            }
            jwt = ".".join(
                base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
                for part in ({"alg": "RS256", "typ": "JWT"}, claims, {"sig": "x"})
            )
            self._send(200, {"value": jwt})
        else:
            return False
        return True

    do_GET = do_POST = do_PATCH = do_PUT = _handle


def _artifact_path(m: re.Match[str], aid: int) -> str:
    return f"/repos/{m[1]}/{m[2]}/actions/artifacts/{aid}/zip"


def _decode_sarif(body: Any) -> dict[str, Any]:
    """codeql-action sends the SARIF gzipped and base64-encoded in ``sarif``."""
    if not isinstance(body, dict) or not isinstance(body.get("sarif"), str):
        return {}
    doc: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(body["sarif"])))
    return doc


def zip_members(data: bytes) -> dict[str, bytes]:
    """The files of an artifact zip (for tests that look inside or tamper with one)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


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


@contextlib.contextmanager
def running() -> Iterator[_Server]:
    """A started server (its recorded state in ``.gh``), shut down on exit."""
    server, thread = start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
