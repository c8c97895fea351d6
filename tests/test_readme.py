"""The README's configuration and gate examples run as written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_config_validates_for_every_environment(tmp_path: Path) -> None:
    from pytest_devops.config import environment_names, load_document, resolve

    config = tmp_path / "devops.yaml"
    config.write_text(blocks("yaml")[0])
    doc = load_document(config)
    assert environment_names(doc) == ["production", "staging"]
    production = resolve(doc, "production", config, environ={"PROD_BUDGET": "12000"})
    assert production.protected is True
    assert production.section("cost")["budget"] == {
        "monthly_max": "12000",
        "monthly_increase_max": 200,
    }


def test_readme_gate_examples_run(pytester: pytest.Pytester, corpus: Path) -> None:
    pytester.makefile(".yaml", devops=blocks("yaml")[0])
    shutil.copy(corpus / "plans" / "infracost__example_plan.json", pytester.path / "plan.json")
    pytester.makepyfile(test_gates=blocks("python")[0])
    result = pytester.runpytest(
        "--devops-env=staging", "-k", "volumes or single", "-p", "no:cacheprovider"
    )
    # Deselected: the host test and the built-in gates the config enables.
    result.assert_outcomes(passed=1, failed=1, deselected=8)
    # The example plan's io1 data volumes are not encrypted; no resource costs over $1,000.
    result.stdout.fnmatch_lines(
        ["FAIL      test_gates.py::test_data_volumes_are_encrypted: *aws_instance.web_app"]
    )
