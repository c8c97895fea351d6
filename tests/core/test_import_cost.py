"""Loading the plugin must stay cheap: standard library and pytest only."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "boto3",
    "botocore",
    "checkov",
    "testinfra",
    "ghapi",
    "jinja2",
    "moto",
    "yaml",
    "jsonschema",
    "requests",
    "paramiko",
    "urllib3",
)


def loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    modules = json.loads(out.splitlines()[-1])
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


def test_importing_the_plugin_imports_nothing_heavy() -> None:
    assert loaded_after("import pytest_devops.plugin") == []


def test_package_exports_are_lazy() -> None:
    assert loaded_after("import pytest_devops; pytest_devops.__all__") == []


def test_loading_the_feature_plugins_leaves_their_libraries_unloaded() -> None:
    """A feature plugin imports its package; the package's exports are lazy, so the plan
    loader, the cost engine and its price tables, the scan model wait for a gate."""
    code = (
        "import importlib, sys, json, pytest_devops.plugin\n"
        "from pytest_devops.features import FEATURES\n"
        "[importlib.import_module(m) for f in FEATURES for m in (f.plugin, f.options) if m]\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('pytest_devops'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    libraries = {
        "pytest_devops.plan.load",
        "pytest_devops.plan.capture",
        "pytest_devops.plan.model",
        "pytest_devops.cost.engine",
        "pytest_devops.cost.aws",
        "pytest_devops.security.model",
        "pytest_devops.security.policy",
    }
    assert loaded & libraries == set()


def test_collecting_without_an_environment_imports_nothing_heavy(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        f"""
        import sys
        def pytest_collection_finish(session):
            heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {set(HEAVY)!r})
            print("HEAVY:", heavy)
            features = sorted(m for m in sys.modules if m.endswith(".plugin")
                              and m.startswith("pytest_devops.") and m.count(".") == 2)
            print("FEATURES:", features)
        """
    )
    pytester.makepyfile("def test_one(): pass")
    # testinfra is installed beside us and its own plugin imports itself.
    result = pytester.runpytest_subprocess("--co", "-s", "-p", "no:pytest11.testinfra")
    # With no environment, stage or report, the feature plugins are not even imported.
    result.stdout.fnmatch_lines(["HEAVY: []", "FEATURES: []"])
