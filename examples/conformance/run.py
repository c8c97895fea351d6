"""Apply a stack to moto, verify it conforms to its plan, then drift it and verify again.

    python examples/conformance/run.py            # both runs; exit 0 when the first
                                                  # passes and the second fails as it must
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import stack  # noqa: E402 - the example's own module, beside this file


def _pytest(env: dict[str, str]) -> int:
    cmd = [sys.executable, "-m", "pytest", "--devops-env=local", "--devops-stage=apply",
           "-q", "--no-header", "-p", "no:randomly", "-p", "no:cacheprovider"]
    return subprocess.run(cmd, cwd=HERE, env=env, check=False).returncode


def main() -> int:
    from pytest_devops.aws.emulator import Emulator
    from pytest_devops.aws.session import AwsSession, AwsSettings

    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}
    os.environ.update({k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                           "AWS_DEFAULT_REGION")})
    emulator = Emulator().start()
    try:
        session = AwsSession(AwsSettings(region="us-east-1",
                                         endpoint_url=emulator.endpoint_url))
        plan, state = stack.apply(session.client)
        out = HERE / "out"
        out.mkdir(exist_ok=True)
        (out / "plan.json").write_text(json.dumps(plan, indent=1), "utf-8")
        (out / "state.json").write_text(json.dumps(state, indent=1), "utf-8")
        env["CONFORMANCE_AWS_ENDPOINT"] = emulator.endpoint_url
        print("=== after apply: conformance must pass", flush=True)
        clean = _pytest(env)
        stack.drift(session.client, state)
        print("=== after drift: conformance must fail", flush=True)
        drifted = _pytest(env)
    finally:
        emulator.stop()
    ok = clean == 0 and drifted == 1
    print(f"CONFORMANCE {'DEMONSTRATED' if ok else 'NOT DEMONSTRATED'}: "
          f"clean run exit {clean}, drifted run exit {drifted}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
