"""The ``terraform`` and ``rules`` sections of an environment, as typed values.

The sections are already validated against their JSON Schema when the environment is
loaded; this module only turns them into frozen dataclasses with paths resolved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_devops.config import Environment
from pytest_devops.terraform.settings import TerraformSettings
from pytest_devops.terraform.settings import parse as terraform_settings

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
