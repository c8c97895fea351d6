"""The hosts section and testinfra's ``host`` fixture on the environment's hosts (real sshd)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sshd import Sshd

from pytest_devops.errors import ConfigError
from pytest_devops.hosts.targets import HostTarget, parse_hosts


def test_list_of_urls() -> None:
    targets = parse_hosts(["ssh://deploy@web1:2222", "local://", "docker://api"])
    assert targets == [
        HostTarget("web1:2222", "ssh://deploy@web1:2222", "ssh://deploy@web1:2222"),
        HostTarget("local", "local://", "local://"),
        HostTarget("api", "docker://api", "docker://api"),
    ]
    assert [t.backend for t in targets] == ["ssh", "local", "docker"]


def test_settings_become_testinfra_query_parameters(tmp_path: Path) -> None:
    targets = parse_hosts(
        {
            "ssh_config": "ssh/config",
            "connect_timeout": 7,
            "targets": [
                "paramiko://root@10.0.0.5",
                {"url": "ssh://web?timeout=3", "name": "web", "sudo": True,
                 "ssh_identity_file": "/keys/id"},
            ],
        },
        root=tmp_path,
    )
    cfg = str(tmp_path / "ssh" / "config").replace("/", "%2F")
    assert [t.spec for t in targets] == [
        f"paramiko://root@10.0.0.5?ssh_config={cfg}&timeout=7",
        f"ssh://web?timeout=3&ssh_config={cfg}&sudo=true&ssh_identity_file=%2Fkeys%2Fid",
    ]
    assert [t.name for t in targets] == ["10.0.0.5", "web"]


@pytest.mark.parametrize(
    ("section", "key", "message"),
    [
        (["telnet://h"], "hosts[0].url", "unknown testinfra backend 'telnet'"),
        (["ssh://a:1", {"url": "ssh://b", "name": "a:1"}], "hosts[1]",
         "two hosts are named 'a:1'"),
        ({"targets": ["ssh://a,b"]}, "hosts.targets[0]", "cannot contain a comma"),
    ],
)
def test_bad_hosts(section: object, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_hosts(section, file="devops.yaml")  # type: ignore[arg-type]
    assert exc.value.key == key
    assert message in exc.value.message


HOST_TESTS = """
def test_where(host):
    assert host.run("echo $SSH_CONNECTION").stdout.split()[2:] == ["127.0.0.1", "{port}"]

def test_user(host):
    assert host.user().name == "{user}"
"""


@pytest.fixture
def project(pytester: pytest.Pytester, sshd: Sshd) -> pytest.Pytester:
    pytester.makefile(".yaml", devops=f"""
environments:
  staging:
    hosts:
      targets:
        - url: paramiko://{sshd.user}@127.0.0.1:{sshd.port}
          name: box
      ssh_config: {sshd.ssh_config}
      connect_timeout: 5
  local:
    hosts: ["local://"]
""")
    pytester.makepyfile(test_box=HOST_TESTS.format(port=sshd.port, user=sshd.user))
    return pytester


def test_host_fixture_runs_on_the_environment_hosts(project: pytest.Pytester,
                                                    sshd: Sshd) -> None:
    result = project.runpytest("--devops-env=staging", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "devops: hosts box from environment staging",
        "*test_box.py::test_where?paramiko://127.0.0.1? PASSED*",
    ])


def test_hosts_option_wins(project: pytest.Pytester) -> None:
    result = project.runpytest("--devops-env=staging", "--hosts=local://", "-v")
    result.assert_outcomes(passed=1, failed=1)  # local: no SSH_CONNECTION
    result.stdout.fnmatch_lines(["*(overridden by --hosts)*", "*test_user?local? PASSED*"])


def test_module_testinfra_hosts_win(project: pytest.Pytester) -> None:
    project.makepyfile(test_pinned="""
        testinfra_hosts = ["local://"]

        def test_pinned(host):
            assert host.backend.NAME == "local"
    """)
    result = project.runpytest("--devops-env=staging", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_pinned.py::test_pinned?local? PASSED*"])


def test_without_an_environment_testinfra_keeps_its_default(project: pytest.Pytester) -> None:
    result = project.runpytest("-v", "-k", "user")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_user?local? PASSED*"])


def test_unknown_backend_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", devops="""
environments:
  staging:
    hosts: ["telnet://old-box"]
""")
    result = pytester.runpytest("--devops-env=staging")
    assert result.ret == 4
    result.stderr.fnmatch_lines([
        "*devops.yaml:3: environments.staging.hosts[[]0].url: unknown testinfra backend 'telnet'*"
    ])
