"""The whole household's income tax under the law's rules, in exact arithmetic.

One engine: :func:`calculate_household` takes a household (each person's incomes,
the dependents, the expenses) and a tax year's figures and returns every figure of
the calculation, named. It runs in two stages, each a function of its own:

1. :func:`income_tax`: each person's salaries and pensions with their allowances,
   the deductible alimony, the special allowance of people over 65 or disabled, the
   taxable and the reference income, the shares, the gross tax, the family-quotient
   cap with its complementary reductions, the décote, the 20 % reduction (tax years
   2019–2020): the tax before tax reductions (OpenFisca's ``ip_net``);
2. :func:`amount_due`: the donations' tax reductions, the home-employment and
   childcare credits within the overall cap of tax advantages, the high-income
   contributions (CEHR, and CDHR from tax year 2026), the collection thresholds:
   what the household pays, negative for a refund.

The salary-only official rules (:mod:`.official`) are stage 1 of a household whose
only income is one salary. docs/households.md gives each rule with its article.

Exactness: amounts are whole euros; every figure of the year is read once into an
integer of ``1/SCALE`` euro (rates too: 0.1 is 1,000); shares are counted in quarters,
so the gross tax ``R × rate − shares × coeffn`` is an integer of ``1/TAX_UNIT`` euro.
No binary float decides a rounding; every rounding is to the nearest euro with .50
counting as 1 (CGI art. 1657).

Ages: only the year of birth is known. A person born in year B is taken to have their
birthday after 1 January: on 1 January of the income year Y they are ``Y − B − 1``
years old (a child born in Y is a minor), on 31 December ``Y − B``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from .data import HouseholdData, TaxData

__all__ = [
    "QUARTERS",
    "SCALE",
    "STATUSES",
    "TAX_UNIT",
    "Dependent",
    "Household",
    "HouseholdResult",
    "IncomeTax",
    "Person",
    "PersonIncome",
    "amount_due",
    "calculate_household",
    "income_tax",
    "round_half_up",
]

SCALE = 10_000  # a year's figures are read as integers of 1/SCALE
QUARTERS = 4  # shares are counted in quarters (shared custody gives quarter shares)
TAX_UNIT = QUARTERS * SCALE  # the gross tax is an integer of 1/TAX_UNIT euro

STATUSES = ("single", "married", "divorced", "widowed")
ADULT_AGE = 18  # a dependent of 18 or more on 1 January is an attached adult child (CGI 196 B)
ELDERLY_AGE = 65  # "over 65 on 31 December" (CGI 157 bis, 199 sexdecies)
YOUNG_CHILD_AGE = 6  # childcare: children under 6 on 1 January (CGI 200 quater B)


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, x.5 up (CGI art. 1657)."""
    return (2 * numerator + denominator) // (2 * denominator)


# --- the household --------------------------------------------------------------------


class Person(NamedTuple):
    """A declarant: year of birth, incomes of the income year (whole euros), disability."""

    born: int
    salary: int = 0  # 1AJ/1BJ
    unemployment: int = 0  # 1AP/1BP: the salaries' allowance applies to it too
    actual_expenses: int | None = None  # 1AK/1BK; None: the 10 % allowance
    pension: int = 0  # 1AS/1BS
    disabled: bool = False  # boxes P/F


class Dependent(NamedTuple):
    born: int
    shared_custody: bool = False  # boxes H/I: quarter shares
    disabled: bool = False  # boxes G/I


class Household(NamedTuple):
    status: str  # one of STATUSES; "married" covers PACS, "divorced" separated
    declarants: tuple[Person, ...]  # one, or two when married
    dependents: tuple[Dependent, ...] = ()
    single_parent: bool = False  # box T
    raised_children_alone: bool = False  # box L
    alimony_adult_children: tuple[int, ...] = ()  # 6EL, 6EM
    alimony_other: int = 0  # 6GU
    donations: int = 0  # 7UF
    donations_to_aid: int = 0  # 7UD
    home_employment: int = 0  # 7DB
    childcare: tuple[int, ...] = ()  # 7GA–7GC, 7GE–7GG: per dependent under 6, in order


# --- the results ----------------------------------------------------------------------
# NamedTuples, not frozen dataclasses: a batch makes 10,000 of them, and a frozen
# dataclass of twenty fields costs several times as much to build.


class PersonIncome(NamedTuple):
    """One declarant's incomes and allowances (euros)."""

    salaries: int  # salary + unemployment
    salary_deduction: int  # the 10 % allowance, or the actual expenses when larger
    actual_expenses: bool  # the deduction is the actual expenses
    pensions: int
    pension_allowance: int  # before the household's maximum


class IncomeTax(NamedTuple):
    """Stage 1: from the incomes to the tax before tax reductions (euros unless said)."""

    persons: tuple[PersonIncome, ...]
    pension_allowance_cap: int  # what the household's maximum takes back of the pension allowances
    gross_income: int  # revenu brut global
    alimony: int  # deductible alimony
    net_income: int  # revenu net global
    special_allowance: int  # people over 65 or disabled
    taxable_income: int  # revenu net imposable
    reference_income: int  # revenu fiscal de référence
    quarters: int  # the shares, in quarters
    adult_quarters: int  # the declarants' own shares, in quarters (4 or 8)
    gross_tax: int  # the tax of all the shares, before the cap
    declarants_tax: int  # the tax of the declarants' own shares alone (= gross_tax without dependents…)
    family_quotient_limit: int  # the most the other shares may save (0 when there are none)
    family_quotient_cap: int  # what the cap adds to the tax (0 when it does not apply)
    complementary_reduction: int  # the reduction of CGI 197 I-2 that gives some of it back
    rate: float  # marginal rate: the bracket of the shares the tax was computed with
    bracket: int  # its index
    discount: int  # the décote
    reduction: int  # the 20 % reduction for modest incomes (tax years 2019–2020)
    tax: int  # after all of these, before tax reductions (OpenFisca's ip_net)

    @property
    def shares(self) -> int | float:
        """2.5, 1.75, 2 (a whole number when it is one)."""
        return self.quarters // QUARTERS if self.quarters % QUARTERS == 0 else self.quarters / QUARTERS

    @property
    def salaries(self) -> int:
        return sum(p.salaries for p in self.persons)


class HouseholdResult(NamedTuple):
    income_tax: IncomeTax
    donation_reduction: int  # before it is limited to the tax
    tax_reductions: int  # the tax reductions used (at most the tax)
    home_employment_credit: int
    childcare_credit: int
    tax_credits: int  # both, within the overall cap of tax advantages
    high_income_contribution: int  # CEHR
    differential_contribution: int  # CDHR (tax year 2026)
    not_collected: int  # what the collection thresholds forgive (or the refund not paid, negative)
    due: int  # what the household pays, negative for a refund


# --- the year's figures, as integers of 1/SCALE ------------------------------------------


def _scaled(value: float | None, name: str) -> int:
    if value is None:
        raise ValueError(f"the official rules need {name}, which this tax year's data lacks")
    exact = Fraction(repr(value)) * SCALE
    if exact.denominator != 1:
        raise ValueError(f"{name} = {value!r} has more than 4 decimals")
    return int(exact)


class _Figures(NamedTuple):
    """The salary rules' figures of one tax year (TaxData's), as integers of 1/SCALE."""

    limits: tuple[int, ...]  # all but the last, unbounded, bracket
    coeffr: tuple[int, ...]
    coeffn: tuple[int, ...]
    rates: tuple[float, ...]
    qf_cap: int
    single_parent_cap: int
    discount_base: tuple[int, int]  # (single, couple)
    discount_rate: int
    allowance_rate: int
    allowance_min: int  # whole euros
    allowance_max: int  # whole euros
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
    allowance_min = _scaled(data.min_10_percent_allowance, "min_10_percent_allowance")
    allowance_max = _scaled(data.max_10_percent_allowance, "max_10_percent_allowance")
    # The taxable income is whole euros only if the allowance's bounds are.
    if allowance_min % SCALE or allowance_max % SCALE:
        raise ValueError("the allowance's bounds must be whole euros")
    return _Figures(
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
        allowance_min // SCALE,
        allowance_max // SCALE,
        *reduction,
    )


class _HouseholdFigures:
    """The household rules' figures of one tax year (HouseholdData's), as integers of
    1/SCALE, each read when first needed: the salary-only rules need none of them, and
    a year's data may lack them (a ValueError names the one missing)."""

    def __init__(self, data: HouseholdData | None):
        self._data = data

    def __getattr__(self, name: str) -> int:
        if name.startswith("_"):
            raise AttributeError(name)
        value = _scaled(None if self._data is None else getattr(self._data, name), name)
        self.__dict__[name] = value
        return value

    def has(self, name: str) -> bool:
        """Whether the year has this figure (the CDHR's exist from tax year 2026)."""
        return self._data is not None and getattr(self._data, name) is not None


# TaxData -> its figures, by identity: a TaxData lives as long as the process (the
# registry's) or the client's run, and hashing its fields on every call would cost
# more than the calculation.
_cache: dict[int, tuple[TaxData, _Figures, _HouseholdFigures]] = {}


def _figures_of(data: TaxData) -> tuple[_Figures, _HouseholdFigures]:
    entry = _cache.get(id(data))
    if entry is None or entry[0] is not data:
        if len(_cache) > 256:
            _cache.clear()
        entry = _cache[id(data)] = (data, _figures(data), _HouseholdFigures(data.household))
    return entry[1], entry[2]


# --- stage 1: the tax before tax reductions ---------------------------------------------


def _gross_tax(f: _Figures, taxable: int, quarters: int) -> tuple[int, int]:
    """(tax in 1/TAX_UNIT euro, bracket) of ``R × coeffr − p × coeffn`` for p = quarters / 4.

    The quotient R / p falls in the first bracket whose limit it does not exceed:
    R / p ≤ limit  ⇔  4 R ≤ quarters × limit.
    """
    scaled = QUARTERS * taxable * SCALE
    limits = f.limits
    i = 0
    while i < len(limits) and scaled > quarters * limits[i]:
        i += 1
    return QUARTERS * taxable * f.coeffr[i] - quarters * f.coeffn[i], i


def _salaries(f: _Figures, person: Person) -> tuple[int, int, bool]:
    """(salaries, deduction, actual expenses used) of one declarant (CGI 83 3°).

    The 10 % allowance is rounded to the euro and bounded by the year's minimum and
    maximum; the actual expenses replace it when they are larger (what a taxpayer who
    claims them wants); the allowance never exceeds the salaries, the actual expenses
    may (their excess is a deficit set against the other incomes).
    """
    salaries = person.salary + person.unemployment
    allowance = min(max(round_half_up(f.allowance_rate * salaries, SCALE), f.allowance_min), f.allowance_max)
    expenses = person.actual_expenses
    if expenses is not None and expenses > allowance:
        return salaries, expenses, True
    return salaries, min(allowance, salaries), False


def _pension_allowance(h: _HouseholdFigures, pension: int) -> int:
    """10 % of one person's pensions, rounded, at least the year's minimum, never more
    than the pensions (CGI 158-5-a; the household's maximum is applied to the sum)."""
    if not pension:
        return 0
    return min(pension, round_half_up(max(h.pension_allowance_rate * pension, h.pension_allowance_min), SCALE))


class _Composition(NamedTuple):
    """Who the dependents are, as the shares and the caps count them (CGI 194–196 B)."""

    full: int  # in the household's sole charge: children and attached adults
    shared: int  # children in shared custody
    disabled_full: int
    disabled_shared: int
    young: tuple[bool, ...]  # per dependent under 6 on 1 January: in shared custody


def _composition(dependents: tuple[Dependent, ...], income_year: int) -> _Composition:
    full = shared = disabled_full = disabled_shared = 0
    young = []
    for d in dependents:
        age = income_year - 1 - d.born  # on 1 January of the income year
        # a child: a minor, or disabled whatever their age; else an attached adult child,
        # never in shared custody (the document's validation refuses it)
        if d.shared_custody and (age < ADULT_AGE or d.disabled):
            shared += 1
            disabled_shared += d.disabled
        else:
            full += 1
            disabled_full += d.disabled
        if age < YOUNG_CHILD_AGE:
            young.append(d.shared_custody)
    return _Composition(full, shared, disabled_full, disabled_shared, tuple(young))


def _children_quarters(full: int, shared: int) -> int:
    """CGI 194 I: ½ share for each of the first two dependents, 1 for each further one;
    half of that for a child in shared custody, counted after those in sole charge."""
    quarters = 2 * min(full, 2) + 4 * max(full - 2, 0)
    rank = full  # the shared-custody children come after the others
    for _ in range(shared):
        quarters += 1 if rank < 2 else 2
        rank += 1
    return quarters


def _quarters(household: Household, c: _Composition) -> int:
    """The household's shares, in quarters (CGI 194, 195)."""
    married = household.status == "married"
    has_dependents = bool(c.full or c.shared)
    disabled = [p.disabled for p in household.declarants]
    quarters = (8 if married else 4) + _children_quarters(c.full, c.shared)
    quarters += 2 * c.disabled_full + c.disabled_shared  # disabled children: ½ (¼ shared)
    if married:
        return quarters + 2 * sum(disabled)  # ½ per disabled spouse (195-3)
    if household.status == "widowed" and has_dependents:
        quarters += 4  # the widowed with dependents keep the spouse's share (194 I)
    if not has_dependents:
        # ½ at one title only: a disabled declarant (195-1 c, d), box L (195-1 a, b, e)
        return quarters + (2 if disabled[0] or household.raised_children_alone else 0)
    if disabled[0]:
        quarters += 2  # a disabled declarant with dependents (195-3)
    if household.single_parent:  # box T (194 II): ½, or ¼ with one child in shared custody only
        quarters += 2 if c.full or c.shared >= 2 else 1
    return quarters


def _qf_cap(f: _Figures, h: _HouseholdFigures, household: Household, c: _Composition, beyond: int) -> int:
    """The most the ``beyond`` quarters over the declarants' shares may save, in
    1/TAX_UNIT euro (CGI 197 I-2): each half-share at the general cap; box T, the first
    two half-shares (or what there is of them) at the single parent's cap; box L, its
    half-share at its own cap."""
    if household.status in ("single", "divorced") and household.single_parent:
        first = min(beyond, 4)  # in quarters
        return f.single_parent_cap * first + 2 * f.qf_cap * (beyond - first)
    if household.status != "married" and household.raised_children_alone and not c.full:
        return h.box_l_qf_cap * QUARTERS
    return 2 * f.qf_cap * beyond


def _complementary_reduction(h: _HouseholdFigures, household: Household, c: _Composition) -> int:
    """What CGI 197 I-2 gives back when the cap applies, before its own limit, in
    1/TAX_UNIT euro: for a disabled declarant (two when both spouses are), for each
    disabled child (half for shared custody), and for the widowed with dependents."""
    disabled = sum(p.disabled for p in household.declarants)
    halves = 2 * disabled + 2 * c.disabled_full + c.disabled_shared  # in half reductions
    reduction = h.disability_qf_reduction * 2 * halves if halves else 0
    if household.status == "widowed" and c.full:
        reduction += h.widowed_qf_reduction * QUARTERS
    return reduction


def income_tax(data: TaxData, household: Household) -> IncomeTax:
    """Stage 1: the tax before tax reductions, every figure named (docs/households.md)."""
    f, h = _figures_of(data)
    income_year = data.tax_year - 1
    return _income_tax(f, h, household, income_year, _composition(household.dependents, income_year))


def _income_tax(  # noqa: C901, PLR0915 (the law's steps in order)
    f: _Figures, h: _HouseholdFigures, household: Household, income_year: int, c: _Composition
) -> IncomeTax:
    married = household.status == "married"
    couple = 1 if married else 0

    # 1. each person's salaries and pensions with their allowances
    persons = []
    pension_allowances = 0
    categorial = 0
    for person in household.declarants:
        salaries, deduction, expenses = _salaries(f, person)
        pension_allowance = _pension_allowance(h, person.pension)
        pension_allowances += pension_allowance
        categorial += salaries - deduction + person.pension - pension_allowance
        persons.append(PersonIncome(salaries, deduction, expenses, person.pension, pension_allowance))
    pension_cap = max(pension_allowances - h.pension_allowance_max // SCALE, 0) if pension_allowances else 0
    gross_income = max(categorial + pension_cap, 0)

    # 2. deductible alimony: per adult child up to the year's ceiling, the rest as paid
    alimony = household.alimony_other
    for amount in household.alimony_adult_children:
        alimony += min(amount, h.alimony_adult_child_ceiling // SCALE)
    net_income = max(gross_income - alimony, 0)

    # 3. the special allowance for each declarant over 65 or disabled, on a modest income
    eligible = sum(p.disabled or income_year - p.born >= ELDERLY_AGE for p in household.declarants)
    special = 0
    if eligible:
        if net_income * SCALE <= h.special_allowance_full_ceiling:
            special = eligible * h.special_allowance_full // SCALE
        elif net_income * SCALE <= h.special_allowance_half_ceiling:
            special = eligible * h.special_allowance_half // SCALE
        special = min(special, net_income)
    taxable = net_income - special
    reference_income = taxable  # no income here that the reference income adds back

    # 4. shares
    quarters = _quarters(household, c)
    adult_quarters = 8 if married else 4
    beyond = quarters - adult_quarters

    # 5. the gross tax and the family-quotient cap (CGI 197 I-1, I-2)
    tax_all, bracket_all = _gross_tax(f, taxable, quarters)
    tax, bracket, cap_effect, given_back = tax_all, bracket_all, 0, 0
    tax_adults, limit = tax_all, 0
    if beyond:
        tax_adults, bracket_adults = _gross_tax(f, taxable, adult_quarters)
        limit = _qf_cap(f, h, household, c, beyond)
        capped = max(tax_adults - limit, 0)
        if capped > tax_all:
            cap_effect = capped - tax_all
            complementary = _complementary_reduction(h, household, c)
            given_back = min(complementary, cap_effect) if complementary else 0
            tax = capped - given_back
            if tax > tax_all:  # the rate of the shares the tax was computed with
                bracket = bracket_adults

    # 6. décote: base − rate × tax, rounded, between 0 and the tax
    discount = round_half_up(f.discount_base[couple] * TAX_UNIT - f.discount_rate * tax, TAX_UNIT * SCALE)
    discount = min(max(discount, 0) * TAX_UNIT, tax)
    tax -= discount

    # 7. the 20 % reduction for modest incomes, tapered (tax years 2019–2020), × num / den
    reduction = 0
    den = 1
    if f.reduction_rate is not None and tax:
        raised = f.reduction_half_share * beyond // 2
        low = f.full_reduction_ceiling[couple] + raised
        high = f.reduction_ceiling[couple] + raised
        income = reference_income * SCALE
        if income < low:
            reduction, den = tax * f.reduction_rate, SCALE
        elif income < high:
            reduction, den = tax * f.reduction_rate * (high - income), SCALE * (high - low)

    return IncomeTax(
        persons=tuple(persons),
        pension_allowance_cap=pension_cap,
        gross_income=gross_income,
        alimony=alimony,
        net_income=net_income,
        special_allowance=special,
        taxable_income=taxable,
        reference_income=reference_income,
        quarters=quarters,
        adult_quarters=adult_quarters,
        gross_tax=round_half_up(tax_all, TAX_UNIT),
        declarants_tax=round_half_up(tax_adults, TAX_UNIT),
        family_quotient_limit=round_half_up(limit, TAX_UNIT),
        family_quotient_cap=round_half_up(cap_effect, TAX_UNIT),
        complementary_reduction=round_half_up(given_back, TAX_UNIT),
        rate=f.rates[bracket],
        bracket=bracket,
        discount=round_half_up(discount, TAX_UNIT),
        reduction=round_half_up(reduction, TAX_UNIT * den),
        tax=max(round_half_up(tax * den - reduction, TAX_UNIT * den), 0),
    )


# --- stage 2: what the household pays --------------------------------------------------


def _donation_reduction(h: _HouseholdFigures, household: Household, taxable: int) -> int:
    """CGI 200: 75 % of the gifts to the aid of people in difficulty up to the year's
    ceiling, their excess joining the other gifts at 66 % within 20 % of the taxable
    income; rounded (in 1/SCALE² euro before)."""
    aid = min(household.donations_to_aid, h.aid_donations_ceiling // SCALE)
    others = household.donations + household.donations_to_aid - aid
    if not (aid or others):
        return 0
    base = min(others * SCALE, h.donations_income_share * taxable)
    return round_half_up(h.aid_donations_rate * aid * SCALE + h.donations_rate * base, SCALE * SCALE)


def _home_employment_credit(h: _HouseholdFigures, household: Household, c: _Composition, income_year: int) -> int:
    """CGI 199 sexdecies: 50 % of the home help paid within 12,000 €, raised by 1,500 € per
    dependent (750 € in shared custody) and per member over 65, at most 15,000 €; 20,000 €
    when a member of the household is disabled."""
    if not household.home_employment:
        return 0
    disabled = any(p.disabled for p in household.declarants) or any(d.disabled for d in household.dependents)
    if disabled:
        ceiling = h.home_employment_disabled_ceiling
    else:
        elderly = sum(income_year - p.born >= ELDERLY_AGE for p in household.declarants)
        halves = 2 * c.full + c.shared + 2 * elderly  # increases, in halves
        ceiling = min(
            h.home_employment_ceiling + h.home_employment_increase * halves // 2, h.home_employment_max_ceiling
        )
    return round_half_up(h.home_employment_rate * min(household.home_employment * SCALE, ceiling), SCALE * SCALE)


def _childcare_credit(h: _HouseholdFigures, household: Household, c: _Composition) -> int:
    """CGI 200 quater B: 50 % of the childcare paid for each child under 6, within the
    year's ceiling per child (half of it in shared custody)."""
    if not any(household.childcare):
        return 0
    base = 0
    for amount, shared in zip(household.childcare, c.young, strict=False):
        base += min(amount * SCALE, h.childcare_ceiling // 2 if shared else h.childcare_ceiling)
    return round_half_up(h.childcare_rate * base, SCALE * SCALE)


def _high_income_contribution(h: _HouseholdFigures, reference_income: int, married: bool) -> int:
    """CGI 223 sexies: 3 % of the reference income between the two thresholds, 4 % above."""
    first, second = (
        (h.cehr_couple_threshold_1, h.cehr_couple_threshold_2)
        if married
        else (h.cehr_single_threshold_1, h.cehr_single_threshold_2)
    )
    income = reference_income * SCALE
    if income <= first:
        return 0
    contribution = h.cehr_rate_1 * (min(income, second) - first) + h.cehr_rate_2 * max(income - second, 0)
    return round_half_up(contribution, SCALE * SCALE)


def _differential_contribution(
    h: _HouseholdFigures, stage1: IncomeTax, married: bool, c: _Composition, cehr: int
) -> int:
    """CGI 224 (tax year 2026): 20 % of the reference income above the threshold, with
    its décote up to the décote's ceiling, less the tax (before tax reductions) and the
    CEHR raised by 12,500 € for a couple and 1,500 € per dependent in sole charge."""
    if not h.has("cdhr_rate"):
        return 0
    threshold = h.cdhr_couple_threshold if married else h.cdhr_single_threshold
    income = stage1.reference_income * SCALE
    if income <= threshold:
        return 0
    target = h.cdhr_rate * income  # in 1/SCALE² euro
    ceiling = h.cdhr_couple_discount_ceiling if married else h.cdhr_single_discount_ceiling
    if income <= ceiling:
        target -= max(target - h.cdhr_discount_rate * (income - threshold), 0)
    increase = h.cdhr_dependent_increase * c.full + (h.cdhr_couple_increase if married else 0)
    paid = (stage1.tax + cehr) * SCALE * SCALE + increase * SCALE
    return round_half_up(max(target - paid, 0), SCALE * SCALE)


def amount_due(data: TaxData, household: Household, stage1: IncomeTax) -> HouseholdResult:
    """Stage 2: tax reductions and credits, the contributions, the collection thresholds."""
    _, h = _figures_of(data)
    income_year = data.tax_year - 1
    return _amount_due(h, household, stage1, income_year, _composition(household.dependents, income_year))


def _amount_due(
    h: _HouseholdFigures, household: Household, stage1: IncomeTax, income_year: int, c: _Composition
) -> HouseholdResult:
    married = household.status == "married"

    donation = _donation_reduction(h, household, stage1.taxable_income)
    reductions = min(donation, stage1.tax)
    home = _home_employment_credit(h, household, c, income_year)
    childcare = _childcare_credit(h, household, c)
    tax_credits = min(home + childcare, h.tax_advantages_cap // SCALE) if home or childcare else 0
    cehr = _high_income_contribution(h, stage1.reference_income, married)
    cdhr = _differential_contribution(h, stage1, married, c, cehr)

    # CGI 1657 1 bis: a tax under 61 € before the credits is not collected, nor one that
    # the credits bring under 12 €; the credits are set against the tax first. CGI 1965 L:
    # a refund under 8 € is not paid.
    before_credits = stage1.tax - reductions + cehr
    after_credits = before_credits - tax_credits
    not_collected = 0
    if after_credits > 0:
        if (
            before_credits * SCALE < h.collection_threshold
            or after_credits * SCALE < h.collection_threshold_after_credits
        ):
            not_collected = after_credits
    elif after_credits < 0 and -after_credits * SCALE < h.refund_threshold:
        not_collected = after_credits
    return HouseholdResult(
        income_tax=stage1,
        donation_reduction=donation,
        tax_reductions=reductions,
        home_employment_credit=home,
        childcare_credit=childcare,
        tax_credits=tax_credits,
        high_income_contribution=cehr,
        differential_contribution=cdhr,
        not_collected=not_collected,
        due=after_credits - not_collected + cdhr,
    )


def calculate_household(data: TaxData, household: Household) -> HouseholdResult:
    """The whole household's tax in the year of ``data`` (docs/households.md)."""
    f, h = _figures_of(data)
    income_year = data.tax_year - 1
    c = _composition(household.dependents, income_year)
    return _amount_due(h, household, _income_tax(f, h, household, income_year, c), income_year, c)
