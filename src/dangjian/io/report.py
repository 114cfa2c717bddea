"""What an import found: counts and every problem by row, column, value and message."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    row: int | None  # as Excel shows it; None for a problem with the whole file
    column: str
    value: str
    message: str


@dataclass
class ImportReport:
    total: int = 0
    valid: int = 0
    written: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, row: int | None, column: str, value: str, message: str) -> None:
        self.errors.append(Problem(row, column, value, message))

    def warn(self, row: int | None, column: str, value: str, message: str) -> None:
        self.warnings.append(Problem(row, column, value, message))

    def sort(self) -> None:
        # Stable: problems of one row keep the order of the columns they were found in.
        self.errors.sort(key=lambda p: p.row or 0)
        self.warnings.sort(key=lambda p: p.row or 0)

    @property
    def error_rows(self) -> set[int]:
        return {problem.row for problem in self.errors if problem.row is not None}

    def stopped(self, keep_valid: bool) -> bool:
        """Errors kept the rows from being written (all-or-nothing, or nothing valid to keep)."""
        return bool(self.errors) and (not keep_valid or self.valid == 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "valid": self.valid,
            "written": self.written,
            "errors": [asdict(problem) for problem in self.errors],
            "warnings": [asdict(problem) for problem in self.warnings],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        return cls(
            total=data["total"],
            valid=data["valid"],
            written=data["written"],
            errors=[Problem(**problem) for problem in data["errors"]],
            warnings=[Problem(**problem) for problem in data["warnings"]],
        )
