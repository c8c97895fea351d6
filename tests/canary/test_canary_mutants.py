"""Each mutant breaks the rule it is made for, judged by the rule's own check."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pytest_devops.canary.mutants import MUTANTS, mutate
from pytest_devops.config import resolve
from pytest_devops.errors import GateFailure
from pytest_devops.plan import rules
from pytest_devops.plan.load import parse_plan
from pytest_devops.plan.settings import rules_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from planbuilder import change, plan_doc

RULES = {
    "no_destroy": True,
    "required_tags": ["Owner"],
    "allowed_instance_types": ["t3.*"],
    "allowed_regions": ["us-east-1"],
    "allowed_resource_types": ["aws_*"],
    "max_changes": 3,
}


def _env(rules_section: dict[str, object]) -> object:
    doc = {"version": 1, "environments": {"staging": {
        "protected": True, "terraform": {"plan_file": "plan.json"}, "rules": rules_section}}}
    return resolve(doc, "staging", Path("/project/devops.yaml"), {})


def _plan() -> object:
    return parse_plan(plan_doc([
        change("aws_instance.web", ["create"],
               after={"instance_type": "t3.micro", "tags": {"Owner": "a"},
                      "tags_all": {"Owner": "a"}}),
        change("aws_s3_bucket.logs", ["update"], before={"tags": {"Owner": "a"}},
               after={"bucket": "logs", "tags": {"Owner": "a"}, "tags_all": {"Owner": "a"}}),
    ]), source="plan.json")


def _fails(check: object, *args: object) -> list[str]:
    with pytest.raises(GateFailure) as info:
        check(*args)  # type: ignore[operator]
    return sorted(f.address or "" for f in info.value.findings)


def test_the_real_plan_passes_every_rule() -> None:
    env, plan = _env(RULES), _plan()
    s = rules_settings(env)  # type: ignore[arg-type]
    rules.check_no_destroy(plan, s.no_destroy)  # type: ignore[arg-type]
    rules.check_required_tags(plan, s.required_tags)  # type: ignore[arg-type]
    rules.check_allowed_instance_types(plan, s.allowed_instance_types)  # type: ignore[arg-type]
    rules.check_allowed_regions(plan, s.allowed_regions)  # type: ignore[arg-type]
    rules.check_allowed_resource_types(plan, s.allowed_resource_types)  # type: ignore[arg-type]
    rules.check_max_changes(plan, s.max_changes)  # type: ignore[arg-type]


def test_each_mutant_fails_its_rule_on_the_exact_resources() -> None:
    env, plan = _env(RULES), _plan()
    s = rules_settings(env)  # type: ignore[arg-type]

    def m(name: str) -> object:
        return mutate(name, plan, env, {"factor": 2})  # type: ignore[arg-type]

    assert _fails(rules.check_no_destroy, m("replace"), s.no_destroy) == ["aws_instance.web"]
    assert _fails(rules.check_required_tags, m("untag"), s.required_tags) == [
        "aws_instance.web", "aws_s3_bucket.logs"]
    assert _fails(rules.check_allowed_instance_types, m("instance-type"),
                  s.allowed_instance_types) == ["aws_instance.web"]
    assert _fails(rules.check_allowed_regions, m("region"), s.allowed_regions) == [
        "aws_instance.web", "aws_s3_bucket.logs"]
    assert _fails(rules.check_allowed_resource_types, m("resource-type"),
                  s.allowed_resource_types) == ["canary_not_allowed.canary_type_0"]
    many = m("changes")
    assert len(many.resource_changes) == 4  # type: ignore[attr-defined]
    assert len(_fails(rules.check_max_changes, many, s.max_changes)) == 4


def test_a_mutant_leaves_the_real_plan_as_it_was() -> None:
    env, plan = _env(RULES), _plan()
    for name in MUTANTS:
        mutate(name, plan, env, {"factor": 3})  # type: ignore[arg-type]
    assert [rc.address for rc in plan.resource_changes] == [  # type: ignore[attr-defined]
        "aws_instance.web", "aws_s3_bucket.logs"]
    assert plan["aws_instance.web"].after["instance_type"] == "t3.micro"  # type: ignore[index]
    assert plan["aws_instance.web"].action == "create"  # type: ignore[index]


def test_cost_mutant_clones_each_written_resource_factor_times_and_adds_a_volume() -> None:
    env, plan = _env(RULES), _plan()
    out = mutate("cost", plan, env, {"factor": 3})  # type: ignore[arg-type]
    addresses = [rc.address for rc in out.resource_changes]
    assert addresses == [
        "aws_instance.web", "aws_s3_bucket.logs",
        "aws_instance.web_canary0", "aws_s3_bucket.logs_canary0",
        "aws_instance.web_canary1", "aws_s3_bucket.logs_canary1",
        "aws_instance.web_canary2", "aws_s3_bucket.logs_canary2",
        "aws_ebs_volume.canary_volume_0",
    ]
    assert {rc.action for rc in out.resource_changes[2:]} == {"create"}


def test_instance_type_avoids_every_allowed_pattern() -> None:
    env = _env({**RULES, "allowed_instance_types": ["x2iedn.*", "u-*"]})
    out = mutate("instance-type", _plan(), env, {})  # type: ignore[arg-type]
    assert out["aws_instance.web"].after["instance_type"] == "canary.disallowed"


def test_terraform_test_mutant_makes_one_line_outputs_constant() -> None:
    from pytest_devops.canary.tftest import mutate_outputs

    hcl = (
        'output "url" {\n  value = "http://${var.name}.example"\n}\n'
        'output "ids" {\n  value = [\n    a.id,\n  ]\n}\n'
        'output "secret" {\n  value     = var.token\n  sensitive = true\n}\n'
        'resource "terraform_data" "x" {\n  input = 1\n}\n'
    )
    text, count = mutate_outputs(hcl)
    assert count == 2
    assert text == (
        'output "url" {\n  value = "canary-mutant"\n}\n'
        'output "ids" {\n  value = [\n    a.id,\n  ]\n}\n'
        'output "secret" {\n  value     = "canary-mutant"\n  sensitive = true\n}\n'
        'resource "terraform_data" "x" {\n  input = 1\n}\n'
    )
