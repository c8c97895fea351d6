"""The security mutant: a public bucket and an ingress open to the world, written in
each format the environment's security gate scans, added to its ``security.paths``."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_devops.config import Environment

CFN_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: pytest-devops canary (a public bucket and SSH open to the world)
Resources:
  CanaryPublicBucket:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: PublicRead
  CanaryOpenIngress:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: canary
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
"""

TERRAFORM = """\
resource "aws_s3_bucket" "canary_public" {
  bucket = "canary-public"
}

resource "aws_s3_bucket_acl" "canary_public" {
  bucket = aws_s3_bucket.canary_public.id
  acl    = "public-read"
}

resource "aws_security_group" "canary_open" {
  name        = "canary-open"
  description = "canary"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def _plan_json() -> dict[str, Any]:
    sg = {"address": "aws_security_group.canary_open", "mode": "managed",
          "type": "aws_security_group", "name": "canary_open",
          "provider_name": "registry.terraform.io/hashicorp/aws",
          "values": {"name": "canary-open", "description": "canary",
                     "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp",
                                  "cidr_blocks": ["0.0.0.0/0"], "description": "",
                                  "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                                  "security_groups": [], "self": False}]}}
    change = {k: sg[k] for k in ("address", "mode", "type", "name", "provider_name")}
    change["change"] = {"actions": ["create"], "before": None, "after": sg["values"],
                        "after_unknown": {}}
    return {"format_version": "1.2", "terraform_version": "1.11.0",
            "planned_values": {"root_module": {"resources": [sg]}},
            "resource_changes": [change],
            "configuration": {"root_module": {"resources": []}}}


def _formats(frameworks: tuple[str, ...]) -> list[str]:
    wanted = set(frameworks) or {"terraform", "cloudformation"}
    return [f for f in ("terraform", "cloudformation", "terraform_plan") if f in wanted]


def _link_tree(source: Path, target: Path) -> None:
    """``target`` mirrors ``source`` (a file or a directory) with links to its files."""
    from pytest_devops.security.inputs import IGNORED_DIRS

    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(source.resolve())
        return
    shutil.copytree(source, target, symlinks=False, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(*IGNORED_DIRS),
                    copy_function=lambda src, dst: os.symlink(os.path.abspath(src), dst))


def insecure_env(env: Environment, directory: Path) -> Environment:
    """``env`` whose security gate scans one tree: what it scanned (linked, not copied)
    plus insecure files in each format it reads (unchanged without a security section).

    One tree, not extra paths: the scan then reads everything as one directory."""
    section = env.section("security")
    if not section:
        return env
    tree = directory / "tree"
    tree.mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(section.get("paths", (".",))):
        source = env.path(raw)
        try:
            rel = source.resolve().relative_to(env.root.resolve())
        except ValueError:
            rel = Path(f"_outside{i}") / source.name
        if source.exists():
            _link_tree(source, tree / rel if str(rel) != "." else tree)
    for fmt in _formats(tuple(section.get("frameworks", ()))):
        if fmt == "terraform":
            (tree / "zz_canary.tf").write_text(TERRAFORM, encoding="utf-8")
        elif fmt == "cloudformation":
            (tree / "zz-canary-template.yaml").write_text(CFN_TEMPLATE, encoding="utf-8")
        else:
            (tree / "zz-canary-plan.json").write_text(json.dumps(_plan_json()), "utf-8")
    sections = {**env.sections, "security": {**section, "paths": [str(tree)]}}
    return dataclasses.replace(env, sections=sections)
