"""The ``conformance:`` section of an environment, parsed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_devops.config import Environment


@dataclass(frozen=True)
class ConformanceSettings:
    state_file: Path | None = None
    ignore: dict[str, frozenset[str]] = field(default_factory=dict)


def parse(env: Environment) -> ConformanceSettings | None:
    raw = env.section("conformance")
    if not raw or not raw.get("enabled", True):
        return None
    return ConformanceSettings(
        state_file=env.path(raw["state_file"]) if raw.get("state_file") else None,
        ignore={k: frozenset(v) for k, v in (raw.get("ignore") or {}).items()})
