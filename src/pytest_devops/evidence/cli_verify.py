"""``pytest-devops verify-bundle BUNDLE``: check every file against the manifest.

Exit 0 and the manifest's digest (what to sign or compare) when it matches; 2 and
each problem when a file was changed, removed or added."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bundle", type=Path, metavar="BUNDLE", help="an evidence bundle")


def run(args: argparse.Namespace) -> int:
    from pytest_devops.evidence.bundle import sha256, verify

    manifest, files = verify(args.bundle)
    digest = sha256(json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n")
    sys.stdout.write(f"verified: {args.bundle}: {len(files)} files match the manifest "
                     f"{digest} (environment {manifest.get('env')}, outcome "
                     f"{manifest.get('outcome')}, plan {manifest.get('plan_digest')})\n")
    return 0
