"""The ``terraform`` and ``rules`` sections of an environment, as typed values.

The sections are already validated against their JSON Schema when the environment is
loaded; this module only turns them into frozen dataclasses with paths resolved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_devops.config import Environment

__all__ = [
    "AllowList",
    "MaxChanges",
    "NoDestroy",
    "RequiredTags",
    "RulesSettings",
    "TerraformSettings",
    "rules_settings",
    "terraform_settings",
]


@dataclass(frozen=True)
class TerraformSettings:
    plan_file: Path | None = None
    working_dir: Path | None = None
    binary: str = "terraform"
    workspace: str | None = None
    var_files: tuple[Path, ...] = ()
    vars: Mapping[str, Any] = field(default_factory=dict)
    backend_config: Mapping[str, Any] | tuple[Path, ...] = ()
    init: bool = True
    refresh: bool = True
    parallelism: int | None = None
    lock_timeout: str = "0s"
    timeout: float = 1800.0
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        """Whether the environment says where a plan comes from."""
        return self.plan_file is not None or self.working_dir is not None


def terraform_settings(env: Environment) -> TerraformSettings:
    raw: Mapping[str, Any] = env.section("terraform")
    backend = raw.get("backend_config", ())
    return TerraformSettings(
        plan_file=env.path(raw["plan_file"]) if raw.get("plan_file") else None,
        working_dir=env.path(raw["working_dir"]) if raw.get("working_dir") else None,
        binary=raw.get("binary", "terraform"),
        workspace=raw.get("workspace"),
        var_files=tuple(env.path(p) for p in raw.get("var_files", ())),
        vars=dict(raw.get("vars", {})),
        backend_config=(
            dict(backend) if isinstance(backend, Mapping) else tuple(env.path(p) for p in backend)
        ),
        init=raw.get("init", True),
        refresh=raw.get("refresh", True),
        parallelism=raw.get("parallelism"),
        lock_timeout=raw.get("lock_timeout", "0s"),
        timeout=float(raw.get("timeout", 1800)),
        env=dict(raw.get("env", {})),
    )


@dataclass(frozen=True)
class NoDestroy:
    allow: tuple[str, ...] = ()
    actions: tuple[str, ...] = ("delete", "replace")


@dataclass(frozen=True)
class RequiredTags:
    tags: tuple[str, ...]
    attribute: str = "tags"
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class AllowList:
    allow: tuple[str, ...]
    attributes: Mapping[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class MaxChanges:
    max: int
    actions: tuple[str, ...] = ("create", "update", "delete", "replace", "forget")


@dataclass(frozen=True)
class RulesSettings:
    """The enabled rules (``None``: the rule is off)."""

    no_destroy: NoDestroy | None = None
    required_tags: RequiredTags | None = None
    allowed_resource_types: AllowList | None = None
    allowed_instance_types: AllowList | None = None
    allowed_regions: AllowList | None = None
    max_changes: MaxChanges | None = None


def _no_destroy(raw: Any, protected: bool) -> NoDestroy | None:
    if raw is None:
        return NoDestroy() if protected else None
    if isinstance(raw, bool):
        return NoDestroy() if raw else None
    if not raw.get("enabled", protected):
        return None
    return NoDestroy(
        allow=tuple(raw.get("allow", ())),
        actions=tuple(raw.get("actions", ("delete", "replace"))),
    )


def rules_settings(env: Environment) -> RulesSettings:
    raw: Mapping[str, Any] = env.section("rules")
    tags = raw.get("required_tags")
    if isinstance(tags, list):
        tags = {"tags": tags}
    instance = raw.get("allowed_instance_types")
    if isinstance(instance, list):
        instance = {"allow": instance}
    limit = raw.get("max_changes")
    if isinstance(limit, int):
        limit = {"max": limit}
    return RulesSettings(
        # On by default only where there is a Terraform plan to check: a protected
        # environment that only runs post-deploy checks needs no plan.
        no_destroy=_no_destroy(
            raw.get("no_destroy"), env.protected and terraform_settings(env).configured
        ),
        required_tags=RequiredTags(
            tags=tuple(tags["tags"]),
            attribute=tags.get("attribute", "tags"),
            ignore=tuple(tags.get("ignore", ())),
        ) if tags else None,
        allowed_resource_types=(
            AllowList(tuple(raw["allowed_resource_types"]))
            if raw.get("allowed_resource_types") else None
        ),
        allowed_instance_types=AllowList(
            allow=tuple(instance["allow"]),
            attributes=dict(instance.get("attributes", {})),
            ignore=tuple(instance.get("ignore", ())),
        ) if instance else None,
        allowed_regions=(
            AllowList(tuple(raw["allowed_regions"])) if raw.get("allowed_regions") else None
        ),
        max_changes=MaxChanges(
            max=int(limit["max"]),
            actions=tuple(limit.get("actions", MaxChanges.actions)),
        ) if limit is not None else None,
    )
