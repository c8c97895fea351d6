"""Security gate wall time against bare Checkov, on terragoat's AWS stack (corpus).

Prints two ratios (medians of interleaved rounds):
  - gate scan, cache off / ``checkov -d DIR`` (target <= 1.05): the gate's own overhead;
  - unchanged re-run (cache warm) / ``checkov -d DIR`` (target <= 0.1).
The same numbers through a whole ``pytest --devops-env`` run are printed for reference
(they add pytest's start-up). Bare Checkov gets the gate's offline settings (same
environment variables, ``--skip-download``, JSON output) so both do the same work.

Run: ``PYTEST_DEVOPS_CHECKOV=/path/to/checkov python benchmarks/bench_scan.py [ROUNDS]``
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pytest_devops.security import checkov
from pytest_devops.security.policy import SecurityPolicy
from pytest_devops.security.scanner import scan

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("PYTEST_DEVOPS_CORPUS", ROOT.parent / "shared" / "corpus"))
STACK = CORPUS / "tf" / "terragoat__aws"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    exe = checkov.resolve(None, ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(STACK, root / "stack")
        (root / "devops.yaml").write_text(
            f"environments:\n  ci:\n    security:\n      paths: [stack]\n"
            f"      checkov: {exe.path}\n")
        env = {k: v for k, v in os.environ.items() if k not in checkov.DROPPED_ENV}
        env.update(checkov.OFFLINE_ENV)
        bare_cmd = [exe.path, "-d", str(root / "stack"), "-o", "json", "--skip-download"]
        policy = SecurityPolicy(paths=("stack",), checkov=exe.path)
        cache = root / "cache"
        pytest_cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:randomly",
                      "--devops-env", "ci", "-o", f"cache_dir={root / 'pcache'}",
                      "--devops-report", str(root / "gates.json"), str(root)]

        def bare() -> None:
            subprocess.run(bare_cmd, cwd=root, env=env, capture_output=True, check=False)

        def gate_cold() -> None:
            scan(policy, root)  # no cache: Checkov runs

        def gate_warm() -> None:
            report = scan(policy, root, cache_dir=cache)
            assert report.cached

        def pytest_gate(clear: bool) -> Callable[[], None]:
            def go() -> None:
                if clear:
                    shutil.rmtree(root / "pcache", ignore_errors=True)
                done = subprocess.run(pytest_cmd, cwd=root, capture_output=True, text=True,
                                      check=False)
                outcome = json.loads((root / "gates.json").read_text())["outcome"]
                if outcome != "fail":  # terragoat fails its checks; anything else timed nothing
                    sys.exit(f"the pytest run ended {outcome} (exit {done.returncode}):\n"
                             + done.stdout[-2000:] + done.stderr[-2000:])
            return go

        scan(policy, root, cache_dir=cache)  # warm disk caches, fill the scan cache
        pytest_gate(True)()
        times: dict[str, list[float]] = {k: [] for k in
                                         ("bare", "cold", "warm", "pytest_cold", "pytest_warm")}
        for _ in range(rounds):  # interleaved so machine noise hits all alike
            times["bare"].append(timed(bare))
            times["cold"].append(timed(gate_cold))
            times["warm"].append(timed(gate_warm))
            times["pytest_cold"].append(timed(pytest_gate(True)))
            times["pytest_warm"].append(timed(pytest_gate(False)))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"terragoat AWS stack ({STACK.name}), checkov at {exe.path}, median of {rounds}:")
    print(f"  bare checkov -d                 {med['bare']:7.2f} s")
    print(f"  gate scan, cache off            {med['cold']:7.2f} s   "
          f"ratio {med['cold'] / med['bare']:.3f}  (target <= 1.05)")
    print(f"  gate scan, unchanged re-run     {med['warm']:7.3f} s   "
          f"ratio {med['warm'] / med['bare']:.3f}  (target <= 0.1)")
    print(f"  pytest --devops-env, cold       {med['pytest_cold']:7.2f} s   "
          f"ratio {med['pytest_cold'] / med['bare']:.3f}  (includes pytest start-up)")
    print(f"  pytest --devops-env, re-run     {med['pytest_warm']:7.2f} s   "
          f"ratio {med['pytest_warm'] / med['bare']:.3f}  (includes pytest start-up)")


if __name__ == "__main__":
    main()
