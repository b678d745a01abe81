"""Reading a taxpayers file: one ``id,married,children,salary`` a line.

Blank lines and lines whose first non-blank character is ``#`` are ignored.
Every other line must hold four comma-separated fields (spaces around a field
are ignored):

- ``id``: a whole number written in digits, unique in the file;
- ``married``: ``yes`` or ``no`` (any case);
- ``children``: a whole number from 0 to 20, in digits;
- ``salary``: a whole number from 0 to 1,000,000,000, in digits.

These are the server's own rules (contract §3, calculate-tax): a line the
server would refuse is reported here, with its line number, instead of making
the server refuse a whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

__all__ = ["MAX_CHILDREN", "MAX_SALARY", "BadLine", "Taxpayer", "read_taxpayers"]

MAX_CHILDREN = 20
MAX_SALARY = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Taxpayer:
    """One valid line of a taxpayers file."""

    id: int
    married: str  # "yes" or "no"
    children: int
    salary: int
    line: int  # its line number in the file, from 1

    def as_params(self) -> dict:
        """The taxpayer as the server's calculate-tax(es) parameters."""
        return {"married": self.married, "children": self.children, "salary": self.salary}


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that was skipped, and why."""

    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}: {self.text!r}"


def _whole_number(name: str, value: str, maximum: int | None) -> int:
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"{name} must be a whole number written in digits, not {value!r}")
    number = int(value)
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be at most {maximum:,}, not {number:,}")
    return number


def _parse_line(number: int, text: str) -> Taxpayer:
    fields = [field.strip() for field in text.split(",")]
    if len(fields) != 4:
        raise ValueError(f"expected 4 comma-separated fields (id,married,children,salary), found {len(fields)}")
    id_, married, children, salary = fields
    married = married.lower()
    if married not in ("yes", "no"):
        raise ValueError(f"married must be yes or no, not {fields[1]!r}")
    return Taxpayer(
        id=_whole_number("id", id_, None),
        married=married,
        children=_whole_number("children", children, MAX_CHILDREN),
        salary=_whole_number("salary", salary, MAX_SALARY),
        line=number,
    )


def read_taxpayers(lines: Iterable[str]) -> tuple[list[Taxpayer], list[BadLine]]:
    """Parse the lines of a taxpayers file.

    Returns the valid taxpayers in file order and the bad lines (line number,
    text, reason). A duplicate ``id`` is a bad line; the first line with that id
    is kept.
    """
    taxpayers: list[Taxpayer] = []
    bad: list[BadLine] = []
    first_line_of: dict[int, int] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            taxpayer = _parse_line(number, stripped)
        except ValueError as error:
            bad.append(BadLine(number, text, str(error)))
            continue
        if taxpayer.id in first_line_of:
            first = first_line_of[taxpayer.id]
            bad.append(BadLine(number, text, f"duplicate id {taxpayer.id} (first on line {first})"))
            continue
        first_line_of[taxpayer.id] = number
        taxpayers.append(taxpayer)
    return taxpayers, bad
