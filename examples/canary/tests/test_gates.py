"""Two gates written as tests: one checks something, the other checks nothing."""

from __future__ import annotations

import pytest

from pytest_devops import Plan


@pytest.mark.devops_plan
def test_web_instances_are_burstable(devops_plan: Plan) -> None:
    for vm in devops_plan.changes(type="aws_instance"):
        assert vm.value("instance_type").startswith("t3."), vm.address


@pytest.mark.devops_plan
def test_functions_time_out_within_a_minute(devops_plan: Plan) -> None:
    # The plan has no Lambda function: this loop never runs, the gate cannot fail.
    for fn in devops_plan.changes(type="aws_lambda_function"):
        assert fn.value("timeout") <= 60, fn.address
