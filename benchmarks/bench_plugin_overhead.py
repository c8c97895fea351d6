"""Plugin overhead on `pytest --co` of a 500-test suite that does not use it.

Prints the ratio of collection time with the plugin loaded to time with
``-p no:devops`` (target: under 1.02). Run: ``python benchmarks/bench_plugin_overhead.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = 500
ROUNDS = 15


def make_suite(root: Path) -> None:
    for module in range(TESTS // 50):
        body = "\n".join(f"def test_{i}():\n    assert {i} == {i}\n" for i in range(50))
        (root / f"test_mod{module}.py").write_text(body)


#: As on a user's machine: bytecode (and pytest's assertion-rewritten bytecode of plugin
#: modules) is cached after the first run. With PYTHONDONTWRITEBYTECODE every run would
#: rewrite every plugin module again, which measures the environment, not the plugin.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(root: Path, *extra: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root,
        check=True,
        capture_output=True,
        env=ENV,
    )
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_suite(root)
        run(root)  # warm the file system and bytecode caches
        with_plugin, without = [], []
        for _ in range(ROUNDS):  # interleaved so machine noise hits both alike
            with_plugin.append(run(root))
            without.append(run(root, "-p", "no:devops"))
    a, b = statistics.median(with_plugin), statistics.median(without)
    print(f"pytest --co, {TESTS} tests, median of {ROUNDS}:")
    print(f"  with pytest-devops   {a * 1000:8.1f} ms")
    print(f"  with -p no:devops    {b * 1000:8.1f} ms")
    print(f"  ratio                {a / b:8.3f}  (target < 1.02)")


if __name__ == "__main__":
    main()
