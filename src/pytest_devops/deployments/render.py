"""DEPLOYED.md: the deployment record for people."""

from __future__ import annotations

import json

from pytest_devops.deployments.model import DeploymentRecord


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(record: DeploymentRecord) -> str:
    lines = [
        f"# Deployed: {record.env}",
        "",
        f"- **When**: {record.deployed_at}",
        f"- **What**: {record.source}" + (f" ({record.region})" if record.region else ""),
        f"- **Gates**: {record.gate_outcome}",
        f"- **Commit**: {record.commit or 'unknown'}",
        f"- **Plan digest**: {record.plan_digest or 'unknown'}",
        "",
        "## Resources",
        "",
        "| resource | type | id | console |",
        "| --- | --- | --- | --- |",
    ]
    for r in record.resources:
        link = f"[open]({r.console_url})" if r.console_url else ""
        lines.append(f"| `{_cell(r.address)}` | {_cell(r.type)} | `{_cell(r.id or '')}` | "
                     f"{link} |")
    if record.outputs:
        lines += ["", "## Outputs", "", "| output | value |", "| --- | --- |"]
        for name, value in sorted(record.outputs.items()):
            shown = value if isinstance(value, str) else json.dumps(value)
            lines.append(f"| `{_cell(name)}` | `{_cell(shown)}` |")
    return "\n".join(lines) + "\n"
