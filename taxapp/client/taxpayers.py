"""Reading a taxpayers file: one ``id,married,children,salary[,name=value…]`` a line.

Blank lines and lines whose first non-blank character is ``#`` are ignored.
Every other line must hold four comma-separated fields (spaces around a field
are ignored):

- ``id``: a whole number written in digits, unique in the file;
- ``married``: ``yes`` or ``no`` (any case);
- ``children``: a whole number from 0 to 20, in digits;
- ``salary``: a whole number from 0 to 1,000,000,000, in digits;

then, optionally and in any order, named fields (``7,no,1,30000,year=2026,single_parent=yes``):

- ``year=``: a tax year in digits (else ``--year``, else the server's default);
- ``rules=``: ``course`` or ``official`` (else ``--rules``, else ``course`` for
  2019 and ``official`` for the other years);
- ``single_parent=``: ``yes`` or ``no`` (``yes`` only when not married, with
  children, under the official rules).

Named rather than positional, so that a file of four columns reads as it always
did and a stray fifth value is still an error.

These are the server's own rules (docs/api.md, calculate-tax): a line the
server would refuse is reported here, with its line number, instead of making
the server refuse a whole batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from taxapp.contract import MAX_CHILDREN, MAX_SALARY

__all__ = ["MAX_CHILDREN", "MAX_SALARY", "BadLine", "Taxpayer", "read_taxpayers"]

OPTIONAL_FIELDS = ("year", "rules", "single_parent")
FIELDS = "id,married,children,salary[,year=Y][,rules=course|official][,single_parent=yes|no]"


@dataclass(frozen=True, slots=True)
class Taxpayer:
    """One valid line of a taxpayers file."""

    id: int
    married: str  # "yes" or "no"
    children: int
    salary: int
    line: int  # its line number in the file, from 1
    # None: not given (the server's default; the result then does not name it)
    year: int | None = None
    rules: str | None = None  # "course" or "official"
    single_parent: str | None = None  # "yes" or "no"

    def as_params(self) -> dict:
        """The taxpayer as the server's calculate-tax(es) parameters."""
        params = {"married": self.married, "children": self.children, "salary": self.salary}
        for key in OPTIONAL_FIELDS:
            if getattr(self, key) is not None:
                params[key] = getattr(self, key)
        return params


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


def _parse_line(number: int, text: str, year: int | None, rules: str | None) -> Taxpayer:
    fields = [field.strip() for field in text.split(",")]
    named = [field.partition("=") for field in fields[4:]]
    if len(fields) < 4 or any(name.strip() not in OPTIONAL_FIELDS or not sep for name, sep, _ in named):
        raise ValueError(f"expected 4 comma-separated fields (id,married,children,salary), found {len(fields)}")
    given = {name.strip(): value.strip() for name, _, value in named}
    if len(given) != len(named):
        raise ValueError("a named field is given twice")
    id_, married, children, salary = fields[:4]
    married = married.lower()
    if married not in ("yes", "no"):
        raise ValueError(f"married must be yes or no, not {fields[1]!r}")
    year = _whole_number("year", given["year"], 9999) if "year" in given else year
    rules, single_parent = given.get("rules", rules), given.get("single_parent")
    rules, single_parent = rules and rules.lower(), single_parent and single_parent.lower()
    if rules not in (None, "course", "official"):
        raise ValueError(f"rules must be course or official, not {given.get('rules')!r}")
    if single_parent not in (None, "yes", "no"):
        raise ValueError(f"single_parent must be yes or no, not {given.get('single_parent')!r}")
    taxpayer = Taxpayer(
        id=_whole_number("id", id_, None),
        married=married,
        children=_whole_number("children", children, MAX_CHILDREN),
        salary=_whole_number("salary", salary, MAX_SALARY),
        line=number,
        year=year,
        rules=rules,
        single_parent=single_parent,
    )
    if single_parent == "yes" and (married == "yes" or not taxpayer.children or rules == "course"):
        raise ValueError("single_parent yes only when not married, with children, under the official rules")
    return taxpayer


def read_taxpayers(
    lines: Iterable[str], year: int | None = None, rules: str | None = None
) -> tuple[list[Taxpayer], list[BadLine]]:
    """Parse the lines of a taxpayers file; ``year`` and ``rules``: for the lines without theirs.

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
            taxpayer = _parse_line(number, stripped, year, rules)
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
