"""A finding: one place where a rule is broken, in a form every report can show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One violation of one rule.

    ``rule`` is the rule or check id (``no-destroy``, ``CKV_AWS_20``, ``budget``);
    ``address`` the resource (Terraform address, CloudFormation logical id, URL, host);
    ``file``/``line``/``end_line`` where it is written, when known.
    """

    rule: str
    message: str
    address: str | None = None
    file: str | None = None
    line: int | None = None
    end_line: int | None = None
    severity: str | None = None
    guideline: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        where = self.address or ""
        if self.file:
            loc = self.file if self.line is None else f"{self.file}:{self.line}"
            where = f"{where} ({loc})" if where else loc
        head = f"{self.rule} {where}".strip()
        return f"{head}: {self.message}" if self.message else head

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, {})}
