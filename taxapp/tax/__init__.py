"""The French income-tax calculation of the original course application, 2019 rules.

A pure module: no Pyramid, no SQL, standard library only. The web layer, the data
layer and the client all depend on it, never the reverse.

The original application computed with binary floating point and rounded with
``floor``/``ceil`` at fixed steps; its published results (and the ones its clients
stored) depend on that, down to a one-euro difference at some salaries. So every
step below follows ``shared/spec/tax.md`` §2 literally: same operations, same
order, Python ``float``. Do not "simplify" an expression: ``R * coeffr - parts *
coeffn`` and ``R * coeffr - coeffn * parts`` are not always the same float.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import NamedTuple

__all__ = [
    "TaxData",
    "Taxpayer",
    "TaxResult",
    "calculate_tax",
    "shares",
    "half_shares",
]


@dataclass(frozen=True, slots=True)
class TaxData:
    """The tax administration's figures for one tax year.

    ``limits``, ``coeffr`` and ``coeffn`` describe the brackets in order; the last
    bracket is unbounded and its limit is written ``0`` (as in the original's data
    and in the get-admindata answer): the calculation never reads it.
    """

    limits: tuple[float, ...]
    coeffr: tuple[float, ...]
    coeffn: tuple[float, ...]
    qf_half_share_cap: float
    single_income_ceiling_for_reduction: float
    couple_income_ceiling_for_reduction: float
    half_share_reduction_value: float
    single_discount_ceiling: float
    couple_discount_ceiling: float
    single_tax_ceiling_for_discount: float
    couple_tax_ceiling_for_discount: float
    max_10_percent_allowance: float
    min_10_percent_allowance: float
    tax_year: int

    def __post_init__(self) -> None:
        if not (len(self.limits) == len(self.coeffr) == len(self.coeffn) >= 1):
            raise ValueError("limits, coeffr and coeffn must be non-empty and of equal length")

    def as_dict(self) -> dict:
        """The get-admindata shape: lists for the brackets, numbers as they are."""
        data = asdict(self)
        for key in ("limits", "coeffr", "coeffn"):
            data[key] = [_plain_number(v) for v in data[key]]
        for key, value in data.items():
            if not isinstance(value, list):
                data[key] = _plain_number(value)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "TaxData":
        """Build from the get-admindata shape (the inverse of :meth:`as_dict`)."""
        fields = {key: data[key] for key in cls.__dataclass_fields__}
        for key in ("limits", "coeffr", "coeffn"):
            fields[key] = tuple(float(v) for v in fields[key])
        for key, value in fields.items():
            if key == "tax_year":
                fields[key] = int(value)
            elif not isinstance(fields[key], tuple):
                fields[key] = float(value)
        return cls(**fields)


def _plain_number(value: float) -> int | float:
    """1551.0 -> 1551 (the administration's whole amounts), 0.14 stays 0.14."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class Taxpayer(NamedTuple):
    # a NamedTuple, not a frozen dataclass: a batch makes 10,000 of them, and a
    # frozen dataclass costs four times as much to build
    married: bool
    children: int
    salary: int


@dataclass(frozen=True, slots=True)
class TaxResult:
    tax: int
    surcharge: int
    discount: int
    reduction: int
    rate: float


def shares(married: bool, children: int) -> float:
    """Number of shares (parts): ½ for each of the first two children, 1 for each further one."""
    parts = (2 if married else 1) + children / 2
    if children >= 3:
        parts += 0.5 * (children - 2)
    return parts


def half_shares(children: int) -> int:
    """Half-shares the children bring (tax.md §2 B.2 ``h``)."""
    return children if children < 3 else 2 + 2 * (children - 2)


def _gross_tax(data: TaxData, married: bool, children: int, salary: int) -> tuple[int, int, float, int]:
    """Step A: (tax, surcharge, rate, taxable income R) for a number of children."""
    parts = shares(married, children)
    allowance = 0.1 * salary
    if allowance > data.max_10_percent_allowance:
        allowance = data.max_10_percent_allowance
    if allowance < data.min_10_percent_allowance:
        allowance = data.min_10_percent_allowance
    taxable = math.floor(salary - allowance)
    surcharge = math.floor(taxable - 0.9 * salary)
    if surcharge < 0:
        surcharge = 0
    quotient = taxable / parts
    last = len(data.limits) - 1
    i = next((i for i in range(last) if quotient <= data.limits[i]), last)
    tax = math.floor(taxable * data.coeffr[i] - parts * data.coeffn[i])
    return tax, surcharge, data.coeffr[i], taxable


def calculate_tax(data: TaxData, married: bool, children: int, salary: int) -> TaxResult:
    """The tax of a household (tax.md §2, steps A to E)."""
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
        if d > tax:
            d = tax
        if d < 0:
            d = 0
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
