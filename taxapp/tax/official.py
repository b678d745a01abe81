"""The official rules for a household whose income is one salary (calculate-tax).

A special case of the whole household's rules (:mod:`.household`), not a second
copy: the salary is declarant 1's, a married couple's second declarant has none,
the children are minors in the household's sole charge, case T adds its half-share.
Stage 1 of the household's engine computes it; this module only builds that household
and reads back the figures calculate-tax answers (docs/tax-years.md).

The course's ``surcharge`` (its name for what the caps add to the taxable income's
tax) is the family-quotient cap's effect plus what the allowance's maximum withholds
of the 10 %, each rounded to the euro.
"""

from __future__ import annotations

from .data import TaxData, TaxResult
from .household import SCALE, Dependent, Household, Person, _figures_of, income_tax, round_half_up

__all__ = ["SCALE", "calculate_tax", "round_half_up", "salary_household"]

# Not over 65 and not disabled: the salary-only household has no allowance of its age.
_WORKING_AGE = 40
_CHILD_AGE = 10


def salary_household(
    tax_year: int, married: bool, children: int, salary: int, single_parent: bool = False
) -> Household:
    """The household calculate-tax describes: one salary, minor children."""
    income_year = tax_year - 1
    adult = income_year - _WORKING_AGE
    declarants = (Person(adult, salary), Person(adult)) if married else (Person(adult, salary),)
    return Household(
        status="married" if married else "single",
        declarants=declarants,
        dependents=(Dependent(income_year - _CHILD_AGE),) * children,
        single_parent=single_parent,
    )


def calculate_tax(data: TaxData, married: bool, children: int, salary: int, single_parent: bool = False) -> TaxResult:
    """The tax of a household whose income is ``salary`` (docs/tax-years.md)."""
    result = income_tax(data, salary_household(data.tax_year, married, children, salary, single_parent))
    f, _ = _figures_of(data)
    withheld = f.allowance_rate * salary - result.persons[0].salary_deduction * SCALE  # the allowance cap's excess
    return TaxResult(
        tax=result.tax,
        surcharge=result.family_quotient_cap + max(round_half_up(withheld, SCALE), 0),
        discount=result.discount,
        reduction=result.reduction,
        rate=result.rate,
    )
