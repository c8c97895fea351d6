"""The deploy engine's shared results, asked for by key (never through its plugin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_devops.cloudformation.ephemeral import Deployment, Lifecycle
    from pytest_devops.cloudformation.model import ChangeSetPlan
    from pytest_devops.plan.model import Plan

#: The environment's plan/apply/teardown lifecycle, one per session.
LIFECYCLE: pytest.StashKey[Lifecycle] = pytest.StashKey()
#: The run's change set (created once per run; never executed by it).
CHANGE_SET: pytest.StashKey[ChangeSetPlan] = pytest.StashKey()
#: The deployed environment: applied first when ephemeral, else read.
DEPLOYMENT: pytest.StashKey[Deployment] = pytest.StashKey()
#: The change set as the project's plan model.
CFN_PLAN: pytest.StashKey[Plan] = pytest.StashKey()
