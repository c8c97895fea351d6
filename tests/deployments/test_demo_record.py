"""The offline demo writes a deployment record listing every stack resource with its
console link, and nothing secret is in it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from example_runs import clean_env

ROOT = Path(__file__).resolve().parents[2]


def test_demo_record(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", demo, ignore=shutil.ignore_patterns(".devops"))
    env = clean_env(DEMO_SECURITY="false")
    proc = subprocess.run([sys.executable, "run.py"], cwd=demo, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data, human_path = demo / ".devops" / "deployments" / "local.json", \
        demo / ".devops" / "deployments" / "local" / "DEPLOYED.md"
    assert f"devops deployment: 6 resources recorded in {data} and {human_path}" in proc.stdout
    record = json.loads(data.read_text())
    assert record["schema"] == "pytest-devops/deployment@1"
    assert (record["env"], record["gate_outcome"], record["region"]) == (
        "local", "pass", "us-east-1")
    assert record["source"] == "CloudFormation stack pytest-devops-demo"
    assert [(r["address"], r["type"]) for r in record["resources"]] == [
        ("Vpc", "AWS::EC2::VPC"), ("ArtifactBucket", "AWS::S3::Bucket"),
        ("WebInstance", "AWS::EC2::Instance"),
        ("WebTargets", "AWS::ElasticLoadBalancingV2::TargetGroup"),
        ("WebCpuAlarm", "AWS::CloudWatch::Alarm"), ("AppLogs", "AWS::Logs::LogGroup")]
    assert all(r["console_url"].startswith("https://us-east-1.console.aws.amazon.com/")
               or r["console_url"].startswith("https://s3.console.aws.amazon.com/")
               for r in record["resources"])
    assert sorted(record["outputs"]) == ["BucketName", "InstanceId", "LogGroupName",
                                         "TargetGroupArn"]
    human = (demo / ".devops" / "deployments" / "local" / "DEPLOYED.md").read_text()
    for r in record["resources"]:
        assert f"| `{r['address']}` | {r['type']} |" in human
        assert f"[open]({r['console_url']})" in human
    texts = human + json.dumps(record)
    assert "testing" not in texts  # the emulator's credentials
    assert "SecretAccessKey" not in texts
    checkov = os.environ.get("PYTEST_DEVOPS_CHECKOV") or shutil.which("checkov")
    if checkov:  # Checkov's secrets scan over the record finds nothing
        scan = subprocess.run(
            [sys.executable, "-m", "pytest_devops", "scan", ".devops/deployments",
             "--framework", "secrets", "--no-cache", "--format", "json"],
            cwd=demo, capture_output=True, text=True, timeout=300, check=False)
        assert scan.returncode == 0, scan.stdout + scan.stderr
        assert json.loads(scan.stdout)["failed"] == []
