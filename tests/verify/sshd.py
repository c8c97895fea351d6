"""A real OpenSSH server on 127.0.0.1, started for the session (Debian openssh-server).

It allows the current user in with a generated key. Variant configurations beside it
(hardened, weak, split with Include) are for ``sshd -T -f`` and the config parser.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"


@dataclass(frozen=True)
class Sshd:
    port: int
    user: str
    dir: Path
    key: Path
    ssh_config: Path
    config: Path  # the running server's configuration
    variants: dict[str, Path]

    @property
    def url(self) -> str:
        return f"paramiko://{self.user}@127.0.0.1:{self.port}?ssh_config={self.ssh_config}"

    def spec(self, backend: str = "paramiko") -> str:
        return f"{backend}://{self.user}@127.0.0.1:{self.port}?ssh_config={self.ssh_config}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _base(d: Path, port: int, extra: str) -> str:
    return (
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host_key'}\n"
        f"PidFile {d / 'sshd.pid'}\nAuthorizedKeysFile {d / 'authorized_keys'}\n"
        "UsePAM no\nStrictModes no\nLogLevel ERROR\n" + extra
    )


def _variants(d: Path, port: int) -> dict[str, Path]:
    (d / "conf.d").mkdir()
    (d / "conf.d" / "10-hardening.conf").write_text(
        "# managed by config management\nPasswordAuthentication no\nPermitRootLogin no\n"
    )
    texts = {
        "hardened": _base(d, port, "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                                   "PermitRootLogin no\n"),
        "weak": _base(d, port, "PasswordAuthentication yes\nPermitRootLogin yes\n"),
        "defaults": _base(d, port, ""),
        # sshd keeps the first value: the Include (earlier) wins over the later lines.
        "include": f"Include {d / 'conf.d'}/*.conf\n"
                   + _base(d, port, "PasswordAuthentication yes\nPermitRootLogin yes\n"
                                    "Match User nobody\n  PasswordAuthentication yes\n"),
    }
    out = {}
    for name, text in texts.items():
        out[name] = d / f"sshd_config.{name}"
        out[name].write_text(text)
    return out


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """sshd on a free 127.0.0.1 port, letting the current user in with a generated key."""
    if not os.path.exists(SSHD) or shutil.which("ssh-keygen") is None:
        pytest.skip(f"{SSHD} not installed (Debian: apt-get install openssh-server)")
    # Imported here, once: pytester's in-process runs drop modules first imported inside
    # them, and a second import of cryptography's bindings breaks paramiko's ciphers.
    pytest.importorskip("testinfra.backend.paramiko")
    d = tmp_path_factory.mktemp("sshd")
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)],
                       check=True)
    (d / "authorized_keys").write_text((d / "client_key.pub").read_text())
    (d / "client_key").chmod(0o600)
    port = _free_port()
    config = d / "sshd_config"
    config.write_text(_base(d, port, "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                                     "PermitRootLogin prohibit-password\n"))
    ssh_config = d / "ssh_config"
    ssh_config.write_text(
        f"Host 127.0.0.1\n  Port {port}\n  IdentityFile {d / 'client_key'}\n"
        "  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n"
        "  LogLevel ERROR\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
    log = (d / "sshd.log").open("w")
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=log)
    try:
        _wait(port, proc, d / "sshd.log")
        yield Sshd(port=port, user=getpass.getuser(), dir=d, key=d / "client_key",
                   ssh_config=ssh_config, config=config, variants=_variants(d, port))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _wait(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(100):
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                if s.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not listen on 127.0.0.1:{port}")
