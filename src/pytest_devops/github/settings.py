"""The ``github`` section of ``devops.yaml``: how a report is published."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_devops.errors import ConfigError
from pytest_devops.github.escape import inert

if TYPE_CHECKING:
    from pytest_devops.config import Environment

COMMENT_MODES = ("always", "on-failure", "update", "never")
DEFAULT_MAX_ANNOTATIONS = 50
DEFAULT_TITLE = "pytest-devops"


@dataclass(frozen=True)
class GithubSettings:
    """Publishing settings of one environment (``github:`` in ``devops.yaml``)."""

    comment: str = "always"
    summary: bool = True
    annotations: bool = True
    max_annotations: int = DEFAULT_MAX_ANNOTATIONS
    title: str = DEFAULT_TITLE

    @classmethod
    def from_section(cls, raw: Mapping[str, Any], where: str = "github") -> GithubSettings:
        """Typed settings from the raw section (validated already, but checked again
        because the report that carries them is read back from a file)."""
        if not isinstance(raw, Mapping):
            raise ConfigError("expected a mapping", key=where)
        comment = raw.get("comment", "always")
        if comment not in COMMENT_MODES:
            raise ConfigError(
                f"expected one of {', '.join(COMMENT_MODES)}, got {inert(repr(comment)[:60])}",
                key=f"{where}.comment",
            )
        max_annotations = raw.get("max_annotations", DEFAULT_MAX_ANNOTATIONS)
        if (
            isinstance(max_annotations, bool)
            or not isinstance(max_annotations, int)
            or (max_annotations < 0)
        ):
            raise ConfigError("expected an integer >= 0", key=f"{where}.max_annotations")
        flags = {}
        for name in ("summary", "annotations"):
            value = raw.get(name, True)
            if not isinstance(value, bool):
                raise ConfigError("expected true or false", key=f"{where}.{name}")
            flags[name] = value
        title = raw.get("title", DEFAULT_TITLE)
        if not isinstance(title, str) or not title.strip():
            raise ConfigError("expected a non-empty string", key=f"{where}.title")
        return cls(
            comment=comment,
            summary=flags["summary"],
            annotations=flags["annotations"],
            max_annotations=max_annotations,
            title=title.strip()[:200],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "comment": self.comment,
            "summary": self.summary,
            "annotations": self.annotations,
            "max_annotations": self.max_annotations,
            "title": self.title,
        }


def parse(env: Environment) -> GithubSettings:
    """The environment's ``github:`` section, parsed once per session."""
    try:
        return GithubSettings.from_section(env.section("github"))
    except ConfigError as exc:
        raise exc.within(str(env.config_file) if env.config_file else None, env.name) from None
