"""The readable plan diff on real plans: masked secrets, unknowns, moves, replacements."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from planbuilder import change, plan_doc

from pytest_devops.cli import main
from pytest_devops.plan import load_plan, parse_plan
from pytest_devops.plan.diff import from_dict, plan_diff
from pytest_devops.plan.diff_text import render_text


def attrs(diff: Any, address: str) -> list[tuple[str, str, str, bool]]:
    (r,) = [r for r in diff.resources if r.address == address]
    return [(a.path, a.before, a.after, a.forces_replacement) for a in r.attributes]


def test_sensitive_attributes_and_outputs_are_masked(corpus: Path) -> None:
    plan = load_plan(corpus / "plans/terraform__showjson_sensitive.json")
    diff = plan_diff(plan)
    assert attrs(diff, "test_instance.test[1]") == [
        ("ami", "null", "***", False),
        ("password", "null", "***", False),
        ("id", "null", "(known after apply)", False),
    ]
    assert [(a.path, a.before, a.after) for a in diff.outputs] == [("test", "null", "***")]
    doc = json.dumps(diff.to_dict())
    assert "secret" not in doc
    assert '"bar"' not in doc
    assert "secret" not in render_text([diff])


def test_unknown_values_inside_lists_and_maps(corpus: Path) -> None:
    diff = plan_diff(load_plan(corpus / "plans/terraform__showjson_unknown_output.json"))
    assert diff.resources == ()
    assert [(a.path, a.before, a.after) for a in diff.outputs] == [
        ("bar", "null", '["hello", (known after apply), "world"]'),
        ("baz", "null", '{"greeting": "hello", "subject": "world", "time": (known after apply)}'),
        ("foo", "null", '"hello"'),
    ]


def test_moved_resource_keeps_its_previous_address(corpus: Path) -> None:
    diff = plan_diff(load_plan(corpus / "plans/terraform__showjson_moved.json"))
    (r,) = diff.resources
    assert (r.address, r.action, r.previous_address) == ("test_instance.baz", "update",
                                                          "test_instance.foo")
    assert attrs(diff, "test_instance.baz") == [("ami", '"foo"', '"baz"', False)]
    assert render_text([diff]).splitlines()[1] == (
        "! test_instance.baz: update in place (moved from test_instance.foo)"
    )


def test_replace_names_the_attribute_that_forces_it(corpus: Path) -> None:
    diff = plan_diff(load_plan(corpus / "plans/terraform__showjson_requires_replace.json"))
    (r,) = diff.resources
    assert r.action == "replace"
    assert r.replace_paths == ("ami",)
    assert r.reason == "an attribute that cannot be updated in place changes"
    assert attrs(diff, "test_instance.test") == [
        ("ami", '"bar"', '"force-replace"', True),
        ("id", '"placeholder"', "(known after apply)", False),
    ]
    assert render_text([diff]).splitlines()[:4] == [
        "== 1 to replace",
        "! test_instance.test: replace (an attribute that cannot be updated in place changes;"
        " forces replacement: ami)",
        '      ami: "bar" -> "force-replace"  # forces replacement',
        '      id: "placeholder" -> (known after apply)',
    ]


def test_tainted_reason_and_imported_resource(corpus: Path) -> None:
    tainted = plan_diff(load_plan(corpus / "plans/tfjson__action_reason.json"))
    assert [(r.address, r.reason) for r in tainted.resources] == [
        ("null_resource.example", "tainted: the object is replaced")
    ]
    imported = plan_diff(load_plan(corpus / "plans/tfjson__resource_identity.json"))
    (r,) = imported.resources
    assert r.importing == 'identity {"email": "a@example.com"}'
    assert attrs(imported, "corner_user_identity.user") == [
        ("age", "null", "999", False), ("name", "null", '"test"', False)
    ]


def test_delete_lists_no_attributes_and_says_why(corpus: Path) -> None:
    diff = plan_diff(load_plan(corpus / "plans/terraform__showjson_basic_delete.json"))
    assert [(r.address, r.action, r.reason, r.attributes) for r in diff.resources] == [
        ("test_instance.test", "update", None, attrs_of(diff, 0)),
        ("test_instance.test-delete", "delete", "no longer in the configuration", ()),
    ]
    assert diff.counts == {"create": 0, "update": 1, "delete": 1, "replace": 0, "read": 0}


def attrs_of(diff: Any, i: int) -> Any:
    return diff.resources[i].attributes


SECRET = 'p@ss"wo\\rd-' + "x" * 200 + "'end"


def test_changed_sensitive_value_is_masked_in_every_form(tmp_path: Path) -> None:
    doc = plan_doc([
        change(
            "aws_db_instance.db", ["update"],
            before={"password": "old-" + SECRET, "port": 5432, "tags": {"a b": "1"}},
            after={"password": SECRET, "port": 5432, "tags": {"a b": "2"}},
            before_sensitive={"password": True}, after_sensitive={"password": True},
        ),
        change(
            "aws_db_instance.same", ["update"],
            before={"password": SECRET, "size": 1}, after={"password": SECRET, "size": 2},
            before_sensitive={"password": True}, after_sensitive={"password": True},
        ),
        change(
            "aws_instance.imported", ["no-op"], before={"id": "i-1"}, after={"id": "i-1"},
            importing={"id": "i-1"},
        ),
    ])
    diff = plan_diff(parse_plan(doc))
    assert attrs(diff, "aws_db_instance.db") == [
        ("password", "***", "***", False), ('tags["a b"]', '"1"', '"2"', False)
    ]
    # an unchanged sensitive value is not listed; a no-op import is a no-op
    assert attrs(diff, "aws_db_instance.same") == [("size", "1", "2", False)]
    assert [r.address for r in diff.resources] == ["aws_db_instance.db", "aws_db_instance.same"]
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    for fmt in ("text", "markdown", "json"):
        out = _cli(["diff", "--format", fmt, str(tmp_path / "plan.json")])
        assert not [s for s in ("wo\\rd", "xxxxxxxx", "wo\\\\rd") if s in out], fmt


def test_diff_written_as_json_reads_back_identical(corpus: Path, tmp_path: Path) -> None:
    diff = plan_diff(load_plan(corpus / "plans/terraform__showjson_requires_replace.json"), "app")
    assert from_dict(json.loads(json.dumps(diff.to_dict()))) == diff
    with pytest.raises(ValueError, match=r"x\.json: not a plan diff"):
        from_dict({"resources": []}, "x.json")


def _cli(argv: list[str], capsys: Any = None) -> str:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(argv) == 0
    return buf.getvalue()


def test_cli_names_roots_and_reads_its_own_json(corpus: Path, tmp_path: Path) -> None:
    moved = corpus / "plans/terraform__showjson_moved.json"
    saved = tmp_path / "net.diff.json"
    saved.write_text(_cli(["diff", "--format", "json", f"net={moved}"]))
    out = _cli(["diff", str(saved), f"app={corpus / 'plans/tfjson__action_reason.json'}"])
    assert out.splitlines()[0] == "== net: 1 to update"
    assert "== app: 1 to replace" in out.splitlines()
    assert out.count("digest: sha256:") == 2


def test_cli_bad_diff_file_is_one_line_exit_2(tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "pytest-devops/plan-diff@1", "resources": 3}')
    assert main(["diff", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pytest-devops diff: error: {bad}: malformed plan diff")
    assert "Traceback" not in err



def test_changes_outside_terraform_come_first(corpus: Path) -> None:
    diff = plan_diff(load_plan(corpus / "plans/terraform__showjson_drift.json"))
    assert render_text([diff]).splitlines()[:7] == [
        "== 2 to update",
        "# changed outside Terraform since the last apply",
        "# test_instance.should_refresh: changed",
        '      ami: "refresh-me" -> "refreshed"',
        "! test_instance.no_refresh: update in place",
        '      ami: "foo" -> "bar"',
        "! test_instance.should_refresh: update in place",
    ]
    assert from_dict(diff.to_dict()) == diff
