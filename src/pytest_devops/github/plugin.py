"""Records the environment's publishing settings in the gate report.

The ``github`` section of ``devops.yaml`` and the names in ``redact_env`` travel in the
report, so the step that publishes needs neither the config file nor its variables.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_devops.context import GateContext


@pytest.hookimpl(trylast=True)
def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    from pytest_devops.github.settings import parse

    ctx = GateContext.find(config)
    if ctx is None:
        return
    section = ctx.settings(parse).to_dict()
    section["redact_env"] = list(ctx.env.redact_env)
    report["github"] = section
