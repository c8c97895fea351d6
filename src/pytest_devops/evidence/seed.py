"""pytest plugin of a replay (``-p pytest_devops.evidence.seed``): the session starts with
the bundle's plan, change set and scan where every gate and fixture reads them, so no
plan source, Checkov or cloud is asked. ``$PYTEST_DEVOPS_EVIDENCE_DIR`` names the
unpacked bundle."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

DIR_VAR = "PYTEST_DEVOPS_EVIDENCE_DIR"


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    where = os.environ.get(DIR_VAR)
    if not where:
        return
    from pytest_devops.cloudformation.keys import CFN_PLAN, CHANGE_SET
    from pytest_devops.context import GateContext
    from pytest_devops.evidence.documents import (
        change_set_from_doc,
        plan_from_doc,
        scan_from_doc,
    )
    from pytest_devops.plan.keys import PLAN
    from pytest_devops.security.keys import SCAN

    ctx = GateContext.find(config)
    if ctx is None:
        return
    base = Path(where)

    def doc(name: str) -> dict[str, object] | None:
        path = base / name
        return json.loads(path.read_text("utf-8")) if path.is_file() else None

    plan = doc("plan.json")
    if plan is not None:
        config.stash[PLAN] = plan_from_doc(plan)
        if ctx.env.section("cloudformation"):
            config.stash[CFN_PLAN] = config.stash[PLAN]
    change_set = doc("change-set.json")
    if change_set is not None:
        config.stash[CHANGE_SET] = change_set_from_doc(change_set)
    scan = doc("scan.json")
    if scan is not None:
        config.stash[SCAN] = scan_from_doc(scan)
