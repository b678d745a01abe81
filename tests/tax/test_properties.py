"""Invariants of the calculation that hold for every input (hypothesis).

Each is a property of the tax rules, not a second copy of the formula.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from taxapp.tax import TaxData, calculate_tax
from tests.tax.conftest import DATA_2019 as data  # noqa: N811

married = st.booleans()
children = st.integers(min_value=0, max_value=20)
salary = st.integers(min_value=0, max_value=1_000_000_000)
everyday_salary = st.integers(min_value=0, max_value=400_000)


@given(married, children, salary)
def test_amounts_are_whole_and_never_negative(m, c, s):
    r = calculate_tax(data, m, c, s)
    for amount in (r.tax, r.surcharge, r.discount, r.reduction):
        assert isinstance(amount, int) and amount >= 0


@given(married, children, salary)
def test_rate_is_one_of_the_brackets(m, c, s):
    assert calculate_tax(data, m, c, s).rate in data.coeffr


@given(married, children, salary)
def test_tax_never_exceeds_half_the_salary(m, c, s):
    # the top rate is 45 % of 90 % of the salary at most
    assert calculate_tax(data, m, c, s).tax <= 0.45 * s


@given(married, st.integers(min_value=0, max_value=19), everyday_salary)
def test_a_further_child_never_raises_the_tax(m, c, s):
    assert calculate_tax(data, m, c + 1, s).tax <= calculate_tax(data, m, c, s).tax


@given(children, everyday_salary)
def test_a_couple_never_pays_more_than_a_single_person(c, s):
    assert calculate_tax(data, True, c, s).tax <= calculate_tax(data, False, c, s).tax


@given(married, children, st.integers(min_value=0, max_value=400_000), st.integers(min_value=1, max_value=5000))
def test_tax_grows_with_salary_except_at_the_reduction_cliff(m, c, s, raise_):
    low, high = calculate_tax(data, m, c, s), calculate_tax(data, m, c, s + raise_)
    # losing the 20 % reduction can raise the tax; otherwise more salary never lowers it
    if low.reduction == 0 or high.reduction > 0:
        assert high.tax >= low.tax


@given(married, children, st.integers(min_value=0, max_value=9_000))
def test_small_salaries_pay_no_tax(m, c, s):
    assert calculate_tax(data, m, c, s).tax == 0


@given(married, children, salary)
@settings(max_examples=50)
def test_admindata_round_trip_gives_the_same_results(m, c, s):
    copy = TaxData.from_dict(data.as_dict())
    assert copy == data
    assert calculate_tax(copy, m, c, s) == calculate_tax(data, m, c, s)


def test_admindata_shape():
    d = data.as_dict()
    assert d["limits"][-1] == 0 and d["coeffn"][3] == 13913.69 and d["tax_year"] == 2019
    assert isinstance(d["qf_half_share_cap"], int)
