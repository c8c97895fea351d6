"""Run a fault scenario as a user would, and collect every byte it produced.

A scenario is a ``devops.yaml`` (every environment masks ``DEVOPS_SECRET`` and
``DEVOPS_TOKEN``), the files beside it, and the pytest arguments. :func:`run_gates`
runs pytest in-process with the JSON report, JUnit and SARIF on, then searches the
terminal and every file written for any piece of the secrets.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from leaks import SECRETS, assert_no_leak, files

HEAD = """
environments:
  staging:
    redact_env: [DEVOPS_SECRET, DEVOPS_TOKEN]
"""


@dataclass
class Outcome:
    ret: int
    text: str
    report: dict[str, Any] | None
    root: Path
    lines: list[str] = field(default_factory=list)

    def gate(self, suffix: str) -> dict[str, Any]:
        """The report's entry for the gate whose node id ends with ``suffix``."""
        assert self.report is not None, f"no report written:\n{self.text}"
        found = [g for g in self.report["gates"] if g["nodeid"].endswith(suffix)]
        assert len(found) == 1, [g["nodeid"] for g in self.report["gates"]]
        return found[0]

    def outcomes(self) -> dict[str, str]:
        assert self.report is not None, f"no report written:\n{self.text}"
        return {g["nodeid"].rsplit("::", 1)[-1]: g["outcome"] for g in self.report["gates"]}

    def shows(self, *patterns: str) -> None:
        """Each fnmatch pattern matches a line the user saw (in order)."""
        pytest.LineMatcher(self.lines).fnmatch_lines(list(patterns))


def section(body: str) -> str:
    """``devops.yaml`` with ``body`` (YAML indented under ``staging:``)."""
    return HEAD + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"


def write_files(root: Path, extra: dict[str, str | bytes]) -> None:
    for name, content in extra.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def run_gates(pytester: pytest.Pytester, config: str, extra: dict[str, str | bytes] | None = None,
              *args: str, tests: str | None = None) -> Outcome:
    """pytest --devops-env=staging with every output on; no secret piece may leak."""
    pytester.makefile(".yaml", devops=config)
    write_files(pytester.path, extra or {})
    if tests is not None:
        pytester.makepyfile(test_scenario=textwrap.dedent(tests))
    result = pytester.runpytest(
        "--devops-env=staging", "--devops-report=r.json", "--junitxml=j.xml",
        "--devops-sarif=s.sarif", "-p", "no:cacheprovider", "-rA", *args,
    )
    lines = result.outlines + result.errlines
    text = "\n".join(lines)
    report_path = pytester.path / "r.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    assert_no_leak([("terminal", text), *files(pytester.path, inputs=extra or {})])
    return Outcome(int(result.ret), text, report, pytester.path, lines)


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return dict(SECRETS)
