"""Every way a scan can go wrong is an error that names what went wrong, never a pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from security_testdata import EBS

from pytest_devops.errors import GateError, GateTimeout, ToolMissing
from pytest_devops.security.policy import SecurityPolicy
from pytest_devops.security.scanner import scan


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """A truncated .tf, a template with a YAML syntax error, an empty directory."""
    root = tmp_path_factory.mktemp("broken")
    (root / "truncated").mkdir()
    whole = (corpus / "tf/checkov__EBSEncryption/aws_ebs_volume.tf").read_text(encoding="utf-8")
    (root / "truncated" / "volumes.tf").write_text(whole[: whole.index("# fail") + 20])
    (root / "yaml").mkdir()
    template = (corpus / "cfn/checkov__EBSEncryption/EBSEncryption-FAILED.yaml").read_text()
    broken_yaml = template.replace("Properties:", "Properties: [", 1)
    (root / "yaml" / "template.yaml").write_text(broken_yaml)
    (root / "empty").mkdir()
    (root / "skipped").mkdir()
    (root / "skipped" / "main.tf").write_text(EBS)
    return root


def _policy(exe: str, *paths: str, **kw: object) -> SecurityPolicy:
    return SecurityPolicy(paths=paths, checkov=exe, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def parse_error(broken: Path, checkov_exe: str) -> str:
    """One scan of the truncated .tf and the broken template together."""
    policy = _policy(checkov_exe, "truncated", "yaml", frameworks=("terraform", "cloudformation"))
    with pytest.raises(GateError) as info:
        scan(policy, broken)
    return str(info.value)


def test_truncated_terraform_is_an_error_naming_the_file(parse_error: str) -> None:
    assert parse_error.startswith("checkov could not parse 2 file(s):\n")
    assert "\n  - truncated/volumes.tf\n" in parse_error


def test_yaml_syntax_error_is_an_error_naming_the_file(parse_error: str) -> None:
    assert "\n  - yaml/template.yaml: YAML error parsing " in parse_error


def test_empty_directory_is_an_error_naming_it(broken: Path, checkov_exe: str) -> None:
    with pytest.raises(GateError, match=r"security\.paths\[0\]: .*/empty contains no files"):
        scan(_policy(checkov_exe, "empty"), broken)


def test_missing_path_is_an_error(broken: Path, checkov_exe: str) -> None:
    with pytest.raises(GateError, match=r"security\.paths\[0\]: .*/nowhere does not exist"):
        scan(_policy(checkov_exe, "nowhere"), broken)


def test_zero_resources_where_the_input_declares_some(broken: Path, checkov_exe: str) -> None:
    policy = _policy(checkov_exe, "skipped", frameworks=("terraform",),
                     extra_args=("--skip-path", "main.tf"))
    with pytest.raises(GateError, match=r"scanned no terraform resources, but skipped/main\.tf"):
        scan(policy, broken)


def test_checkov_that_exits_without_json_is_an_error(broken: Path, checkov_exe: str) -> None:
    policy = _policy(checkov_exe, "skipped", extra_args=("--no-such-option",))
    expected = r"(?s)checkov exited with status 2:\n.*unrecognized arguments: --no-such-option"
    with pytest.raises(GateError, match=expected):
        scan(policy, broken)


def test_timeout_is_an_error(broken: Path, checkov_exe: str) -> None:
    with pytest.raises(GateTimeout, match=r"did not finish within 0\.2s"):
        scan(_policy(checkov_exe, "skipped", timeout=0.2), broken)


def test_missing_checkov_names_the_install(broken: Path, tmp_path: Path) -> None:
    with pytest.raises(ToolMissing) as info:
        scan(_policy(str(tmp_path / "no-checkov"), "skipped"), broken)
    assert "pipx install checkov" in str(info.value)
    assert "security.checkov" in str(info.value)


def test_checkov_not_on_path(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_DEVOPS_CHECKOV", raising=False)
    monkeypatch.setenv("PATH", str(broken / "empty"))
    assert shutil.which("checkov") is None
    with pytest.raises(ToolMissing, match="checkov was not found"):
        scan(SecurityPolicy(paths=("skipped",)), broken)


@pytest.mark.parametrize("where", ["skipped", ""])
def test_checkovs_own_config_file_is_refused(
    tmp_path: Path, checkov_exe: str, where: str
) -> None:
    """A .checkov.yaml in a scanned directory or the working directory would skip checks
    outside devops.yaml (and its cache key): Checkov is not started."""
    (tmp_path / "skipped").mkdir()
    (tmp_path / "skipped" / "main.tf").write_text(EBS)
    config = (tmp_path / where if where else tmp_path) / ".checkov.yaml"
    config.write_text("skip-check:\n  - CKV_AWS_3\n")
    with pytest.raises(GateError) as info:
        scan(_policy(checkov_exe, "skipped"), tmp_path)
    assert info.value.message == (
        f"checkov would read its own settings from {config}, which devops.yaml does not show"
    )
    assert "skip_checks with a reason" in str(info.value.hint)


def test_checkov_option_variables_do_not_reach_checkov(
    broken: Path, checkov_exe: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI variable cannot skip a check behind devops.yaml's back."""
    monkeypatch.setenv("CKV_SKIP_CHECK", "CKV_AWS_3")
    report = scan(_policy(checkov_exe, "skipped", frameworks=("terraform",)), broken)
    assert report.resources("CKV_AWS_3") == {"aws_ebs_volume.data"}
