"""Plugin overhead on `pytest --co` of a 500-test suite that does not use it.

Prints the ratio of the CPU time of collection with the plugin loaded to the CPU time
with ``-p no:devops`` (target: at most 1.02), each the median of 15 runs, every run
pinned to one core with ``taskset`` so that the two sides are measured alike on a busy
machine. Run: ``python benchmarks/bench_plugin_overhead.py``.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = 500
ROUNDS = 15
CORE = "0"


def make_suite(root: Path) -> None:
    for module in range(TESTS // 50):
        body = "\n".join(f"def test_{i}():\n    assert {i} == {i}\n" for i in range(50))
        (root / f"test_mod{module}.py").write_text(body)


#: As on a user's machine: bytecode (and pytest's assertion-rewritten bytecode of plugin
#: modules) is cached after the first run. With PYTHONDONTWRITEBYTECODE every run would
#: rewrite every plugin module again, which measures the environment, not the plugin.
ENV = {k: v for k, v in os.environ.items()
       if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("PYTEST_DEVOPS_")}


def pinned() -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", CORE] if taskset else []


def run(root: Path, *extra: str) -> float:
    """CPU seconds (user + system) the collection run took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [*pinned(), sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider",
         *extra],
        cwd=root,
        check=True,
        capture_output=True,
        env=ENV,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    if not pinned():
        print("taskset not found: runs are not pinned to one core", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_suite(root)
        run(root)  # warm the file system and bytecode caches
        run(root, "-p", "no:devops")
        with_plugin, without = [], []
        for _ in range(ROUNDS):  # interleaved so machine noise hits both alike
            with_plugin.append(run(root))
            without.append(run(root, "-p", "no:devops"))
    a, b = statistics.median(with_plugin), statistics.median(without)
    print(f"pytest --co, {TESTS} tests, CPU time pinned to core {CORE}, median of {ROUNDS}:")
    print(f"  with pytest-devops   {a * 1000:8.1f} ms")
    print(f"  with -p no:devops    {b * 1000:8.1f} ms")
    print(f"  ratio                {a / b:8.3f}  (target <= 1.02)")


if __name__ == "__main__":
    main()
