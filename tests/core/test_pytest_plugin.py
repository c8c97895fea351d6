"""The plugin end to end through pytester: selection, stages, outcomes, report, redaction."""

from __future__ import annotations

import json
import textwrap

import pytest

CONFIG = """
environments:
  staging:
    description: the staging account
    redact_env: [DB_PASSWORD]
  production:
    extends: staging
    protected: true
"""

GATES = """
import os
import pytest
from pytest_devops import GateError, GateFailure, Finding

@pytest.mark.devops_plan
def test_plan_ok(devops_env):
    assert devops_env.description == "the staging account"

@pytest.mark.devops_security
def test_security_fails():
    raise GateFailure("1 public bucket", [Finding("CKV_AWS_20", "public", address="aws_s3_bucket.b",
                                                  file="main.tf", line=3)])

@pytest.mark.devops_cost
def test_cost_errors():
    raise GateError("price list unavailable", hint="retry later")

@pytest.mark.devops_postdeploy
def test_postdeploy_crash():
    {}["missing"]

def test_plain():
    pass
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".yaml", devops=CONFIG)
    return pytester


def report(pytester: pytest.Pytester, name: str = "r.json") -> dict:
    return json.loads((pytester.path / name).read_text())


def test_staging_passes_and_writes_the_report(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_gates="""
        import pytest
        @pytest.mark.devops_plan
        def test_ok(devops_env):
            assert devops_env.name == "staging"
        """
    )
    result = project.runpytest("--devops-env=staging", "--devops-report", "r.json")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "devops: environment staging (from --devops-env), config *devops.yaml",
            "*devops gates: environment staging*",
            "plan        1 passed",
            "outcome: pass",
        ]
    )
    doc = report(project)
    assert doc["schema"] == "pytest-devops/report@1"
    assert (doc["env"], doc["stage"], doc["outcome"], doc["env_source"]) == (
        "staging",
        None,
        "pass",
        "--devops-env",
    )
    assert doc["totals"] == {"pass": 1, "fail": 0, "error": 0, "skip": 0, "soft_fail": 0}
    [gate] = doc["gates"]
    assert {k: gate[k] for k in ("nodeid", "kind", "outcome", "message", "findings")} == {
        "nodeid": "test_gates.py::test_ok",
        "kind": "plan",
        "outcome": "pass",
        "message": "",
        "findings": [],
    }
    assert not list(project.path.glob(".r.json.*"))


def test_environment_from_variable_and_ini(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile("def test_env(devops_env): assert devops_env.protected")
    monkeypatch.setenv("PYTEST_DEVOPS_ENV", "production")
    result = project.runpytest()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["devops: environment production (from PYTEST_DEVOPS_ENV)*"])
    monkeypatch.delenv("PYTEST_DEVOPS_ENV")
    project.makeini("[pytest]\ndevops_env = production\n")
    result = project.runpytest()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["devops: environment production (from ini devops_env)*"])
    result = project.runpytest("--devops-env=staging")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["devops: environment staging (from --devops-env)*"])


def test_unknown_environment_is_a_usage_error(project: pytest.Pytester) -> None:
    result = project.runpytest("--devops-env=nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: *devops.yaml:1: environments: unknown environment 'nope'; "
            "known environments: production, staging"
        ]
    )


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            "environments:\n  staging:\n    protected: sure\n",
            "ERROR: *devops.yaml:3: environments.staging.protected: expected true or false*",
        ),
        (
            "environments:\n  staging: {descripton: x}\n",
            "ERROR: *devops.yaml:2: environments.staging.descripton: unknown key 'descripton'*",
        ),
        ("environments: [\n", "ERROR: *devops.yaml:1: invalid YAML: expected the node content*"),
    ],
)
def test_bad_config_is_a_usage_error_naming_file_key_and_line(
    pytester: pytest.Pytester, config: str, expected: str
) -> None:
    pytester.makefile(".yaml", devops=config)
    result = pytester.runpytest("--devops-env=staging")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([expected])


def test_broken_config_does_not_break_help_or_plain_runs(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", devops="environments: [\n")
    pytester.makepyfile("def test_one(): pass")
    assert pytester.runpytest("--help").ret == 0
    result = pytester.runpytest()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*1 passed*"])
    assert "devops gates" not in result.stdout.str()


def test_missing_config_with_environment_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--devops-env=staging")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --devops-env staging (from --devops-env): no config file*"]
    )


def test_explicit_config_path(pytester: pytest.Pytester) -> None:
    pytester.mkdir("conf")
    (pytester.path / "conf" / "envs.yaml").write_text(CONFIG)
    pytester.makepyfile("def test_env(devops_env): assert devops_env.root.name == 'conf'")
    result = pytester.runpytest("--devops-env=staging", "--devops-config=conf/envs.yaml")
    assert result.ret == 0


def test_ini_config_path_is_relative_to_the_ini_file(pytester: pytest.Pytester) -> None:
    (pytester.mkdir("ci") / "pytest.ini").write_text("[pytest]\ndevops_config = envs.yaml\n")
    (pytester.path / "ci" / "envs.yaml").write_text(CONFIG)
    pytester.makepyfile("def test_env(devops_env): assert devops_env.root.name == 'ci'")
    result = pytester.runpytest("-c", "ci/pytest.ini", "--rootdir", ".", "--devops-env=staging")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(
        ["devops: environment staging (from --devops-env), config */ci/envs.yaml"]
    )


def test_outcomes_pass_fail_error(project: pytest.Pytester) -> None:
    project.makepyfile(test_gates=GATES)
    result = project.runpytest("--devops-env=staging", "--devops-report=r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*devops gates: environment staging*",
            "plan        1 passed",
            "security    1 failed",
            "cost        1 error",
            "postdeploy  1 error",
            "other       1 passed",
            "FAIL      test_gates.py::test_security_fails: 1 public bucket",
            "ERROR     test_gates.py::test_cost_errors: price list unavailable",
            "ERROR     test_gates.py::test_postdeploy_crash: KeyError: 'missing'",
            "outcome: error",
        ]
    )
    result.stdout.fnmatch_lines(["*1 failed, 2 passed, 2 errors*"])
    doc = report(project)
    assert doc["outcome"] == "error"
    outcomes = {g["nodeid"].split("::")[1]: (g["kind"], g["outcome"]) for g in doc["gates"]}
    assert outcomes == {
        "test_plan_ok": ("plan", "pass"),
        "test_security_fails": ("security", "fail"),
        "test_cost_errors": ("cost", "error"),
        "test_postdeploy_crash": ("postdeploy", "error"),
        "test_plain": (None, "pass"),
    }
    sec = next(g for g in doc["gates"] if g["kind"] == "security")
    assert sec["findings"] == [
        {
            "rule": "CKV_AWS_20",
            "message": "public",
            "address": "aws_s3_bucket.b",
            "file": "main.tf",
            "line": 3,
        }
    ]
    cost = next(g for g in doc["gates"] if g["kind"] == "cost")
    assert cost["message"] == "price list unavailable\n  hint: retry later"


def test_soft_fail_downgrades_failures_never_errors(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", devops="environments:\n  dev:\n    soft_fail: true\n")
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.devops_cost
        def test_over_budget():
            assert 120 <= 100, "over budget"
        """
    )
    result = pytester.runpytest("--devops-env=dev", "--devops-report=r.json")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["SOFT-FAIL test_soft_fail*::test_over_budget: *over budget*"])
    doc = report(pytester)
    assert doc["outcome"] == "pass"
    assert doc["totals"]["soft_fail"] == 1
    assert doc["gates"][0]["outcome"] == "fail"
    assert doc["gates"][0]["soft_fail"] is True

    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.devops_cost
        def test_broken():
            raise OSError("pricing file unreadable")
        """
    )
    result = pytester.runpytest("--devops-env=dev", "--devops-report=r.json")
    assert result.ret == 1
    assert report(pytester)["outcome"] == "error"


def test_report_path_is_relative_to_where_pytest_started(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makeini("[pytest]\n")
    project.makepyfile("def test_one(): pass")
    monkeypatch.chdir(project.mkdir("sub"))
    result = project.runpytest("--devops-env=staging", "--devops-report=r.json", str(project.path))
    assert result.ret == 0
    assert json.loads((project.path / "sub" / "r.json").read_text())["outcome"] == "pass"
    assert not (project.path / "r.json").exists()


def test_pytest_fail_in_a_gate_is_a_failure(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest
        @pytest.mark.devops_security
        def test_rule():
            pytest.fail("bucket is public")
        """
    )
    result = project.runpytest("--devops-env=staging", "--devops-report=r.json")
    assert result.ret == 1
    [gate] = report(project)["gates"]
    assert (gate["outcome"], gate["message"]) == ("fail", "Failed: bucket is public")
    assert report(project)["outcome"] == "fail"


def test_setup_error_is_an_error(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest
        @pytest.fixture
        def broken():
            raise FileNotFoundError("plan.json")
        @pytest.mark.devops_plan
        def test_uses(broken):
            pass
        """
    )
    result = project.runpytest("--devops-env=staging", "--devops-report=r.json")
    assert result.ret == 1
    [gate] = report(project)["gates"]
    assert (gate["outcome"], gate["message"]) == ("error", "FileNotFoundError: plan.json")


def test_no_environment_selected_is_an_error_for_gates(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.devops_plan
        def test_gate(devops_env):
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*no environment selected*", "*hint: run with --devops-env NAME*"])


def test_feature_fixtures_without_an_environment_say_what_is_missing(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.devops_plan
        def test_plan(devops_plan): pass
        @pytest.mark.devops_cost
        def test_cost(devops_cost): pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*no environment selected*"])
    assert "fixture 'devops_plan' not found" not in result.stdout.str()


def test_stage_selects_kinds_and_reports_deselected(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest
        @pytest.mark.devops_plan
        def test_plan(): pass
        @pytest.mark.devops_security
        def test_security(): pass
        @pytest.mark.devops_cost
        def test_cost(): pass
        @pytest.mark.devops_postdeploy
        def test_verify(): pass
        @pytest.mark.devops_stage("promote")
        def test_promotion_window(): pass
        def test_plain(): pass
        """
    )
    cases = {
        "plan": ["test_cost", "test_plan", "test_security"],
        "apply": ["test_verify"],
        "promote": ["test_promotion_window", "test_verify"],
    }
    for stage, expected in cases.items():
        result = project.runpytest("--devops-env=staging", f"--devops-stage={stage}", "-v")
        assert result.ret == 0
        passed = sorted(
            line.split("::")[1].split()[0] for line in result.outlines if " PASSED" in line
        )
        assert passed == expected, stage
        result.stdout.fnmatch_lines([f"*{len(expected)} passed, {6 - len(expected)} deselected*"])


def test_env_marker_restricts_to_environments(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest
        @pytest.mark.devops_env("production")
        def test_prod(): pass
        @pytest.mark.devops_env("staging", "production")
        def test_both(): pass
        """
    )
    project.runpytest("--devops-env=staging").assert_outcomes(passed=1, deselected=1)
    project.runpytest("--devops-env=production").assert_outcomes(passed=2)
    project.runpytest().assert_outcomes(deselected=2)


def test_kind_markers_work_with_dash_m(project: pytest.Pytester) -> None:
    project.makepyfile(test_gates=GATES)
    result = project.runpytest("--devops-env=staging", "-m", "devops_plan or devops_cost")
    result.assert_outcomes(passed=1, errors=1, deselected=3)


def test_bad_marker_arguments_are_usage_errors(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest
        @pytest.mark.devops_stage("deploy")
        def test_x(): pass
        """
    )
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: test_bad_marker*::test_x: devops_stage takes stage names*"]
    )


def test_markers_are_registered_with_signatures(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.devops_plan: a plan-validation gate*",
            "@pytest.mark.devops_env(*names): run only when --devops-env is one of names*",
            "@pytest.mark.devops_stage(*stages): *",
        ]
    )


def test_secrets_never_reach_terminal_junit_or_report(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_PASSWORD", "pa55w0rd-xyz")
    project.makepyfile(
        """
        import os
        import pytest
        from pytest_devops import GateFailure, Finding

        @pytest.mark.devops_postdeploy
        def test_leaky(devops_redactor):
            devops_redactor.add("runtime-token-42")
            pw = os.environ["DB_PASSWORD"]
            print("connecting with", pw, "runtime-token-42")
            raise GateFailure(f"login failed for {pw}",
                              [Finding("login", f"password {pw}", address="db")])

        def test_assert():
            assert os.environ["DB_PASSWORD"] == "x"
        """
    )
    result = project.runpytest(
        "--devops-env=staging", "--devops-report=r.json", "--junitxml=j.xml", "-rA"
    )
    assert result.ret == 1
    outputs = [
        result.stdout.str(),
        result.stderr.str(),
        (project.path / "r.json").read_text(),
        (project.path / "j.xml").read_text(),
    ]
    for text in outputs:
        assert "pa55w0rd-xyz" not in text
        assert "runtime-token-42" not in text
    assert "login failed for ***" in outputs[0]
    assert "connecting with *** ***" in outputs[0]
    gate = next(g for g in report(project)["gates"] if g["kind"] == "postdeploy")
    assert gate["findings"][0]["message"] == "password ***"


def test_secrets_in_xfail_reasons_and_collection_errors_are_masked(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_PASSWORD", "pa55w0rd-xyz")
    project.makepyfile(
        test_xfail="""
        import os
        import pytest

        @pytest.mark.xfail(reason=os.environ["DB_PASSWORD"])
        def test_known():
            assert 0

        @pytest.mark.parametrize("url", ["https://db/?p=" + os.environ["DB_PASSWORD"]])
        def test_by_url(url):
            assert 0

        def test_warns():
            import warnings
            warnings.warn("retrying with " + os.environ["DB_PASSWORD"], DeprecationWarning)
        """,
        test_broken="""
        import os
        raise ImportError("cannot log in with " + os.environ["DB_PASSWORD"])
        """,
    )
    args = ("--devops-env=staging", "--devops-report=r.json", "--junitxml=j.xml", "-rA")
    result = project.runpytest(*args, "--continue-on-collection-errors")
    assert result.ret == 1
    junit = (project.path / "j.xml").read_text()
    for text in (result.stdout.str(), junit, (project.path / "r.json").read_text()):
        assert "pa55w0rd-xyz" not in text
    result.stdout.fnmatch_lines(
        [
            "*ImportError: cannot log in with ***",
            "XFAIL *test_known - ***",
            "FAILED *::test_by_url[[]https://db/?p=***[]] - assert 0",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*warnings summary*", "*", "*DeprecationWarning: retrying with ***"]
    )
    assert 'message="***"' in junit
    assert 'name="test_by_url[https://db/?p=***]"' in junit


def test_terminal_outcome_agrees_with_the_report_when_the_run_is_interrupted(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.mark.devops_plan
        def test_a():
            pass

        @pytest.mark.devops_plan
        def test_b():
            pytest.exit("stopped", returncode=2)
        """
    )
    result = project.runpytest("--devops-env=staging", "--devops-report=r.json")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert report(project)["outcome"] == "error"
    gates = {g["nodeid"].rsplit(":", 1)[1]: g["outcome"] for g in report(project)["gates"]}
    assert gates == {"test_a": "pass", "test_b": "error"}
    result.stdout.fnmatch_lines(
        [
            "plan        1 error, 1 passed",
            "ERROR     *::test_b: the run stopped before this test ended",
            "outcome: error",
        ]
    )


def test_plugin_can_be_disabled(project: pytest.Pytester) -> None:
    project.makepyfile("def test_one(): pass")
    result = project.runpytest("-p", "no:devops", "--devops-env=staging")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --devops-env=staging*"])


def test_report_under_xdist_is_written_once_by_the_controller(project: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    project.makepyfile(test_gates=GATES)
    result = project.runpytest("--devops-env=staging", "--devops-report=r.json", "-n", "2")
    assert result.ret == 1
    doc = report(project)
    assert doc["totals"] == {"pass": 2, "fail": 1, "error": 2, "skip": 0, "soft_fail": 0}


def test_builtin_gates_from_a_hook_are_items_of_the_config_file(
    project: pytest.Pytester,
) -> None:
    project.makeconftest(
        textwrap.dedent(
            """
            from pytest_devops import BuiltinGate, GateFailure, Finding

            def no_public(ctx):
                if ctx.env.protected:
                    raise GateFailure(
                        "public in protected env", [Finding("no-public", "x", address="a.b")]
                    )

            def pytest_devops_builtin_gates(env, config):
                return [BuiltinGate(name="no-public", kind="security", run=no_public)]
            """
        )
    )
    result = project.runpytest("--devops-env=production", "--devops-report=r.json", "-v")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["devops.yaml::no-public FAILED*", "*public in protected env*", "*- no-public a.b: x"]
    )
    assert report(project)["gates"][0]["nodeid"] == "devops.yaml::no-public"
    result = project.runpytest(
        "--devops-env=staging", "--devops-stage=apply", "--devops-report=empty.json"
    )
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    # No gate ran: the stage decided nothing, which must not read as a pass.
    assert report(project, "empty.json")["outcome"] == "error"
    assert "devops gates" not in result.stdout.str()
    assert project.runpytest("--devops-env=staging").ret == 0
