"""The official rules (CGI art. 197 and 1657) for salaries, in exact arithmetic.

Every amount is an integer of a small unit, so that no binary float ever decides a
rounding: the law rounds to the nearest euro with 0.50 counting as 1, and with
one share in the 45 % bracket, ``R × 0.45 − coeffn`` ends in .50 for one taxable
income in twenty. The figures are read once per :class:`~.data.TaxData` into
integers of 1/10,000 (the database's precision); the tax before its last step is
an integer of ``1/TAX_UNIT`` euro (half-shares make the ``p × coeffn`` term a
multiple of 1/20,000).

The steps (docs/tax-years.md): the 10 % allowance rounded to the euro and bounded;
the shares (½ per each of the first two children, 1 per further child, ½ for a
single parent, case T); the gross tax ``R × coeffr − p × coeffn``, not rounded;
the family-quotient cap (case T: the first two half-shares capped together at
their own cap); the décote ``base − rate × tax`` rounded; the 20 % reduction for
modest incomes, tapered, until tax year 2020; the final tax rounded.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from .data import TaxData, TaxResult, half_shares

__all__ = ["SCALE", "TAX_UNIT", "calculate_tax", "round_half_up"]

SCALE = 10_000  # figures are read as integers of 1/SCALE
TAX_UNIT = 2 * SCALE  # the gross tax is an integer of 1/TAX_UNIT euro


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, x.5 up (CGI art. 1657)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _scaled(value: float | None, name: str) -> int:
    if value is None:
        raise ValueError(f"the official rules need {name}, which this tax year's data lacks")
    exact = Fraction(repr(value)) * SCALE
    if exact.denominator != 1:
        raise ValueError(f"{name} = {value!r} has more than 4 decimals")
    return int(exact)


class _Figures(NamedTuple):
    """One tax year's figures as integers of 1/SCALE."""

    limits: tuple[int, ...]  # all but the last, unbounded, bracket
    coeffr: tuple[int, ...]
    coeffn: tuple[int, ...]
    rates: tuple[float, ...]
    qf_cap: int
    single_parent_cap: int
    discount_base: tuple[int, int]  # (single, couple)
    discount_rate: int
    allowance_rate: int
    allowance_min: int
    allowance_max: int
    reduction_rate: int | None  # None: no reduction that year
    full_reduction_ceiling: tuple[int, int]
    reduction_ceiling: tuple[int, int]
    reduction_half_share: int


def _figures(data: TaxData) -> _Figures:
    if data.reduction_rate is None:
        reduction = (None, (0, 0), (0, 0), 0)
    else:
        reduction = (
            _scaled(data.reduction_rate, "reduction_rate"),
            (
                _scaled(data.single_full_reduction_ceiling, "single_full_reduction_ceiling"),
                _scaled(data.couple_full_reduction_ceiling, "couple_full_reduction_ceiling"),
            ),
            (
                _scaled(data.single_income_ceiling_for_reduction, "single_income_ceiling_for_reduction"),
                _scaled(data.couple_income_ceiling_for_reduction, "couple_income_ceiling_for_reduction"),
            ),
            _scaled(data.half_share_reduction_value, "half_share_reduction_value"),
        )
    figures = _Figures(
        tuple(_scaled(v, "limits") for v in data.limits[:-1]),
        tuple(_scaled(v, "coeffr") for v in data.coeffr),
        tuple(_scaled(v, "coeffn") for v in data.coeffn),
        tuple(float(v) for v in data.coeffr),
        _scaled(data.qf_half_share_cap, "qf_half_share_cap"),
        _scaled(data.single_parent_qf_cap, "single_parent_qf_cap"),
        (
            _scaled(data.single_discount_ceiling, "single_discount_ceiling"),
            _scaled(data.couple_discount_ceiling, "couple_discount_ceiling"),
        ),
        _scaled(data.discount_rate, "discount_rate"),
        _scaled(data.allowance_rate, "allowance_rate"),
        _scaled(data.min_10_percent_allowance, "min_10_percent_allowance"),
        _scaled(data.max_10_percent_allowance, "max_10_percent_allowance"),
        *reduction,
    )
    # The taxable income is whole euros only if the allowance's bounds are.
    if figures.allowance_min % SCALE or figures.allowance_max % SCALE:
        raise ValueError("the allowance's bounds must be whole euros")
    return figures


# TaxData -> its figures, by identity: a TaxData lives as long as the process (the
# registry's) or the client's run, and hashing its twenty fields on every call
# would cost more than the calculation.
_cache: dict[int, tuple[TaxData, _Figures]] = {}


def _figures_of(data: TaxData) -> _Figures:
    entry = _cache.get(id(data))
    if entry is None or entry[0] is not data:
        if len(_cache) > 256:
            _cache.clear()
        entry = _cache[id(data)] = (data, _figures(data))
    return entry[1]


def _gross_tax(f: _Figures, taxable: int, half_shares_: int) -> tuple[int, int]:
    """(tax in 1/TAX_UNIT euro, bracket) of ``R × coeffr − p × coeffn`` for p = half_shares_ / 2.

    The quotient R / p falls in the first bracket whose limit it does not exceed:
    R / p ≤ limit  ⇔  2 R ≤ half-shares × limit.
    """
    double_taxable = 2 * taxable * SCALE
    limits = f.limits
    i = 0
    while i < len(limits) and double_taxable > half_shares_ * limits[i]:
        i += 1
    return 2 * taxable * f.coeffr[i] - half_shares_ * f.coeffn[i], i


def calculate_tax(data: TaxData, married: bool, children: int, salary: int, single_parent: bool = False) -> TaxResult:
    """The tax of a household whose income is ``salary`` (docs/tax-years.md)."""
    f = _figures_of(data)
    couple = 1 if married else 0

    # 1. the allowance, rounded to the euro, bounded, never more than the salary
    allowance = round_half_up(f.allowance_rate * salary, SCALE)
    allowance = min(max(allowance, f.allowance_min // SCALE), f.allowance_max // SCALE, salary)
    taxable = salary - allowance

    # 2. shares, counted in halves
    adults = 4 if married else 2
    extra = half_shares(children) + (1 if single_parent else 0)

    # 3.–4. the gross tax and the family-quotient cap
    tax_all, bracket_all = _gross_tax(f, taxable, adults + extra)
    if extra:
        tax_adults, bracket_adults = _gross_tax(f, taxable, adults)
        if single_parent:  # case T: the first two half-shares share one cap
            cap = f.single_parent_cap + (extra - 2) * f.qf_cap
        else:
            cap = extra * f.qf_cap
        tax_adults -= 2 * cap
    else:
        tax_adults, bracket_adults = tax_all, bracket_all
    if tax_all >= tax_adults:
        tax, rate, qf_excess = tax_all, f.rates[bracket_all], 0
    else:
        tax, rate, qf_excess = tax_adults, f.rates[bracket_adults], tax_adults - tax_all

    # 5. décote: base − rate × tax, rounded, between 0 and the tax
    discount = round_half_up(2 * f.discount_base[couple] * SCALE - f.discount_rate * tax, TAX_UNIT * SCALE)
    discount = min(max(discount, 0) * TAX_UNIT, tax)
    tax -= discount

    # 6. the reduction, × num / den of the tax; 7. the final tax, rounded
    reduction = 0
    den = 1
    if f.reduction_rate is not None and tax:
        raised = f.reduction_half_share * extra
        low = f.full_reduction_ceiling[couple] + raised
        high = f.reduction_ceiling[couple] + raised
        income = taxable * SCALE
        if income < low:
            reduction, den = tax * f.reduction_rate, SCALE
        elif income < high:
            reduction, den = tax * f.reduction_rate * (high - income), SCALE * (high - low)
    final = round_half_up(tax * den - reduction, TAX_UNIT * den)

    # the allowance cap's excess: what the allowance's maximum adds to (1 − rate) × salary
    allowance_excess = taxable * SCALE - (SCALE - f.allowance_rate) * salary
    return TaxResult(
        tax=final,
        surcharge=round_half_up(qf_excess, TAX_UNIT) + max(round_half_up(allowance_excess, SCALE), 0),
        discount=round_half_up(discount, TAX_UNIT),
        reduction=round_half_up(reduction, TAX_UNIT * den),
        rate=rate,
    )
