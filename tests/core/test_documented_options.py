"""The reference documents what the code declares: every option, and real config keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pytest_devops.config import schema

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_options_table_lists_every_option(pytestconfig: pytest.Config) -> None:
    group = pytestconfig._parser.getgroup("devops")
    declared = {name for option in group.options for name in option.names()}
    readme = (ROOT / "README.md").read_text("utf-8")
    table = readme[readme.index("### Options"):readme.index("### Markers and stages")]
    documented = set(re.findall(r"^\| `(--devops-[a-z-]+)", table, re.M))
    assert documented == declared


def test_the_gate_action_names_real_config_keys() -> None:
    action = yaml.safe_load((ROOT / "actions" / "gate" / "action.yml").read_text("utf-8"))
    text = action["inputs"]["plan"]["description"]
    [(section, key)] = re.findall(r"`(\w+): \{(\w+):", text)
    assert key in schema()["$defs"][section]["properties"]
