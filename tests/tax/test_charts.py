"""The result page's pictures (taxapp/charts.py): what they draw is the engine's."""

import dataclasses

from taxapp.charts import HEIGHT, POINTS, WIDTH, income_curve, incomes, year_chart
from taxapp.tax import Dependent, Household, Person, calculate_household
from tests.tax.conftest import DATA_BY_YEAR, HOUSEHOLD_FIGURES

YEARS = {year: dataclasses.replace(data, household=HOUSEHOLD_FIGURES[year]) for year, data in DATA_BY_YEAR.items()}
COUPLE = Household("married", (Person(1980, 50000, actual_expenses=6000), Person(1982, 30000)), (Dependent(2015),))


def test_the_income_curve_goes_from_nothing_to_twice_the_incomes():
    curve = income_curve(YEARS[2026], COUPLE)
    assert len(curve.points) == POINTS
    assert (curve.points[0].income, curve.points[-1].income) == (0, 160000)
    middle = curve.points[POINTS // 2]
    assert middle.income == incomes(COUPLE) == curve.own.income
    assert (middle.due, curve.own.due) == (calculate_household(YEARS[2026], COUPLE).due,) * 2
    # the actual expenses scale with the salaries: at twice the incomes, twice the expenses
    doubled = COUPLE._replace(
        declarants=(Person(1980, 100000, actual_expenses=12000), Person(1982, 60000)),
    )
    assert curve.points[-1].due == calculate_household(YEARS[2026], doubled).due
    # more income never lowers the tax due here, and every point is inside the drawing
    dues = [p.due for p in curve.points]
    assert dues == sorted(dues)
    assert all(0 <= p.x <= WIDTH and 0 <= p.y_due <= HEIGHT and 0 <= p.y_rate <= HEIGHT for p in curve.points)
    assert curve.due_path.startswith("M72.0,") and curve.due_path.count(" L") == POINTS - 1


def test_a_household_without_income_has_no_curve():
    assert income_curve(YEARS[2026], Household("single", (Person(1990),))) is None


def test_the_years_chart_has_a_bar_per_year_with_the_engine_s_due():
    chart = year_chart(YEARS, COUPLE)
    assert [bar.year for bar in chart.bars] == sorted(YEARS)
    assert [bar.due for bar in chart.bars] == [calculate_household(YEARS[y], COUPLE).due for y in sorted(YEARS)]
    # a refund is drawn under the zero line
    refund = Household("single", (Person(1950, pension=8000),), home_employment=4000)
    bars = year_chart(YEARS, refund).bars
    assert all(bar.due < 0 for bar in bars)
    assert all(abs(bar.y - year_chart(YEARS, refund).zero_y) < 0.01 for bar in bars)
