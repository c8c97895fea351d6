"""``pytest-devops report`` and ``pytest-devops github publish``: exit codes, redaction."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from github_fake_api import GitHub
from github_testdata import GH_TOKEN, SECRET

from pytest_devops.cli import main


def write(path: Path, outcome: str, **extra: object) -> Path:
    gates = {
        "pass": [],
        "fail": [
            {
                "nodeid": "t.py::t",
                "kind": "plan",
                "outcome": "fail",
                "duration": 0.0,
                "message": "broken",
                "findings": [],
            }
        ],
        "error": [
            {
                "nodeid": "t.py::t",
                "kind": "plan",
                "outcome": "error",
                "duration": 0.0,
                "message": "crashed",
                "findings": [],
            }
        ],
    }[outcome]
    doc = {
        "schema": "pytest-devops/report@1",
        "env": "dev",
        "stage": None,
        "outcome": outcome,
        "exitstatus": 0,
        "duration": 0.5,
        "gates": gates,
        **extra,
    }
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(("outcome", "code"), [("pass", 0), ("fail", 1), ("error", 2)])
def test_report_exits_with_the_outcome(
    tmp_path: Path,
    outcome: str,
    code: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    path = write(tmp_path / "r.json", outcome)
    assert main(["report", str(path)]) == code
    assert main(["report", str(path), "--exit-zero"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"pytest-devops report: environment dev: {outcome} (exit {code}), "
        f"{0 if outcome == 'pass' else 1} gates in 0.5 s"
    )
    assert out[-1] == f"outcome: {outcome}"


def test_report_table_of_the_real_run(
    report_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["report", str(report_path)]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[1:4] + out[5:] == [
        "kind          passed   failed     soft   errors  skipped",
        "plan               1        0        0        0        0",
        "security           0        1        0        0        0",
        "FAIL      test_gates.py::test_bucket: bucket is public ::set-output name=x::y %0A "
        "</details> <script>alert(1)</script> @octocat #1 ${{ secrets.X }}",
        "  - CKV_AWS_20 aws_s3_bucket.logs (main.tf:3-9): public ACL ::warning::pwn",
        "  - CKV_AWS_18 aws_s3_bucket.logs (modules/s3/main.tf:12): no access logging, key ***",
        "  - CKV_AWS_21 aws_s3_bucket.logs: no versioning",
        "ERROR     test_gates.py::test_budget: cannot price aws_instance.web: ***",
        "outcome: error",
    ]


def test_report_json_and_markdown(
    report_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["report", str(report_path), "--format", "json", "--exit-zero"]) == 0
    doc = json.loads(capsys.readouterr().out)
    original = json.loads(report_path.read_text())
    assert doc["gates"] == original["gates"]
    assert doc["plan"] == original["plan"]
    assert main(["report", str(report_path), "--format", "markdown"]) == 2
    assert capsys.readouterr().out.startswith("### ⛔ Staging gates: `staging` · stage `plan`")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no such file; did pytest run with --devops-report with this path?"),
        ("{not json", "not a JSON gate report"),
        ('{"schema": "other@9"}', "schema: unsupported report schema 'other@9'"),
        (
            '{"schema": "pytest-devops/report@1", "outcome": "maybe"}',
            "outcome: expected one of pass, fail, error",
        ),
        (
            '{"schema": "pytest-devops/report@1", "outcome": "pass", "gates": [{"outcome": "fail"'
            '}], "totals": {"fail": 0}}',
            "totals.fail: says 0 but the gates list has 1",
        ),
        (
            '{"schema": "pytest-devops/report@1", "outcome": "pass", "gates": [{"outcome": "error"'
            "}]}",
            "outcome: says 'pass' but it has an erroring gate or exit status",
        ),
        (
            '{"schema": "pytest-devops/report@1", "outcome": "pass", "exitstatus": 5}',
            "outcome: says 'pass' but it has an erroring gate or exit status",
        ),
        (
            '{"schema": "pytest-devops/report@1", "outcome": "pass", "gates": [{"outcome": "fail"'
            "}]}",
            "outcome: says 'pass' but it has a failing gate",
        ),
        (
            '{"schema": "pytest-devops/report@1", "outcome": "pass", "github": {"comment": "x"}}',
            "github.comment: expected one of always, on-failure, update, never",
        ),
    ],
)
def test_unreadable_report_is_an_error(
    tmp_path: Path, content: str | None, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.json"
    if content is not None:
        path.write_text(content)
    assert main(["report", str(path)]) == 2
    assert main(["github", "publish", str(path), "--summary-file", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert err.count(says) == 2
    assert err.startswith("pytest-devops report: error: ")


def test_publish_everything(
    github: GitHub,
    report_path: Path,
    actions_env: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["github", "publish", str(report_path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("::error file=main.tf,line=3,endLine=9,")
    assert "::stop-commands::" in out
    assert actions_env["summary"].read_text().startswith("### ⛔ Staging gates")
    (comment,) = github.all_comments()
    outputs = actions_env["output"].read_text()
    assert "comment-url<<" in outputs
    assert comment["html_url"] in outputs
    assert err.splitlines() == [
        f"pytest-devops github: job summary written to {actions_env['summary']}",
        f"pytest-devops github: pull-request comment created: {comment['html_url']}",
        f"pytest-devops github: step outputs written to {actions_env['output']}: outcome, "
        "report, env, stage, total, passed, failed, errors, skipped, soft-failed, "
        "plan-digest, cost-delta, cost-currency, comment-url",
    ]
    assert main(["github", "publish", str(report_path), "--fail-on-outcome"]) == 2


def test_publish_outside_actions_does_what_it_can(
    report_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    actions_env: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name)
    assert main(["github", "publish", str(report_path)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "pytest-devops github: job summary skipped: GITHUB_STEP_SUMMARY is not set",
        "pytest-devops github: pull-request comment skipped: no pull request "
        "(--pr N, or a pull_request event)",
        "pytest-devops github: step outputs skipped: GITHUB_OUTPUT is not set",
    ]


@pytest.mark.parametrize("how", ["--redact-env", "PYTEST_DEVOPS_REDACT_ENV", "recorded"])
def test_no_secret_anywhere(
    github: GitHub,
    leaky_report: Path,
    actions_env: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    """A report in which the secret survived: every output masks it again."""
    doc = json.loads(leaky_report.read_text())
    assert SECRET in json.dumps(doc)
    if how != "recorded":
        del doc["github"]["redact_env"]
    leaky_report.write_text(json.dumps(doc))
    monkeypatch.setenv("DEVOPS_TEST_SECRET", SECRET)
    args = ["github", "publish", str(leaky_report), "--fail-on-outcome"]
    if how == "--redact-env":
        args += ["--redact-env", "DEVOPS_TEST_SECRET"]
    elif how == "PYTEST_DEVOPS_REDACT_ENV":
        monkeypatch.setenv("PYTEST_DEVOPS_REDACT_ENV", "OTHER_NAME, DEVOPS_TEST_SECRET")
    assert main(args) == 2
    assert main(["github", "summary", str(leaky_report), "--summary-file", "-", *args[4:]]) == 0
    assert main(["report", str(leaky_report), "--format", "json", *args[4:]]) == 2
    out, err = capsys.readouterr()
    published = [
        out,
        err,
        actions_env["summary"].read_text(),
        actions_env["output"].read_text(),
        json.dumps(github.all_comments()),
        json.dumps([r.body for r in github.requests]),
    ]
    assert all(SECRET not in text for text in published)
    assert all(GH_TOKEN not in text for text in published)
    assert "second line ***" in out


def test_secrets_of_a_real_run_stay_out(
    report_path: Path,
    run_dir: Path,
    github: GitHub,
    actions_env: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The run had the secret in a gate message, a finding and the plan: the report is
    redacted and so is everything published from it, with no redaction settings given."""
    assert SECRET not in report_path.read_text()
    assert main(["github", "publish", str(report_path)]) == 0
    out, err = capsys.readouterr()
    for text in (
        out,
        err,
        actions_env["summary"].read_text(),
        actions_env["output"].read_text(),
        json.dumps(github.all_comments()),
    ):
        assert SECRET not in text


def test_console_script(report_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest_devops", "github", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    listed = re.findall(r"(?m)^    ([a-z]+) ", proc.stdout)
    assert listed == ["publish", "summary", "annotate", "comment", "outputs"]


def test_library_use(report_path: Path) -> None:
    from pytest_devops import GateReport, Redactor, load_report

    report = load_report(report_path, Redactor(["aws_instance.web"]))
    assert isinstance(report, GateReport)
    assert (report.key, report.outcome, report.exit_code) == ("staging/plan", "error", 2)
    assert [g.nodeid for g in report.not_passed()] == [
        "test_gates.py::test_bucket",
        "test_gates.py::test_budget",
    ]
    assert report.gates[2].message == "cannot price ***: ***"
    assert [f.rule for f in report.gates[1].findings] == ["CKV_AWS_20", "CKV_AWS_18", "CKV_AWS_21"]


def test_a_part_that_cannot_be_written_does_not_stop_the_others(
    github: GitHub,
    report_path: Path,
    actions_env: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = tmp_path / "a-directory"
    directory.mkdir()
    args = ["github", "publish", str(report_path), "--summary-file", str(directory)]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert (
        f"pytest-devops github: error: summary: cannot write the job summary to {directory}: "
        in err
    )
    assert out.startswith("::error file=main.tf,")
    assert len(github.all_comments()) == 1
    assert "outcome<<ghadelimiter_" in actions_env["output"].read_text()
