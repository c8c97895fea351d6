"""A gate written as a test: the database is small."""

from __future__ import annotations

import pytest

from pytest_devops import Plan


@pytest.mark.devops_plan
def test_databases_are_small(devops_plan: Plan) -> None:
    for db in devops_plan.changes(type="aws_db_instance"):
        assert db.value("allocated_storage") <= 100, db.address
