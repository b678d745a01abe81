"""The whole household's engine: cases worked out by hand, and properties (hypothesis).

The hand-checked cases give each step's exact value in the comment (docs/households.md
shows the first ones); the properties compare the engine (scaled integers) with the
plain ``Fraction`` reference (tests/tax/exact_household.py) on generated documents, and
check what the law guarantees.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxapp.household_documents import HouseholdOptions, read_household
from taxapp.tax import calculate_household, official
from taxapp.tax.steps import explain
from tests.tax.conftest import DATA_BY_YEAR, HOUSEHOLD_FIGURES, PARAMETERS, TAX_YEARS
from tests.tax.exact_household import exact_household

YEARS = {year: dataclasses.replace(DATA_BY_YEAR[year], household=HOUSEHOLD_FIGURES[year]) for year in TAX_YEARS}
OPTIONS = HouseholdOptions(YEARS)


def compute(doc: dict):
    year, household, _ = read_household(doc, OPTIONS)
    return calculate_household(YEARS[year], household)


def person(born, **incomes):
    return {"born": born, **incomes}


# (document, {figure: value}); it = the income tax stage's figure, else the result's
HAND_CHECKED = [
    # Two pensioners over 65, 2026. Pensions 24,000 − 2,400 and 6,000 − 600 (10 % each, above the
    # 454 € minimum, 3,000 < the household's 4,439 maximum): 27,000 net. Special allowance:
    # 17,670 < 27,000 ≤ 28,430: 1,411 each, doubled for the couple: 2,822; taxable 24,178.
    # 2 shares, 12,089 a share: 24,178 × 0.11 − 2 × 1,276 = 107.58; décote 1,483 − 0.4525 ×
    # 107.58 = 1,434.32 → 1,434, at most the tax: 107.58 → 108; tax 0. Home help 3,000 within
    # 12,000 + 2 × 1,500 (two members over 65): a credit of 1,500, refunded.
    (
        {"year": 2026, "status": "married", "declarants": [person(1950, pension=24000), person(1952, pension=6000)],
         "home_employment": 3000},
        {"net_income": 27000, "special_allowance": 2822, "taxable_income": 24178, "gross_tax": 108,
         "discount": 108, "tax": 0, "tax_credits": 1500, "due": -1500},
    ),
    # A divorced parent, two children in shared custody, box T, 2026. 45,000 − 4,500 = 40,500;
    # alimony 3,000: 37,500. Shares 1 + ¼ + ¼ + ½ (T) = 2: 37,500 × 0.11 − 2 × 1,276 = 1,573.
    # One share: 37,500 × 0.3 − 6,896.01 = 4,353.99, less box T's cap 4,262 = 91.99 < 1,573:
    # no cap. Décote 897 − 0.4525 × 1,573 = 185.22 → 185. Due 1,388.
    (
        {"year": 2026, "status": "divorced", "declarants": [person(1985, salary=45000)],
         "dependents": [{"born": 2014, "shared_custody": True}, {"born": 2016, "shared_custody": True}],
         "single_parent": True, "alimony_other": 3000},
        {"taxable_income": 37500, "shares": 2, "gross_tax": 1573, "family_quotient_cap": 0, "rate": 0.11,
         "discount": 185, "due": 1388},
    ),
    # Widowed with a child, tax year 2019. 50,000 − 5,000 = 45,000; 2.5 shares (the spouse's
    # share kept): 18,000 a share: 45,000 × 0.14 − 2.5 × 1,394.96 = 2,812.60. One share:
    # 45,000 × 0.3 − 5,798 = 7,702, less 3 half-shares × 1,551 = 3,049 > 2,812.60: the cap adds
    # 236.40, and the widowed's complementary reduction (up to 1,728) gives all of it back:
    # 2,812.60, at the rate of all the shares. No décote (1,196 < 0.75 × 2,812.60); the
    # reduction's ceiling 21,037 + 3 × 3,797 < 45,000. Tax 2,813.
    (
        {"year": 2019, "status": "widowed", "declarants": [person(1970, salary=50000)], "dependents": [{"born": 2010}]},
        {"shares": 2.5, "gross_tax": 2813, "family_quotient_cap": 236, "complementary_reduction": 236,
         "rate": 0.14, "discount": 0, "reduction": 0, "tax": 2813, "due": 2813},
    ),
    # A high income with gifts, 2026. 420,000 − 14,555 (the allowance's maximum) = 405,445;
    # 405,445 × 0.45 − 23,476.16 = 158,974.09 → 158,974. Gifts: 66 % of 20,000 (< 20 % of the
    # taxable income): 13,200. CEHR 3 % of 405,445 − 250,000 = 4,663.35 → 4,663. CDHR: 20 %
    # of 405,445 = 81,089 < the tax and the CEHR: 0. Due 158,974 − 13,200 + 4,663 = 150,437.
    (
        {"year": 2026, "status": "single", "declarants": [person(1975, salary=420000)], "donations": 20000},
        {"tax": 158974, "tax_reductions": 13200, "high_income_contribution": 4663,
         "differential_contribution": 0, "due": 150437},
    ),
    # Under 61 € after the décote, 2026: 19,200 − 1,920 = 17,280; 17,280 × 0.11 − 1,276 = 624.80;
    # décote 897 − 282.72 = 614.28 → 614; tax 10.80 → 11, not collected: due 0.
    (
        {"year": 2026, "status": "single", "declarants": [person(1990, salary=19200)]},
        {"tax": 11, "not_collected": 11, "due": 0},
    ),
    # The 61 € threshold counts before the credits, which are set against the tax first: a tax
    # of 11 with a childcare credit of 50 % × 200 = 100 is a refund of 89.
    (
        {"year": 2026, "status": "single", "declarants": [person(1990, salary=19200)],
         "dependents": [{"born": 2022}], "childcare": [200]},
        {"tax": 0, "tax_credits": 100, "due": -100},
    ),
]  # fmt: skip


def figure(result, name):
    it = result.income_tax
    return getattr(it, name) if hasattr(it, name) else getattr(result, name)


@pytest.mark.parametrize("doc, expected", HAND_CHECKED, ids=range(len(HAND_CHECKED)))
def test_hand_checked(doc, expected):
    result = compute(doc)
    assert {name: figure(result, name) for name in expected} == expected


# --- properties ------------------------------------------------------------------------------

amount = st.integers(0, 400_000) | st.integers(0, 1_000_000_000)


@st.composite
def documents(draw):
    year = draw(st.sampled_from(TAX_YEARS))
    y = year - 1
    status = draw(st.sampled_from(["single", "married", "divorced", "widowed"]))

    def a_person():
        incomes = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "salary": amount,
                    "unemployment": st.integers(0, 40_000),
                    "actual_expenses": st.integers(0, 50_000),
                    "pension": st.integers(0, 90_000),
                    "disabled": st.booleans(),
                },
            )
        )
        return {"born": draw(st.integers(y - 95, y - 18)), **incomes}

    def a_dependent():
        disabled = draw(st.booleans())
        born = draw(st.integers(y - 60 if disabled else y - 25, y))
        adult = y - 1 - born >= 18 and not disabled
        return {"born": born, "shared_custody": not adult and draw(st.booleans()), "disabled": disabled}

    declarants = [a_person() for _ in range(2 if status == "married" else 1)]
    dependents = [a_dependent() for _ in range(draw(st.integers(0, 5)))]
    young = sum(1 for d in dependents if y - 1 - d["born"] < 6)
    doc = {"year": year, "status": status, "declarants": declarants, "dependents": dependents}
    doc["single_parent"] = status in ("single", "divorced") and bool(dependents) and draw(st.booleans())
    doc["raised_children_alone"] = status != "married" and not dependents and draw(st.booleans())
    doc["alimony_adult_children"] = draw(st.lists(st.integers(0, 10_000), max_size=2))
    for key in ("alimony_other", "donations", "donations_to_aid", "home_employment"):
        doc[key] = draw(st.integers(0, 30_000))
    doc["childcare"] = draw(st.lists(st.integers(0, 5000), max_size=young))
    return doc


@given(documents())
@settings(max_examples=1500)
def test_the_engine_equals_the_plain_fraction_reference(doc):
    year, household, echo = read_household(doc, OPTIONS)
    result = calculate_household(YEARS[year], household)
    law = exact_household(echo, PARAMETERS[year], dataclasses.asdict(HOUSEHOLD_FIGURES[year])).figures
    it = result.income_tax
    assert (it.quarters / 4, it.taxable_income, it.rate, it.discount, it.tax, it.gross_tax) == (
        law["shares"],
        law["taxable_income"],
        float(law["rate"]),
        law["discount"],
        law["tax"],
        law["gross_tax"],
    )
    assert (result.tax_reductions, result.tax_credits, result.high_income_contribution, result.due) == (
        law["tax_reductions"],
        law["tax_credits"],
        law["high_income_contribution"],
        law["due"],
    )


@given(documents())
def test_the_amount_due_adds_up(doc):
    r = compute(doc)
    it = r.income_tax
    assert r.due == it.tax - r.tax_reductions + r.high_income_contribution - r.tax_credits - r.not_collected + (
        r.differential_contribution
    )
    assert 0 <= r.tax_reductions <= it.tax and 0 <= r.tax_credits <= 10_000
    assert it.reference_income == it.taxable_income <= it.net_income <= it.gross_income


@given(documents(), st.integers(1, 5000))
def test_more_gifts_or_home_help_never_raise_what_is_due(doc, more):
    before = compute(doc).due
    for key in ("donations", "donations_to_aid", "home_employment"):
        assert compute({**doc, key: doc[key] + more}).due <= before


@given(documents())
def test_the_salary_rules_are_the_household_rules_of_one_salary(doc):
    """calculate-tax's official rules give the household's tax for one salary, minors, no more."""
    year, status = doc["year"], doc["status"]
    married = status == "married"
    salary = doc["declarants"][0].get("salary", 0)
    children = len(doc["dependents"])
    single_parent = not married and children > 0 and doc["single_parent"] and status != "widowed"
    simple = {
        "year": year,
        "status": "married" if married else "single",
        "declarants": [{"born": year - 41, "salary": salary}] + ([{"born": year - 41}] if married else []),
        "dependents": [{"born": year - 11}] * children,
        "single_parent": single_parent,
    }
    assert (
        official.calculate_tax(YEARS[year], married, children, salary, single_parent).tax
        == compute(simple).income_tax.tax
    )


# --- the steps: every figure can be checked from the steps before it ----------------------------


@given(documents())
def test_every_figure_follows_from_the_steps_before_it(doc):
    year, household, _ = read_household(doc, OPTIONS)
    result = calculate_household(YEARS[year], household)
    steps = [(s["step"], s["amount"]) for s in explain(YEARS[year], result)]
    amounts = dict(steps)
    names = [name for name, _ in steps]
    assert names[-3:] == ["due", "marginal_rate", "average_rate"] and len(set(names)) == len(names)

    def total(*kinds):
        return sum(a for n, a in steps if any(n.endswith(k) for k in kinds))

    incomes = total("_salaries", "_salary_deduction", "_actual_expenses", "_pensions", "_pension_allowance")
    assert max(incomes + amounts.get("pension_allowance_cap", 0), 0) == amounts["gross_income"]
    net = max(amounts["gross_income"] + amounts.get("alimony", 0), 0)  # alimony never makes it negative
    assert amounts.get("net_income", net) == net
    assert net + amounts.get("special_allowance", 0) == amounts["taxable_income"]
    brackets = [a for n, a in steps if n.startswith("bracket_")]
    assert abs(sum(brackets) - amounts["gross_tax"]) <= len(brackets)  # each rounded once
    capped = amounts["gross_tax"] + amounts.get("family_quotient_cap", 0) + amounts.get("complementary_reduction", 0)
    if "family_quotient_cap" in amounts:
        limit = amounts["declarants_tax"] + amounts["family_quotient_limit"]
        assert abs(limit - amounts["gross_tax"] - amounts["family_quotient_cap"]) <= 1
    assert abs(capped + amounts.get("discount", 0) + amounts.get("reduction", 0) - amounts["tax"]) <= 2
    after = ("tax_reductions", "home_employment_credit", "childcare_credit", "tax_advantages_cap")
    after += ("high_income_contribution", "not_collected", "refund_not_paid", "differential_contribution")
    assert amounts["tax"] + sum(amounts.get(name, 0) for name in after) == amounts["due"]  # to the euro
    assert amounts["marginal_rate"] == result.income_tax.rate
