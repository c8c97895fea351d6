"""The ``terraform:`` section of an environment, as one frozen value.

:func:`parse` is pure: the section is already validated against its JSON Schema when
the environment is loaded; this turns it into typed values with paths resolved and
raises :class:`~pytest_devops.errors.ConfigError` (with the key path) for what a
schema cannot say. The plugin, the CLI and ``pytest-devops schema --check`` all call it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_devops.errors import ConfigError, GateError

if TYPE_CHECKING:
    from pytest_devops.config import Environment

__all__ = ["TerraformSettings", "check_environment", "parse", "version_allows"]

_CLAUSE = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*v?(\d+(?:\.\d+){0,2})\s*$")


@dataclass(frozen=True)
class TerraformSettings:
    plan_file: Path | None = None
    working_dir: Path | None = None
    binary: str = "terraform"
    version: str | None = None
    workspace: str | None = None
    #: ``-backend-config`` values as Terraform reads them: a file path or ``KEY=VALUE``.
    backend_config: tuple[str, ...] = ()
    var_files: tuple[Path, ...] = ()
    vars: Mapping[str, Any] = field(default_factory=dict)
    #: Terraform variable -> process environment variable, passed as ``TF_VAR_NAME``.
    env_vars: Mapping[str, str] = field(default_factory=dict)
    #: Like ``env_vars``, and the values are secrets: masked in every output.
    secret_vars: Mapping[str, str] = field(default_factory=dict)
    plan_args: tuple[str, ...] = ()
    apply_args: tuple[str, ...] = ()
    init: bool = True
    refresh: bool = True
    parallelism: int | None = None
    lock_timeout: str = "0s"
    timeout: float = 1800.0
    env: Mapping[str, str] = field(default_factory=dict)
    plan_max_age: float = 86400.0
    test: bool = False
    progress_interval: float = 5.0

    @property
    def configured(self) -> bool:
        """Whether the environment says where a plan comes from."""
        return self.plan_file is not None or self.working_dir is not None

    def variables_env(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """``TF_VAR_NAME`` for every ``env_vars``/``secret_vars`` entry; an error naming
        the missing variable (never its value) when one is not set."""
        environ = os.environ if environ is None else environ
        out: dict[str, str] = {}
        for section in ("env_vars", "secret_vars"):
            for name, source in getattr(self, section).items():
                if source not in environ:
                    raise GateError(
                        f"terraform.{section}.{name}: environment variable {source} is not set",
                        hint=f"export {source}=... (in CI: from a secret) before planning",
                    )
                out[f"TF_VAR_{name}"] = environ[source]
        return out

    def secrets(self, environ: Mapping[str, str] | None = None) -> list[str]:
        """The values of ``secret_vars`` that are set (to register with the redactor)."""
        environ = os.environ if environ is None else environ
        return [environ[s] for s in self.secret_vars.values() if environ.get(s)]


def _backend(env: Environment, raw: Any) -> tuple[str, ...]:
    if isinstance(raw, Mapping):
        return tuple(f"{k}={_text(v)}" for k, v in raw.items())
    # As Terraform reads -backend-config: KEY=VALUE, else a file (here relative to the config).
    return tuple(item if "=" in item else os.fspath(env.path(item)) for item in raw or ())


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _binary(env: Environment, value: str) -> str:
    """A name is looked up on PATH; a path is relative to the config file."""
    return os.fspath(env.path(value)) if ("/" in value or os.sep in value) else value


def parse(env: Environment) -> TerraformSettings:
    raw: Mapping[str, Any] = env.section("terraform")
    where = str(env.config_file or "devops.yaml")
    key = f"environments.{env.name}.terraform"
    version = raw.get("version")
    if version is not None:
        try:
            version_allows(version, "0.0.0")
        except ValueError as exc:
            raise ConfigError(str(exc), file=where, key=f"{key}.version",
                              hint='write a constraint like ">= 1.6, < 2.0" or "~> 1.11"') from None
    both = set(raw.get("env_vars", {})) & set(raw.get("secret_vars", {}))
    clash = both | (set(raw.get("vars", {})) & (set(raw.get("env_vars", {}))
                                                 | set(raw.get("secret_vars", {}))))
    if clash:
        name = sorted(clash)[0]
        raise ConfigError(f"variable {name!r} is given twice (vars, env_vars, secret_vars)",
                          file=where, key=key, hint="give each variable in one place")
    return TerraformSettings(
        # An empty value (``plan_file: ${PYTEST_DEVOPS_PLAN:-}``) means: make the plan.
        plan_file=env.path(raw["plan_file"]) if raw.get("plan_file") else None,
        working_dir=env.path(raw["working_dir"]) if raw.get("working_dir") else None,
        binary=_binary(env, raw.get("binary", "terraform")),
        version=version,
        workspace=raw.get("workspace") or None,
        backend_config=_backend(env, raw.get("backend_config", ())),
        var_files=tuple(env.path(p) for p in raw.get("var_files", ())),
        vars=dict(raw.get("vars", {})),
        env_vars=dict(raw.get("env_vars", {})),
        secret_vars=dict(raw.get("secret_vars", {})),
        plan_args=tuple(raw.get("plan_args", ())),
        apply_args=tuple(raw.get("apply_args", ())),
        init=raw.get("init", True),
        refresh=raw.get("refresh", True),
        parallelism=raw.get("parallelism"),
        lock_timeout=raw.get("lock_timeout", "0s"),
        timeout=float(raw.get("timeout", 1800)),
        env=dict(raw.get("env", {})),
        plan_max_age=float(raw.get("plan_max_age", 86400)),
        test=bool(raw.get("test", False)),
        progress_interval=float(raw.get("progress_interval", 5)),
    )


def check_environment(env: Environment) -> TerraformSettings:
    """Everything a run would refuse about ``env``'s Terraform and ephemeral settings."""
    settings = parse(env)
    where = str(env.config_file or "devops.yaml")
    eph = env.sections.get("ephemeral")
    if (eph is not None and eph.get("enabled", True) and settings.working_dir is None
            and not env.section("cloudformation")):
        raise ConfigError(
            "an ephemeral environment needs something to apply: terraform.working_dir "
            "or a cloudformation: section",
            file=where, key=f"environments.{env.name}.ephemeral",
            hint="add terraform:\n  working_dir: infra  (or remove ephemeral:)",
        )
    if settings.test and settings.working_dir is None:
        raise ConfigError("terraform.test needs terraform.working_dir (the root to test)",
                          file=where, key=f"environments.{env.name}.terraform.test")
    return settings


def _parts(text: str) -> tuple[int, int, int]:
    major, minor, patch = [*(int(p) for p in text.split(".")), 0, 0, 0][:3]
    return major, minor, patch


def version_allows(constraint: str, version: str) -> bool:
    """Whether ``version`` meets a Terraform-style constraint (``>= 1.6, < 2.0``, ``~> 1.11``).

    Raises :class:`ValueError` naming the clause it cannot read.
    """
    have = _parts(re.sub(r"[^0-9.].*$", "", version.lstrip("v")) or "0")
    ok = True
    for clause in constraint.split(","):
        m = _CLAUSE.match(clause)
        if not m:
            raise ValueError(f"cannot read version constraint {clause.strip()!r}")
        op, text = m.group(1) or "=", m.group(2)
        want = _parts(text)
        if op == "~>":
            depth = text.count(".")
            upper = (want[0] + 1, 0, 0) if depth <= 1 else (want[0], want[1] + 1, 0)
            ok &= want <= have < upper
        else:
            ok &= {"=": have == want, "!=": have != want, ">": have > want,
                   ">=": have >= want, "<": have < want, "<=": have <= want}[op]
    return ok
