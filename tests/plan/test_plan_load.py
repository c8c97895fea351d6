"""Loading: every real plan of the corpus, the wrapper capture, and clear refusals."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from planbuilder import change, plan_doc, write

from pytest_devops.errors import GateError
from pytest_devops.plan import load_plan, parse_plan
from pytest_devops.plan.capture import decode

_CORPUS = Path(os.environ.get(
    "PYTEST_DEVOPS_CORPUS", Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
))
CORPUS_PLANS = sorted((_CORPUS / "plans").glob("*.json"))


def independent_counts(path: Path) -> Counter[str]:
    """Count Terraform's action lists straight from the JSON, without the model."""
    raw = path.read_bytes()
    doc = json.loads(raw.decode("utf-16" if raw.startswith(b"\xff\xfe") else "utf-8-sig"))
    names = {
        ("create",): "create",
        ("update",): "update",
        ("delete",): "delete",
        ("read",): "read",
        ("no-op",): "no-op",
        ("delete", "create"): "replace",
        ("create", "delete"): "replace",
    }
    changes = doc.get("resource_changes") or []
    return Counter(names[tuple(rc["change"]["actions"])] for rc in changes)


def test_the_corpus_has_plans(corpus: Path) -> None:
    assert len(list((corpus / "plans").glob("*.json"))) == 56


@pytest.mark.parametrize("path", CORPUS_PLANS, ids=lambda p: p.stem)
def test_every_corpus_plan_loads_with_exact_counts(corpus: Path, path: Path) -> None:
    if path.stem == "trivy__no_resource_changes":
        # planned_values holds null_resource.a, resource_changes is empty: an edited plan.
        with pytest.raises(GateError, match=r"1 resources of `planned_values` are not in "
                           r"`resource_changes` \(null_resource\.a\)"):
            load_plan(corpus / "plans" / path.name)
        return
    plan = load_plan(corpus / "plans" / path.name)
    expected = independent_counts(corpus / "plans" / path.name)
    counts = plan.counts()
    assert {k: v for k, v in counts.items() if v} == dict(expected)
    assert set(counts) == {"create", "update", "delete", "replace", "read", "no-op"}
    assert len(plan.resource_changes) == sum(expected.values())
    assert plan.digest().startswith("sha256:")


def test_utf16_plan_with_bom_loads(corpus: Path) -> None:
    plan = load_plan(corpus / "plans" / "checkov__utf16_encoded.json")
    assert plan.format_version == "0.2"
    assert sorted(rc.address for rc in plan.resource_changes) == [
        "aws_iam_role_policy.fail_1",
        "aws_s3_bucket.s3-bucket",
        "null_resource.name",
    ]


def test_setup_terraform_wrapper_capture_loads(corpus: Path) -> None:
    plan = load_plan(corpus / "negative" / "infracost__terraform_wrapper.json")
    assert plan.terraform_version == "1.0.11"
    assert [(rc.address, rc.action) for rc in plan.resource_changes] == [
        ("aws_instance.web_app", "create"),
        ("aws_lambda_function.hello_world", "create"),
    ]


def test_state_file_is_refused_saying_it_is_a_state(corpus: Path) -> None:
    with pytest.raises(GateError, match=r"is a Terraform state .* not a plan") as info:
        load_plan(corpus / "negative" / "checkov__state_not_plan.json")
    assert "terraform show -json tfplan" in str(info.value)


def test_raw_tfstate_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "terraform.tfstate", {
        "version": 4, "terraform_version": "1.9.5", "serial": 3, "lineage": "abc",
        "outputs": {}, "resources": [],
    })
    with pytest.raises(GateError, match=r"Terraform state file \(terraform.tfstate\), not a plan"):
        load_plan(path)


def test_streaming_plan_log_is_refused(tmp_path: Path) -> None:
    lines = [
        {"@level": "info", "@message": "Terraform 1.9.5", "@module": "terraform.ui",
         "terraform": "1.9.5", "type": "version", "ui": "1.2"},
        {"@level": "info", "@message": "aws_instance.web: Plan to create",
         "type": "planned_change", "change": {"action": "create"}},
        {"@level": "info", "@message": "Plan: 1 to add, 0 to change, 0 to destroy.",
         "type": "change_summary", "changes": {"add": 1, "change": 0, "remove": 0}},
    ]
    path = tmp_path / "plan.log.json"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    with pytest.raises(GateError, match=r"streaming log of `terraform plan -json`"):
        load_plan(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"the file is empty"),
        (b"  \n\t\n", r"the file is empty"),
        (b'{"format_version": "1.2", "resource_changes": [{"address": "a.b"',
         r"ends before the plan is complete \(truncated at line 1"),
        (b'{"format_version": "1.2", "resource_changes": [{"address": "a.b',
         r"ends before the plan is complete"),
        (b"Terraform used the selected providers to generate the following plan\n",
         r"not a JSON plan; it starts with 'Terraform used the selected providers"),
        # Other text is not quoted: it may be a secrets file named by mistake.
        (b'db_password = "hunter2-long-secret"\n',
         r"/plan.json: not a JSON plan; it starts with text, not a JSON object \(line 1 has 35 "
         r"characters\)\n  hint: point at the output of `terraform show -json`"),
        (b'{"format_version": "1.2",, "x": 1}', r"invalid JSON at line 1, column 26"),
        (b"PK\x03\x04\x14\x00\x08\x00\x08\x00\xa0\xb1",
         r"plan.json: this is a saved binary plan \(tfplan, a zip archive\), not its JSON"),
        (b"\x80\x81{}", r"not UTF-8 text \(invalid byte at offset 0\); is it the binary plan"),
        (b"[1, 2]", r"expected a JSON object \(a plan\), got a JSON list"),
        (b'{"hello": "world"}', r"not a Terraform JSON plan \(no `format_version`; keys: hello\)"),
        (b"[command]/tmp/x/terraform-bin show -json plan.tfplan\n::set-output name=stdout::\n"
         b"::set-output name=stderr::%0AError: Failed to read the given file as a state or "
         b"plan file%0A\n::set-output name=exitcode::1\n",
         r"holds the setup-terraform wrapper's capture of a command that failed \(exitcode 1\), "
         r"not a plan"),
        # `terraform show -json` run without the plan file, where there is no state yet.
        (b'{"format_version":"1.0"}\n',
         r"plan.json: this is an empty state \(`terraform show -json` without a plan file "
         r"prints it where there is no state yet\), not a plan"),
        (b'{"format_version": "1.2", "variables": {"x": {"value": NaN}}}',
         r"plan.json: holds the number NaN, which is not a finite JSON number"),
        (b'[command]terraform show -json\n{"format_version": "1.2", "x": -Infinity}\n',
         r"holds the number -Infinity, which is not a finite JSON number"),
        (b'{"format_version": "1.2", "variables": {"x": {"value": 1e999}}}',
         r"holds the number 1e999, which is not a finite JSON number"),
        (b'{"format_version": "1.2", "resource_changes": [{"address": "a.b", "type": "a", '
         b'"name": "b", "change": {"actions": "create"}}]}',
         r'resource_changes\[0\] \(a.b\): `change.actions` should be a list of action names '
         r'such as \["create"\], got "create"'),
        (b'{"format_version": "1.2", "output_changes": {"o": {"actions": "update"}}}',
         r'output_changes.o: `change.actions` should be a list of action names'),
    ],
    ids=["empty", "blank", "truncated", "truncated-string", "text-plan", "other-text", "invalid",
         "binary", "not-utf8", "list", "no-version", "failed-capture", "empty-state", "nan",
         "wrapped-infinity", "overflow", "actions-string", "output-actions-string"],
)
def test_bad_input_is_refused_with_a_clear_message(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    with pytest.raises(GateError, match=message):
        load_plan(path)


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_a_real_saved_binary_plan_is_refused_saying_how_to_convert_it(tmp_path: Path) -> None:
    from pytest_devops.plan.runner import Terraform

    (tmp_path / "main.tf").write_text('resource "terraform_data" "x" {\n  input = 1\n}\n')
    tf = Terraform(tmp_path, data_dir=tmp_path / ".tfdata", timeout=300)
    tf.init()
    tf.plan(tmp_path / "tfplan")
    with pytest.raises(GateError) as info:
        load_plan(tmp_path / "tfplan")
    assert str(info.value) == (
        f"{tmp_path / 'tfplan'}: this is a saved binary plan (tfplan, a zip archive), not its "
        "JSON\n  hint: convert it with `terraform show -json tfplan > plan.json`"
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(GateError, match=r"plan file .*nope.json does not exist"):
        load_plan(tmp_path / "nope.json")
    with pytest.raises(GateError, match=r"is a directory, not a file"):
        load_plan(tmp_path)


def test_unknown_major_format_version_is_refused() -> None:
    with pytest.raises(GateError, match=r"format_version 2.0 is not supported .*0.x and 1.x"):
        parse_plan(plan_doc([], format_version="2.0"), "p.json")


def test_a_future_minor_version_loads() -> None:
    assert parse_plan(plan_doc([], format_version="1.9")).format_version == "1.9"


def test_unknown_action_list_is_an_error_naming_the_address() -> None:
    doc = plan_doc([change("aws_instance.web", ["create", "update"], after={})])
    with pytest.raises(GateError, match=r"resource_changes\[0\] \(aws_instance.web\): unknown "
                                        r"actions \['create', 'update'\]"):
        parse_plan(doc, "p.json")


def _doc_text() -> str:
    return json.dumps(plan_doc([change("aws_instance.web", ["create"], after={"ami": "ami-1"})]))


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
     ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-16-le", b"")],
    ids=["utf8-bom", "utf16le-bom", "utf16be-bom", "utf32le-bom", "utf16le-no-bom"],
)
def test_encodings(encoding: str, prefix: bytes) -> None:
    text = decode(prefix + _doc_text().encode(encoding), "p.json")
    assert json.loads(text)["resource_changes"][0]["address"] == "aws_instance.web"


def test_wrapper_noise_tf_log_and_escaped_output(tmp_path: Path) -> None:
    body = _doc_text().replace("ami-1", "50%")
    escaped = body.replace("%", "%25") + "%0A"
    path = tmp_path / "plan.json"
    path.write_text(
        "[command]/home/runner/work/_temp/abc/terraform-bin show -json tfplan\n"
        "2024-05-01T10:00:00.123Z [DEBUG] provider: starting plugin\n"
        "2024-05-01T10:00:00.124+0200 [TRACE] backend/local: reading state\n"
        f"::set-output name=stdout::{escaped}\n"
        "::debug::Terraform exited with code 0.\n"
        "::set-output name=stderr::\n"
        "::set-output name=exitcode::0\n"
    )
    plan = load_plan(path)
    assert plan["aws_instance.web"].value("ami") == "50%"


def test_text_after_the_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("[command]terraform show -json\n" + _doc_text() + "\nsomething else\n")
    with pytest.raises(GateError, match=r"unexpected text after the plan JSON \(line 3\)"):
        load_plan(path)


def test_pretty_printed_plan_is_the_same_plan(tmp_path: Path) -> None:
    doc = json.loads(_doc_text())
    compact = load_plan(write(tmp_path / "a.json", doc))
    pretty = load_plan(write(tmp_path / "b.json", doc, indent=4, sort_keys=True))
    assert compact.counts() == pretty.counts()
    assert compact.digest() == pretty.digest()
