"""Hardening rules against real systems: the test sshd's configurations (``sshd -T``),
nftables/iptables rulesets loaded in a private network namespace, this machine's
services, apt settings and file modes — over SSH through testinfra, or locally."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sshd import Sshd

from pytest_devops.errors import GateError, GateFailure
from pytest_devops.hosts.hardening import (
    CommandResult,
    HardeningConfig,
    LocalRunner,
    TestinfraRunner,
    parse_hardening,
)
from pytest_devops.hosts.rules import check, problems
from pytest_devops.hosts.sshd import SshdSettings, parse_dump, read_files


@pytest.fixture(scope="module")
def remote(sshd: Sshd) -> TestinfraRunner:
    testinfra = pytest.importorskip("testinfra")
    return TestinfraRunner(testinfra.get_host(sshd.spec()))


def messages(rule: str, runner: object, config: HardeningConfig) -> list[str]:
    return [p.message for p in problems(rule, runner, config)]  # type: ignore[arg-type]


# --- sshd ------------------------------------------------------------------------------


def test_running_sshd_disallows_passwords_but_allows_root_keys(
    remote: TestinfraRunner, sshd: Sshd
) -> None:
    cfg = HardeningConfig(sshd_config=str(sshd.config))
    assert messages("sshd-password-auth", remote, cfg) == []
    assert messages("sshd-root-login", remote, cfg) == [
        f"PermitRootLogin is prohibit-password, expected no (from sshd -T -f {sshd.config})"
    ]
    allowed = HardeningConfig(sshd_config=str(sshd.config),
                              permit_root_login=("no", "prohibit-password"))
    assert messages("sshd-root-login", remote, allowed) == []


@pytest.mark.parametrize(
    ("variant", "password", "root"),
    [
        ("hardened", [], []),
        ("include", [], []),
        ("weak", ["PasswordAuthentication is yes, expected no"],
         ["PermitRootLogin is yes, expected no"]),
        ("defaults", ["PasswordAuthentication is yes, expected no"],
         ["PermitRootLogin is prohibit-password, expected no"]),
    ],
)
def test_sshd_rules_on_config_variants(
    sshd: Sshd, variant: str, password: list[str], root: list[str]
) -> None:
    path = sshd.variants[variant]
    cfg = HardeningConfig(sshd_config=str(path))
    source = f" (from sshd -T -f {path})"
    local = LocalRunner()  # the same sshd -T as over SSH, without the round trips
    assert messages("sshd-password-auth", local, cfg) == [m + source for m in password]
    assert messages("sshd-root-login", local, cfg) == [m + source for m in root]


@pytest.mark.parametrize("variant", ["hardened", "include", "weak", "defaults"])
def test_parser_agrees_with_sshd_T(sshd: Sshd, variant: str) -> None:
    """The fallback parser reads each file as sshd itself does (Include first-wins, Match)."""
    path = str(sshd.variants[variant])
    real = subprocess.run(["/usr/sbin/sshd", "-T", "-f", path], capture_output=True, text=True,
                          check=True).stdout
    values: dict[str, str] = {}
    read_files(LocalRunner(), path, values, depth=0, top=True)
    parsed = SshdSettings(values, path)
    effective = SshdSettings(parse_dump(real), "sshd -T")
    for option in ("passwordauthentication", "permitrootlogin", "kbdinteractiveauthentication",
                   "usepam"):
        assert parsed.get(option) == effective.get(option), option


def test_sshd_rules_fall_back_to_parsing_when_sshd_T_cannot_run(sshd: Sshd) -> None:
    class NoSshdT(LocalRunner):  # sshd -T needs root to read the host keys
        def run(self, command: str) -> CommandResult:
            if " -T -f " in command:
                return CommandResult(255, "", "sshd: no hostkeys available -- exiting.")
            return super().run(command)

    path = sshd.variants["weak"]
    cfg = HardeningConfig(sshd_config=str(path))
    assert messages("sshd-root-login", NoSshdT(), cfg) == [
        f"PermitRootLogin is yes, expected no (from {path} (parsed; `sshd -T` failed: "
        "sshd: no hostkeys available -- exiting.))"
    ]


# --- firewall ----------------------------------------------------------------------------


class NetnsRunner(LocalRunner):
    """Each command runs in a fresh network namespace where ``setup`` loaded a ruleset."""

    def __init__(self, setup: str) -> None:
        super().__init__()
        self.setup = setup

    def run(self, command: str) -> CommandResult:
        return super().run(f"unshare -n sh -c {_q(self.setup + ' >/dev/null && ' + command)}")


def _q(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _netns_ok(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (Debian: apt-get install nftables iptables)")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("cannot create a network namespace here (needs root / CAP_SYS_ADMIN)")


NFT_STRICT = """
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    tcp dport { 22, 443 } accept
    jump extra
  }
  chain extra {
    udp dport 53 accept
    tcp dport 8000-8010 accept
  }
}
"""
NFT_OPEN = """
table inet filter {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 22 accept
    ip saddr 10.0.0.0/8 accept
  }
}
"""


@pytest.mark.parametrize(
    ("ruleset", "allow", "expected"),
    [
        (NFT_STRICT, (22, "443/tcp", "53/udp", "8000-8010/tcp"), []),
        (NFT_STRICT, (22,), ["nftables: port 443/tcp is open but not allowed",
                             "nftables: port 8000-8010/tcp is open but not allowed",
                             "nftables: port 53/udp is open but not allowed"]),
        (NFT_OPEN, (22,), [
            "nftables: incoming traffic is not denied by default",
            'nftables: accepts all incoming traffic: [{"match":{"op":"==","left":{"payload":'
            '{"protocol":"ip","field":"saddr"}},"right":{"prefix":{"addr":"10.0.0.0","len":8}}}},'
            '{"accept":null}]',
        ]),
    ],
)
def test_nftables_ruleset(tmp_path: Path, ruleset: str, allow: tuple, expected: list[str]) -> None:
    _netns_ok("nft")
    rules = tmp_path / "rules.nft"
    rules.write_text(ruleset)
    runner = NetnsRunner(f"nft -f {rules}")
    assert messages("firewall", runner, HardeningConfig(firewall_allow=allow)) == expected


IPTABLES_STRICT = """*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:services - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -j services
-A services -p tcp -m tcp --dport 22 -j ACCEPT
-A services -p tcp -m multiport --dports 80,443 -j ACCEPT
COMMIT
"""


def test_iptables_ruleset(tmp_path: Path) -> None:
    _netns_ok("iptables-legacy-restore")
    rules = tmp_path / "rules.v4"
    rules.write_text(IPTABLES_STRICT)
    # iptables-legacy: the rules are read from `iptables -S`, nftables sees none.
    runner = NetnsRunner(
        f"iptables-legacy-restore < {rules} && ln -sf $(command -v iptables-legacy) "
        f"{tmp_path}/iptables && PATH={tmp_path}:$PATH"
    )
    assert messages("firewall", runner, HardeningConfig(firewall_allow=(22, 80, 443))) == []
    assert messages("firewall", runner, HardeningConfig(firewall_allow=(22,))) == [
        "iptables: port 80/tcp is open but not allowed",
        "iptables: port 443/tcp is open but not allowed",
    ]


def test_empty_namespace_has_no_firewall() -> None:
    _netns_ok("nft")
    runner = NetnsRunner("true")
    found = messages("firewall", runner, HardeningConfig())
    assert found in (
        ["iptables: incoming traffic is not denied by default"],
        ["no firewall: nftables is installed but filters no incoming traffic"],
    )


def test_no_firewall_tool_is_a_failure(tmp_path: Path) -> None:
    """On a system without ufw, nft and iptables (hidden by an empty mount over sbin)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    if subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode:
        pytest.skip("cannot create a mount namespace here (needs root / CAP_SYS_ADMIN)")

    class NoTools(LocalRunner):
        def run(self, command: str) -> CommandResult:
            hide = f"mount --bind {empty} /usr/sbin && "
            return super().run(f"unshare -m sh -c {_q(hide + command)}")

    runner = NoTools(env={"PATH": "/usr/bin:/bin"})
    assert messages("firewall", runner, HardeningConfig()) == [
        "no firewall: none of ufw, nft or iptables is installed"
    ]


UFW_STATUS = """Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW IN    Anywhere
80,443/tcp                 ALLOW IN    Anywhere
6000:6007/udp              ALLOW IN    10.0.0.0/8
Anywhere                   ALLOW IN    192.168.1.5
22/tcp (v6)                ALLOW IN    Anywhere (v6)
"""


def test_ufw_status() -> None:
    from pytest_devops.hosts.firewall import parse_ufw, show

    fw = parse_ufw(UFW_STATUS)
    assert fw.default_deny
    assert [show(p) for p in fw.open] == ["22/tcp", "80/tcp", "443/tcp", "6000-6007/udp", "22/tcp"]
    assert fw.accept_all == ["Anywhere                   ALLOW IN    192.168.1.5"]


# --- services, updates, files ----------------------------------------------------------


def test_intrusion_prevention(remote: TestinfraRunner) -> None:
    local = LocalRunner()
    comms = {Path(p, "comm").read_text().strip() for p in Path("/proc").glob("[0-9]*")
             if Path(p, "comm").exists()}
    if comms & {"fail2ban-server", "sshguard", "crowdsec"}:
        pytest.skip("an intrusion-prevention service runs on this machine")
    assert messages("intrusion-prevention", local, HardeningConfig()) == [
        "no intrusion-prevention service is running (looked for: fail2ban, sshguard, crowdsec)"
    ]
    # The test sshd is a real running daemon: as the "equivalent" service, it passes.
    assert messages("intrusion-prevention", remote, HardeningConfig(ips_services=("sshd",))) == []


def test_auto_updates_over_ssh_match_the_local_reading(remote: TestinfraRunner) -> None:
    cfg = HardeningConfig()
    assert messages("auto-updates", remote, cfg) == messages("auto-updates", LocalRunner(), cfg)


def test_auto_updates_with_apt(tmp_path: Path) -> None:
    if shutil.which("apt-config") is None:
        pytest.skip("apt-config is not installed")
    conf = tmp_path / "apt.conf"
    conf.write_text('APT::Periodic::Update-Package-Lists "1";\n'
                    'APT::Periodic::Unattended-Upgrade "0";\n')
    env = {**os.environ, "APT_CONFIG": str(conf), "PATH": f"/usr/bin:/bin:{tmp_path / 'bin'}"}
    has_uu = os.path.exists("/usr/bin/unattended-upgrade")
    missing = [] if has_uu else [
        "unattended-upgrades is not installed (no unattended-upgrade program)"]
    assert messages("auto-updates", LocalRunner(env), HardeningConfig()) == [
        'APT::Periodic::Unattended-Upgrade is 0, expected "1" (apt-config dump; '
        "see /etc/apt/apt.conf.d/20auto-upgrades)",
        *missing,
    ]
    conf.write_text('APT::Periodic::Update-Package-Lists "1";\n'
                    'APT::Periodic::Unattended-Upgrade "1";\n')
    (tmp_path / "bin").mkdir()
    program = tmp_path / "bin" / "unattended-upgrade"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    assert messages("auto-updates", LocalRunner(env), HardeningConfig()) == []


def test_world_writable(remote: TestinfraRunner, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "etc" / "sub").mkdir(parents=True)
    (root / "etc" / "ok.conf").write_text("x")
    (root / "etc" / "open.conf").write_text("x")
    (root / "etc" / "open.conf").chmod(0o666)
    (root / "etc" / "sub" / "deep").write_text("x")
    (root / "etc" / "sub" / "deep").chmod(0o646)
    (root / "drop").mkdir()
    (root / "drop").chmod(0o777)
    (root / "tmp").mkdir()
    (root / "tmp").chmod(0o1777)  # sticky: allowed
    (root / "tmp" / "scratch").write_text("x")
    (root / "tmp" / "scratch").chmod(0o666)
    paths = (str(root), str(tmp_path / "missing"))
    cfg = HardeningConfig(world_writable_paths=paths, world_writable_exclude=(f"{root}/tmp/",))
    assert messages("world-writable", remote, cfg) == [
        f"world-writable directory {root}/drop",
        f"world-writable file {root}/etc/open.conf",
        f"world-writable file {root}/etc/sub/deep",
    ]
    clean = HardeningConfig(world_writable_paths=(str(root / "etc" / "sub"),),
                            world_writable_exclude=(f"{root}/etc/sub/deep",))
    assert messages("world-writable", remote, clean) == []
    nowhere = HardeningConfig(world_writable_paths=(str(tmp_path / "missing"),))
    with pytest.raises(GateError) as info:
        messages("world-writable", remote, nowhere)
    assert info.value.message == f"none of the paths exist on the host: {tmp_path}/missing"


def test_check_raises_a_failure_with_one_finding_per_problem(remote: TestinfraRunner,
                                                             sshd: Sshd) -> None:
    cfg = HardeningConfig(sshd_config=str(sshd.variants["weak"]))
    with pytest.raises(GateFailure) as exc:
        check("sshd-password-auth", remote, cfg, "box")
    assert exc.value.message.startswith("box: sshd-password-auth: PasswordAuthentication is yes")
    assert [(f.rule, f.address) for f in exc.value.findings] == [
        ("hardening-sshd-password-auth", "box")]


def test_parse_hardening_section() -> None:
    assert parse_hardening(None) is None
    assert parse_hardening({}) == HardeningConfig()  # `hardening: {}`: every rule, defaults
    cfg = parse_hardening({"sshd": False, "firewall": {"allow": [22, "443/tcp"]},
                           "world_writable": {"paths": ["/srv"]}})
    assert cfg is not None
    assert cfg.rules() == ["firewall", "intrusion-prevention", "auto-updates", "world-writable"]
    assert (cfg.firewall_allow, cfg.world_writable_paths) == ((22, "443/tcp"), ("/srv",))
