"""Every section is parsed once at configure time: a wrong value is the usage error (exit 4,
file, line, key, no traceback) in pytest, and the same refusal (exit 2, one line) in
``pytest-devops schema --check``, because both run the same parsers."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_devops.cli import main

#: (section text under the environment, line of the bad key, key path, message)
CASES = [
    (
        "    security:\n      extra_args: [--soft-fail]\n",
        4,
        "environments.bad.security.extra_args[0]",
        "--soft-fail",
    ),
    (
        "    security:\n      skip_checks:\n"
        "        - {id: CKV_AWS_1, reason: accepted, expires: 2026-13-01}\n",
        5,
        "environments.bad.security.skip_checks[0].expires",
        "expected a date YYYY-MM-DD, got '2026-13-01'",
    ),
    (
        "    security:\n      baseline: missing-baseline.json\n",
        4,
        "environments.bad.security.baseline",
        "baseline file {root}/missing-baseline.json not found",
    ),
    (
        "    cost:\n      usage_file: missing-usage.yml\n",
        4,
        "environments.bad.cost.usage_file",
        "usage file {root}/missing-usage.yml not found",
    ),
    (
        "    cost:\n      budget:\n        monthly_max: .nan\n",
        5,
        "environments.bad.cost.budget.monthly_max",
        "expected a number >= 0, got nan",
    ),
    (
        "    cost:\n      budget:\n        monthly_max: .inf\n",
        5,
        "environments.bad.cost.budget.monthly_max",
        "expected a number >= 0, got inf",
    ),
    (
        "    cost:\n      budget:\n        monthly_max: lots\n",
        5,
        "environments.bad.cost.budget.monthly_max",
        "'lots' does not match",
    ),
]
IDS = ["extra_args", "expires", "baseline", "usage_file", "nan", "inf", "not-a-number"]


def _config(root: Path, section: str) -> Path:
    path = root / "devops.yaml"
    path.write_text("environments:\n  bad:\n" + section + "  good: {}\n")
    return path


@pytest.mark.parametrize(("section", "line", "key", "message"), CASES, ids=IDS)
def test_the_run_refuses_a_wrong_setting_with_exit_4(
    pytester: pytest.Pytester, section: str, line: int, key: str, message: str
) -> None:
    path = _config(pytester.path, section)
    pytester.makepyfile("def test_one(): pass")
    result = pytester.runpytest("--devops-env", "bad")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    first = result.stderr.lines[0]
    assert first.startswith(f"ERROR: {path}:{line}: {key}: ")
    assert message.format(root=pytester.path) in first
    assert "Traceback" not in result.stderr.str()
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize(("section", "line", "key", "message"), CASES, ids=IDS)
def test_schema_check_refuses_what_the_run_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
    section: str, line: int, key: str, message: str,
) -> None:
    path = _config(tmp_path, section)
    assert main(["schema", "--check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == f"{path}: environment good: ok\n"
    first = err.splitlines()[0]
    assert first.startswith(f"pytest-devops schema: error: {path}:{line}: {key}: ")
    assert message.format(root=tmp_path) in first


def test_a_section_is_parsed_once_per_session(pytester: pytest.Pytester) -> None:
    """The parsers run at configure time; features read the same frozen settings."""
    pytester.path.joinpath("devops.yaml").write_text(
        "environments:\n  a:\n    urls:\n      api: http://127.0.0.1:9/\n"
    )
    pytester.makeconftest(
        """
        import pytest_devops.http.settings as settings
        calls = []
        original = settings.parse
        def counting(env):
            calls.append(env.name)
            return original(env)
        settings.parse = counting

        def pytest_sessionfinish(session):
            print("PARSED", calls)
        """
    )
    pytester.makepyfile("def test_one(): pass")
    result = pytester.runpytest("--devops-env", "a", "-s", "--co")
    result.stdout.fnmatch_lines(["PARSED ['a']"])
