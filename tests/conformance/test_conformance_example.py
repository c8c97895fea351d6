"""examples/conformance/run.py: a stack applied to moto conforms to its plan; after drift
the built-in items fail naming each resource and attribute; the secret never shows."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from stack import SECRET

from example_runs import clean_env

ROOT = Path(__file__).resolve().parents[2]


def test_run_shows_conformance_then_drift(tmp_path: Path) -> None:
    example = tmp_path / "conformance"
    shutil.copytree(ROOT / "examples" / "conformance", example)
    env = clean_env()
    proc = subprocess.run([sys.executable, "run.py"], cwd=example, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    clean, drifted = proc.stdout.split("=== after drift: conformance must fail\n")
    assert "10 passed" in clean
    # The failures section (pytest repeats whole messages in its short summary under CI).
    failures = drifted.split(" short test summary info ")[0]
    assert [line for line in failures.splitlines() if line.startswith("  - conformance ")] == [
        '  - conformance aws_cloudwatch_log_group.app: tags: planned {"Owner": "team-a"}, '
        'actual {"Owner": "someone-else"}',
        "  - conformance aws_instance.web: instance_type: planned 't3.micro', "
        "actual 'm5.large'",
        "  - conformance aws_s3_bucket_policy.assets: policy: planned '{\"Version\": "
        "\"2012-10-17\", \"Statement\": [{\"Sid\": \"DenyInsecure\", \"Effect\": \"Deny\", "
        "\"Principal\": \"*\", \"Action\": \"s3:*\", \"Resource\": "
        "\"arn:aws:s3:::conf-assets/*\", \"Condition\": {\"Bool\": "
        "{\"aws:SecureTransport\": \"false\"}}}]}', actual '{\"Version\": \"2012-10-17\", "
        "\"Statement\": [{\"Sid\": \"DenyInsecure\", \"Effect\": \"Allow\", \"Principal\": "
        "\"*\", \"Action\": \"s3:*\", \"Resource\": \"arn:aws:s3:::conf-assets/*\", "
        "\"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"false\"}}}]}'",
        "  - conformance aws_ssm_parameter.db_password: value: the live value differs from "
        "the planned one (sensitive: values not shown)",
    ]
    assert "4 failed, 6 passed" in drifted
    doc = (ROOT / "docs" / "conformance.md").read_text()
    shown = re.findall(r"```text\n(.*?)```", doc, re.DOTALL)[1].splitlines()
    assert shown == [line for line in drifted.splitlines()
                     if line.startswith(("FAIL      ", "outcome: "))]
    assert "passed" in clean
    assert proc.stdout.rstrip().endswith(
        "CONFORMANCE DEMONSTRATED: clean run exit 0, drifted run exit 1")
    for piece in (SECRET, SECRET.replace("w", "v"), "w" * 10, "v" * 10):
        assert piece not in out
