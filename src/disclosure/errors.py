"""Errors staff can cause, reported in Chinese with file, line, field and what to do."""
from __future__ import annotations

from dataclasses import dataclass


def visible(text: str) -> str:
    """text for a message: control characters escaped, so a final newline or a tab shows as \\n, \\t."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True, order=True)
class DataError:
    """One problem in one data file. Sorted by file, then line, so reports read top-down."""

    file: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based; 0 when unknown
    field: str  # the field in words (yamlio.field_name): "status", "第2条进展记录的日期"; "" for the whole file
    message: str  # what was found and what is expected, in Chinese

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        field = f" 字段 {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class DataErrors(Exception):
    """Raised when data does not validate; carries every problem found, not just the first."""

    def __init__(self, errors: list[DataError]):
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(e) for e in self.errors))

    def report(self) -> str:
        n = len(self.errors)
        return "\n".join(str(e) for e in self.errors) + f"\n共发现 {n} 处问题,请按上面的提示修改后重新提交。"


@dataclass(frozen=True)
class Warning_:
    """A consistency warning: not an error, the build goes on."""

    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: 提醒: {self.message}"
