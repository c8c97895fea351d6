"""The known limits the README's "What a gate promises" states, shown to still hold
(if one stops holding, the README must say so), and the section's claims in place."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from faultkit import HEAD
from faultkit import secrets_env as secrets_env
from leaks import SECRETS, leaks

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"^## What a gate promises\n(.*?)^## ", text, re.S | re.M)
    assert found, "README has no 'What a gate promises' section"
    return found.group(1)


def test_the_section_states_the_contract_and_its_limits() -> None:
    text = " ".join(_section().split())
    for claim in ("Pass, fail or error, never a silent pass.", "An error is never a pass",
                  "4 a usage error", "`github publish` refuses another run's",
                  "any 8 characters of them", "With `-s` (no capture)",
                  "shows it in the `-v` progress line"):
        assert claim in text, claim


def test_with_s_a_test_print_reaches_the_terminal_unmasked(
        pytester: pytest.Pytester, secrets_env: dict[str, str]) -> None:
    pytester.makefile(".yaml", devops=HEAD)
    pytester.makepyfile(test_print="""
        import os
        def test_prints():
            print("value:", os.environ["DEVOPS_TOKEN"])
    """)
    result = pytester.runpytest_subprocess("--devops-env=staging", "-s",
                                           "--devops-report=r.json")
    assert result.ret == 0
    assert f"value: {SECRETS['DEVOPS_TOKEN']}" in result.stdout.str()
    assert leaks([("report", (pytester.path / "r.json").read_text())]) == []


def test_a_secret_in_a_test_id_shows_only_in_the_verbose_progress_line(
        pytester: pytest.Pytester, secrets_env: dict[str, str]) -> None:
    pytester.makefile(".yaml", devops=HEAD)
    pytester.makepyfile(test_ids="""
        import os
        import pytest

        @pytest.mark.devops_plan
        @pytest.mark.parametrize("url", [os.environ["DEVOPS_TOKEN"]])
        def test_probe(url):
            assert False
    """)
    result = pytester.runpytest("--devops-env=staging", "-v", "--devops-report=r.json",
                                "-p", "no:cacheprovider")
    assert result.ret == 1
    token = SECRETS["DEVOPS_TOKEN"]
    showing = [line for line in result.outlines if token in line]
    assert len(showing) == 1
    assert showing[0].startswith(f"test_ids.py::test_probe[{token}] ")
    doc = json.loads((pytester.path / "r.json").read_text())
    assert [g["nodeid"] for g in doc["gates"]] == ["test_ids.py::test_probe[***]"]


def test_the_sections_example_notes_are_what_the_gates_print() -> None:
    from pytest_devops.security.coverage import describe

    text = " ".join(_section().split())
    shown = describe({
        "infra": {"declared": 40, "resources_scanned": 35, "status": "scanned"},
        "scratch": {"declared": 2, "resources_scanned": 0, "status": "nothing to check"},
    })
    assert f"`{shown}`" in text
    assert "`checked 12 resources`" in text
    assert "`2 check blocks passed`" in text
