"""What ``scan`` and ``baseline`` share: the policy and root from paths or an environment."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from pytest_devops.errors import ConfigError
from pytest_devops.redact import Redactor
from pytest_devops.security.policy import SecurityPolicy
from pytest_devops.selection import add_selection_arguments, selected_environment

CACHE_DIR = Path(".devops-cache") / "security"


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="directories or files to scan (default: the environment's "
                        "security.paths)")
    add_selection_arguments(parser, "use this environment's security policy from devops.yaml")
    # One value per flag (repeat it, or separate with commas): with nargs="+" the paths
    # after `--framework terraform infra` would be taken for frameworks.
    parser.add_argument("--framework", action="append", metavar="NAME[,NAME]",
                        help="Checkov framework to run (terraform, terraform_plan, "
                        "cloudformation, kubernetes, dockerfile, github_actions, secrets, "
                        "...); repeat it, or separate names with commas")
    parser.add_argument("--checkov", metavar="EXE",
                        help="Checkov executable (default: security.checkov, "
                        "$PYTEST_DEVOPS_CHECKOV, checkov on PATH)")
    parser.add_argument("--no-cache", action="store_true",
                        help="run Checkov even if an identical scan is cached")


@dataclasses.dataclass(frozen=True)
class Source:
    policy: SecurityPolicy
    root: Path
    redactor: Redactor
    baseline: Path | None
    cache_dir: Path | None


def resolve_source(args: argparse.Namespace) -> Source:
    """The policy, root, redactor, baseline and cache from the command line and --env."""
    redactor = Redactor()
    baseline: Path | None = None
    env = selected_environment(args)
    if env is not None:
        from pytest_devops.security.gates import env_policy

        redactor.add_env(env.redact_env)
        policy, root = env_policy(env), env.root
        baseline = env.path(policy.baseline) if policy.baseline else None
    else:
        policy, root = SecurityPolicy(), Path.cwd()
    if args.paths:
        policy = dataclasses.replace(
            policy, paths=tuple(str(Path(p).resolve()) for p in args.paths))
    elif env is None:
        raise ConfigError("nothing to scan", hint="give PATH(s), or --env NAME to use "
                          "the environment's security.paths")
    if args.framework:
        names = [n.strip() for value in args.framework for n in value.split(",") if n.strip()]
        policy = dataclasses.replace(policy, frameworks=tuple(dict.fromkeys(names)))
    if args.checkov:
        policy = dataclasses.replace(policy, checkov=str(Path(args.checkov).expanduser()))
    cache = None if args.no_cache or not policy.cache else root / CACHE_DIR
    return Source(policy, root, redactor, baseline, cache)
