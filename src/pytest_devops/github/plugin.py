"""Records the environment's publishing settings in the gate report.

The ``github`` section of ``devops.yaml`` and the names in ``redact_env`` travel in the
report, so the step that publishes needs neither the config file nor its variables.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.hookimpl(trylast=True)
def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    from pytest_devops.github.settings import GithubSettings
    from pytest_devops.plugin import state

    env = state(config).env
    if env is None:
        return
    section = GithubSettings.from_section(env.section("github")).to_dict()
    section["redact_env"] = list(env.redact_env)
    report["github"] = section
