"""The examples of docs/plan.md run: its configs validate, its tests pass on a plan."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from planbuilder import change, plan_doc

from pytest_devops.config import resolve
from pytest_devops.plan.settings import (
    AllowList,
    MaxChanges,
    NoDestroy,
    rules_settings,
    terraform_settings,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "plan.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), re.DOTALL)


def test_documented_configs_validate(tmp_path: Path) -> None:
    first, second = (yaml.safe_load(b) for b in blocks("yaml"))
    prod = resolve(first, "production", tmp_path / "devops.yaml")
    rules = rules_settings(prod)
    assert rules.no_destroy == NoDestroy(allow=("aws_instance.bastion", "module.cache.*"))
    assert rules.allowed_regions == AllowList(("eu-west-1", "eu-central-1"))
    assert rules.max_changes == MaxChanges(50)
    ci = resolve(second, "ci", tmp_path / "devops.yaml", environ={"IMAGE_TAG": "v1"})
    settings = terraform_settings(ci)
    assert (settings.binary, settings.workspace, settings.vars) == (
        "tofu", "ci", {"image_tag": "v1", "zones": ["eu-west-1a", "eu-west-1b"]})


def test_documented_plan_tests_pass(pytester: pytest.Pytester) -> None:
    (user_tests,) = [b for b in blocks("python") if "def test_" in b]
    doc = plan_doc([
        change("aws_s3_bucket.logs", ["create"], after={
            "server_side_encryption_configuration": [{"rule": [{}]}],
            "tags": {"Owner": "data", "CostCenter": "42"}}),
        change("aws_db_instance.main", ["create"], after={"password": "s3cr3t-value"},
               after_sensitive={"password": True}),
        change("module.private_net.aws_instance.app", ["create"],
               after={"associate_public_ip_address": False, "instance_type": "t3.small"}),
    ], region="eu-west-1")
    (pytester.path / "plan.json").write_text(json.dumps(doc))
    pytester.makefile(".yaml", devops=blocks("yaml")[0])
    pytester.makepyfile(test_doc=user_tests)
    result = pytester.runpytest("--devops-env", "staging", "test_doc.py")
    # the three documented tests and the five rules the documented staging enables
    result.assert_outcomes(passed=8)
