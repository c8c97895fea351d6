"""The report as GitHub markdown (job summary and pull-request comment), size-capped.

The text is built as blocks in order of importance; :func:`assemble` keeps whole blocks
that fit under the byte limit and says how many were left out, so a cut never leaves a
``<details>`` or a code fence open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from pytest_devops.findings import Finding
from pytest_devops.gates import KINDS
from pytest_devops.github.escape import (
    clean,
    code_block,
    code_span,
    html_text,
    md_cell,
    md_text,
)
from pytest_devops.report.model import Gate, GateReport

#: GitHub refuses a step summary above 1 MiB; keep a margin for what others append.
SUMMARY_LIMIT = 1_000_000
#: GitHub's maximum comment body is 65,536 characters; UTF-8 bytes are counted here, which
#: is stricter.
COMMENT_LIMIT = 65_536
ROWS = 100
ICONS = {"pass": "✅", "fail": "❌", "error": "⛔", "skip": "⏭️", "soft": "⚠️"}


@dataclass(frozen=True)
class Block:
    """A part of the document; ``make`` renders it only if there is room left for it;
    ``fit(room)`` renders it in at most ``room`` bytes (``""`` when it cannot)."""

    text: str = ""
    essential: bool = False
    make: Callable[[], str] | None = None
    fit: Callable[[int], str] | None = None

    def render(self) -> str:
        return self.make() if self.make is not None else self.text


def render_markdown(
    report: GateReport,
    *,
    title: str = "pytest-devops",
    limit: int = SUMMARY_LIMIT,
    marker: str | None = None,
    footer: str | None = None,
    link: str | None = None,
) -> str:
    """The whole markdown document for ``report``, at most ``limit`` UTF-8 bytes.

    ``link`` is where the whole report can be read (the run page, for a comment)."""
    from pytest_devops.github.sections import section_blocks

    blocks = [*head_blocks(report, title, marker), *gate_blocks(report)]
    blocks += section_blocks(report, link)
    if footer:
        blocks.append(Block(footer))
    return assemble(blocks, limit)


def assemble(blocks: Sequence[Block], limit: int, note_room: int = 400) -> str:
    """Every essential block, then the others in order while they fit under ``limit``.

    Once one does not fit, the rest are counted, not rendered (a report with thousands of
    failing gates costs no more than the limit).
    """
    texts: list[str | None] = [b.render() if b.essential else None for b in blocks]
    room = limit - note_room - sum(_size(t) for t in texts if t is not None)
    omitted = 0
    for i, block in enumerate(blocks):
        if block.essential:
            continue
        if omitted:
            omitted += 1
            continue
        text = block.fit(room - 2) if block.fit is not None else block.render()
        if text and _size(text) <= room:
            texts[i] = text
            room -= _size(text)
        else:
            omitted = 1
    out = [t for t in texts if t is not None]
    if omitted:
        out.append(
            f"> [!WARNING]\n> {omitted} part{'s' if omitted > 1 else ''} of this report "
            f"{'were' if omitted > 1 else 'was'} left out to stay under GitHub's size limit "
            f"({limit:,} bytes). Run `pytest-devops report REPORT` for everything."
        )
    text = "\n\n".join(out) + "\n"
    data = text.encode("utf-8")
    if len(data) > limit:  # only when the essentials alone are too big
        text = data[: max(0, limit - 6)].decode("utf-8", "ignore") + "\n…\n"
    return text


def _size(text: str) -> int:
    return len(text.encode("utf-8")) + 2


def head_blocks(report: GateReport, title: str, marker: str | None) -> list[Block]:
    icon = ICONS[report.outcome]
    where = code_span(report.env or "default")
    if report.stage:
        where += f" · stage {code_span(report.stage)}"
    head = f"### {icon} {md_text(title)}: {where} — **{report.outcome}**"
    if marker:
        head = f"{marker}\n{head}"
    t = report.totals
    counts = [
        f"**{t['pass']}** passed",
        f"**{t['fail'] - t['soft_fail']}** failed",
        f"**{t['error']}** error{'s' if t['error'] != 1 else ''}",
        f"**{t['skip']}** skipped",
    ]
    if t["soft_fail"]:
        counts.append(f"**{t['soft_fail']}** soft-failed {ICONS['soft']}")
    line = " · ".join(counts) + f" in {report.duration:.1f} s"
    if not report.gates:
        line += "\n\nNo gate ran."
    blocks = [Block(f"{head}\n\n{line}", essential=True)]
    if report.gates:
        blocks.append(Block(kind_table(report.gates), essential=True))
    return blocks


def kind_table(gates: Iterable[Gate]) -> str:
    counts: dict[str, dict[str, int]] = {}
    for g in gates:
        row = counts.setdefault(
            g.kind or "other", dict.fromkeys(("pass", "fail", "soft", "error", "skip"), 0)
        )
        row["soft" if g.soft_fail else g.outcome] += 1
    soft = any(row["soft"] for row in counts.values())
    header = (
        "| Kind | Passed | Failed |" + (" Soft-failed |" if soft else "") + " Errors | Skipped |"
    )
    align = "| --- | ---: | ---: |" + (" ---: |" if soft else "") + " ---: | ---: |"
    lines = [header, align]
    for kind in [*KINDS, *sorted(set(counts) - set(KINDS))]:
        if kind in counts:
            r = counts[kind]
            cells = [md_cell(kind), str(r["pass"]), str(r["fail"])]
            cells += [str(r["soft"])] if soft else []
            cells += [str(r["error"]), str(r["skip"])]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def gate_blocks(report: GateReport, chunk: int = 25) -> list[Block]:
    """The gates that did not pass: the first ``chunk`` always shown, the rest in further
    tables while there is room; then one folded part per gate with findings or a long
    message."""
    failing = report.not_passed()
    if not failing:
        return []
    head = ["| | Gate | Kind | Message |", "| --- | --- | --- | --- |"]
    rows = []
    for g in failing:
        icon = ICONS["soft"] if g.soft_fail else ICONS[g.outcome]
        first = clean(g.message).strip().split("\n", 1)[0]
        rows.append(
            f"| {icon} {g.label} | {code_span(g.nodeid)} | {md_cell(g.kind or '-')} | "
            f"{md_cell(first, 200)} |"
        )
    blocks = [Block("\n".join(["#### Gates that did not pass", "", *head, *rows[:chunk]]), True)]
    blocks += [
        Block("\n".join([*head, *rows[i : i + chunk]])) for i in range(chunk, len(rows), chunk)
    ]
    blocks += [
        Block(make=partial(gate_details, g))
        for g in failing
        if g.findings or "\n" in g.message.strip()
    ]
    return blocks


def gate_details(gate: Gate) -> str:
    n = len(gate.findings)
    what = f" — {n} finding{'s' if n != 1 else ''}" if n else ""
    parts = [f"<details><summary>{gate.label} {html_text(gate.nodeid)}{what}</summary>", ""]
    if gate.findings:
        parts += [findings_table(gate.findings), ""]
    if gate.message.strip():
        parts += [code_block(gate.message), ""]
    parts.append("</details>")
    return "\n".join(parts)


def findings_table(findings: Sequence[Finding], rows: int = ROWS) -> str:
    lines = [
        "| Severity | Rule | Resource | Location | Message |",
        "| --- | --- | --- | --- | --- |",
    ]
    for f in findings[:rows]:
        lines.append(
            f"| {md_cell(f.severity) if f.severity else '-'} | {code_span(f.rule)} | "
            f"{code_span(f.address) if f.address else '-'} | "
            f"{code_span(location(f)) if f.file else '-'} | {md_cell(f.message)} |"
        )
    if len(findings) > rows:
        lines.append(f"\n… and {len(findings) - rows} more findings.")
    return "\n".join(lines)


def location(f: Finding) -> str:
    if not f.file:
        return ""
    if f.line is None:
        return f.file
    end = f"-{f.end_line}" if f.end_line and f.end_line != f.line else ""
    return f"{f.file}:{f.line}{end}"
