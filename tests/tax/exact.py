"""The official rules written a second time, the plainest way: ``Fraction`` everywhere.

A reference for the tests, independent of ``taxapp.tax.official`` (which works in
scaled integers for speed): the two must agree on every household. It also gives
the exact values before each rounding, with which the oracle tests tell a .50 tie
from a real difference.
"""

from __future__ import annotations

from fractions import Fraction as F
from typing import NamedTuple


class Exact(NamedTuple):
    tax: F  # before the final rounding
    discount: F
    reduction: F
    surcharge_parts: tuple[F, F]  # the QF cap's excess, the allowance cap's excess
    rate: F
    taxable: int
    gross: F  # after the QF cap, before the décote
    capped: bool  # the QF cap applies
    other_rate: F | None  # the rate of the other side of the cap when both sides are exactly equal
    rounding_inputs: tuple[F, ...]  # every value the rules round


def nearest(x: F) -> int:
    """To the nearest integer, .5 up (CGI art. 1657)."""
    return int((x + F(1, 2)).__floor__())


def nearest_even(x: F) -> int:
    """To the nearest integer, .5 to the even one (numpy's ``around``, which OpenFisca uses)."""
    return round(x)


def is_tie(x: F) -> bool:
    return x.denominator == 2


def exact_tax(
    p: dict, married: bool, children: int, salary: int, single_parent: bool = False, nearest=nearest
) -> Exact:
    """``p``: a year of tests/data/tax-parameters-by-income-year.json (French names).

    ``nearest``: how the allowance and the décote are rounded (the law: .5 up).
    """
    q = {k: (F(str(v)) if isinstance(v, (int, float)) else v) for k, v in p.items()}
    allowance_before_rounding = q["taux_abattement"] * salary
    allowance = nearest(allowance_before_rounding)
    allowance = min(max(allowance, q["abattement_dixpourcent_min"]), q["abattement_dixpourcent_max"], salary)
    taxable = salary - allowance
    adults = 2 if married else 1
    child_shares = F(children, 2) if children <= 2 else 1 + (children - 2)
    beyond = 2 * child_shares + (1 if single_parent else 0)  # half-shares beyond the adults'
    limits = [F(str(v)) for v in p["limites"][:-1]]
    coeffr = [F(str(v)) for v in p["coeffr"]]
    coeffn = [F(str(v)) for v in p["coeffn"]]

    def gross(parts):
        quotient = taxable / parts
        i = next((i for i, limit in enumerate(limits) if quotient <= limit), len(limits))
        return taxable * coeffr[i] - parts * coeffn[i], coeffr[i]

    t_all, rate_all = gross(adults + F(beyond, 2))
    if beyond:
        if single_parent:
            cap = q["plafond_qf_parent_isole_case_T_2_premieres_demi_parts"] + (beyond - 2) * q["plafond_qf_demi_part"]
        else:
            cap = beyond * q["plafond_qf_demi_part"]
        t, rate_adults = gross(F(adults))
        t_adults = t - cap
    else:
        t_adults, rate_adults = t_all, rate_all
    tax, rate = (t_all, rate_all) if t_all >= t_adults else (t_adults, rate_adults)
    gross = tax

    base = q["plafond_decote_couple" if married else "plafond_decote_celibataire"]
    discount_before_rounding = base - q["taux_decote"] * tax
    d = min(max(nearest(discount_before_rounding), 0), tax)
    tax -= d

    r = F(0)
    if p["taux_reduction"] is not None:
        extra = q["valeur_reduc_demi_part"] * beyond
        kind = "couple" if married else "celibataire"
        low = q[f"reduction_plein_taux_jusqua_{kind}"] + extra
        high = q[f"plafond_revenus_{kind}_pour_reduction"] + extra
        if taxable < low:
            r = q["taux_reduction"] * tax
        elif taxable < high:
            r = q["taux_reduction"] * tax * (high - taxable) / (high - low)
    tax -= r
    return Exact(
        tax=max(tax, F(0)),
        discount=F(d),
        reduction=r,
        surcharge_parts=(max(t_adults - t_all, F(0)), max(taxable - (1 - q["taux_abattement"]) * salary, F(0))),
        rate=rate,
        taxable=taxable,
        gross=gross,
        capped=t_adults > t_all,
        other_rate=rate_adults if beyond and t_adults == t_all and rate_adults != rate_all else None,
        rounding_inputs=(allowance_before_rounding, discount_before_rounding, tax, r),
    )


def rounded(e: Exact, nearest=nearest) -> tuple[int, int, int, int, float]:
    """(tax, surcharge, discount, reduction, rate) as the law rounds them (or as ``nearest`` does)."""
    return (
        nearest(e.tax),
        sum(nearest(x) for x in e.surcharge_parts),
        nearest(e.discount),
        nearest(e.reduction),
        float(e.rate),
    )
