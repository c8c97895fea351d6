"""A conformance gate written as a test: the database and the bucket, as planned."""

from __future__ import annotations

import pytest

from pytest_devops.conformance.plugin import Conformance


@pytest.mark.devops_postdeploy
def test_data_stores_match_the_plan(devops_conformance: Conformance) -> None:
    devops_conformance.assert_conforms(["aws_db_instance", "aws_s3_bucket"])
