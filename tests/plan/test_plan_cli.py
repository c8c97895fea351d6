"""``pytest-devops plan`` and ``digest``: exact JSON form, every format redacted."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from planbuilder import SECRETS, change, plan_doc, secret_plan, write

from pytest_devops.cli import main
from pytest_devops.plan import load_plan
from pytest_devops.redact import MIN_LENGTH

SENSITIVE_CORPUS = [
    "policyengine__db_sensitive",
    "tfjson__sanitize_basic",
    "terraform__showjson_sensitive",
    "tfcompliance__module_sensitive",
    "infracost__azure_express_route",
]


@pytest.fixture(autouse=True)
def only_plan_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real ``main``, with only this feature's subcommands registered."""
    from pytest_devops import cli

    mine = {name: cli.COMMANDS[name] for name in ("plan", "digest")}
    monkeypatch.setattr(cli, "COMMANDS", mine)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def secret_texts(values: list[Any]) -> set[str]:
    """Every secret string the redactor is asked to mask (it skips very short values)."""
    out: set[str] = set()
    for value in values:
        if isinstance(value, dict):
            out |= secret_texts(list(value.values()))
        elif isinstance(value, list):
            out |= secret_texts(value)
        elif value is not None and not isinstance(value, bool) and len(str(value)) >= MIN_LENGTH:
            out.add(str(value))
    return out


def leaky_plan(tmp_path: Path) -> Path:
    """The generated secret plan, plus a resource whose address holds a secret (a for_each
    key copied from a password with nonsensitive()): only redaction keeps it out."""
    doc = secret_plan()
    doc["resource_changes"].append(change(
        f'aws_ssm_parameter.p["{SECRETS["db_password"]}"]', ["create"],
        after={"name": "p"}, rtype="aws_ssm_parameter",
    ))
    return write(tmp_path / "secret-plan.json", doc)


def test_json_form_is_exactly_the_contract(
    capsys: pytest.CaptureFixture[str], corpus: Path
) -> None:
    path = corpus / "plans" / "policyengine__resource_changes.json"
    code, out, _ = run_cli(capsys, "plan", str(path), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == ["format_version", "terraform_version", "counts", "resources", "digest"]
    assert doc["format_version"] == "1.1"
    assert doc["terraform_version"] == "1.2.2"
    assert doc["counts"] == {"create": 1, "update": 1, "delete": 1, "replace": 0, "read": 0,
                             "no-op": 1}
    assert doc["resources"] == [
        {"address": "aws_s3_bucket.create_bucket", "type": "aws_s3_bucket", "actions": ["create"]},
        {"address": "aws_s3_bucket.delete_bucket", "type": "aws_s3_bucket", "actions": ["delete"]},
        {"address": "aws_s3_bucket.noop_bucket", "type": "aws_s3_bucket", "actions": ["no-op"]},
        {"address": "aws_s3_bucket.update_bucket", "type": "aws_s3_bucket", "actions": ["update"]},
    ]
    assert doc["digest"] == load_plan(path).digest()


def test_table_and_markdown(capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    path = corpus / "plans" / "policyengine__resource_changes.json"
    _, table, _ = run_cli(capsys, "plan", str(path))
    assert table.splitlines()[1:7] == [
        "changes: 1 create, 1 update, 1 delete, 1 no-op",
        "",
        "ACTION  ADDRESS                      TYPE",
        "create  aws_s3_bucket.create_bucket  aws_s3_bucket",
        "delete  aws_s3_bucket.delete_bucket  aws_s3_bucket",
        "update  aws_s3_bucket.update_bucket  aws_s3_bucket",
    ]
    _, md, _ = run_cli(capsys, "plan", str(path), "--format", "markdown")
    assert "| delete | `aws_s3_bucket.delete_bucket` | `aws_s3_bucket` |" in md.splitlines()
    assert md.splitlines()[0] == "### Terraform plan: 1 create, 1 update, 1 delete, 1 no-op"


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_no_secret_in_any_format(
    capsys: pytest.CaptureFixture[str], corpus: Path, tmp_path: Path, fmt: str
) -> None:
    paths = [corpus / "plans" / f"{name}.json" for name in SENSITIVE_CORPUS]
    paths.append(leaky_plan(tmp_path))
    for path in paths:
        secrets = secret_texts(load_plan(path).sensitive_values())
        assert secrets, path
        code, out, err = run_cli(capsys, "plan", str(path), "--format", fmt)
        assert code == 0
        leaked = sorted(s for s in secrets if s in out + err)
        assert leaked == [], path.name
    assert "***" in out  # the address holding a secret is masked, not dropped


def test_generated_secrets_are_all_known() -> None:
    from pytest_devops.plan import parse_plan

    assert secret_texts(parse_plan(secret_plan()).sensitive_values()) == set(SECRETS.values())


def test_digest_command(capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    path = corpus / "plans" / "tfjson__action_reason.json"
    code, out, _ = run_cli(capsys, "digest", str(path))
    assert (code, out) == (0, load_plan(path).digest() + "\n")


def test_plan_from_stdin(
    capsys: pytest.CaptureFixture[str], corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (corpus / "negative" / "infracost__terraform_wrapper.json").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run_cli(capsys, "plan", "-", "--format", "json")
    assert code == 0
    assert json.loads(out)["counts"]["create"] == 2


def test_state_file_is_an_error_exit(capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    code, out, err = run_cli(capsys, "plan", str(corpus / "negative" /
                                                 "checkov__state_not_plan.json"))
    assert (code, out) == (2, "")
    assert "is a Terraform state" in err
    assert "not a plan" in err


def test_an_errored_or_incomplete_plan_is_flagged_in_text_forms(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = plan_doc([change("aws_instance.web", ["create"], after={})])
    doc.update(errored=True, complete=False)
    path = write(tmp_path / "plan.json", doc)
    _, table, _ = run_cli(capsys, "plan", str(path))
    assert table.splitlines()[1:4] == [
        "changes: 1 create, 0 update, 0 delete",
        "warning: the plan is errored (`terraform plan` failed part-way); its changes are "
        "incomplete",
        "warning: the plan is incomplete (complete: false); Terraform deferred changes it "
        "could not plan yet",
    ]
    _, md, _ = run_cli(capsys, "plan", str(path), "--format", "markdown")
    assert ("> **warning: the plan is errored (`terraform plan` failed part-way); its changes "
            "are incomplete**") in md.splitlines()
    code, out, _ = run_cli(capsys, "plan", str(path), "--format", "json")
    assert code == 0
    assert list(json.loads(out)) == ["format_version", "terraform_version", "counts",
                                     "resources", "digest"]
