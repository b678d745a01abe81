"""The pictures of a household's result page, as figures and as SVG geometry (docs/pages.md).

Two charts, computed with the engine (one source) and drawn by the page's template
without a script:

- **the income curve**: the amount due and the marginal rate as the household's incomes
  (salaries, unemployment, pensions, and the actual expenses with them) go from 0 to twice
  what they are, everything else as it is; the household's own point marked;
- **the years**: the same household in every tax year the server has.

Pure: no Pyramid, no SQL (the template formats the numbers in the page's language).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import NamedTuple

from .tax import Household, TaxData, calculate_household
from .tax.household import Person

POINTS = 41  # the income curve's points: 0, 5 %, …, 200 % of the household's incomes
# the drawing's box, in SVG user units (the svg scales to the page's width)
WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 72, 56, 16, 40  # room for the axes' labels


class Point(NamedTuple):
    income: int  # the household's incomes
    due: int
    rate: float  # the marginal rate
    x: float  # in the drawing
    y_due: float
    y_rate: float


class IncomeCurve(NamedTuple):
    points: tuple[Point, ...]
    own: Point  # the household's own point
    due_ticks: tuple[tuple[int, float], ...]  # (amount, y)
    rate_ticks: tuple[tuple[float, float], ...]  # (rate, y)
    income_ticks: tuple[tuple[int, float], ...]  # (income, x)
    due_path: str  # SVG path data
    rate_path: str


class YearBar(NamedTuple):
    year: int
    due: int
    x: float
    y: float  # the bar's top (or bottom, for a refund)
    height: float


class YearChart(NamedTuple):
    bars: tuple[YearBar, ...]
    bar_width: float
    zero_y: float
    due_ticks: tuple[tuple[int, float], ...]


def incomes(household: Household) -> int:
    return sum(p.salary + p.unemployment + p.pension for p in household.declarants)


def _scaled(household: Household, numerator: int, denominator: int) -> Household:
    """The household with its incomes times numerator / denominator (whole euros)."""

    def person(p: Person) -> Person:
        def scale(amount):
            return None if amount is None else amount * numerator // denominator

        return p._replace(
            salary=scale(p.salary),
            unemployment=scale(p.unemployment),
            pension=scale(p.pension),
            actual_expenses=scale(p.actual_expenses),
        )

    return household._replace(declarants=tuple(person(p) for p in household.declarants))


def _nice_step(span: float, count: int = 4) -> int:
    """A round step (1, 2 or 5 × 10^n) that cuts ``span`` in about ``count`` parts."""
    raw = max(span / count, 1)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover (the loop ends at 10)


def _ticks(low: int, high: int) -> list[int]:
    step = _nice_step(high - low)
    first = -(-low // step) * step
    return list(range(first, high + 1, step))


def _path(coordinates) -> str:
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)


def income_curve(data: TaxData, household: Household) -> IncomeCurve | None:
    """The curve, or None when the household has no income to vary."""
    total = incomes(household)
    if not total:
        return None
    raw = []
    for i in range(POINTS):
        scaled = _scaled(household, 2 * i, POINTS - 1)
        result = calculate_household(data, scaled)
        raw.append((incomes(scaled), result.due, result.income_tax.rate))
    own_result = calculate_household(data, household)
    own = (total, own_result.due, own_result.income_tax.rate)
    low_due = min(0, *(d for _, d, _ in raw))
    due_ticks = _ticks(low_due, max(1, *(d for _, d, _ in raw)))
    top_due = max(due_ticks[-1], *(d for _, d, _ in raw)) or 1
    low_due = min(due_ticks[0], low_due)
    top_rate = 0.5  # the top bracket is 45 %
    span_x = 2 * total

    def x(income):
        return LEFT + (WIDTH - LEFT - RIGHT) * income / span_x

    def y_due(due):
        return TOP + (HEIGHT - TOP - BOTTOM) * (top_due - due) / (top_due - low_due)

    def y_rate(rate):
        return TOP + (HEIGHT - TOP - BOTTOM) * (top_rate - rate) / top_rate

    points = tuple(Point(i, d, r, x(i), y_due(d), y_rate(r)) for i, d, r in raw)
    rate_line = []
    for previous, point in itertools.pairwise(points):  # the rate is a step function
        rate_line += [(previous.x, previous.y_rate), (point.x, previous.y_rate)]
    rate_line.append((points[-1].x, points[-1].y_rate))
    return IncomeCurve(
        points=points,
        own=Point(own[0], own[1], own[2], x(own[0]), y_due(own[1]), y_rate(own[2])),
        due_ticks=tuple((t, y_due(t)) for t in due_ticks if low_due <= t <= top_due),
        rate_ticks=tuple((r / 100, y_rate(r / 100)) for r in range(0, 51, 10)),
        income_ticks=tuple((t, x(t)) for t in _ticks(0, span_x)),
        due_path=_path((p.x, p.y_due) for p in points),
        rate_path=_path(rate_line),
    )


def year_chart(tax_years: Mapping[int, TaxData], household: Household) -> YearChart:
    """The household's amount due in each tax year whose household figures the server has."""
    dues = [(year, calculate_household(data, household).due) for year, data in sorted(tax_years.items())]
    low = min(0, *(d for _, d in dues))
    ticks = _ticks(low, max(1, *(d for _, d in dues)))
    top = max(ticks[-1], *(d for _, d in dues)) or 1
    low = min(ticks[0], low)
    inner = WIDTH - LEFT - RIGHT
    slot = inner / len(dues)
    width = slot * 0.6

    def y(due):
        return TOP + (HEIGHT - TOP - BOTTOM) * (top - due) / (top - low)

    zero = y(0)
    bars = []
    for i, (year, due) in enumerate(dues):
        top_y, bottom_y = sorted((y(due), zero))
        bars.append(YearBar(year, due, LEFT + slot * i + (slot - width) / 2, top_y, bottom_y - top_y))
    return YearChart(tuple(bars), width, zero, tuple((t, y(t)) for t in ticks if low <= t <= top))
