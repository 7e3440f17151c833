"""Validation reports: every problem names the file, the row, the field and the reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Problems kept in a report; beyond this they are only counted (a file of a million bad rows
#: must not exhaust memory).
KEEP = 10_000


@dataclass(frozen=True, order=True)
class Problem:
    """One bad value. ``row`` counts data rows from 1; ``line`` is the CSV line (header = 1)."""

    file: str
    row: int | None
    field: str | None
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}" + (f" (line {self.line})" if self.line else ""))
        if self.field:
            where.append(f"field {self.field}")
        return ": ".join([", ".join(where), self.reason])


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    omitted: int = 0
    max_shown: int = 1000

    def add(
        self,
        file: str,
        row: int | None,
        field_name: str | None,
        reason: str,
        line: int | None = None,
    ) -> None:
        if len(self.problems) >= KEEP:
            self.omitted += 1
            return
        self.problems.append(Problem(file, row, field_name, reason, line))

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def count(self) -> int:
        return len(self.problems) + self.omitted

    def lines(self) -> list[str]:
        shown = [str(p) for p in self.problems[: self.max_shown]]
        hidden = self.count - len(shown)
        if hidden > 0:
            shown.append(f"... and {hidden:,} more problems")
        return shown

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(p) for p in self.problems]


class InputError(Exception):
    """Bad input: nothing was written. Carries the full report."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        count = report.count
        super().__init__(f"{count:,} problem{'s' if count != 1 else ''} in the input")
