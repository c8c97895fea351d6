"""The options every command that calls the GitHub REST API shares, and the target they
make: the repository, the API root and the token (read from a named variable)."""

from __future__ import annotations

import argparse
import os

from pytest_devops.errors import ConfigError
from pytest_devops.github.comment import DEFAULT_API_URL, CommentTarget
from pytest_devops.github.context import GithubEnv, split_repo

__all__ = ["add_api_arguments", "api_target"]


def add_api_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", metavar="OWNER/NAME", help="default $GITHUB_REPOSITORY")
    parser.add_argument("--api-url", metavar="URL",
                        help="REST API base (default $GITHUB_API_URL, else github.com)")
    parser.add_argument("--token-env", metavar="NAME", default="GITHUB_TOKEN",
                        help="environment variable holding the token (default GITHUB_TOKEN)")
    parser.add_argument("--redact-env", metavar="NAME", action="append", default=[],
                        help="mask the value of this environment variable (repeatable)")


def api_target(args: argparse.Namespace, gh: GithubEnv, number: int = 0) -> CommentTarget:
    """Where to call: ``--repo``/``--api-url``/``--token-env``, else the runner's values."""
    repo = args.repo or gh.repository or ""
    parts = split_repo(repo)
    if parts is None:
        raise ConfigError(f"expected OWNER/NAME, got {repo!r}", key="--repo / GITHUB_REPOSITORY")
    token = os.environ.get(args.token_env) or None
    return CommentTarget(parts[0], parts[1], number, args.api_url or gh.api_url or
                         DEFAULT_API_URL, token)
