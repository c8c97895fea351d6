"""The gate report (``pytest-devops/report@1``): one model for every reader and writer.

- :mod:`pytest_devops.report.results` records a run's results and writes the document;
- :mod:`pytest_devops.report.model` reads it back, checked and typed (``parse_report`` is
  ``from_dict``; ``GateReport.to_dict``), for the GitHub renderers, the actions' commands
  and replays;
- ``report.schema.json`` beside them is its JSON Schema.

This module holds only the names both sides share, so the plugin can import it cheaply.
"""

from __future__ import annotations

SCHEMA = "pytest-devops/report@1"
#: A run's outcome, and a gate's.
OUTCOMES = ("pass", "fail", "error")
GATE_OUTCOMES = ("pass", "fail", "error", "skip")
#: Exit code of a run whose gates ended so.
EXIT_CODES = {"pass": 0, "fail": 1, "error": 2}
