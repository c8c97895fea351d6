"""Sample repositories for the act tier: a git repository with a Terraform root that uses
only built-ins (``terraform_data``, locals, outputs, ``check`` blocks), a ``devops.yaml``,
gate tests and small caller workflows of the project's reusable workflows."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

OWNER, REPO = "octo-org", "infra"
PERMISSIONS = """\
    permissions:
      contents: read
      id-token: write
      pull-requests: write
      security-events: write
      actions: read
"""

PR_WORKFLOW = f"""\
name: pull request
on: pull_request
permissions: {{}}
jobs:
  checks:
    uses: pytest-devops/pytest-devops/.github/workflows/pr-checks.yml@v1
{PERMISSIONS}    with:
      terraform-version: ""
      checkov-version: ""
      python-version: ${{{{ vars.PYTHON_VERSION }}}}
    secrets:
      role-arn: ${{{{ secrets.STAGING_ROLE }}}}
"""

PUSH_WORKFLOW = f"""\
name: pipeline
on: push
permissions: {{}}
jobs:
  terraform:
    uses: pytest-devops/pytest-devops/.github/workflows/terraform.yml@v1
{PERMISSIONS}    with:
      terraform-version: ""
      checkov-version: ""
      python-version: ${{{{ vars.PYTHON_VERSION }}}}
    secrets:
      staging-role-arn: ${{{{ secrets.STAGING_ROLE }}}}
      production-role-arn: ${{{{ secrets.PRODUCTION_ROLE }}}}
"""

BACKEND_TF = """\
terraform {
  backend "local" {}
}
"""

MAIN_TF = """\
variable "size" {
  type    = number
  default = SIZE
}

locals {
  owner = "platform"
}

variable "environment" {
  type    = string
  default = "none"
}

# What "deploying" does here: a file per environment under $DEPLOYED, which the
# post-deploy gates read back.
resource "terraform_data" "app" {
  input = { owner = local.owner, size = var.size, environment = var.environment }

  provisioner "local-exec" {
    command = <<-EOT
      [ -z "$DEPLOYED" ] && exit 0
      mkdir -p "$DEPLOYED"
      printf '%s' '${jsonencode(self.input)}' >"$DEPLOYED/${var.environment}.json"
    EOT
  }
}

check "size_is_positive" {
  assert {
    condition     = var.size > 0
    error_message = "size must be positive"
  }
}

output "size" {
  value = var.size
}
"""

# One definition of how each environment is planned: its own workspace (own state, in a
# directory shared by the jobs as a remote backend would be) and var file.
DEVOPS_YAML = """\
version: 1
environments:
  staging:
    terraform:
      working_dir: infra
      plan_file: ${PYTEST_DEVOPS_PLAN:-}
      workspace: staging
      backend_config:
        - path=${TF_STATE_DIR}/terraform.tfstate
        - workspace_dir=${TF_STATE_DIR}
      var_files: [infra/env/staging.tfvars]
    rules:
      max_changes: 5
  production:
    extends: staging
    protected: true
    terraform:
      workspace: production
      var_files: [infra/env/production.tfvars]
"""

GATES = """\
import json
import os
from pathlib import Path

import pytest

DEPLOYED = Path(os.environ.get("DEPLOYED", "deployed"))
MAX_DEPLOYED_SIZE = MAXSIZE


@pytest.mark.devops_plan
def test_the_app_is_small(devops_plan):
    sizes = [rc.value("input", {}).get("size") for rc in devops_plan.changes(type="terraform_data")]
    assert sizes and all(s <= 3 for s in sizes), f"sizes {sizes} exceed 3"


@pytest.mark.devops_postdeploy
def test_the_app_is_deployed(devops_env):
    deployed = DEPLOYED / f"{devops_env.name}.json"
    assert deployed.is_file(), f"nothing deployed to {devops_env.name}"
    app = json.loads(deployed.read_text())
    assert app["environment"] == devops_env.name
    assert app["size"] <= MAX_DEPLOYED_SIZE, f"size {app['size']} deployed"


@pytest.mark.devops_stage("promote")
def test_promotion_is_recorded(devops_env):
    with (DEPLOYED / "promote-gates.log").open("a") as fh:
        fh.write(devops_env.name + "\\n")
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(textwrap.dedent(text))


def commit(repo: Path, files: dict[str, str], message: str = "change") -> str:
    """Write ``files`` and commit them; returns the commit id."""
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


def terraform_repo(
    path: Path, *, size: int = 1, max_deployed: int = 3, extra: dict[str, str] | None = None
) -> Path:
    """A repository on ``main``: ``infra/`` (Terraform), devops.yaml, gates, callers."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "remote", "add", "origin", f"https://github.com/{OWNER}/{REPO}")
    commit(
        path,
        {
            "infra/main.tf": MAIN_TF.replace("SIZE", str(size)),
            "infra/backend.tf": BACKEND_TF,
            "devops.yaml": DEVOPS_YAML,
            "infra/env/staging.tfvars": 'environment = "staging"\n',
            "infra/env/production.tfvars": 'environment = "production"\n',
            "tests/test_gates.py": GATES.replace("MAXSIZE", str(max_deployed)),
            ".github/workflows/pr.yml": PR_WORKFLOW,
            ".github/workflows/pipeline.yml": PUSH_WORKFLOW,
            **(extra or {}),
        },
        "initial",
    )
    return path


def repository() -> dict[str, object]:
    return {
        "name": REPO,
        "full_name": f"{OWNER}/{REPO}",
        "owner": {"login": OWNER},
        "default_branch": "main",
        "private": True,
    }


def pull_request_event(number: int, sha: str) -> dict[str, object]:
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "head": {"ref": "feature", "sha": sha},
            "base": {"ref": "main"},
        },
        "repository": repository(),
    }


def push_event(sha: str) -> dict[str, object]:
    return {"ref": "refs/heads/main", "after": sha, "repository": repository()}


CFN_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Retention:
    Type: Number
    Default: 1
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "${AWS::StackName}-app"
      RetentionInDays: !Ref Retention
Outputs:
  LogGroupName:
    Value: !Ref Logs
"""

# Production's parameters differ from staging's: a deploy that ignored them would show.
CFN_DEVOPS_YAML = """\
version: 1
environments:
  staging:
    aws:
      region: us-east-1
    cloudformation:
      stack_name: shop-staging
      template: template.yaml
      parameters: {Retention: 7}
      tags: {owner: platform, environment: staging}
    rules:
      max_changes: 5
  production:
    extends: staging
    protected: true
    cloudformation:
      stack_name: shop-production
      template: template.yaml
      parameters: {Retention: 30}
      tags: {owner: platform, environment: production}
"""

CFN_GATES = '''\
import boto3
import pytest


@pytest.mark.devops_plan
def test_logs_are_kept_a_month_at_most(devops_cfn_plan):
    logs = devops_cfn_plan.changes(type="AWS::Logs::LogGroup")
    days = [rc.value("RetentionInDays") for rc in logs]
    assert days, "no log group"
    assert all(int(d) <= 30 for d in days), days


@pytest.mark.devops_postdeploy
def test_the_stack_has_the_configured_parameters_and_tags(devops_env):
    cfn = devops_env.section("cloudformation")
    stack = boto3.client("cloudformation", region_name="us-east-1").describe_stacks(
        StackName=cfn["stack_name"])["Stacks"][0]
    assert {t["Key"]: t["Value"] for t in stack["Tags"]} == cfn["tags"]
    logs = boto3.client("logs", region_name="us-east-1").describe_log_groups(
        logGroupNamePrefix=cfn["stack_name"])["logGroups"]
    assert [g["retentionInDays"] for g in logs] == [int(cfn["parameters"]["Retention"])]
'''

CFN_WORKFLOW = f"""\
name: pipeline
on: [push, pull_request]
permissions: {{}}
jobs:
  cloudformation:
    uses: pytest-devops/pytest-devops/.github/workflows/cloudformation.yml@v1
{PERMISSIONS}    with:
      checkov-version: ""
      python-version: ${{{{ vars.PYTHON_VERSION }}}}
    secrets:
      staging-role-arn: ${{{{ secrets.STAGING_ROLE }}}}
      production-role-arn: ${{{{ secrets.PRODUCTION_ROLE }}}}
"""


def cloudformation_repo(path: Path) -> Path:
    """A repository on ``main`` with a CloudFormation template, devops.yaml, gates, caller."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "remote", "add", "origin", f"https://github.com/{OWNER}/{REPO}")
    files = {
        "template.yaml": CFN_TEMPLATE,
        "devops.yaml": CFN_DEVOPS_YAML,
        "tests/test_gates.py": CFN_GATES,
        ".github/workflows/pipeline.yml": CFN_WORKFLOW,
    }
    commit(path, files, "initial")
    return path
