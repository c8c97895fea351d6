"""Hardening gates end to end: one item per rule and host, against the test sshd."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sshd import Sshd

from pytest_devops.hosts.hardening import HardeningConfig, LocalRunner
from pytest_devops.hosts.rules import problems


def gates(pytester: pytest.Pytester) -> dict[str, dict]:
    doc = json.loads((pytester.path / "r.json").read_text())
    return {g["nodeid"].split("::")[1]: g for g in doc["gates"]}


def test_one_gate_per_rule_and_host(pytester: pytest.Pytester, sshd: Sshd,
                                    tmp_path: Path) -> None:
    tree = tmp_path / "srv"
    tree.mkdir()
    (tree / "open").write_text("x")
    (tree / "open").chmod(0o666)
    pytester.makefile(".yaml", devops=f"""
environments:
  staging:
    hosts:
      - url: paramiko://{sshd.user}@127.0.0.1:{sshd.port}?ssh_config={sshd.ssh_config}
        name: box
    hardening:
      sshd: {{config: {sshd.config}}}
      intrusion_prevention: {{services: [sshd]}}
      auto_updates: false
      world_writable: {{paths: [{tree}]}}
""")
    result = pytester.runpytest("--devops-env=staging", "--devops-report=r.json", "-v")
    # On this very machine (the sshd is local), the firewall rule decides as locally.
    firewall_ok = not problems("firewall", LocalRunner(), HardeningConfig())
    result.assert_outcomes(passed=2 + firewall_ok, failed=3 - firewall_ok)
    found = gates(pytester)
    assert sorted(found) == [
        "hardening[firewall:box]",
        "hardening[intrusion-prevention:box]",
        "hardening[sshd-password-auth:box]",
        "hardening[sshd-root-login:box]",
        "hardening[world-writable:box]",
    ]
    assert {g["kind"] for g in found.values()} == {"postdeploy"}
    outcomes = {name: g["outcome"] for name, g in found.items()}
    assert outcomes == {
        "hardening[firewall:box]": "pass" if firewall_ok else "fail",
        "hardening[intrusion-prevention:box]": "pass",
        "hardening[sshd-password-auth:box]": "pass",
        "hardening[sshd-root-login:box]": "fail",
        "hardening[world-writable:box]": "fail",
    }
    assert found["hardening[world-writable:box]"]["findings"] == [{
        "rule": "hardening-world-writable",
        "message": f"world-writable file {tree}/open",
        "address": "box",
        "details": {"path": f"{tree}/open"},
    }]
    root = found["hardening[sshd-root-login:box]"]
    assert root["message"].startswith("box: sshd-root-login: PermitRootLogin is prohibit-password")


@pytest.mark.parametrize("backend", ["paramiko", "ssh"])
def test_unreachable_host_is_an_error_not_a_failure(pytester: pytest.Pytester,
                                                     sshd: Sshd, backend: str) -> None:
    # Every rule: none may read "no output" from an unreachable host as a failing host.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pytester.makefile(".yaml", devops=f"""
environments:
  staging:
    hosts:
      - url: {backend}://{sshd.user}:pw-0f9e8d7c@127.0.0.1:{port}
        ssh_identity_file: {sshd.key}
        name: gone
        connect_timeout: 2
    hardening: {{}}
""")
    result = pytester.runpytest("--devops-env=staging", "--devops-report=r.json")
    found = gates(pytester)
    rules = ("sshd-password-auth", "sshd-root-login", "firewall", "intrusion-prevention",
             "auto-updates", "world-writable")
    assert {name: g["outcome"] for name, g in found.items()} == {
        f"hardening[{rule}:gone]": "error" for rule in rules
    }
    assert f"gone: cannot run commands on {backend}://" in found[
        "hardening[sshd-password-auth:gone]"]["message"]
    assert result.ret == 1
    assert "pw-0f9e8d7c" not in (pytester.path / "r.json").read_text()
    assert "pw-0f9e8d7c" not in result.stdout.str()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("hardening: {hosts: [web9]}\n    hosts: ['local://']",
         "*environments.staging.hardening.hosts: unknown host(s) web9; hosts: local*"),
        ("hardening: {sshd: true}", "*environments.staging.hardening: hardening rules need hosts*"),
        ("hardening: {firewall: {allow: ['22/sctp']}}\n    hosts: ['local://']",
         "*environments.staging.hardening.firewall.allow[[]0]*"),
    ],
)
def test_hardening_config_errors(pytester: pytest.Pytester, section: str, message: str) -> None:
    pytester.makefile(".yaml", devops=f"""
environments:
  staging:
    {section}
""")
    result = pytester.runpytest("--devops-env=staging")
    assert result.ret == 4
    result.stderr.fnmatch_lines([message])
