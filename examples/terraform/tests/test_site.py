"""Gates of the example: one on the plan, two on the applied environment's outputs."""

from __future__ import annotations

import pytest

from pytest_devops import Deployment, Plan


@pytest.mark.devops_plan
def test_the_plan_only_creates(devops_plan: Plan) -> None:
    assert {rc.action for rc in devops_plan} <= {"create", "no-op"}


@pytest.mark.devops_postdeploy
def test_the_site_url_names_the_environment(devops_deployment: Deployment,
                                            devops_env: object) -> None:
    name = devops_env.name  # type: ignore[attr-defined]
    assert devops_deployment.output("site_url") == f"http://{name}-shop.example.test"


@pytest.mark.devops_postdeploy
def test_staging_runs_two_replicas(devops_deployment: Deployment, devops_env: object) -> None:
    expected = 2 if devops_env.name == "staging" else 1  # type: ignore[attr-defined]
    assert devops_deployment.output("replicas") == expected
