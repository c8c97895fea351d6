"""Built-in plan rules: the exact offending addresses, on real plans and plain data."""

from __future__ import annotations

from pathlib import Path

import pytest
from planbuilder import change, plan_doc

from pytest_devops.config import resolve
from pytest_devops.errors import GateError, GateFailure
from pytest_devops.plan import Plan, load_plan, parse_plan
from pytest_devops.plan import rules as R
from pytest_devops.plan.settings import (
    AllowList,
    MaxChanges,
    NoDestroy,
    RequiredTags,
    rules_settings,
    terraform_settings,
)


def corpus_plan(corpus: Path, name: str) -> Plan:
    return load_plan(corpus / "plans" / f"{name}.json")


def failing(check: object, plan: Plan, rule: object) -> dict[str, str]:
    with pytest.raises(GateFailure) as info:
        check(plan, rule)  # type: ignore[operator]
    return {f.address or "": f.message for f in info.value.findings}


def test_no_destroy_lists_deletes_and_replacements(corpus: Path) -> None:
    mixed = corpus_plan(corpus, "tfcompliance__issue522_mixed_actions")
    assert failing(R.check_no_destroy, mixed, NoDestroy()) == {
        "aws_cloudwatch_event_rule.Metricos_custom_alert_schedule_frequent[0]": "delete",
        "aws_cloudwatch_event_target.Metricos_custom_alert_event_target_frequent[0]": "delete",
    }
    tainted = corpus_plan(corpus, "tfjson__action_reason")
    assert failing(R.check_no_destroy, tainted, NoDestroy()) == {
        "null_resource.example": "replace (replace_because_tainted)",
    }
    with pytest.raises(GateFailure, match=r"^1 resource would be deleted or replaced in "
                                          r"environment production;"):
        R.check_no_destroy(tainted, NoDestroy(), "production")


def test_no_destroy_allow_list_and_actions(corpus: Path) -> None:
    mixed = corpus_plan(corpus, "tfcompliance__issue522_mixed_actions")
    R.check_no_destroy(mixed, NoDestroy(allow=("aws_cloudwatch_event_*[*]",)))
    assert failing(R.check_no_destroy, mixed, NoDestroy(allow=("aws_cloudwatch_event_rule.*",))) \
        == {"aws_cloudwatch_event_target.Metricos_custom_alert_event_target_frequent[0]": "delete"}
    tainted = corpus_plan(corpus, "tfjson__action_reason")
    R.check_no_destroy(tainted, NoDestroy(actions=("delete",)))
    R.check_no_destroy(corpus_plan(corpus, "checkov__plan_55_resources"), NoDestroy())


def test_required_tags(corpus: Path) -> None:
    plan = corpus_plan(corpus, "infracost__example_plan")
    assert failing(R.check_required_tags, plan, RequiredTags(("Owner", "Environment"))) == {
        "aws_instance.web_app": "missing tags: Owner, Environment",
        "aws_instance.zero_cost_instance": "missing tags: Owner, Environment",
        "aws_lambda_function.hello_world": "missing tags: Owner, Environment",
        "aws_lambda_function.zero_cost_lambda": "missing tags: Owner, Environment",
        "aws_s3_bucket.usage": "missing tags: Owner, Environment",
    }
    ignoring = RequiredTags(("Owner",), ignore=("aws_lambda_function.*", "aws_instance.*"))
    assert failing(R.check_required_tags, plan, ignoring) == {
        "aws_s3_bucket.usage": "missing tags: Owner",
    }
    # aws_autoscaling_group lists its tags as {key, value, propagate_at_launch}.
    asg = corpus_plan(corpus, "tfcompliance__issue249_large_update")
    R.check_required_tags(asg, RequiredTags(("Name", "application")))


def test_required_tags_plain_data() -> None:
    plan = parse_plan(plan_doc([
        change("aws_s3_bucket.tagged", ["create"], after={"tags": {"Owner": "a", "Team": "b"}}),
        change("aws_s3_bucket.empty", ["create"], after={"tags": {"Owner": "", "Team": "b"}}),
        change("aws_s3_bucket.null", ["update"], before={}, after={"tags": None}),
        change("aws_s3_bucket.pending", ["create"], after={"tags": {"Team": "b"}},
               after_unknown={"tags": {"Owner": True}}),
        change("aws_s3_bucket.all_tags", ["create"],
               after={"tags": {"Owner": "a"}, "tags_all": {"Owner": "a", "Team": "t"}}),
        change("aws_iam_policy_attachment.untaggable", ["create"], after={"name": "x"}),
        change("aws_s3_bucket.deleted", ["delete"], before={"tags": {}}),
        change("aws_s3_bucket.same", ["no-op"], before={"tags": {}}, after={"tags": {}}),
        change("data.aws_s3_bucket.read", ["read"], after={"tags": {}}),
    ]))
    assert failing(R.check_required_tags, plan, RequiredTags(("Owner", "Team"))) == {
        "aws_s3_bucket.empty": "missing tags: Owner",
        "aws_s3_bucket.null": "missing tags: Owner, Team",
    }


def test_required_tags_from_provider_default_tags() -> None:
    doc = plan_doc([change("aws_s3_bucket.b", ["create"], after={"tags": {"Team": "x"}},
                           after_unknown={"tags_all": True})])
    doc["configuration"]["provider_config"]["aws"]["expressions"]["default_tags"] = [
        {"tags": {"constant_value": {"Owner": "platform"}}}
    ]
    R.check_required_tags(parse_plan(doc), RequiredTags(("Owner", "Team")))


def test_required_tags_unknown_map_is_an_error_not_a_pass() -> None:
    plan = parse_plan(plan_doc([change("aws_s3_bucket.b", ["create"], after={},
                                       after_unknown={"tags": True})]))
    with pytest.raises(GateError, match=r"required_tags: cannot decide for 1 resource: "
                                        r"aws_s3_bucket.b"):
        R.check_required_tags(plan, RequiredTags(("Owner",)))


def test_allowed_instance_types(corpus: Path) -> None:
    plan = corpus_plan(corpus, "checkov__plan_55_resources")
    assert failing(R.check_allowed_instance_types, plan, AllowList(("t3.*", "db.t3.micro"))) == {
        "aws_instance.db_app": "instance_type t2.nano is not allowed",
        "aws_instance.web_host": "instance_type t2.nano is not allowed",
        "aws_neptune_cluster_instance.default[0]": "instance_class db.t3.medium is not allowed",
    }
    azure = corpus_plan(corpus, "tfcompliance__azure_vms")
    assert failing(R.check_allowed_instance_types, azure, AllowList(("Standard_B*",))) == {
        "module.linuxservers-fail.azurerm_virtual_machine.vm-linux[0]":
            "vm_size Standard_D2s_v3 is not allowed",
        "module.windowsservers-pass.azurerm_virtual_machine.vm-windows[0]":
            "vm_size Standard_D2s_v3 is not allowed",
    }
    custom = AllowList(("t3.*",), attributes={"aws_instance": "no_such_attribute"})
    R.check_allowed_instance_types(corpus_plan(corpus, "regula__ec2_data_ami"), custom)


def test_instance_type_lists_and_unknowns() -> None:
    plan = parse_plan(plan_doc([
        change("aws_eks_node_group.ng", ["create"], after={"instance_types": ["t3.large",
                                                                             "m5.24xlarge"]}),
        change("aws_instance.later", ["create"], after={}, after_unknown={"instance_type": True}),
    ]))
    with pytest.raises(GateFailure, match=r"1 resource uses instance types .*\(1 more undecided"
                       ) as info:
        R.check_allowed_instance_types(plan, AllowList(("t3.*",)))
    assert [(f.address, f.message) for f in info.value.findings] == [
        ("aws_eks_node_group.ng", "instance_types m5.24xlarge is not allowed"),
        ("aws_instance.later", "instance_type unknown until apply"),
    ]


def test_allowed_regions(corpus: Path) -> None:
    gcp = corpus_plan(corpus, "checkov__gcp_booleans")
    assert failing(R.check_allowed_regions, gcp, AllowList(("us-*",))) == {
        "google_compute_instance.default": "region europe-west2 is not allowed",
        "google_service_account.default": "region europe-west2 is not allowed",
    }
    R.check_allowed_regions(gcp, AllowList(("europe-*",)))
    aliased = corpus_plan(corpus, "tfcompliance__module_sensitive")
    R.check_allowed_regions(aliased, AllowList(("eu-west-1", "us-east-1")))
    azure = corpus_plan(corpus, "infracost__azure_firewall")
    # Azure resources carry a location; a subnet has none and lives in its network's.
    assert failing(R.check_allowed_regions, azure, AllowList(("westeurope",))) == {
        "azurerm_firewall.non_usage": "region eastus is not allowed",
        "azurerm_firewall.premium": "region eastus is not allowed",
        "azurerm_firewall.premium_virtual_hub": "region eastus is not allowed",
        "azurerm_firewall.standard": "region eastus is not allowed",
        "azurerm_firewall.standard_virtual_hub": "region eastus is not allowed",
    }


def test_region_not_in_the_plan_is_an_error() -> None:
    plan = parse_plan(plan_doc([change("aws_sqs_queue.q", ["create"], after={})], region=None))
    with pytest.raises(GateError, match=r"allowed_regions: cannot decide for 1 resource: "
                                        r"aws_sqs_queue.q"):
        R.check_allowed_regions(plan, AllowList(("us-east-1",)))


def test_allowed_resource_types(corpus: Path) -> None:
    plan = corpus_plan(corpus, "infracost__example_plan")
    assert failing(R.check_allowed_resource_types, plan,
                   AllowList(("aws_instance", "aws_lambda_*"))) == {
        "aws_s3_bucket.usage": "type aws_s3_bucket is not allowed",
    }


def test_max_changes(corpus: Path) -> None:
    plan = corpus_plan(corpus, "tfcompliance__issue522_mixed_actions")
    R.check_max_changes(plan, MaxChanges(8))
    with pytest.raises(GateFailure, match=r"^8 resource changes exceed rules.max_changes \(7\)"):
        R.check_max_changes(plan, MaxChanges(7))
    assert failing(R.check_max_changes, plan, MaxChanges(1, actions=("delete", "update"))) == {
        "aws_cloudwatch_event_rule.Metricos_custom_alert_schedule_frequent[0]": "delete",
        "aws_cloudwatch_event_target.Metricos_custom_alert_event_target_frequent[0]": "delete",
        "aws_cloudwatch_event_target.metric_event_target": "update",
    }


def test_settings_from_devops_yaml_sections(tmp_path: Path) -> None:
    doc = {"environments": {
        "base": {"terraform": {"plan_file": "plans/p.json", "var_files": ["a.tfvars"],
                               "vars": {"n": 3}, "backend_config": {"bucket": "b"}},
                 "rules": {"required_tags": ["Owner"], "max_changes": 10,
                           "allowed_instance_types": ["t3.*"]}},
        "production": {"extends": "base", "protected": True,
                       "rules": {"no_destroy": {"allow": ["aws_instance.*"]}}},
        "dev": {"extends": "base", "rules": {"max_changes": {"max": 3, "actions": ["delete"]}}},
    }}
    prod = resolve(doc, "production", tmp_path / "devops.yaml")
    dev = resolve(doc, "dev", tmp_path / "devops.yaml")
    tf = terraform_settings(prod)
    assert tf.plan_file == tmp_path / "plans" / "p.json"
    assert tf.var_files == (tmp_path / "a.tfvars",)
    assert (tf.binary, tf.lock_timeout, tf.timeout) == ("terraform", "0s", 1800.0)
    rules = rules_settings(prod)
    assert rules.no_destroy == NoDestroy(allow=("aws_instance.*",))
    assert rules.required_tags == RequiredTags(("Owner",))
    assert rules.max_changes == MaxChanges(10)
    assert rules.allowed_instance_types == AllowList(("t3.*",))
    assert rules.allowed_regions is None
    dev_rules = rules_settings(dev)
    assert dev_rules.no_destroy is None  # not protected
    verify_only = resolve({"environments": {"p": {"protected": True}}}, "p")
    assert rules_settings(verify_only).no_destroy is None  # no plan to check
    asked = resolve({"environments": {"p": {"rules": {"no_destroy": True}}}}, "p")
    assert rules_settings(asked).no_destroy == NoDestroy()
    assert dev_rules.max_changes == MaxChanges(3, actions=("delete",))


def test_schema_rejects_unknown_rule_keys(tmp_path: Path) -> None:
    from pytest_devops.errors import ConfigError

    doc = {"environments": {"x": {"rules": {"no_destroy": {"alow": ["a"]}}}}}
    with pytest.raises(ConfigError, match=r"environments.x.rules.no_destroy"):
        resolve(doc, "x", tmp_path / "devops.yaml")
    doc = {"environments": {"x": {"terraform": {"binary": ""}}}}
    with pytest.raises(ConfigError, match=r"environments.x.terraform.binary"):
        resolve(doc, "x", tmp_path / "devops.yaml")
