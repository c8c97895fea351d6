"""The scan cache is keyed by everything that changes what Checkov reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from security_testdata import EBS

from pytest_devops.security.inputs import argument_files_digest
from pytest_devops.security.policy import SecurityPolicy
from pytest_devops.security.scanner import scan

CHECK = """\
metadata:
  id: CKV2_DEVOPS_1
  name: EBS volumes stay small
  category: GENERAL_SECURITY
definition:
  cond_type: attribute
  resource_types: [aws_ebs_volume]
  attribute: size
  operator: less_than
  value: {limit}
"""


def test_an_edited_custom_check_is_not_read_from_the_cache(
    tmp_path: Path, checkov_exe: str
) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(EBS)
    (tmp_path / "checks").mkdir()
    check = tmp_path / "checks" / "small.yaml"
    policy = SecurityPolicy(
        paths=("infra",), checkov=checkov_exe, frameworks=("terraform",),
        checks=("CKV2_DEVOPS_1",), extra_args=("--external-checks-dir", "checks"),
    )
    cache = tmp_path / "cache"

    check.write_text(CHECK.format(limit=10))
    first = scan(policy, tmp_path, cache_dir=cache)
    assert (first.cached, first.resources("CKV2_DEVOPS_1")) == (False, {"aws_ebs_volume.data"})

    check.write_text(CHECK.format(limit=100))
    second = scan(policy, tmp_path, cache_dir=cache)
    assert (second.cached, second.failed) == (False, ())
    assert second.resources("CKV2_DEVOPS_1", "passed") == {"aws_ebs_volume.data"}

    assert scan(policy, tmp_path, cache_dir=cache).cached


def test_argument_files_digest(tmp_path: Path) -> None:
    (tmp_path / "prod.tfvars").write_text('size = 20\n')
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "a.yaml").write_text("a")
    args = ("--var-file=prod.tfvars", "--external-checks-dir", "checks", "--skip-path", "x")
    before = argument_files_digest(args, tmp_path)
    assert before == argument_files_digest(args, tmp_path)
    assert before != argument_files_digest(args[1:], tmp_path)  # the var file counts

    (tmp_path / "checks" / "a.yaml").write_text("b")
    edited = argument_files_digest(args, tmp_path)
    assert edited != before
    (tmp_path / "prod.tfvars").write_text('size = 30\n')
    assert argument_files_digest(args, tmp_path) != edited

    empty = argument_files_digest((), tmp_path)
    assert argument_files_digest(("--skip-path", "nowhere", "--compact-x"), tmp_path) == empty


def test_a_cache_that_cannot_be_written_only_costs_a_scan(
    tmp_path: Path, checkov_exe: str
) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(EBS)
    in_the_way = tmp_path / "cache"
    in_the_way.write_text("a file where the cache directory should be")
    policy = SecurityPolicy(paths=("infra",), checkov=checkov_exe, checks=("CKV_AWS_3",))
    for _ in range(2):
        report = scan(policy, tmp_path, cache_dir=in_the_way)
        assert (report.cached, report.resources("CKV_AWS_3")) == (False, {"aws_ebs_volume.data"})


def test_the_key_changes_with_our_own_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached entry holds code blocks as this version masked them."""
    import pytest_devops
    from pytest_devops.security.cache import cache_key

    args: dict[str, Any] = {"digest": "d", "checkov": "checkov 3.3.30", "settings": {}}
    before = cache_key(**args)
    assert cache_key(**args) == before
    monkeypatch.setattr(pytest_devops, "__version__", "999.0")
    assert cache_key(**args) != before
