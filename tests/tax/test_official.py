"""The official rules: cases worked out by hand, and properties of the law (hypothesis).

Hand-checked cases give each step's exact value in the comment; the properties
compare the engine (scaled integers) with tests/tax/exact.py (``Fraction``), and
check what the law guarantees.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxapp.tax import TaxResult, calculate, calculate_tax, official
from tests.tax.conftest import DATA_BY_YEAR, PARAMETERS, TAX_YEARS
from tests.tax.exact import exact_tax, rounded

years = st.sampled_from(TAX_YEARS)
married = st.booleans()
children = st.integers(min_value=0, max_value=20)
salary = st.integers(min_value=0, max_value=1_000_000_000)
everyday_salary = st.integers(min_value=0, max_value=400_000)


def tax(year, married, children, salary, single_parent=False):
    return official.calculate_tax(DATA_BY_YEAR[year], married, children, salary, single_parent)


# (tax year, married, children, salary, single parent) -> (tax, surcharge, discount, reduction, rate)
HAND_CHECKED = [
    # R = 50000 − 5000 = 45000; 3 shares: 15000 in bracket 1: 6300 − 3 × 1394.96 = 2115.12;
    # 2 shares: 6300 − 2789.92 − 2 × 1551 = 408.08 < 2115.12. Décote 1970 − 0.75 × 2115.12
    # = 383.66 → 384; 1731.12. R < 37970 + 2 × 3797: the full 20 %: 346.224; 1384.896 → 1385.
    # (The course gives 1384 and 347.)
    ((2019, True, 2, 50000, False), (1385, 0, 384, 346, 0.14)),
    # the taper: R = 22222 − 2222 = 20000: 2800 − 1394.96 = 1405.04; décote 1196 − 1053.78
    # = 142.22 → 142; 1263.04; r = 0.2 × 1263.04 × (21037 − 20000) / (21037 − 18985)
    # = 127.658…; 1135.38… → 1135. (The course gives the full 20 %.)
    ((2019, False, 0, 22222, False), (1135, 0, 142, 128, 0.14)),
    # a .50 tie: the allowance's max 12502: R = 156271; 70321.95 − 20163.45 = 50158.50 → up.
    # The allowance cap's excess: 156271 − 151895.7 = 4375.3 → 4375.
    ((2019, False, 0, 168773, False), (50159, 4375, 0, 0, 0.45)),
    # the décote: R = 18000: 1980 − 1276 = 704; 897 − 0.4525 × 704 = 578.44 → 578; 126.
    ((2026, False, 0, 20000, False), (126, 0, 578, 0, 0.11)),
    # the allowance rounded to the euro, .50 up: 1234.5 → 1235; R = 11110 < 11600: no tax.
    ((2026, False, 0, 12345, False), (0, 0, 0, 0, 0.0)),
    # a quotient exactly on a limit belongs to the lower bracket: 12889 − 1289 = 11600
    ((2026, False, 0, 12889, False), (0, 0, 0, 0, 0.0)),
    # one euro above: 11601 × 0.11 − 1276 = 0.11; the décote takes all of it (0.11 → 0)
    ((2026, False, 0, 12890, False), (0, 0, 0, 0, 0.11)),
    # the allowance's min (509), but never more than the salary: R = 0
    ((2026, True, 0, 400, False), (0, 0, 0, 0, 0.0)),
    # the allowance's max: R = 200000 − 14555 = 185445; 83450.25 − 23476.16 = 59974.09;
    # surcharge 185445 − 180000 = 5445
    ((2026, False, 0, 200000, False), (59974, 5445, 0, 0, 0.45)),
    # case T, 2 shares: R = 45000: 4950 − 2552 = 2398; 1 share: 13500 − 6896.01 − 4262
    # = 2341.99 < 2398. Décote 897 − 1085.10 < 0.
    ((2026, False, 1, 50000, True), (2398, 0, 0, 0, 0.11)),
    # case T capped: R = 72000: 2 shares 21600 − 13792.02 = 7807.98; 1 share 21600 − 6896.01
    # − 4262 = 10441.99, retained, with its rate; surcharge 2634.01 → 2634
    ((2026, False, 1, 80000, True), (10442, 2634, 0, 0, 0.3)),
    # the same without case T: 1.5 shares 21600 − 10344.015 = 11255.985; 1 share − 1807
    # = 12896.99 → 12897; surcharge 1641.005 → 1641
    ((2026, False, 1, 80000, False), (12897, 1641, 0, 0, 0.3)),
]


@pytest.mark.parametrize("household, expected", HAND_CHECKED, ids=[str(h) for h, _ in HAND_CHECKED])
def test_hand_checked(household, expected):
    assert tax(*household) == TaxResult(*expected[:2], discount=expected[2], reduction=expected[3], rate=expected[4])


@given(years, married, children, salary, st.booleans())
@settings(max_examples=3000)
def test_engine_equals_the_plain_fraction_reference(year, m, c, s, single_parent):
    single_parent = single_parent and not m and c > 0
    r = tax(year, m, c, s, single_parent)
    expected = rounded(exact_tax(PARAMETERS[year], m, c, s, single_parent))
    assert (r.tax, r.surcharge, r.discount, r.reduction, r.rate) == expected


@given(years, married, children, salary)
def test_amounts_are_whole_and_never_negative(year, m, c, s):
    r = tax(year, m, c, s)
    for amount in (r.tax, r.surcharge, r.discount, r.reduction):
        assert type(amount) is int and amount >= 0
    assert r.rate in DATA_BY_YEAR[year].coeffr


@given(years, married, children, salary)
def test_discount_and_reduction_never_exceed_what_they_lower(year, m, c, s):
    r, d = tax(year, m, c, s), DATA_BY_YEAR[year]
    base = d.couple_discount_ceiling if m else d.single_discount_ceiling
    assert r.discount <= base
    if r.discount:  # the décote exists only under base / rate
        assert r.tax + r.discount + r.reduction < base / d.discount_rate + 2
    # the reduction is at most its rate of the tax it lowers (each side rounded once)
    assert r.reduction <= (d.reduction_rate or 0) * (r.tax + r.reduction) + 1
    assert r.tax <= 0.45 * s + 0.5


@given(years, married, st.integers(min_value=0, max_value=19), everyday_salary, st.booleans())
def test_a_further_child_never_raises_the_tax(year, m, c, s, single_parent):
    single_parent = single_parent and not m and c > 0
    assert tax(year, m, c + 1, s, single_parent).tax <= tax(year, m, c, s, single_parent).tax


@given(years, st.integers(min_value=1, max_value=20), everyday_salary)
def test_case_t_never_raises_the_tax(year, c, s):
    assert tax(year, False, c, s, True).tax <= tax(year, False, c, s).tax


@given(years, children, everyday_salary)
def test_a_couple_never_pays_more_than_a_single_person(year, c, s):
    assert tax(year, True, c, s).tax <= tax(year, False, c, s).tax


@given(
    st.sampled_from([y for y in TAX_YEARS if PARAMETERS[y]["taux_reduction"] is None]),
    married,
    children,
    st.integers(min_value=0, max_value=1_000_000),
    st.integers(min_value=1, max_value=5000),
)
def test_without_the_reduction_more_salary_never_lowers_the_tax(year, m, c, s, raise_):
    # the décote phases out continuously, and each step rounds once: more salary, no less tax
    assert tax(year, m, c, s + raise_).tax >= tax(year, m, c, s).tax


@given(
    st.sampled_from([y for y in TAX_YEARS if PARAMETERS[y]["taux_reduction"] is not None]),
    married,
    children,
    everyday_salary,
    st.integers(min_value=1, max_value=5000),
)
def test_the_tapered_reduction_has_no_cliff(year, m, c, s, raise_):
    # the course's all-or-nothing reduction could raise the tax by hundreds of euros
    # for one euro more; the law's taper cannot make the tax jump by more than the raise
    low, high = tax(year, m, c, s), tax(year, m, c, s + raise_)
    assert high.tax - low.tax <= raise_


@given(married, children, salary)
def test_calculate_chooses_the_rules(m, c, s):
    data = DATA_BY_YEAR[2019]
    assert calculate(data, "official", m, c, s) == official.calculate_tax(data, m, c, s)
    assert calculate(data, "course", m, c, s) == calculate_tax(data, m, c, s)


def test_the_course_rules_know_no_single_parent():
    with pytest.raises(ValueError):
        calculate(DATA_BY_YEAR[2019], "course", False, 1, 30000, True)


def test_official_rules_need_the_official_figures():
    from tests.tax.conftest import DATA_2019

    with pytest.raises(ValueError, match="the official rules need"):
        official.calculate_tax(DATA_2019, False, 0, 30000)


@pytest.mark.parametrize(
    "numerator, denominator, expected",
    [(1, 2, 1), (3, 2, 2), (5, 2, 3), (-1, 2, 0), (-3, 2, -1), (149, 100, 1), (150, 100, 2)],
)
def test_round_half_up(numerator, denominator, expected):
    assert official.round_half_up(numerator, denominator) == expected
