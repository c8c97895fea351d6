"""The ``hosts:`` section: testinfra host URLs with their connection settings.

Pure library: no pytest or testinfra import. A :class:`HostTarget`'s ``spec`` is the
URL testinfra understands, per-host settings carried as its query parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from pytest_devops.errors import ConfigError

#: testinfra's connection backends (``testinfra.backend.BACKENDS``), kept here so that
#: reading the config needs no testinfra import.
BACKENDS = (
    "local", "ssh", "safe-ssh", "paramiko", "salt", "docker", "podman", "ansible",
    "kubectl", "winrm", "lxc", "openshift", "chroot",
)
_PATH_SETTINGS = ("ssh_config", "ssh_identity_file")


@dataclass(frozen=True)
class HostTarget:
    """One host to verify: its name, the URL as written, and testinfra's host spec."""

    name: str
    url: str
    spec: str

    @property
    def backend(self) -> str:
        return urlsplit(self.spec).scheme


def parse_hosts(
    section: Sequence[Any] | Mapping[str, Any],
    *,
    root: Path | None = None,
    file: str | None = None,
    key: str = "hosts",
) -> list[HostTarget]:
    """The hosts of a (schema-valid) ``hosts:`` section, in order."""
    if isinstance(section, Mapping):
        if not section:
            return []
        defaults = {k: v for k, v in section.items() if k != "targets"}
        targets = section.get("targets", [])
        key += ".targets"
    else:
        defaults, targets = {}, section
    out: list[HostTarget] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(targets):
        item = {"url": raw} if isinstance(raw, str) else dict(raw)
        settings = {**defaults, **{k: v for k, v in item.items() if k not in ("url", "name")}}
        where = f"{key}[{index}]"
        target = _target(item["url"], item.get("name"), settings, root, file, where)
        if target.name in seen:
            raise ConfigError(
                f"two hosts are named {target.name!r} (entries {seen[target.name]} and {index})",
                file=file,
                key=where,
                hint="give each a distinct `name:`",
            )
        seen[target.name] = index
        out.append(target)
    return out


def _target(
    url: str,
    name: str | None,
    settings: Mapping[str, Any],
    root: Path | None,
    file: str | None,
    where: str,
) -> HostTarget:
    parts = urlsplit(url)
    if parts.scheme not in BACKENDS:
        raise ConfigError(
            f"unknown testinfra backend {parts.scheme!r} in {url!r}; "
            f"expected one of: {', '.join(BACKENDS)}",
            file=file,
            key=f"{where}.url",
        )
    if "," in url:
        raise ConfigError(f"a host URL cannot contain a comma: {url!r}", file=file, key=where)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for setting, value in settings.items():
        param = "timeout" if setting == "connect_timeout" else setting
        if param in query:
            continue  # what the URL says wins
        if setting in _PATH_SETTINGS and root is not None:
            path = Path(value).expanduser()
            value = str(path if path.is_absolute() else root / path)
        if isinstance(value, bool):
            if not value:
                continue
            value = "true"
        query[param] = str(value)
    # Built by hand: urlunsplit would drop the "//" of local:// that testinfra looks for.
    spec = f"{parts.scheme}://{parts.netloc}{parts.path}"
    if query:
        spec += "?" + urlencode(query)  # encodes commas too: --hosts stays splittable
    return HostTarget(name=name or default_name(url), url=url, spec=spec)


def default_name(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "local":
        return "local"
    host = parts.netloc.rpartition("@")[2]
    return host or url
