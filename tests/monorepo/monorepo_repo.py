"""A real git repository holding a small Terraform monorepo, built for each test."""

from __future__ import annotations

import subprocess
from pathlib import Path

SHARED = '''\
module "leaf" {
  source = "../leaf"   # a module calling a module
}

output "greeting" {
  value = "hello ${module.leaf.name}"
}
'''
LEAF = 'output "name" {\n  value = "world"\n}\n'
ROOT = '''\
module "shared" {
  source = "../../modules/shared"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws" # a registry module: not in the repository
  version = "5.0.0"
}

resource "terraform_data" "this" {
  input = module.shared.greeting
}
'''
DEVOPS = "roots:\n  - stacks/*\n"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid",
         "-c", "commit.gpgsign=false", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )
    return done.stdout


def make_repo(repo: Path, devops: str | None = DEVOPS) -> Path:
    """``stacks/app`` and ``stacks/net`` both call ``modules/shared``, which calls
    ``modules/leaf``; ``stacks/solo`` calls nothing; committed on ``main``."""
    files = {
        "modules/shared/main.tf": SHARED,
        "modules/leaf/main.tf": LEAF,
        "stacks/app/main.tf": ROOT,
        "stacks/net/main.tf": ROOT.replace("terraform_data", "terraform_data").replace(
            '"this"', '"net"'),
        "stacks/solo/main.tf": 'resource "terraform_data" "solo" {}\n',
        "README.md": "monorepo\n",
    }
    if devops is not None:
        files["devops.yaml"] = devops
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "change")
    return repo


def commit(repo: Path, changes: dict[str, str | None], message: str = "change") -> None:
    for rel, text in changes.items():
        path = repo / rel
        if text is None:
            git(repo, "rm", "-q", rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(repo, "add", rel)
    git(repo, "commit", "-qm", message)
