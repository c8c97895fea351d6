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
    from pytest_devops.evidence import collect
    from pytest_devops.evidence.documents import (
        change_set_from_doc,
        plan_from_doc,
        scan_from_doc,
    )
    from pytest_devops.plugin import state

    st = state(config)
    if st.env is None:
        return
    base = Path(where)

    def doc(name: str) -> dict[str, object] | None:
        path = base / name
        return json.loads(path.read_text("utf-8")) if path.is_file() else None

    plan = doc("plan.json")
    if plan is not None:
        st.resources[collect.PLAN_KEY] = plan_from_doc(plan)
        if st.env.section("cloudformation"):
            st.resources[collect.CFN_PLAN_KEY] = st.resources[collect.PLAN_KEY]
    change_set = doc("change-set.json")
    if change_set is not None:
        st.resources[collect.CHANGE_SET_KEY] = change_set_from_doc(change_set)
    scan = doc("scan.json")
    if scan is not None:
        st.resources[collect.SCAN_KEY] = scan_from_doc(scan)
