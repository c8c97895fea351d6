"""The project's own features, as the core sees them: a list the code owns.

Each feature is a package with its own pytest plugin (registered with the core when a
run uses pytest-devops), an optional options module (its command-line options, declared
at ``pytest_addoption`` time even though the plugin itself loads later) and the parsers
of its ``devops.yaml`` sections. Everything is named by dotted path and imported when
used, so this module costs nothing to import. The import-cost test, the settings check
of ``pytest-devops schema --check`` and the core all iterate this list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_devops.config import Environment


@dataclass(frozen=True)
class Parser:
    """A section parser: ``path`` is ``module:function``, a pure ``parse(env)``; it runs
    when the environment has any of ``sections``."""

    path: str
    sections: tuple[str, ...]

    def load(self) -> Callable[[Environment], Any]:
        module, function = self.path.split(":")
        parse: Callable[[Environment], Any] = getattr(import_module(module), function)
        return parse


@dataclass(frozen=True)
class Feature:
    name: str
    plugin: str
    options: str | None = None
    parsers: tuple[Parser, ...] = ()


FEATURES: tuple[Feature, ...] = (
    Feature(
        "security",
        "pytest_devops.security.plugin",
        options="pytest_devops.security.options",
        parsers=(Parser("pytest_devops.security.settings:parse", ("security",)),),
    ),
    Feature(
        "http",
        "pytest_devops.http.plugin",
        parsers=(Parser("pytest_devops.http.settings:parse", ("urls",)),),
    ),
    Feature(
        "hosts",
        "pytest_devops.hosts.plugin",
        parsers=(Parser("pytest_devops.hosts.settings:parse", ("hosts", "hardening")),),
    ),
    Feature(
        "aws",
        "pytest_devops.aws.plugin",
        parsers=(Parser("pytest_devops.aws.settings:parse", ("aws",)),),
    ),
    Feature(
        "cloudformation",
        "pytest_devops.cloudformation.plugin",
        options="pytest_devops.cloudformation.options",
        parsers=(
            Parser("pytest_devops.cloudformation.settings:parse", ("cloudformation",)),
            Parser("pytest_devops.cloudformation.settings:parse_ephemeral", ("ephemeral",)),
        ),
    ),
    Feature(
        "github",
        "pytest_devops.github.plugin",
        parsers=(Parser("pytest_devops.github.settings:parse", ("github",)),),
    ),
    Feature(
        "plan",
        "pytest_devops.plan.plugin",
        options="pytest_devops.plan.options",
        parsers=(
            Parser("pytest_devops.plan.settings:terraform_settings", ("terraform",)),
            Parser("pytest_devops.plan.settings:rules_settings", ("rules",)),
        ),
    ),
    Feature(
        "cost",
        "pytest_devops.cost.plugin",
        parsers=(Parser("pytest_devops.cost.settings:cost_settings", ("cost",)),),
    ),
    Feature(
        "terraform",
        "pytest_devops.terraform.plugin",
        parsers=(
            Parser("pytest_devops.terraform.settings:check_environment",
                   ("terraform", "ephemeral")),
        ),
    ),
    Feature("canary", "pytest_devops.canary.plugin", options="pytest_devops.canary.options"),
    Feature("evidence", "pytest_devops.evidence.plugin",
            options="pytest_devops.evidence.options"),
    Feature(
        "conformance",
        "pytest_devops.conformance.plugin",
        parsers=(Parser("pytest_devops.conformance.settings:parse", ("conformance",)),),
    ),
    Feature("deployments", "pytest_devops.deployments.plugin"),
)


def present_parsers(env: Environment) -> Iterator[Callable[[Environment], Any]]:
    """The parsers of the sections ``env`` has, in the order of :data:`FEATURES`."""
    for feature in FEATURES:
        for parser in feature.parsers:
            if any(section in env.sections for section in parser.sections):
                yield parser.load()
