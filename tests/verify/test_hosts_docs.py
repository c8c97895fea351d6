"""The examples of docs/verify-hosts.md: the config as documented, the test on the test sshd."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sshd import Sshd

DOC = Path(__file__).resolve().parents[2] / "docs" / "verify-hosts.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), re.S)


def test_documented_config_gives_one_gate_per_rule_and_host(pytester: pytest.Pytester) -> None:
    config, = blocks("yaml")
    pytester.makefile(".yaml", devops=config)
    result = pytester.runpytest("--devops-env=staging", "--collect-only", "-q")
    header = blocks("text")[0].strip()
    pytester.runpytest("--devops-env=staging", "--collect-only").stdout.fnmatch_lines([header])
    rules = ["sshd-password-auth", "sshd-root-login", "firewall", "intrusion-prevention",
             "auto-updates", "world-writable"]
    items = [line for line in result.stdout.lines if line.startswith("devops.yaml::")]
    assert items == [
        f"devops.yaml::hardening[{rule}:{host}]"
        for host in ("web1.staging.example.com", "bastion")
        for rule in rules
    ]


def test_documented_host_test_runs_on_the_environment_host(pytester: pytest.Pytester,
                                                           sshd: Sshd) -> None:
    tests, _ = blocks("python")
    pytester.makefile(".yaml", devops=f"""
environments:
  staging:
    hosts: ["paramiko://{sshd.user}@127.0.0.1:{sshd.port}?ssh_config={sshd.ssh_config}"]
""")
    pytester.makepyfile(test_doc=tests)
    result = pytester.runpytest("--devops-env=staging", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_ssh_server?paramiko://127.0.0.1? PASSED*"])


def test_documented_library_use(capsys: pytest.CaptureFixture[str]) -> None:
    _, library = blocks("python")
    exec(compile(library, str(DOC), "exec"), {})  # noqa: S102
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith("world-writable ") for line in lines), lines
