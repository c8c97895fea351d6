"""One gate report model: what the plugin writes is what the JSON Schema describes and
what the reader (``parse_report``/``to_dict``) reads back unchanged."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from jsonschema import Draft202012Validator

from pytest_devops.report import SCHEMA
from pytest_devops.report.model import parse_report

CONFIG = """
environments:
  staging:
    soft_fail: [cost]
"""

TESTS = """
import pytest
from pytest_devops import GateFailure, Finding

@pytest.mark.devops_plan
def test_passes():
    pass

@pytest.mark.devops_plan
def test_fails():
    raise GateFailure("a rule is broken", [Finding(rule="r1", message="bad", address="a.b",
                                                   file="main.tf", line=3)])

@pytest.mark.devops_cost
def test_soft():
    assert 1 == 2

@pytest.mark.devops_postdeploy
def test_errors():
    raise RuntimeError("undecided")

def test_plain():
    pytest.skip("not today")
"""


def _schema() -> dict[str, object]:
    text = (resources.files("pytest_devops") / "report" / "report.schema.json").read_text()
    doc: dict[str, object] = json.loads(text)
    return doc


def test_the_written_report_matches_its_schema_and_reads_back_unchanged(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", devops=CONFIG)
    pytester.makepyfile(test_gates=TESTS)
    pytester.runpytest("--devops-env", "staging", "--devops-report", "r.json")
    doc = json.loads((pytester.path / "r.json").read_text())
    errors = [e.message for e in Draft202012Validator(_schema()).iter_errors(doc)]
    assert errors == []
    assert [(g["nodeid"].split("::")[1], g["outcome"], g.get("soft_fail", False))
            for g in doc["gates"]] == [
        ("test_passes", "pass", False), ("test_fails", "fail", False),
        ("test_soft", "fail", True), ("test_errors", "error", False),
        ("test_plain", "skip", False),
    ]
    report = parse_report(doc, "r.json")
    again = report.to_dict()
    assert Draft202012Validator(_schema()).is_valid(again)
    assert {k: v for k, v in again.items() if k != "gates"} == {
        k: v for k, v in doc.items() if k not in ("gates", "env_source")
    }
    assert again["gates"] == doc["gates"]


def test_the_schema_names_the_model_id() -> None:
    assert _schema()["properties"]["schema"] == {"const": SCHEMA}  # type: ignore[index]
