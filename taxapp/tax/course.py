"""The course rules: the calculation of the original course application, tax year 2019.

The original application computed with binary floating point and rounded with
``floor``/``ceil`` at fixed steps; its published results (and the ones its clients
stored) depend on that, down to a one-euro difference at some salaries. So every
step below follows the course's algorithm literally (docs/tax-rules.md): same
operations, same order, Python ``float``. Do not "simplify" an expression: ``R *
coeffr - parts * coeffn`` and ``R * coeffr - coeffn * parts`` are not always the
same float. The official rules, in exact arithmetic, are in :mod:`.official`.
"""

from __future__ import annotations

import math

from .data import TaxData, TaxResult, half_shares, shares

__all__ = ["calculate_tax"]


def _gross_tax(data: TaxData, married: bool, children: int, salary: int) -> tuple[int, int, float, int]:
    """Step A: (tax, surcharge, rate, taxable income R) for a number of children."""
    parts = shares(married, children)
    allowance = 0.1 * salary
    allowance = min(allowance, data.max_10_percent_allowance)
    allowance = max(allowance, data.min_10_percent_allowance)
    taxable = math.floor(salary - allowance)
    surcharge = math.floor(taxable - 0.9 * salary)
    surcharge = max(surcharge, 0)
    quotient = taxable / parts
    last = len(data.limits) - 1
    i = next((i for i in range(last) if quotient <= data.limits[i]), last)
    tax = math.floor(taxable * data.coeffr[i] - parts * data.coeffn[i])
    return tax, surcharge, data.coeffr[i], taxable


def calculate_tax(data: TaxData, married: bool, children: int, salary: int) -> TaxResult:
    """The tax of a household (docs/tax-rules.md, steps 1 to 5)."""
    # B. family-quotient cap: the children's half-shares cannot save more than the cap each.
    tax1, surcharge1, rate1, taxable = _gross_tax(data, married, children, salary)
    h = half_shares(children)
    if children == 0:
        tax2, surcharge2, rate2 = tax1, surcharge1, rate1
    else:
        t, surcharge2, rate2, _ = _gross_tax(data, married, 0, salary)
        tax2 = t - h * data.qf_half_share_cap
    if tax1 >= tax2:
        tax, surcharge, rate = tax1, surcharge1, rate1
    else:
        tax, surcharge, rate = tax2, (tax2 - tax1) + surcharge2, rate2

    # C. discount (décote)
    if married:
        tax_ceiling, discount_ceiling = data.couple_tax_ceiling_for_discount, data.couple_discount_ceiling
    else:
        tax_ceiling, discount_ceiling = data.single_tax_ceiling_for_discount, data.single_discount_ceiling
    if tax < tax_ceiling:
        d = discount_ceiling - 0.75 * tax
        d = min(d, tax)
        d = max(d, 0)
    else:
        d = 0
    discount = math.ceil(d)
    tax = tax - discount

    # D. 20 % reduction under an income ceiling raised per child half-share
    income_ceiling = (
        data.couple_income_ceiling_for_reduction if married else data.single_income_ceiling_for_reduction
    ) + data.half_share_reduction_value * h
    r = 0.2 * tax if taxable < income_ceiling else 0
    reduction = math.ceil(r)
    tax = tax - reduction

    # E.
    return TaxResult(
        tax=math.floor(tax),
        surcharge=int(surcharge),
        discount=int(discount),
        reduction=int(reduction),
        rate=float(rate),
    )
