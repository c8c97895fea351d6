"""Kubernetes, Dockerfile, GitHub workflow and secrets scanning through the real Checkov,
in one run; secret values never reach a result, the JSON document or SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_devops.security import sarif
from pytest_devops.security.model import ScanReport
from pytest_devops.security.policy import SecurityPolicy
from pytest_devops.security.scanner import scan

ACCESS_KEY = "AKIAJ3FQ2B7XKZP4LMNA"
SECRET_KEY = "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"
FILES = {
    "infra/provider.tf": f"""\
provider "aws" {{
  region     = "us-west-2"
  access_key = "{ACCESS_KEY}"
  secret_key = "{SECRET_KEY}"
}}
""",
    "k8s/deploy.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:latest
""",
    "docker/Dockerfile": 'FROM python:3.12\nRUN pip install flask\nCMD ["flask", "run"]\n',
    ".github/workflows/ci.yml": """\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "::set-env name=FOO::bar"
        env:
          ACTIONS_ALLOW_UNSECURE_COMMANDS: true
""",
}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory, checkov_exe: str,
          scan_cache: Path) -> tuple[Path, ScanReport]:
    root = tmp_path_factory.mktemp("mixed")
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root, scan(SecurityPolicy(checkov=checkov_exe), root, cache_dir=scan_cache)


def test_every_framework_read_its_resources(mixed: tuple[Path, ScanReport]) -> None:
    _, report = mixed
    assert set(report.resource_counts) == {
        "terraform", "secrets", "kubernetes", "dockerfile", "github_actions"}
    assert all(report.resource_counts.values())


@pytest.mark.parametrize(
    ("check_id", "resource", "location"),
    [
        ("CKV_AWS_41", "aws.default", "infra/provider.tf:1-5"),
        ("CKV_K8S_14", "Deployment.default.web", "k8s/deploy.yaml:1-15"),
        ("CKV_DOCKER_3", "/docker/Dockerfile.", "docker/Dockerfile:1-3"),
        ("CKV_GHA_1", "jobs(test).steps[2]", ".github/workflows/ci.yml:8-12"),
    ],
)
def test_failing_resource_and_location(mixed: tuple[Path, ScanReport], check_id: str,
                                       resource: str, location: str) -> None:
    _, report = mixed
    assert [(r.resource, r.location) for r in report.by_check()[check_id]] == [
        (resource, location)]


def test_secrets_are_found_and_never_shown(mixed: tuple[Path, ScanReport]) -> None:
    root, report = mixed
    found = {(r.check_id, r.file, r.lines) for r in report.failed if r.framework == "secrets"}
    assert found == {("CKV_SECRET_2", "infra/provider.tf", (3, 4)),
                     ("CKV_SECRET_6", "infra/provider.tf", (4, 5))}
    outputs = [json.dumps(report.to_dict()), json.dumps(sarif.build(report, root)),
               *(r.code for r in report.results)]
    assert 'access_key = "***"' in "".join(outputs)
    for text in outputs:
        assert ACCESS_KEY not in text
        assert SECRET_KEY not in text


def test_checks_of_one_framework_leave_the_others_unread(
    mixed: tuple[Path, ScanReport], checkov_exe: str
) -> None:
    """With `checks`, frameworks none of them belongs to read no resources: not an error."""
    root, _ = mixed
    report = scan(SecurityPolicy(checkov=checkov_exe, checks=("CKV_GHA_1",)), root)
    assert report.resource_counts == {"github_actions": 3}  # the other frameworks read none
    assert report.resources("CKV_GHA_1") == {"jobs(test).steps[2]"}
