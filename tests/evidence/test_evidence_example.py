"""examples/evidence: a failing run's bundle replays to the same failure, offline, from a
directory holding nothing but the bundle; no secret is in it (tampering: test_bundle)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from example_runs import clean_env, have_checkov

ROOT = Path(__file__).resolve().parents[2]
SECRET_PIECES = ('s3cr3t-"quoted"', "back\\\\slash", "k" * 20)


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bool, str]:
    security = have_checkov()
    work = tmp_path_factory.mktemp("evidence")
    project = work / "project"
    shutil.copytree(ROOT / "examples" / "evidence", project)
    proc = _run(["pytest", "--devops-env=staging", "--devops-stage=plan",
                 "--devops-evidence=evidence.tgz", "-p", "no:randomly", "-q"], project,
                clean_env(EXAMPLE_SECURITY="true" if security else "false"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    fresh = work / "fresh"
    fresh.mkdir()
    shutil.copy(project / "evidence.tgz", fresh / "evidence.tgz")
    shutil.rmtree(project)  # nothing of the original inputs is left
    return fresh / "evidence.tgz", security, proc.stdout


def test_replay_reaches_fail_again_with_the_same_findings(
        recorded: tuple[Path, bool, str]) -> None:
    bundle, security, _ = recorded
    proc = _run(["pytest_devops", "replay", bundle.name], bundle.parent, clean_env())
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("replay: environment staging, manifest sha256:")
    assert lines[1:] == [
        "SAME      devops.yaml::cost.monthly_max: fail",
        "SAME      devops.yaml::plan.required_tags: fail (1 finding)",
        "SAME      devops.yaml::plan.allowed_instance_types: fail (1 finding)",
        *(["SAME      devops.yaml::checkov: fail (1 finding)"] if security else []),
        "SAME      tests/test_gates.py::test_databases_are_small: pass",
        "outcome: fail (same as recorded)",
    ]
    if security:  # docs/evidence.md shows exactly this
        doc = (ROOT / "docs" / "evidence.md").read_text()
        shown = re.findall(r"```text\n(.*?)```", doc, re.DOTALL)[0].splitlines()
        assert shown[0] == "replay: environment staging, manifest sha256:\u2026"
        assert shown[1:] == lines[1:]
    with tarfile.open(bundle) as tar:
        report = json.loads(tar.extractfile("report.json").read())  # type: ignore[union-attr]
    tags = next(g for g in report["gates"] if g["nodeid"].endswith("plan.required_tags"))
    assert [f["address"] for f in tags["findings"]] == ["aws_db_instance.main"]


def test_the_bundle_holds_what_the_run_judged_and_no_secret(
        recorded: tuple[Path, bool, str]) -> None:
    bundle, security, _ = recorded
    with tarfile.open(bundle) as tar:
        members = {i.name: tar.extractfile(i).read() for i in tar}  # type: ignore[union-attr]
    expected = {"manifest.json", "report.json", "plan.json", "junit.xml", "config.json",
                "prices/catalog.json", "project/pytest.ini", "project/tests/test_gates.py"}
    if security:
        expected |= {"scan.json", "results.sarif"}
    assert set(members) == expected
    for name, data in members.items():
        text = data.decode()
        for piece in SECRET_PIECES:
            assert piece not in text, name
    plan = json.loads(members["plan.json"])
    db = next(rc for rc in plan["resource_changes"] if rc["address"] == "aws_db_instance.main")
    assert db["after"]["password"] == "(sensitive)"
    manifest = json.loads(members["manifest.json"])
    assert manifest["outcome"] == "fail"
    assert manifest["plan_digest"] == plan["digest"]
    assert manifest["versions"]["terraform"] == "1.11.0"
    assert manifest["versions"]["checkov"] == ("3.3.30" if security else None)
    junit = members["junit.xml"].decode()
    assert 'name="plan.required_tags"' in junit
    assert "<failure" in junit


def test_the_demo_change_set_replays_from_its_bundle(tmp_path: Path) -> None:
    security = have_checkov()
    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", demo)
    proc = _run(["pytest", "--devops-env=local", "--devops-stage=plan", "-p", "no:randomly",
                 "--devops-evidence=../demo.tgz", "-q"], demo,
                clean_env(DEMO_SERVICE_URL="http://127.0.0.1:9/health",
                     DEMO_SECURITY="true" if security else "false"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shutil.rmtree(demo)
    replayed = _run(["pytest_devops", "replay", "demo.tgz", "--format", "json"], tmp_path,
                    clean_env())
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    result = json.loads(replayed.stdout)
    assert (result["recorded"], result["replayed"], result["different"]) == ("pass", "pass", [])
    assert len(result["same"]) == (9 if security else 8)


def test_under_xdist_the_bundle_still_holds_the_plan_and_scan(tmp_path: Path) -> None:
    security = have_checkov()
    project = tmp_path / "project"
    shutil.copytree(ROOT / "examples" / "evidence", project)
    proc = _run(["pytest", "--devops-env=staging", "--devops-stage=plan", "-n", "2",
                 "--devops-evidence=../evidence.tgz", "-p", "no:randomly", "-q"], project,
                clean_env(EXAMPLE_SECURITY="true" if security else "false"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    with tarfile.open(tmp_path / "evidence.tgz") as tar:
        names = set(tar.getnames())
    assert {"plan.json", *(["scan.json"] if security else [])} <= names
    shutil.rmtree(project)
    replay = _run(["pytest_devops", "replay", "evidence.tgz"], tmp_path, clean_env())
    assert replay.returncode == 1, replay.stdout + replay.stderr
    assert replay.stdout.splitlines()[-1] == "outcome: fail (same as recorded)"
