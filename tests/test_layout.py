from __future__ import annotations

import collections
from pathlib import Path

# Not `from conftest import ROOT`: under pytest's default import mode every conftest.py
# is the module `conftest`, and which one that name holds depends on collection order.
ROOT = Path(__file__).resolve().parents[1]


def test_test_modules_have_unique_basenames() -> None:
    # The test directories are not packages: pytest imports each module by its basename,
    # so two files of one name in different folders stop the whole run at collection.
    seen: dict[str, list[str]] = collections.defaultdict(list)
    for path in (ROOT / "tests").rglob("*.py"):
        if path.name not in {"__init__.py", "conftest.py"}:
            seen[path.name].append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
