"""sshd rules: no password logins, no root logins, judged on the effective configuration.

The effective configuration comes from ``sshd -T -f CONFIG`` (sshd's own reading, with
every Include and default applied). When that cannot run (no privileges to read the host
keys, no sshd binary), the files are read and parsed the way sshd does: first value
wins, ``Include`` expanded in place (relative to /etc/ssh), the global section ends at
the first ``Match``, and unset options take OpenSSH's defaults. ``Match`` blocks are not
evaluated either way (they apply to particular users or addresses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_devops.errors import GateError
from pytest_devops.hosts.hardening import HardeningConfig, Problem, Runner, memo, q

#: OpenSSH's defaults for the options the rules read (sshd_config(5)).
DEFAULTS = {
    "passwordauthentication": "yes",
    "kbdinteractiveauthentication": "yes",
    "permitrootlogin": "prohibit-password",
    "usepam": "no",
}
ALIASES = {
    "challengeresponseauthentication": "kbdinteractiveauthentication",
}
_GLOB_SAFE = re.compile(r"^[A-Za-z0-9_./*?\[\]@+-]+$")
_SSHD = "PATH=\"$PATH:/usr/sbin:/sbin\"; sshd"


@dataclass(frozen=True)
class SshdSettings:
    """Effective sshd options (lower-case names) and where they were read from."""

    values: dict[str, str]
    source: str

    def get(self, name: str) -> str:
        value = self.values.get(name, DEFAULTS.get(name, "")).lower()
        # `sshd -T` of OpenSSH < 9.x prints the old spelling of the same setting.
        return "prohibit-password" if value == "without-password" else value


def effective(runner: Runner, path: str) -> SshdSettings:
    """The settings sshd uses with config ``path`` (read once per runner)."""
    found: SshdSettings = memo(runner, f"sshd:{path}", lambda: _effective(runner, path))
    return found


def _effective(runner: Runner, path: str) -> SshdSettings:
    result = runner.run(f"{_SSHD} -T -f {q(path)}")
    if result.rc == 0 and result.stdout.strip():
        return SshdSettings(parse_dump(result.stdout), f"sshd -T -f {path}")
    values: dict[str, str] = {}
    read_files(runner, path, values, depth=0, top=True)
    return SshdSettings(values, f"{path} (parsed; `sshd -T` failed: {_first_line(result)})")


def parse_dump(text: str) -> dict[str, str]:
    """``sshd -T`` output -> option -> value (first of repeated options)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        name, _, value = line.strip().partition(" ")
        if name:
            out.setdefault(ALIASES.get(name.lower(), name.lower()), value.strip())
    return out


def parse_config(text: str) -> list[tuple[str, str]]:
    """The ``(option, value)`` lines of an sshd_config text, in order (``match`` included)."""
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([A-Za-z]+)(?:\s*=\s*|\s+)(.*)$", line)
        if m is None:
            continue
        out.append((m.group(1).lower(), m.group(2).strip().strip('"')))
    return out


def read_files(runner: Runner, path: str, values: dict[str, str], *, depth: int, top: bool) -> bool:
    """Apply ``path`` to ``values`` (first value wins). False once a ``Match`` ends it."""
    if depth > 16:
        raise GateError(f"sshd_config Include nesting deeper than 16 levels at {path}")
    result = runner.run(f"cat -- {q(path)}")
    if result.rc != 0:
        raise GateError(
            f"cannot read {path} on the host: {_first_line(result)}",
            hint="run with sudo (hosts: sudo: true) or point hardening.sshd.config at the file",
        )
    for name, value in parse_config(result.stdout):
        if name == "match":
            return not top  # a Match in an included file ends only that file
        if name == "include":
            for included in _expand(runner, value):
                if not read_files(runner, included, values, depth=depth + 1, top=False):
                    return False
            continue
        values.setdefault(ALIASES.get(name, name), value)
    return True


def _expand(runner: Runner, value: str) -> list[str]:
    files: list[str] = []
    for pattern in value.split():
        if not pattern.startswith("/"):
            pattern = f"/etc/ssh/{pattern}"
        if not _GLOB_SAFE.match(pattern):
            raise GateError(f"cannot expand sshd_config Include {pattern!r} safely")
        # The pattern is left unquoted so that the host's shell expands the glob.
        found = runner.run(f'for f in {pattern}; do [ -f "$f" ] && echo "$f"; done; true')
        files += sorted(line for line in found.stdout.splitlines() if line)
    return files


def _first_line(result: object) -> str:
    text = (getattr(result, "stderr", "") or getattr(result, "stdout", "") or "").strip()
    return text.splitlines()[0] if text else f"exit status {getattr(result, 'rc', '?')}"


def password_auth(runner: Runner, config: HardeningConfig) -> list[Problem]:
    assert config.sshd_config is not None
    s = effective(runner, config.sshd_config)
    out = []
    if s.get("passwordauthentication") != "no":
        out.append(Problem(
            f"PasswordAuthentication is {s.get('passwordauthentication')}, expected no "
            f"(from {s.source})",
            {"option": "PasswordAuthentication", "value": s.get("passwordauthentication")},
        ))
    if s.get("kbdinteractiveauthentication") != "no" and s.get("usepam") != "no":
        out.append(Problem(
            "KbdInteractiveAuthentication is yes with UsePAM yes: PAM can still ask for a "
            f"password; set KbdInteractiveAuthentication no (from {s.source})",
            {"option": "KbdInteractiveAuthentication",
             "value": s.get("kbdinteractiveauthentication")},
        ))
    return out


def root_login(runner: Runner, config: HardeningConfig) -> list[Problem]:
    assert config.sshd_config is not None
    s = effective(runner, config.sshd_config)
    value = s.get("permitrootlogin")
    allowed = {v.replace("without-password", "prohibit-password") for v in config.permit_root_login}
    if value in allowed:
        return []
    return [Problem(
        f"PermitRootLogin is {value}, expected {' or '.join(config.permit_root_login)} "
        f"(from {s.source})",
        {"option": "PermitRootLogin", "value": value},
    )]
