"""System rules: intrusion prevention running, automatic security updates, no
world-writable files."""

from __future__ import annotations

import re

from pytest_devops.errors import GateError
from pytest_devops.hosts.hardening import HardeningConfig, Problem, Runner, q

_COMMS = 'for p in /proc/[0-9]*/comm; do read -r c < "$p" 2>/dev/null && echo "$c"; done'


def running(runner: Runner, services: tuple[str, ...]) -> list[str]:
    """Those of ``services`` that run: as an active systemd unit or a process of that name."""
    units = " ".join(q(s) for s in services)
    script = (
        f"{_COMMS}\nfor s in {units}; do systemctl is-active --quiet \"$s\" 2>/dev/null "
        '&& echo "unit:$s"; done; true'
    )
    seen = set(runner.run(script).stdout.split())
    out = []
    for service in services:
        names = {service, f"{service}-server"}  # fail2ban's daemon is fail2ban-server
        if {n[:15] for n in names} & seen or f"unit:{service}" in seen:  # comm: 15 chars
            out.append(service)
    return out


def intrusion_prevention(runner: Runner, config: HardeningConfig) -> list[Problem]:
    assert config.ips_services is not None
    if running(runner, config.ips_services):
        return []
    return [Problem(
        "no intrusion-prevention service is running (looked for: "
        + ", ".join(config.ips_services) + ")"
    )]


_APT_LINE = re.compile(r'^(\S+) "(.*)";$')


def _enabled(value: str | None) -> bool:
    return value is not None and value.strip() not in ("", "0", "false", "no")


def auto_updates(runner: Runner, config: HardeningConfig) -> list[Problem]:
    apt = runner.run("command -v apt-config >/dev/null 2>&1 && apt-config dump")
    if apt.rc == 0 and apt.stdout.strip():
        return _apt(runner, apt.stdout)
    dnf = runner.run("cat /etc/dnf/automatic.conf 2>/dev/null")
    if dnf.rc == 0:
        return _dnf(runner, dnf.stdout)
    return [Problem(
        "no automatic updates: neither unattended-upgrades (apt) nor dnf-automatic is set up"
    )]


def _apt(runner: Runner, dump: str) -> list[Problem]:
    values = {}
    for line in dump.splitlines():
        m = _APT_LINE.match(line.strip())
        if m:
            values[m.group(1)] = m.group(2)
    out = []
    for option in ("APT::Periodic::Update-Package-Lists", "APT::Periodic::Unattended-Upgrade"):
        if not _enabled(values.get(option)):
            shown = values.get(option, "unset")
            out.append(Problem(
                f"{option} is {shown}, expected \"1\" (apt-config dump; "
                "see /etc/apt/apt.conf.d/20auto-upgrades)",
                {"option": option, "value": shown},
            ))
    installed = runner.run(
        "command -v unattended-upgrade >/dev/null 2>&1 || test -x /usr/bin/unattended-upgrade"
    )
    if installed.rc != 0:
        out.append(Problem("unattended-upgrades is not installed (no unattended-upgrade program)"))
    return out


def _dnf(runner: Runner, text: str) -> list[Problem]:
    out = []
    section = ""
    apply = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "commands" and re.match(r"apply_updates\s*=", line):
            apply = line.split("=", 1)[1].strip().lower()
    if apply not in ("yes", "true", "1", "on"):
        out.append(Problem(f"dnf-automatic apply_updates is {apply or 'unset'}, expected yes"))
    timers = runner.run(
        "systemctl is-enabled dnf-automatic.timer dnf-automatic-install.timer 2>/dev/null"
    )
    if "enabled" not in timers.stdout.split():
        out.append(Problem("no dnf-automatic timer is enabled"))
    return out


def world_writable(runner: Runner, config: HardeningConfig) -> list[Problem]:
    assert config.world_writable_paths is not None
    paths = " ".join(q(p) for p in config.world_writable_paths)
    result = runner.run(
        f"find {paths} -xdev \\( -type f -perm -0002 -exec printf 'file %s\\n' {{}} + \\) "
        f"-o \\( -type d -perm -0002 ! -perm -1000 -exec printf 'directory %s\\n' {{}} + \\)"
    )
    missing = [e for e in result.stderr.splitlines() if "No such file or directory" in e]
    errors = [e for e in result.stderr.splitlines() if e not in missing]
    if result.rc != 0 and errors:
        raise GateError(
            f"cannot search {', '.join(config.world_writable_paths)}: {errors[0]}",
            hint="run with sudo (hosts: sudo: true) or narrow hardening.world_writable.paths",
        )
    if not result.stdout.strip() and all(  # find quotes the path: '/p' or ‘/p’
        any(f"{p}'" in e or f"{p}\u2019" in e for e in missing)
        for p in config.world_writable_paths
    ):  # nothing was searched: that is not a clean host
        raise GateError(
            f"none of the paths exist on the host: {', '.join(config.world_writable_paths)}",
            hint="check hardening.world_writable.paths",
        )
    found = [
        (kind, path)
        for kind, _, path in (line.partition(" ") for line in result.stdout.splitlines())
        if path
    ]
    return [
        Problem(f"world-writable {kind} {path}", {"path": path})
        for kind, path in sorted(found, key=lambda f: f[1])
        if not _excluded(path, config.world_writable_exclude)
    ]


def _excluded(path: str, exclude: tuple[str, ...]) -> bool:
    return any(path == e or (e.endswith("/") and path.startswith(e)) for e in exclude)
