"""Organisation starter templates: each workflow has its properties file, the properties
have the keys GitHub reads, the icon exists, and the templates use the placeholder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

TEMPLATES = Path(__file__).resolve().parents[2] / "workflow-templates"


def test_each_template_has_its_properties_and_icon() -> None:
    workflows = {p.stem for p in TEMPLATES.glob("*.yml")}
    properties = {
        p.name.removesuffix(".properties.json") for p in TEMPLATES.glob("*.properties.json")
    }
    assert (
        workflows
        == properties
        == {"pytest-devops-terraform", "pytest-devops-cloudformation", "pytest-devops-pr-checks",
            "pytest-devops-drift"}
    )
    for name in sorted(properties):
        props = json.loads((TEMPLATES / f"{name}.properties.json").read_text())
        assert set(props) == {"name", "description", "iconName", "categories", "filePatterns"}
        assert props["name"]
        assert props["description"]
        assert (TEMPLATES / f"{props['iconName']}.svg").is_file()
        assert props["categories"]
        assert all(isinstance(c, str) for c in props["categories"])
        for pattern in props["filePatterns"]:
            re.compile(pattern)
        assert re.search(props["filePatterns"][0], "devops.yaml")


def test_deploying_templates_run_on_the_default_branch_placeholder() -> None:
    for name in ("pytest-devops-terraform", "pytest-devops-cloudformation"):
        doc = yaml.safe_load((TEMPLATES / f"{name}.yml").read_text())
        assert doc[True]["push"]["branches"] == ["$default-branch"]
        job = doc["jobs"]["pipeline"]
        assert job["uses"].startswith("pytest-devops/pytest-devops/.github/workflows/")
        assert "inherit" not in str(job.get("secrets")), "secrets are passed by name"
