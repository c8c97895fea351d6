"""One sticky pull-request comment per environment and stage, through ghapi.

The comment is found by a hidden marker (``<!-- pytest-devops:staging/plan -->``) among
the issue's comments (every page) written by the token's own identity, then edited in
place, or created. Any failure of the GitHub API is returned as a warning: a comment that
could not be posted never changes a gate outcome or an exit code.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pytest_devops.github.escape import clean
from pytest_devops.redact import Redactor

DEFAULT_API_URL = "https://api.github.com"
#: GitHub's maximum comment body, in characters.
COMMENT_LIMIT = 65_536
PER_PAGE = 100
MAX_PAGES = 100
_KEY = re.compile(r"[^A-Za-z0-9_./-]")
_NEXT = re.compile(r'<[^>]*>\s*;\s*rel="?next"?')


def marker(key: str) -> str:
    """The hidden HTML comment that identifies the sticky comment for ``key``."""
    safe = _KEY.sub("_", key)[:100] or "default"
    return f"<!-- pytest-devops:{safe} -->"


@dataclass(frozen=True)
class CommentTarget:
    owner: str
    repo: str
    number: int
    api_url: str = DEFAULT_API_URL
    token: str | None = None


@dataclass(frozen=True)
class CommentResult:
    """What happened: ``created``, ``updated``, ``unchanged``, ``skipped`` or ``failed``."""

    action: str
    comment_id: int | None = None
    url: str | None = None
    warning: str | None = None
    reason: str = ""

    @property
    def posted(self) -> bool:
        return self.action in ("created", "updated", "unchanged")


def upsert_comment(
    target: CommentTarget,
    mark: str,
    body: str,
    *,
    mode: str = "always",
    outcome: str = "pass",
    redactor: Redactor | None = None,
) -> CommentResult:
    """Create or update the comment that starts with ``mark``; never raises for API errors."""
    redactor = redactor or Redactor()
    if mode == "never":
        return CommentResult("skipped", reason="comment mode is never")
    if not target.token:
        return CommentResult(
            "failed",
            warning="no GitHub token: set GITHUB_TOKEN (or --token-env NAME) to post the comment",
        )
    text = redactor.redact(body if body.startswith(mark) else f"{mark}\n{body}")
    if len(text) > COMMENT_LIMIT:  # GitHub refuses longer bodies; render_markdown stays under
        text = text[: COMMENT_LIMIT - 40] + "\n\n… (truncated)"
    try:
        api = client(target)
    except ImportError:
        return CommentResult(
            "failed",
            warning="ghapi is not installed: pip install 'pytest-devops[github]' to post comments",
        )
    try:
        existing = find_comment(api, target.number, mark, author=lambda: token_login(api))
        if existing is not None:
            cid = int(field(existing, "id"))
            if field(existing, "body") == text:
                return CommentResult("unchanged", cid, field(existing, "html_url"))
            updated = api.issues.update_comment(comment_id=cid, body=text)
            return CommentResult("updated", cid, field(updated, "html_url"))
        if mode == "update" or (mode == "on-failure" and outcome == "pass"):
            return CommentResult("skipped", reason=f"no comment yet and mode is {mode}")
        created = api.issues.create_comment(issue_number=target.number, body=text)
        return CommentResult("created", int(field(created, "id")), field(created, "html_url"))
    except Exception as exc:  # any API, network or client failure is only a warning
        return CommentResult("failed", warning=describe_error(exc, target, redactor))


def client(target: CommentTarget) -> Any:
    return _cached_client(target.api_url.rstrip("/"), target.owner, target.repo, target.token)


@functools.lru_cache(maxsize=4)
def _cached_client(api_url: str, owner: str, repo: str, token: str | None) -> Any:
    """A blocking ghapi client (building one walks the whole REST API description)."""
    from ghapi.all import GhApi

    # ghapi 2 builds async operations unless asked for blocking ones; ghapi 1 is blocking.
    extra = {"sync": True} if "sync" in inspect.signature(GhApi.__init__).parameters else {}
    return GhApi(  # type: ignore[no-untyped-call]  # ghapi is untyped
        owner=owner, repo=repo, token=token, gh_host=api_url, **extra
    )


def find_comment(
    api: Any, number: int, mark: str, *, author: Callable[[], str | None] = lambda: None
) -> Any | None:
    """The first comment written by ``author()`` whose body starts with ``mark``, looking
    through every page.

    ``author()`` is asked once, and only when a body starts with the marker: the login the
    token acts as, or ``None`` when that cannot be known; then only a bot account's comment
    counts (a workflow's ``GITHUB_TOKEN`` and app tokens write as bots, and no person can
    have a bot account), so a person who pastes the marker never has their comment edited.
    """
    login: str | None = None
    asked = False
    for comment in issue_comments(api, number):
        body = field(comment, "body") or ""
        if not (isinstance(body, str) and body.startswith(mark)):
            continue
        if not asked:
            login, asked = author(), True
        user = field(comment, "user") or {}
        if (field(user, "login") == login) if login else (field(user, "type") == "Bot"):
            return comment
    return None


def token_login(api: Any) -> str | None:
    """The login the token acts as (``GET /user``), or ``None`` when GitHub will not say:
    a workflow's ``GITHUB_TOKEN`` and app installation tokens cannot read ``/user``."""
    try:
        user = api.users.get_authenticated()
    except Exception:  # 403 for installation tokens; any failure: the identity is unknown
        return None
    login = field(user, "login")
    return login if isinstance(login, str) and login else None


def issue_comments(api: Any, number: int) -> Iterator[Any]:
    return pages(
        api, lambda page: api.issues.list_comments(issue_number=number, per_page=PER_PAGE,
                                                   page=page)
    )


def pages(api: Any, fetch: Callable[[int], Any]) -> Iterator[Any]:
    """The items of every page ``fetch(page)`` returns, following GitHub's ``Link`` header."""
    for page in range(1, MAX_PAGES + 1):
        batch = fetch(page)
        yield from batch or ()
        if not batch or not _NEXT.search(_header(api, "Link")):
            return


def _header(api: Any, name: str) -> str:
    headers = getattr(api, "recv_hdrs", None) or {}
    value = headers.get(name) or headers.get(name.lower()) or ""
    return str(value)


def field(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def describe_error(exc: BaseException, target: CommentTarget, redactor: Redactor) -> str:
    """One redacted line: what failed, the HTTP status, and what to do."""
    status = getattr(exc, "status_code", None) or getattr(exc, "code", None)
    detail = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if not isinstance(detail, str):
        detail = str(detail)
    detail = " ".join(clean(detail).split())[:300]
    where = f"{target.owner}/{target.repo}#{target.number}"
    text = f"could not post the pull-request comment on {where}"
    if isinstance(status, int):
        text += f": HTTP {status}"
        if status in (401, 403, 404):
            text += " (check the token and `permissions: pull-requests: write`; "
            text += "pull requests from forks get a read-only token)"
        if status in (403, 429) and "rate limit" in detail.lower():
            text += " (rate limited)"
    text += f": {detail}"
    if target.token:
        redactor.add(target.token)
    return redactor.redact(text)
