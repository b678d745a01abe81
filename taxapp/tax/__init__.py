"""French income tax: the course's rules and the official rules, by tax year.

A pure package: no Pyramid, no SQL, standard library only. The web layer, the data
layer and the client all depend on it, never the reverse.

- :mod:`.course`: the original course application's algorithm (tax year 2019),
  bit-compatible with it, binary floats included;
- :mod:`.official`: the law's rules for every tax year, in exact arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import course, official
from .course import calculate_tax
from .data import (
    COURSE_YEAR,
    HOUSEHOLD_KEYS,
    RULES,
    HouseholdData,
    TaxData,
    Taxpayer,
    TaxResult,
    default_rules,
    half_shares,
    rules_available,
    shares,
)
from .household import Dependent, Household, HouseholdResult, Person, calculate_household

__all__ = [
    "COURSE_YEAR",
    "HOUSEHOLD_KEYS",
    "RULES",
    "Dependent",
    "Household",
    "HouseholdData",
    "HouseholdResult",
    "Person",
    "TaxData",
    "TaxResult",
    "Taxpayer",
    "calculate",
    "calculate_household",
    "calculate_tax",
    "calculate_taxpayer",
    "default_rules",
    "half_shares",
    "rules_available",
    "shares",
    "year_and_rules",
]


def calculate(
    data: TaxData, rules: str, married: bool, children: int, salary: int, single_parent: bool = False
) -> TaxResult:
    """The tax of a household under ``rules`` (``course`` or ``official``)."""
    if rules == "course":
        if single_parent:
            raise ValueError("the course rules know no single-parent case")
        return course.calculate_tax(data, married, children, salary)
    return official.calculate_tax(data, married, children, salary, single_parent)


def year_and_rules(tax_years: Mapping[int, TaxData], default_year: int, taxpayer: Taxpayer) -> tuple[TaxData, str]:
    """The figures and the rules of a taxpayer of a form or batch: its own, else the defaults."""
    year = taxpayer.year or default_year
    return tax_years[year], taxpayer.rules or default_rules(year)


def calculate_taxpayer(tax_years: Mapping[int, TaxData], default_year: int, taxpayer: Taxpayer) -> TaxResult:
    """The tax of a taxpayer of a form or batch, in its year and under its rules (or the defaults)."""
    data, rules = year_and_rules(tax_years, default_year, taxpayer)
    return calculate(data, rules, taxpayer.married, taxpayer.children, taxpayer.salary, bool(taxpayer.single_parent))
