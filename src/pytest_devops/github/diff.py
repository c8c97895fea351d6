"""Plan diffs as GitHub markdown: one collapsed part per root, within a byte budget.

When everything fits, each root shows every changed attribute. When it does not (a PR
comment is at most 65,536 characters), each root shows its changed resources without
attributes, then only counts, and says where the whole diff is: the job summary.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytest_devops.github.escape import code_block, html_text
from pytest_devops.plan.diff import PlanDiff
from pytest_devops.plan.diff_text import headline, lines, resource_lines

__all__ = ["diff_markdown"]

_BLOCK_LIMIT = 10_000_000  # code_block's own cut is not wanted: the budget decides


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


_ICONS = {"pass": "✅ ", "fail": "❌ ", "error": "⛔ "}


def _title(diff: PlanDiff) -> str:
    name = f"<b>{html_text(diff.root)}</b>: " if diff.root else ""
    gates = f" (gates: {diff.outcome})" if diff.outcome else ""
    return f"{_ICONS.get(diff.outcome or '', '')}{name}{html_text(headline(diff))}{gates}"


def _details(diff: PlanDiff, body: list[str], note: str = "", open_: bool = False) -> str:
    tail = f"\n\n{note}" if note else ""
    return (
        f"<details{' open' if open_ else ''}><summary>{_title(diff)}</summary>\n\n"
        f"{code_block(chr(10).join(body), _BLOCK_LIMIT, 'diff')}{tail}\n\n</details>"
    )


def _full(diff: PlanDiff, open_: bool) -> str:
    body = lines(diff)
    if diff.unchanged:
        body.append(f"# {diff.unchanged} unchanged not listed")
    return _details(diff, body, f"Digest: `{diff.digest}`" if diff.digest else "", open_)


def _compact(diff: PlanDiff, room: int) -> str:
    """Resources without attributes, as many as fit in ``room`` bytes; then a count."""
    if not diff.resources and not diff.outputs:
        return _details(diff, ["# no changes"])
    body: list[str] = []
    used = _size(_details(diff, [], "… and 1,000,000 more resources (attributes left out)."))
    shown = 0
    for r in diff.resources:
        line = resource_lines(r, attributes=False)[0]
        if used + _size(line) + 1 > room:
            break
        body.append(line)
        used += _size(line) + 1
        shown += 1
    rest = len(diff.resources) - shown
    note = f"… and {rest:,} more resources (attributes left out)." if rest else (
        "Attributes left out."
    )
    if not body:
        body = ["# resources left out"]
    return _details(diff, body, note)


def diff_markdown(diffs: Sequence[PlanDiff], limit: int, link: str | None = None) -> str:
    """The diffs in at most ``limit`` UTF-8 bytes (``""`` when not even a line fits).

    ``link`` is where the whole diff can be read (the run's job summary).
    """
    if not diffs:
        return ""
    from pytest_devops.review.lookup import digest_line

    # what `pytest-devops reviewed` reads back after the merge: always there, never cut
    hidden = "".join(f"\n{digest_line(d.root, d.digest)}" for d in diffs if d.root and d.digest)
    body = _fitted(diffs, limit - _size(hidden), link)
    return body + hidden if body else ""


def _fitted(diffs: Sequence[PlanDiff], limit: int, link: str | None) -> str:
    title = "#### Plan diff"
    open_ = len(diffs) == 1
    full = "\n\n".join([title, *(_full(d, open_) for d in diffs)])
    if _size(full) <= limit:
        return full
    where = f"the [job summary]({link})" if link else "the job summary"
    note = (
        f"> [!NOTE]\n> The whole diff ({_size(full):,} bytes) is over the size limit here: "
        f"read it in {where}, or run `pytest-devops diff PLAN`."
    )
    parts = [title, note]
    room = limit - _size("\n\n".join(parts))
    counts_only = [f"- {_title(d)}" for d in diffs]
    for i, diff in enumerate(diffs):
        # Each remaining root gets an even share, and the rest a line of counts each.
        reserve = sum(_size(c) + 2 for c in counts_only[i + 1 :])
        share = (room - reserve) // (len(diffs) - i) - 2
        block = _compact(diff, share)
        if _size(block) > share:
            block = counts_only[i]
        if _size(block) + 2 > room:
            break
        parts.append(block)
        room -= _size(block) + 2
    text = "\n\n".join(parts)
    return text if _size(text) <= limit else ""
