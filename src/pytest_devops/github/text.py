"""The report as plain text for a terminal (``pytest-devops report --format table``)."""

from __future__ import annotations

from pytest_devops.gates import KINDS
from pytest_devops.github.escape import clean
from pytest_devops.github.markdown import location
from pytest_devops.report.model import GateReport

_COLUMNS = ("pass", "fail", "soft", "error", "skip")
_HEAD = ("passed", "failed", "soft", "errors", "skipped")


def render_text(report: GateReport, rows: int = 200) -> list[str]:
    stage = f", stage {report.stage}" if report.stage else ""
    lines = [
        f"pytest-devops report: environment {report.env or '-'}{stage}: "
        f"{report.outcome} (exit {report.exit_code}), {len(report.gates)} gates "
        f"in {report.duration:.1f} s"
    ]
    counts: dict[str, dict[str, int]] = {}
    for g in report.gates:
        row = counts.setdefault(g.kind or "other", dict.fromkeys(_COLUMNS, 0))
        row["soft" if g.soft_fail else g.outcome] += 1
    if counts:
        lines.append(f"{'kind':<11}" + "".join(f"{h:>9}" for h in _HEAD))
        for kind in [*KINDS, *sorted(set(counts) - set(KINDS))]:
            if kind in counts:
                lines.append(
                    f"{kind[:11]:<11}" + "".join(f"{counts[kind][c]:>9}" for c in _COLUMNS)
                )
    failing = report.not_passed()
    for g in failing[:rows]:
        first = clean(g.message).strip().split("\n", 1)[0]
        lines.append(f"{g.label:<9} {g.nodeid}" + (f": {first}" if first else ""))
        for f in g.findings[:rows]:
            where = " ".join(
                p for p in (f.address or "", f"({location(f)})" if f.file else "") if p
            )
            head = f"  - {f.rule} {where}".rstrip()
            lines.append(f"{head}: {f.message}" if f.message else head)
    if len(failing) > rows:
        lines.append(f"... and {len(failing) - rows} more gates that did not pass")
    lines.append(f"outcome: {report.outcome}")
    # One line per entry: a message's own newlines or control characters cannot forge lines.
    return [" ".join(clean(line).split("\n")) for line in lines]
