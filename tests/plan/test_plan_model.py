"""The model over real plans: addresses, actions, values, markers, queries, regions."""

from __future__ import annotations

from pathlib import Path

import pytest
from planbuilder import change, plan_doc, secret_plan

from pytest_devops import UNKNOWN, Plan, ResourceChange, Sensitive
from pytest_devops.plan import load_plan, parse_plan
from pytest_devops.plan.address import build_address, glob_match, module_path, split_address
from pytest_devops.plan.values import parse_path


def corpus_plan(corpus: Path, name: str) -> Plan:
    return load_plan(corpus / "plans" / f"{name}.json")


@pytest.mark.parametrize(
    ("address", "parts"),
    [
        ("aws_instance.web", ("", "managed", "aws_instance", "web", None)),
        ("aws_instance.web[3]", ("", "managed", "aws_instance", "web", 3)),
        ('module.a["x.y"].module.b.data.aws_ami.u["k"]',
         ('module.a["x.y"].module.b', "data", "aws_ami", "u", "k")),
        ("module.outer[0].aws_lambda_permission.example",
         ("module.outer[0]", "managed", "aws_lambda_permission", "example", None)),
    ],
)
def test_addresses_split_and_build_back(address: str, parts: tuple[object, ...]) -> None:
    assert tuple(split_address(address)) == parts
    assert build_address(*split_address(address)) == address


def test_module_path() -> None:
    assert module_path('module.a["x.y"].module.b') == ('module.a["x.y"]', "module.b")
    assert module_path("") == ()


def test_globs_treat_brackets_literally() -> None:
    assert glob_match("aws_instance.web[*]", "aws_instance.web[0]")
    assert not glob_match("aws_instance.web[0]", "aws_instance.web0")
    assert glob_match("module.db.*", 'module.db.module.x["a"].aws_db_instance.this')
    assert not glob_match("aws_s3_bucket.?", "aws_s3_bucket.ab")


def test_paths() -> None:
    assert parse_path('tags["a.b"].x[0].y.2') == ("tags", "a.b", "x", 0, "y", 2)
    assert parse_path(["a", 1]) == ("a", 1)
    with pytest.raises(ValueError, match="cannot read attribute path"):
        parse_path("a..b")


def test_change_fields_from_a_real_plan(corpus: Path) -> None:
    plan = corpus_plan(corpus, "checkov__oidc_data_sources")
    rc = plan['module.poc.data.aws_iam_policy_document.r3["p1"]']
    assert (rc.mode, rc.type, rc.name, rc.index) == ("data", "aws_iam_policy_document", "r3", "p1")
    assert rc.module_address == "module.poc"
    assert rc.module_path == ("module.poc",)
    assert (rc.action, rc.actions) == ("read", ("read",))
    assert rc.action_reason == "read_because_config_unknown"
    assert rc.provider_name == "registry.terraform.io/hashicorp/aws"


def test_replace_moved_drift_and_reasons(corpus: Path) -> None:
    replaced = corpus_plan(corpus, "tfjson__action_reason")["null_resource.example"]
    assert (replaced.action, replaced.actions) == ("replace", ("delete", "create"))
    assert replaced.action_reason == "replace_because_tainted"
    assert replaced.destroys
    cbd = corpus_plan(corpus, "checkov__deleted_resources_replace")
    assert [(rc.action, rc.actions) for rc in cbd] == [("replace", ("create", "delete"))]
    moved = corpus_plan(corpus, "terraform__showjson_moved")["test_instance.baz"]
    assert moved.previous_address == "test_instance.foo"
    drift = corpus_plan(corpus, "terraform__showjson_drift")
    assert [(rc.address, rc.action) for rc in drift.resource_drift] == [
        ("test_instance.should_refresh", "update"),
    ]
    mixed = corpus_plan(corpus, "tfcompliance__issue522_mixed_actions")
    # Terraform 1.0.0 wrote drift entries without an address: rebuilt from their parts.
    assert "aws_cloudwatch_event_rule.metrics_schedule" in {
        rc.address for rc in mixed.resource_drift
    }


def test_unknown_and_sensitive_values(corpus: Path) -> None:
    rc = corpus_plan(corpus, "policyengine__db_sensitive")["aws_db_instance.default"]
    assert rc.value("engine") == "mysql"
    assert rc.value("arn") is UNKNOWN
    assert rc.is_unknown("tags_all")
    password = rc.value("password")
    assert isinstance(password, Sensitive)
    assert password == "foobarbaz"
    assert password.reveal() == "foobarbaz"
    assert "foobarbaz" not in repr(password) + str(password) + f"{password}"
    assert rc.value("tags") is None
    assert rc.value("no_such_attribute", "default") == "default"
    with pytest.raises(KeyError, match="no attribute 'no_such_attribute'"):
        rc.value("no_such_attribute")
    assert "foobarbaz" not in repr(rc)
    with pytest.raises(TypeError, match="unknown until apply"):
        bool(rc.value("arn"))


def test_nested_markers_and_whole_values() -> None:
    doc = plan_doc([change(
        "aws_instance.web", ["update"],
        before={"tags": {"Owner": "a"}, "ebs": [{"size": 8}]},
        after={"tags": {"Owner": "b", "Key": "k-secret-1"}, "ebs": [{"size": 20}, {}]},
        after_unknown={"ebs": [{}, {"size": True}], "tags": {}},
        after_sensitive={"tags": {"Key": True}},
    )])
    rc = parse_plan(doc)["aws_instance.web"]
    assert rc.value("ebs.0.size") == 20
    assert rc.value("ebs[1].size") is UNKNOWN
    assert rc.value(["tags", "Owner"]) == "b"
    assert rc.before_value("tags.Owner") == "a"
    assert rc.after_values() == {
        "tags": {"Owner": "b", "Key": Sensitive("k-secret-1")},
        "ebs": [{"size": 20}, {"size": UNKNOWN}],
    }


def test_queries() -> None:
    doc = plan_doc([
        change("aws_instance.web[0]", ["create"], after={}),
        change("aws_instance.web[1]", ["delete"], before={}),
        change("module.db.aws_db_instance.main", ["update"], after={}, before={}),
        change("data.aws_ami.ubuntu", ["read"], after={}),
        change("aws_s3_bucket.logs", ["no-op"], after={}, before={}),
    ])
    plan = parse_plan(doc)

    def addresses(found: list[ResourceChange]) -> list[str]:
        return [rc.address for rc in found]

    assert addresses(plan.changes(type="aws_instance")) == ["aws_instance.web[0]",
                                                            "aws_instance.web[1]"]
    assert addresses(plan.changes(action="delete")) == ["aws_instance.web[1]"]
    assert addresses(plan.changes(action=("create", "update"))) == [
        "aws_instance.web[0]", "module.db.aws_db_instance.main"]
    assert addresses(plan.changes(address="aws_instance.web[*]", action="create")) == [
        "aws_instance.web[0]"]
    assert addresses(plan.changes(module="module.db")) == ["module.db.aws_db_instance.main"]
    assert len(plan.changes(module="")) == 4
    assert addresses(plan.changes(mode="data")) == ["data.aws_ami.ubuntu"]
    assert plan.counts() == {"create": 1, "update": 1, "delete": 1, "replace": 0, "read": 1,
                             "no-op": 1}
    assert plan.has_changes
    assert "aws_s3_bucket.logs" in plan
    with pytest.raises(KeyError, match=r"did you mean aws_s3_bucket.logs"):
        plan["aws_s3_bucket.log"]
    with pytest.raises(ValueError, match="unknown action 'destroy'"):
        plan.changes(action="destroy")


def test_forget_is_counted_when_present() -> None:
    plan = parse_plan(plan_doc([change("aws_instance.old", ["forget"], before={})]))
    assert plan.counts()["forget"] == 1
    assert not plan.changes(action="delete")


def test_planned_values_flatten_nested_child_modules(corpus: Path) -> None:
    plan = corpus_plan(corpus, "checkov__nested_child_modules")
    planned = plan.planned_resources()
    assert len(planned) == 9
    assert {r.module_address for r in planned} == {
        "", "module.s3_bucket", "module.s3_module", "module.s3_module.module.s3_submodule",
    }
    assert sorted(r.address for r in planned) == sorted(rc.address for rc in plan)


def test_prior_state_resources(corpus: Path) -> None:
    plan = corpus_plan(corpus, "tfjson__action_reason")
    prior = plan.prior_resources()
    assert [(r.address, r.tainted, r.value("triggers.name")) for r in prior] == [
        ("null_resource.example", True, "demo"),
    ]


def test_variables_and_outputs(corpus: Path) -> None:
    plan = corpus_plan(corpus, "tfjson__110_sensitive_values")
    assert plan.variables == {"foo": "bar", "map": {"foo": "bar", "number": 42}, "number": 42}
    assert plan.output_changes["foo"].sensitive
    assert isinstance(plan.output_changes["foo"].value(), Sensitive)
    assert plan.output_changes["interpolated"].value() is UNKNOWN
    assert plan.output_changes["list"].value() == ["foo", "bar"]


def test_regions(corpus: Path) -> None:
    aliased = corpus_plan(corpus, "terraform__showjson_provider_aliasing")
    assert aliased.provider_region("test") == "somewhere"
    assert aliased.provider_region("test", alias="backup") == "elsewhere"
    assert aliased.provider_region("registry.terraform.io/hashicorp/test") == "somewhere"
    assert aliased.resource_region(aliased["test_instance.test_backup"]) == "elsewhere"
    by_var = corpus_plan(corpus, "tfcompliance__issue249_large_update")
    assert by_var.provider_region("aws") == by_var.variables["aws_region"] == "us-east-1"
    in_module = corpus_plan(corpus, "tfcompliance__tf114")
    assert in_module.resource_region(
        in_module["module.outer[0].module.inner.aws_cloudwatch_event_rule.example"]
    ) == "us-east-1"
    google = corpus_plan(corpus, "checkov__gcp_booleans")
    assert google.provider_region("google") == "europe-west2"
    assert corpus_plan(corpus, "infracost__azure_firewall").provider_region("azurerm") is None


def test_plan_is_built_from_plain_values() -> None:
    rc = ResourceChange(address="AWS::S3::Bucket.Logs", type="AWS::S3::Bucket", name="Logs",
                        actions=("delete", "create"), after={"BucketName": "x"})
    plan = Plan(format_version="cloudformation", resource_changes=[rc])
    assert rc.action == "replace"
    assert plan.counts()["replace"] == 1
    assert plan.digest().startswith("sha256:")
    assert "x" not in repr(plan)


def test_repr_never_shows_values() -> None:
    plan = parse_plan(secret_plan())
    text = repr(plan) + "".join(repr(rc) for rc in plan) + repr(plan.output_changes)
    assert "hunter2" not in text
    assert "out-secret" not in text
