"""``pytest-devops changed --base REF``: the Terraform roots a change affects, as JSON
for an Actions matrix (``strategy.matrix: ${{ fromJSON(...) }}``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pytest_devops.errors import ConfigError

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--base", metavar="REF",
                       help="compare with the merge base of REF (the pull request's base)")
    which.add_argument("--all", action="store_true", help="every root (scheduled runs)")
    parser.add_argument("--head", metavar="REF", default="HEAD", help="default HEAD")
    parser.add_argument("--config", metavar="PATH",
                        help="devops.yaml listing `roots:` (default ./devops.yaml; without "
                             "one, roots are discovered)")
    parser.add_argument("--env", metavar="NAME", action="append", default=[],
                        help="one matrix row per root and environment (repeatable; a root "
                             "that lists its environments gets only those)")
    parser.add_argument("--format", choices=("matrix", "json", "text"), default="matrix",
                        help="matrix: {\"include\": [...]}; json: the list; text: one path a line")
    parser.add_argument("--github-output", action="store_true",
                        help="also write matrix, roots and count to $GITHUB_OUTPUT")


def _config(args: argparse.Namespace) -> Path | None:
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise ConfigError("config file not found", file=args.config, key="--config")
        return path.resolve()
    default = Path("devops.yaml")
    return default.resolve() if default.is_file() else None


def rows(args: argparse.Namespace) -> list[dict[str, object]]:
    from pytest_devops.monorepo.changed import affected, changed_files, git_toplevel
    from pytest_devops.monorepo.roots import load_roots

    config = _config(args)
    repo = git_toplevel(config.parent if config else Path.cwd())
    doc: dict[str, object] = {}
    if config is not None:
        from pytest_devops.config import load_document, validate_top

        doc = load_document(config)
        if "environments" in doc:  # a file that lists only roots needs no environments
            validate_top(doc, config)
    roots = load_roots(doc, config or repo / "devops.yaml", repo)
    if not args.all:
        shared = config.relative_to(repo).as_posix() if config else None
        roots = affected(roots, changed_files(repo, args.base, args.head), shared)
    out: list[dict[str, object]] = []
    for root in roots:
        base = root.to_dict()
        envs = [e for e in args.env if not root.environments or e in root.environments]
        if args.env:
            out += [{**base, "environment": e} for e in envs]
        else:
            out.append(base)
    return out


def run(args: argparse.Namespace) -> int:
    found = rows(args)
    matrix = json.dumps({"include": found}, separators=(",", ":"))
    roots = json.dumps(sorted({str(r["root"]) for r in found}), separators=(",", ":"))
    if args.format == "matrix":
        sys.stdout.write(matrix + "\n")
    elif args.format == "json":
        sys.stdout.write(json.dumps(found, indent=2) + "\n")
    else:
        sys.stdout.write("".join(f"{r}\n" for r in json.loads(roots)))
    if args.github_output:
        dest = os.environ.get("GITHUB_OUTPUT")
        if not dest:
            raise ConfigError("GITHUB_OUTPUT is not set", key="--github-output")
        from pytest_devops.github.outputs import append_text

        append_text(dest, f"matrix={matrix}\nroots={roots}\ncount={len(found)}\n",
                    "step outputs")
    return 0
