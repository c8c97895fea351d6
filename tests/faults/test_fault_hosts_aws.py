"""Host and AWS faults against a real sshd and moto's server on 127.0.0.1: an unreachable
host, a broken rule on a reachable one, a missing bucket, an emulator that refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from faultkit import run_gates, section
from faultkit import secrets_env as secrets_env
from leaks import SECRETS
from sshd import Sshd


def hardening(host: str, tree: Path) -> str:
    return section(f"""
hosts:
  - url: {host}
    name: box
hardening:
  sshd: false
  firewall: false
  intrusion_prevention: false
  auto_updates: false
  world_writable: {{paths: [{tree}]}}
""")


def test_world_writable_file_on_a_real_host_fails(pytester: pytest.Pytester, sshd: Sshd,
                                                  secrets_env: dict[str, str]) -> None:
    tree = pytester.path / "srv"
    tree.mkdir()
    (tree / "open").write_text("x")
    (tree / "open").chmod(0o666)
    out = run_gates(pytester, hardening(sshd.url, tree))
    assert (out.ret, out.outcomes()) == (1, {"hardening[world-writable:box]": "fail"})
    out.shows("FAIL      devops.yaml::hardening[[]world-writable:box[]]: *")
    (tree / "open").chmod(0o644)
    out = run_gates(pytester, hardening(sshd.url, tree))
    assert (out.ret, out.outcomes()) == (0, {"hardening[world-writable:box]": "pass"})


def test_unreachable_host_is_an_error(pytester: pytest.Pytester, sshd: Sshd,
                                      secrets_env: dict[str, str]) -> None:
    dead = f"paramiko://{sshd.user}@127.0.0.1:9"
    out = run_gates(pytester, hardening(dead, pytester.path))
    assert (out.ret, out.outcomes()) == (1, {"hardening[world-writable:box]": "error"})
    out.shows("ERROR     devops.yaml::hardening[[]world-writable:box[]]: *")


def outputs(bucket: str) -> dict[str, str | bytes]:
    return {"outputs.json": json.dumps({
        "bucket": {"value": bucket, "type": "string", "sensitive": False},
        "db_password": {"value": SECRETS["DEVOPS_SECRET"], "type": "string", "sensitive": True},
    })}


def aws(endpoint: str) -> str:
    return section(f"""
aws:
  region: us-east-1
  endpoint_url: {endpoint}
  outputs_file: outputs.json
  checks:
    buckets_secure: [output:bucket]
""")


def test_missing_bucket_fails_and_a_refusing_endpoint_errors(
        pytester: pytest.Pytester, aws_endpoint: str, secrets_env: dict[str, str]) -> None:
    out = run_gates(pytester, aws(aws_endpoint), outputs("no-such-bucket-faults"))
    assert out.ret == 1
    assert set(out.outcomes().values()) == {"fail"}, out.outcomes()
    out = run_gates(pytester, aws("http://127.0.0.1:9"), outputs("no-such-bucket-faults"))
    assert out.ret == 1
    assert set(out.outcomes().values()) == {"error"}, out.outcomes()
